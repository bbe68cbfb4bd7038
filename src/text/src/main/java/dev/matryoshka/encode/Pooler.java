package dev.matryoshka.encode;

import java.nio.FloatBuffer;

/**
 * Turns a model's token states into one embedding: CLS or attention-masked mean pooling, then the
 * model config's optional layer norm and L2 normalisation. Kept apart from {@link
 * OnnxTextEncoder}, which only batches, pads and runs the model.
 */
final class Pooler {
  private static final float LAYER_NORM_EPS = 1e-5f;

  private Pooler() {}

  /** Pools row {@code row} of a [batch, len, dims] hidden-state buffer. */
  static float[] pool(Pooling pooling, FloatBuffer fb, int row, int len, int dims, long[] mask) {
    float[] v = new float[dims];
    int base = row * len * dims;
    if (pooling == Pooling.CLS) {
      fb.get(base, v, 0, dims);
      return v;
    }
    float[] tok = new float[dims];
    int count = 0;
    for (int t = 0; t < len; t++) {
      if (mask[row * len + t] == 0) {
        continue;
      }
      fb.get(base + t * dims, tok, 0, dims);
      for (int d = 0; d < dims; d++) {
        v[d] += tok[d];
      }
      count++;
    }
    float inv = 1f / Math.max(count, 1);
    for (int d = 0; d < dims; d++) {
      v[d] *= inv;
    }
    return v;
  }

  /** Applies the config's layer norm and normalisation, in place; returns {@code v}. */
  static float[] finish(ModelConfig c, float[] v) {
    if (c.layerNormBeforeTruncation()) {
      layerNorm(v);
    }
    if (c.normalize()) {
      l2Normalize(v);
    }
    return v;
  }

  /** Parameter-free layer norm (zero mean, unit variance), as nomic-embed applies it. */
  static void layerNorm(float[] v) {
    double mean = 0;
    for (float x : v) {
      mean += x;
    }
    mean /= v.length;
    double var = 0;
    for (float x : v) {
      var += (x - mean) * (x - mean);
    }
    var /= v.length;
    double inv = 1 / Math.sqrt(var + LAYER_NORM_EPS);
    for (int i = 0; i < v.length; i++) {
      v[i] = (float) ((v[i] - mean) * inv);
    }
  }

  /** Scales to unit length; an all-zero vector stays zero rather than becoming NaN. */
  static void l2Normalize(float[] v) {
    double sum = 0;
    for (float x : v) {
      sum += (double) x * x;
    }
    if (sum == 0) {
      return;
    }
    float inv = (float) (1 / Math.sqrt(sum));
    for (int i = 0; i < v.length; i++) {
      v[i] *= inv;
    }
  }
}
