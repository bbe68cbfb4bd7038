package dev.matryoshka.codec;

import org.apache.lucene.codecs.FilterCodec;
import org.apache.lucene.codecs.KnnVectorsFormat;
import org.apache.lucene.codecs.lucene104.Lucene104Codec;
import org.apache.lucene.codecs.perfield.PerFieldKnnVectorsFormat;

/**
 * Lucene's default codec with every vector field written by {@link MatryoshkaHnswVectorsFormat}.
 * Fields carrying the {@link MatryoshkaPrefix#PREFIX_DIMS_ATTRIBUTE} attribute get a prefix graph;
 * plain vector fields get a full-vector graph, as with Lucene's own HNSW format.
 *
 * <pre>{@code
 * new IndexWriterConfig(analyzer).setCodec(new MatryoshkaCodec());
 * }</pre>
 *
 * <p>Registered through SPI as {@value #NAME}: an index reopens with only this jar on the class
 * path. Segments read back that way search their prefix graphs within {@link
 * DecodedGraphBudget#shared()} (set its limit once per process).
 */
public final class MatryoshkaCodec extends FilterCodec {

  /** SPI name. */
  public static final String NAME = "Matryoshka104";

  private final KnnVectorsFormat vectorsFormat;
  private final KnnVectorsFormat perField =
      new PerFieldKnnVectorsFormat() {
        @Override
        public KnnVectorsFormat getKnnVectorsFormatForField(String field) {
          return vectorsFormat;
        }
      };

  /** Default graph settings; prefix lengths come from the fields. */
  public MatryoshkaCodec() {
    this(new MatryoshkaHnswVectorsFormat());
  }

  /** With a configured vectors format (graph settings, default prefix length). */
  public MatryoshkaCodec(MatryoshkaHnswVectorsFormat vectorsFormat) {
    super(NAME, new Lucene104Codec());
    this.vectorsFormat = vectorsFormat;
  }

  @Override
  public KnnVectorsFormat knnVectorsFormat() {
    return perField;
  }
}
