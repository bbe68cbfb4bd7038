package dev.matryoshka.codec;

import org.apache.lucene.index.VectorSimilarityFunction;

/**
 * The one place that decides which float32 vectors each similarity can rank, for documents and
 * queries alike: the field ({@code MatryoshkaVectorField}), the query ({@code MatryoshkaKnnQuery})
 * and the OpenSearch mapper and query builder all call {@link #document} or {@link #query}, so a
 * vector the index accepts is a vector a query accepts, and both refuse the same input with the
 * same words.
 *
 * <pre>{@code
 * // v itself, or its unit vector when v is too large or too small for float32 cosine (1e37·u)
 * float[] indexed = VectorDomain.document("embedding", v, VectorSimilarityFunction.COSINE);
 * }</pre>
 *
 * <p>Lucene scores in float32: the cosine of {@code 1e37·v} overflows in its norms (every score
 * 0.5, or NaN), and the cosine of {@code 1e-40·v} underflows them (Infinity), although both
 * vectors have a perfectly good direction. The decision, per similarity:
 *
 * <ul>
 *   <li><b>Every similarity</b>: every component must be finite (no NaN, no ±Infinity).
 *   <li><b>COSINE</b> ranks by direction only, so any finite non-zero vector has a defined
 *       ranking. A vector whose norm lies in [{@link #MIN_COSINE_NORM}, {@link #MAX_NORM}] is kept
 *       bit for bit: Lucene's float32 cosine is accurate there, and a vector read back from the
 *       index (reindexing, inspection) is the vector that was written. Outside that range the
 *       vector becomes its unit vector, its norm computed in double, which Lucene scores without
 *       overflow or underflow and with the same cosine. The zero vector has no direction and is
 *       refused.
 *   <li><b>DOT_PRODUCT, MAXIMUM_INNER_PRODUCT, EUCLIDEAN</b> score magnitudes too, so scaling would
 *       change the scores: the vector is kept as given and refused when its norm exceeds {@link
 *       #MAX_NORM}, past which scores could overflow float32. Tiny and zero vectors are accepted:
 *       their scores are finite and correctly rounded (a dot product of 1e-80 scores as 0 would),
 *       even where float32 can no longer tell two documents apart.
 * </ul>
 */
public final class VectorDomain {

  /**
   * Largest norm kept as given: 2^62 ≈ 4.6e18. For two such vectors {@code |a·b| ≤ |a||b| ≤
   * 2^124}, {@code |a|² ≤ 2^124} and {@code |a−b|² ≤ (|a|+|b|)² ≤ 2^126}, below float32's largest
   * value (≈ 2^128) with room for rounding; every partial sum is bounded the same way. Real
   * embeddings have norms near 1.
   */
  public static final float MAX_NORM = 0x1p62f;

  /**
   * Smallest COSINE norm kept as given: 2^-40 ≈ 9.1e-13. Above it the float32 sums of squares
   * and products that cosine divides stay normal floats (≥ 2^-80, far above float32's smallest
   * normal 2^-126), so the components whose squares underflow weigh less than float32's own
   * rounding.
   */
  public static final float MIN_COSINE_NORM = 0x1p-40f;

  private VectorDomain() {}

  /**
   * A document vector as the index stores it: {@code v} itself, or for COSINE outside [{@link
   * #MIN_COSINE_NORM}, {@link #MAX_NORM}] its unit vector.
   *
   * @param field names the field in messages
   * @throws IllegalArgumentException naming the field and the problem (see the class javadoc)
   */
  public static float[] document(String field, float[] v, VectorSimilarityFunction similarity) {
    return check(field, "vector", v, similarity);
  }

  /**
   * A query vector as the search scores it: {@code v} itself, or for COSINE outside [{@link
   * #MIN_COSINE_NORM}, {@link #MAX_NORM}] its unit vector.
   *
   * @param field names the field in messages
   * @throws IllegalArgumentException naming the field and the problem (see the class javadoc)
   */
  public static float[] query(String field, float[] v, VectorSimilarityFunction similarity) {
    return check(field, "query vector", v, similarity);
  }

  private static float[] check(String field, String what, float[] v, VectorSimilarityFunction similarity) {
    checkFinite(field, what, v);
    double norm = norm(v, v.length);
    if (similarity == VectorSimilarityFunction.COSINE) {
      if (norm == 0) {
        throw new IllegalArgumentException("field \"" + field + "\": the " + what
            + " is the zero vector (every component is 0 in float32), which has no direction; COSINE needs a non-zero vector");
      }
      return norm < MIN_COSINE_NORM || norm > MAX_NORM ? scale(v, v.length, 1 / norm) : v;
    }
    if (norm > MAX_NORM) {
      throw new IllegalArgumentException("field \"" + field + "\": " + what + " norm must be at most 2^62 ("
          + MAX_NORM + ") for " + similarity + ", whose scores would otherwise overflow float32; got=" + norm);
    }
    return v;
  }

  /**
   * Refuses NaN and infinite components.
   *
   * @param what names the vector in messages, e.g. {@code query vector}
   * @throws IllegalArgumentException naming the field, the position and the value
   */
  public static void checkFinite(String field, String what, float[] v) {
    for (int i = 0; i < v.length; i++) {
      if (!Float.isFinite(v[i])) {
        throw new IllegalArgumentException(
            "field \"" + field + "\": " + what + "[" + i + "] = " + v[i] + " is not a finite number");
      }
    }
  }

  /**
   * The Euclidean norm of the first {@code dims} components, in double. No scaling is needed: a
   * float32 squared lies between 2e-90 and 1.2e77, so the sum of any number of them stays far
   * inside double's normal range (1e±308) and keeps double's precision, subnormal inputs included.
   */
  public static double norm(float[] v, int dims) {
    double sum = 0;
    for (int i = 0; i < dims; i++) {
      sum += (double) v[i] * v[i];
    }
    return Math.sqrt(sum);
  }

  /**
   * The first {@code dims} components scaled to unit length (in double, rounded once to float32),
   * or null when they are all zero or not finite.
   */
  public static float[] unit(float[] v, int dims) {
    double norm = norm(v, dims);
    return norm > 0 && Double.isFinite(norm) ? scale(v, dims, 1 / norm) : null;
  }

  private static float[] scale(float[] v, int dims, double factor) {
    float[] out = new float[dims];
    for (int i = 0; i < dims; i++) {
      out[i] = (float) (v[i] * factor);
    }
    return out;
  }
}
