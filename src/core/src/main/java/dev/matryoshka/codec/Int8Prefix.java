package dev.matryoshka.codec;

/**
 * int8 codes of prefixes, for {@link MatryoshkaPrefix.Encoding#INT8}.
 *
 * <p>Documents: each dimension {@code i} has a scale {@code s[i]}, the largest magnitude of that
 * dimension among the segment's prefixes, and a value becomes {@code round(127 · x / s[i])}. A
 * per-dimension scale keeps the resolution of low-variance dimensions, which matters for
 * Matryoshka spectra where the first dimensions vary far more than the last.
 *
 * <p>Queries: the dot product {@code Σ q[i] x[i] ≈ Σ (q[i] s[i]) · code[i] / 127}, so the query
 * absorbs the scales — {@code q'[i] = q[i] s[i]} — and is then coded with one scale of its own,
 * its largest magnitude. The integer dot product of the two codes is then proportional to the
 * prefix dot product (up to rounding), which is all the graph search needs: it only compares
 * scores of one query, and the full-vector rerank decides the final order and scores.
 */
final class Int8Prefix {

  private Int8Prefix() {}

  /** Accumulates the per-dimension scales over prefixes seen one by one. */
  static final class Scales {
    final float[] max;
    private final double[] sumSquares;
    private long count;

    Scales(int dims) {
      max = new float[dims];
      sumSquares = new double[dims];
    }

    void add(float[] prefix) {
      for (int i = 0; i < max.length; i++) {
        float a = Math.abs(prefix[i]);
        if (a > max[i]) {
          max[i] = a;
        }
        sumSquares[i] += (double) prefix[i] * prefix[i];
      }
      count++;
    }

    /**
     * The int4 clip values: {@value #INT4_CLIP} × the dimension's root mean square, or its largest
     * magnitude if that is smaller. Fifteen levels over the largest magnitude would spend most of
     * them on a few outliers; clipping there keeps the rounding step at about a fifth of a
     * standard deviation for the bulk of the values (the outliers are cut, and the rerank
     * corrects what that costs).
     */
    float[] int4Scales() {
      float[] out = new float[max.length];
      for (int i = 0; i < out.length; i++) {
        float rms = count == 0 ? 0f : (float) Math.sqrt(sumSquares[i] / count);
        out[i] = Math.min(max[i], INT4_CLIP * rms);
      }
      return out;
    }
  }

  /** Clip of int4 codes, in root mean squares of the dimension (see {@link Scales#int4Scales}). */
  static final float INT4_CLIP = 2.5f;

  /** Bytes of one int4 code of {@code prefixDims} dimensions: two dimensions per byte. */
  static int int4Bytes(int prefixDims) {
    return (prefixDims + 1) / 2;
  }

  /**
   * The int4 code of a document prefix: byte {@code j} holds {@code level(j) + 8} in its low four
   * bits and {@code level(j + h) + 8} in its high four bits, {@code h = int4Bytes(dims)}, each
   * level {@code round(7 · clamp(x / scale, -1, 1))}; a missing last dimension is level 0. This
   * split layout lets the kernel read a run of low nibbles and the matching run of high nibbles
   * as two contiguous runs of dimensions.
   */
  static byte[] encodeDocumentInt4(float[] prefix, float[] scales) {
    int h = int4Bytes(prefix.length);
    byte[] out = new byte[h];
    for (int j = 0; j < h; j++) {
      int lo = int4Level(prefix, scales, j) + 8;
      int hi = int4Level(prefix, scales, j + h) + 8;
      out[j] = (byte) (lo | (hi << 4));
    }
    return out;
  }

  private static int int4Level(float[] prefix, float[] scales, int i) {
    if (i >= prefix.length || scales[i] == 0) {
      return 0;
    }
    float c = Math.max(-1f, Math.min(1f, prefix[i] / scales[i]));
    return Math.round(c * 7f);
  }

  /** The code of a document prefix under {@code scales}. */
  static byte[] encodeDocument(float[] prefix, float[] scales) {
    byte[] out = new byte[prefix.length];
    for (int i = 0; i < prefix.length; i++) {
      out[i] = scales[i] == 0 ? 0 : quantize(prefix[i] / scales[i]);
    }
    return out;
  }

  /** The code of a query prefix against documents coded with {@code scales}. */
  static byte[] encodeQuery(float[] prefix, float[] scales) {
    float[] weighted = new float[prefix.length];
    float m = 0;
    for (int i = 0; i < prefix.length; i++) {
      weighted[i] = prefix[i] * scales[i];
      m = Math.max(m, Math.abs(weighted[i]));
    }
    byte[] out = new byte[prefix.length];
    if (m == 0 || !Float.isFinite(m)) {
      return out; // every document scores the same; the rerank decides
    }
    for (int i = 0; i < prefix.length; i++) {
      out[i] = quantize(weighted[i] / m);
    }
    return out;
  }

  /** {@code round(127 · clamp(x, -1, 1))}. */
  private static byte quantize(float x) {
    float c = Math.max(-1f, Math.min(1f, x));
    return (byte) Math.round(c * 127f);
  }
}
