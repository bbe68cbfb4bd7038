package dev.matryoshka.bench;

import java.io.IOException;
import org.apache.lucene.codecs.KnnVectorsFormat;
import org.apache.lucene.codecs.KnnVectorsReader;
import org.apache.lucene.codecs.KnnVectorsWriter;
import org.apache.lucene.codecs.hnsw.FlatVectorScorerUtil;
import org.apache.lucene.codecs.lucene99.Lucene99FlatVectorsFormat;
import org.apache.lucene.index.SegmentReadState;
import org.apache.lucene.index.SegmentWriteState;

/**
 * Full float vectors stored flat ({@link Lucene99FlatVectorsFormat}: {@code .vec}, {@code .vemf}),
 * no graph: the rerank field of {@code lucene-sq-prefix-rescore}, read only through {@code
 * getFloatVectorValues}. Registered by SPI under its own name, since Lucene registers no flat-only
 * format; approximate search on it finds nothing.
 */
public final class FlatFullVectorsFormat extends KnnVectorsFormat {
  /** SPI name, written in each segment's field attributes. */
  public static final String NAME = "MatryoshkaBenchFlatFullVectors";

  private final Lucene99FlatVectorsFormat flat =
      new Lucene99FlatVectorsFormat(FlatVectorScorerUtil.getLucene99FlatVectorsScorer());

  /** For SPI. */
  public FlatFullVectorsFormat() {
    super(NAME);
  }

  @Override
  public KnnVectorsWriter fieldsWriter(SegmentWriteState state) throws IOException {
    return flat.fieldsWriter(state);
  }

  @Override
  public KnnVectorsReader fieldsReader(SegmentReadState state) throws IOException {
    return flat.fieldsReader(state);
  }

  @Override
  public int getMaxDimensions(String fieldName) {
    return WideVectorsFormat.MAX_DIMENSIONS;
  }

  @Override
  public String toString() {
    return NAME + "(" + flat + ")";
  }
}
