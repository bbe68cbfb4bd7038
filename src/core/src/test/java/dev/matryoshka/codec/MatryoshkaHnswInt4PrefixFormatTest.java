package dev.matryoshka.codec;

import org.apache.lucene.codecs.Codec;
import org.apache.lucene.tests.index.BaseKnnVectorsFormatTestCase;

/**
 * Lucene's vectors-format test suite with int4 prefixes by default (4-dim prefixes, so nearly
 * every random field is stored as full vectors, float prefixes for the graph build, and int4
 * codes the search scores; EUCLIDEAN fields keep float prefixes).
 */
public class MatryoshkaHnswInt4PrefixFormatTest extends BaseKnnVectorsFormatTestCase {

  @Override
  protected Codec getCodec() {
    return new MatryoshkaCodec(new MatryoshkaHnswVectorsFormat(4, 16, 100, MatryoshkaPrefix.Encoding.INT4));
  }

  @Override
  protected boolean supportsFloatVectorFallback() {
    // the codes are a search aid beside the full vectors, which stay the primary data
    return false;
  }

  public void testToStringNamesTheEncoding() {
    String s = new MatryoshkaHnswVectorsFormat(32, 12, 90, MatryoshkaPrefix.Encoding.INT4).toString();
    assertTrue(s, s.contains("defaultEncoding=int4"));
  }
}
