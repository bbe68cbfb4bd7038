package dev.matryoshka.codec;

import java.util.Arrays;
import org.apache.lucene.index.FieldInfo;
import org.apache.lucene.index.VectorSimilarityFunction;

/**
 * The one place that defines how a full vector becomes its prefix. Indexing, search, evaluation
 * and adapter training all call {@link #prefix}, so a prefix means the same thing everywhere.
 *
 * <pre>{@code
 * float[] p = MatryoshkaPrefix.prefix(full, 64, VectorSimilarityFunction.COSINE); // unit length
 * }</pre>
 */
public final class MatryoshkaPrefix {

  /** FieldInfo attribute holding the prefix dimension count a field asks for. */
  public static final String PREFIX_DIMS_ATTRIBUTE = "matryoshka.prefix_dims";

  /**
   * FieldInfo attribute holding how a field's prefix is searched: {@link Encoding#FLOAT32}
   * (default), {@link Encoding#INT8} or {@link Encoding#INT4}.
   */
  public static final String PREFIX_ENCODING_ATTRIBUTE = "matryoshka.prefix_encoding";

  /**
   * How the graph search scores prefixes. The graph is always built on float32 prefixes; with
   * {@link #INT8} the search scores one signed byte per prefix dimension instead (a quarter of
   * the bytes that must stay hot), with {@link #INT4} half a byte (an eighth), and the
   * full-vector rerank fixes the order.
   */
  public enum Encoding {
    /** float32 prefixes, 4 bytes per dimension. */
    FLOAT32("float32"),
    /**
     * int8 codes, 1 byte per dimension, each dimension scaled by its largest magnitude in the
     * segment; for similarities that compare by dot product (COSINE, DOT_PRODUCT,
     * MAXIMUM_INNER_PRODUCT). EUCLIDEAN prefixes stay float32.
     */
    INT8("int8"),
    /**
     * int4 codes, two dimensions per byte, each dimension clipped at 2.5 times its root mean
     * square in the segment (or its largest magnitude, if smaller) and rounded to one of 15
     * levels; same similarities as {@link #INT8}. Coarser: a search needs a wider oversample for
     * the same recall.
     */
    INT4("int4");

    private final String wire;

    Encoding(String wire) {
      this.wire = wire;
    }

    /** The attribute and setting value: {@code float32}, {@code int8} or {@code int4}. */
    public String wireName() {
      return wire;
    }

    /**
     * The value of the {@code prefix_quantization} settings of the CLI and the OpenSearch mapping:
     * {@code none} for float32 prefixes, else {@link #wireName()}.
     */
    public String settingName() {
      return this == FLOAT32 ? "none" : wire;
    }

    /** Whether the search scores codes (int8, int4) rather than float prefixes. */
    public boolean quantized() {
      return this != FLOAT32;
    }

    /**
     * Parses {@code float32}/{@code none}, {@code int8} or {@code int4}.
     *
     * @throws IllegalArgumentException naming the value and the choices
     */
    public static Encoding parse(String s) {
      if (s == null) {
        return FLOAT32;
      }
      return switch (s.trim().toLowerCase(java.util.Locale.ROOT)) {
        case "float32", "none", "float" -> FLOAT32;
        case "int8" -> INT8;
        case "int4" -> INT4;
        default -> throw new IllegalArgumentException(
            "prefix quantization must be none (float32), int8 or int4; got=" + s);
      };
    }

    /**
     * Whether prefixes of this similarity can be int8- or int4-coded (they are compared by dot
     * product).
     */
    public static boolean int8Supports(VectorSimilarityFunction similarity) {
      return similarity != VectorSimilarityFunction.EUCLIDEAN;
    }
  }

  /** Default prefix dimension count of a Matryoshka field. */
  public static final int DEFAULT_PREFIX_DIMS = 64;

  private MatryoshkaPrefix() {}

  /**
   * True when the prefix is rescaled to unit length: for COSINE and DOT_PRODUCT the graph
   * compares directions, and a truncated unit vector is no longer unit length.
   */
  public static boolean renormalizes(VectorSimilarityFunction similarity) {
    return similarity == VectorSimilarityFunction.COSINE
        || similarity == VectorSimilarityFunction.DOT_PRODUCT;
  }

  /**
   * Returns a new array with the first {@code dims} values of {@code full}, renormalised for
   * COSINE and DOT_PRODUCT ({@link VectorDomain#unit}: the norm in double, so any finite
   * non-zero prefix, however large or small its values, becomes a unit float32 vector). A prefix
   * whose norm is zero is returned as the first basis vector: a zero vector has no direction,
   * would score NaN under COSINE, and the full-vector rerank decides the final order anyway.
   */
  public static float[] prefix(float[] full, int dims, VectorSimilarityFunction similarity) {
    if (dims <= 0 || dims > full.length) {
      throw new IllegalArgumentException(
          "prefix dims must be in [1, " + full.length + "]; got=" + dims);
    }
    if (!renormalizes(similarity)) {
      return Arrays.copyOf(full, dims);
    }
    // the norm in double: a prefix of huge (1e38) or subnormal (1e-40) values still renormalises
    float[] p = VectorDomain.unit(full, dims);
    if (p == null) {
      p = new float[dims];
      p[0] = 1f;
    }
    return p;
  }

  /**
   * The similarity the prefix graph is searched with. Renormalised prefixes are unit length, so
   * COSINE is computed as the cheaper DOT_PRODUCT; both give the same score on unit vectors.
   */
  public static VectorSimilarityFunction graphSimilarity(VectorSimilarityFunction similarity) {
    return similarity == VectorSimilarityFunction.COSINE
        ? VectorSimilarityFunction.DOT_PRODUCT
        : similarity;
  }

  /**
   * The prefix encoding used for a field: the field's attribute when present, else the format
   * default; INT8 and INT4 fall back to FLOAT32 for EUCLIDEAN fields.
   */
  public static Encoding effectiveEncoding(FieldInfo info, Encoding formatDefault) {
    String attr = info.getAttribute(PREFIX_ENCODING_ATTRIBUTE);
    Encoding e = attr == null ? formatDefault : Encoding.parse(attr);
    return e != Encoding.FLOAT32 && !Encoding.int8Supports(info.getVectorSimilarityFunction()) ? Encoding.FLOAT32 : e;
  }

  /**
   * The prefix dimension count used for a field: the field's attribute when present, else the
   * format default; {@code 0} or anything at least the full dimension means "no prefix" (the
   * graph is built over full vectors, as in Lucene's own HNSW format).
   */
  public static int effectivePrefixDims(FieldInfo info, int formatDefault) {
    int full = info.getVectorDimension();
    String attr = info.getAttribute(PREFIX_DIMS_ATTRIBUTE);
    int wanted = formatDefault;
    if (attr != null) {
      try {
        wanted = Integer.parseInt(attr);
      } catch (NumberFormatException e) {
        throw new IllegalArgumentException(
            "field \"" + info.name + "\": attribute " + PREFIX_DIMS_ATTRIBUTE
                + " must be an integer; got=" + attr, e);
      }
    }
    return wanted <= 0 || wanted >= full ? full : wanted;
  }
}
