package dev.matryoshka.reindex;

import java.util.List;

/** A deterministic stand-in encoder: a seeded vector per text, so tests need no model. */
final class FakeEncoder implements DocumentEncoder {
  final int dims;
  int texts;

  FakeEncoder(int dims) {
    this.dims = dims;
  }

  static float[] vector(String text, int dims) {
    java.util.SplittableRandom r = new java.util.SplittableRandom(text.hashCode());
    float[] v = new float[dims];
    for (int i = 0; i < dims; i++) v[i] = (float) (r.nextDouble() - 0.5) / (1 + i);
    return v;
  }

  @Override
  public String name() {
    return "fake";
  }

  @Override
  public String fingerprint() {
    return "fake-fp";
  }

  @Override
  public int dims() {
    return dims;
  }

  @Override
  public float[][] encode(List<String> in) {
    texts += in.size();
    float[][] out = new float[in.size()][];
    for (int i = 0; i < out.length; i++) out[i] = vector(in.get(i), dims);
    return out;
  }

  @Override
  public void close() {}
}
