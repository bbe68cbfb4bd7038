package dev.matryoshka.codec;

import org.apache.lucene.codecs.Codec;
import org.apache.lucene.tests.index.BaseKnnVectorsFormatTestCase;

/**
 * The same suite with the codec's out-of-the-box setting (no default prefix): plain vector fields
 * must behave exactly like Lucene's own HNSW format.
 */
public class MatryoshkaHnswFullPrefixFormatTest extends BaseKnnVectorsFormatTestCase {

  @Override
  protected Codec getCodec() {
    return new MatryoshkaCodec();
  }

  @Override
  protected boolean supportsFloatVectorFallback() {
    return false;
  }
}
