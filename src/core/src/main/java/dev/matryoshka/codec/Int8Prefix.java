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

    Scales(int dims) {
      max = new float[dims];
    }

    void add(float[] prefix) {
      for (int i = 0; i < max.length; i++) {
        float a = Math.abs(prefix[i]);
        if (a > max[i]) {
          max[i] = a;
        }
      }
    }
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
