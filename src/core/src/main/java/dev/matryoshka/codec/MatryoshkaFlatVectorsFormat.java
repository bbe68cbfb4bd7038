package dev.matryoshka.codec;

import java.io.IOException;
import java.util.List;
import org.apache.lucene.codecs.hnsw.FlatVectorScorerUtil;
import org.apache.lucene.codecs.hnsw.FlatVectorsFormat;
import org.apache.lucene.codecs.hnsw.FlatVectorsReader;
import org.apache.lucene.codecs.hnsw.FlatVectorsScorer;
import org.apache.lucene.codecs.hnsw.FlatVectorsWriter;
import org.apache.lucene.codecs.lucene99.Lucene99FlatVectorsFormat;
import org.apache.lucene.index.SegmentReadState;
import org.apache.lucene.index.SegmentWriteState;
import org.apache.lucene.index.VectorSimilarityFunction;

/**
 * Flat storage of a Matryoshka field: the full float32 vectors through Lucene's own {@link
 * Lucene99FlatVectorsFormat} and, beside them, each vector's renormalised prefix. The prefix is
 * what the HNSW graph is built and searched on; the full vectors are what {@code
 * getFloatVectorValues} returns, so exact search and rescoring see full precision. This mirrors
 * how Lucene's scalar-quantized formats keep raw vectors next to a cheaper searchable form.
 *
 * <p>Used only inside {@link MatryoshkaHnswVectorsFormat}; see that class for the on-disk layout
 * of the prefix files ({@value #META_EXTENSION}, {@value #DATA_EXTENSION}).
 */
public final class MatryoshkaFlatVectorsFormat extends FlatVectorsFormat {

  static final String NAME = "MatryoshkaFlatVectorsFormat";
  static final String META_CODEC_NAME = "MatryoshkaPrefixMeta";
  static final String DATA_CODEC_NAME = "MatryoshkaPrefixData";
  static final String META_EXTENSION = "mpm";
  static final String DATA_EXTENSION = "mpv";
  /** Key of the int8 codes in {@code getOffHeapByteSize} (they are stored in {@code .mpv}). */
  static final String CODES_KEY = "mpv-int8";
  /** Key of the int4 codes in {@code getOffHeapByteSize}. */
  static final String INT4_CODES_KEY = "mpv-int4";
  static final int VERSION_START = 0;
  /** Adds the encoding byte per field and int8 prefix codes in {@code .mpv}. */
  static final int VERSION_INT8 = 1;
  /** Adds int4 prefix codes (encoding byte 2). */
  static final int VERSION_INT4 = 2;
  static final int VERSION_CURRENT = VERSION_INT4;
  static final byte ENCODING_FLOAT32 = 0;
  static final byte ENCODING_INT8 = 1;
  static final byte ENCODING_INT4 = 2;
  static final int DIRECT_MONOTONIC_BLOCK_SHIFT = 16;

  /**
   * Wire numbers of similarity functions: a fixed list, never enum ordinals. Not a names table
   * (user-facing names live in {@code dev.matryoshka.index.SimilarityName}): these numbers are part of
   * the on-disk format, as in Lucene's own formats, and change only with a new format version.
   */
  static final List<VectorSimilarityFunction> SIMILARITIES =
      List.of(
          VectorSimilarityFunction.EUCLIDEAN,
          VectorSimilarityFunction.DOT_PRODUCT,
          VectorSimilarityFunction.COSINE,
          VectorSimilarityFunction.MAXIMUM_INNER_PRODUCT);

  /** SIMD-capable scorer Lucene uses for its own float vectors (Panama when available). */
  static final FlatVectorsScorer SCORER = FlatVectorScorerUtil.getLucene99FlatVectorsScorer();

  private final int defaultPrefixDims;
  private final MatryoshkaPrefix.Encoding defaultEncoding;
  private final Lucene99FlatVectorsFormat rawFormat = new Lucene99FlatVectorsFormat(SCORER);

  /**
   * @param defaultPrefixDims prefix length for fields without the {@link
   *     MatryoshkaPrefix#PREFIX_DIMS_ATTRIBUTE} attribute; 0 means the full vector
   */
  public MatryoshkaFlatVectorsFormat(int defaultPrefixDims) {
    this(defaultPrefixDims, MatryoshkaPrefix.Encoding.FLOAT32);
  }

  /**
   * @param defaultPrefixDims as {@link #MatryoshkaFlatVectorsFormat(int)}
   * @param defaultEncoding prefix encoding for fields without the {@link
   *     MatryoshkaPrefix#PREFIX_ENCODING_ATTRIBUTE} attribute
   */
  public MatryoshkaFlatVectorsFormat(int defaultPrefixDims, MatryoshkaPrefix.Encoding defaultEncoding) {
    super(NAME);
    this.defaultEncoding = java.util.Objects.requireNonNull(defaultEncoding);
    if (defaultPrefixDims < 0) {
      throw new IllegalArgumentException(
          "defaultPrefixDims must be >= 0 (0 = full vector); got=" + defaultPrefixDims);
    }
    this.defaultPrefixDims = defaultPrefixDims;
  }

  @Override
  public FlatVectorsWriter fieldsWriter(SegmentWriteState state) throws IOException {
    return new MatryoshkaFlatVectorsWriter(
        state, defaultPrefixDims, defaultEncoding, rawFormat.fieldsWriter(state), new BufferedPrefixScorer(SCORER));
  }

  @Override
  public FlatVectorsReader fieldsReader(SegmentReadState state) throws IOException {
    return new MatryoshkaFlatVectorsReader(state, rawFormat.fieldsReader(state), SCORER);
  }

  @Override
  public String toString() {
    return NAME + "(defaultPrefixDims=" + defaultPrefixDims + ", defaultEncoding=" + defaultEncoding.wireName()
        + ", raw=" + rawFormat + ")";
  }
}
