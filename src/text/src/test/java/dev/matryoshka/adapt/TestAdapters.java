package dev.matryoshka.adapt;

import java.util.Random;

/** Adapters with known weights, for tests outside this package. */
public final class TestAdapters {
  private TestAdapters() {}

  /**
   * A linear, L2-normalising adapter {@code x -> normalise((I + noise) x)}: not orthogonal, so
   * it changes cosines, and a test can tell whether it was applied.
   */
  public static Adapter linear(int dims, double noise, long seed) {
    Random r = new Random(seed);
    float[] w = new float[dims * dims];
    for (int i = 0; i < dims; i++) {
      for (int j = 0; j < dims; j++) {
        w[i * dims + j] = (float) ((i == j ? 1 : 0) + noise * r.nextGaussian());
      }
    }
    LearnedAdapter.Info info = new LearnedAdapter.Info(new int[] {dims / 2, dims}, 0, 0, 0, seed);
    return new LearnedAdapter("test-model", dims, 0, true, w, new float[dims], new float[0], new float[0], new float[0], info);
  }
}
