package dev.matryoshka.eval;

import java.util.Objects;

/**
 * Matryoshka prefix helper: keeps the first {@code dims} components of a vector and rescales them
 * to unit L2 length.
 *
 * <p>The same function has to be used at training, indexing, search and evaluation time, or the
 * numbers measured here would not describe the index. It lives in {@code eval} for now and will be
 * swapped for the codec's helper once that exists.
 *
 * <pre>{@code
 * float[] p = Prefix.truncateAndNormalize(fullVector, 64); // p.length == 64, |p| == 1
 * }</pre>
 */
public final class Prefix {
  private Prefix() {}

  /**
   * Returns a new array with the first {@code dims} components of {@code v}, scaled to unit L2
   * norm. A prefix that is all zeros is returned as zeros: it has no direction to keep, and
   * returning NaN would poison every score computed from it.
   *
   * @throws IllegalArgumentException if {@code dims} is not in {@code 1..v.length} or {@code v}
   *     holds a NaN or infinite component
   */
  public static float[] truncateAndNormalize(float[] v, int dims) {
    Objects.requireNonNull(v, "v");
    if (dims < 1 || dims > v.length) {
      throw new IllegalArgumentException(
          "dims must be in 1.." + v.length + " (the vector's dimension); got=" + dims);
    }
    float[] out = new float[dims];
    // accumulate in double: float sums of 1,000+ squares lose the last digits we compare on
    double sum = 0;
    for (int i = 0; i < dims; i++) {
      float x = v[i];
      if (!Float.isFinite(x)) {
        throw new IllegalArgumentException("vector component " + i + " is not finite: " + x);
      }
      out[i] = x;
      sum += (double) x * x;
    }
    // the codec's function, so evaluation truncates exactly as indexing and search do
    return sum > 0
        ? dev.matryoshka.codec.MatryoshkaPrefix.prefix(v, dims, org.apache.lucene.index.VectorSimilarityFunction.COSINE)
        : out;
  }

  /**
   * Applies {@link #truncateAndNormalize(float[], int)} to every row.
   *
   * @throws IllegalArgumentException naming the row if one row is invalid
   */
  public static float[][] truncateAndNormalize(float[][] rows, int dims) {
    Objects.requireNonNull(rows, "rows");
    float[][] out = new float[rows.length][];
    for (int r = 0; r < rows.length; r++) {
      try {
        out[r] = truncateAndNormalize(Objects.requireNonNull(rows[r], "row " + r), dims);
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException("row " + r + ": " + e.getMessage(), e);
      }
    }
    return out;
  }
}
