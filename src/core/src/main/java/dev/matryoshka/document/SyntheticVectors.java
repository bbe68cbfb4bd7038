package dev.matryoshka.document;

import java.util.SplittableRandom;

/**
 * Seeded synthetic embeddings with a Matryoshka-like spectrum: the variance of dimension i is
 * proportional to 1/(1+i), around a set of cluster centres, so early dimensions carry most of
 * the information as in models trained with a Matryoshka loss. Vectors are unit length.
 *
 * <pre>{@code
 * float[][] docs = SyntheticVectors.generate(20_000, 256, 64, 42L);
 * }</pre>
 */
public final class SyntheticVectors {
  private SyntheticVectors() {}

  /**
   * @param n number of vectors
   * @param dims dimensions
   * @param clusters number of cluster centres (≥ 1)
   * @param seed random seed; the same arguments always give the same vectors
   */
  public static float[][] generate(int n, int dims, int clusters, long seed) {
    if (n < 0 || dims <= 0 || clusters <= 0) {
      throw new IllegalArgumentException(
          "need n >= 0, dims > 0, clusters > 0; got n=" + n + ", dims=" + dims + ", clusters=" + clusters);
    }
    SplittableRandom centreRandom = new SplittableRandom(seed);
    float[][] centres = new float[clusters][dims];
    double[] sigma = new double[dims];
    for (int i = 0; i < dims; i++) {
      sigma[i] = Math.sqrt(1.0 / (1 + i));
    }
    for (float[] c : centres) {
      for (int i = 0; i < dims; i++) {
        c[i] = (float) (gaussian(centreRandom) * sigma[i]);
      }
    }
    float[][] out = new float[n][];
    SplittableRandom r = new SplittableRandom(seed * 31 + 7);
    for (int j = 0; j < n; j++) {
      float[] c = centres[r.nextInt(clusters)];
      float[] v = new float[dims];
      double norm = 0;
      for (int i = 0; i < dims; i++) {
        v[i] = (float) (c[i] + 0.5 * gaussian(r) * sigma[i]);
        norm += (double) v[i] * v[i];
      }
      float inv = (float) (1 / Math.sqrt(norm));
      for (int i = 0; i < dims; i++) {
        v[i] *= inv;
      }
      out[j] = v;
    }
    return out;
  }

  private static double gaussian(SplittableRandom r) {
    // Box-Muller: SplittableRandom has no nextGaussian on every JDK we support
    double u = 1 - r.nextDouble();
    double v = r.nextDouble();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
  }
}
