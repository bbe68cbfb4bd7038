package dev.matryoshka.adapt;

import java.util.Arrays;
import java.util.Random;

/** Test data whose information is spread over all dims, and neighbour-recall measurement. */
public final class Synthetic {
  private Synthetic() {}

  /**
   * L2-normalised vectors with a decaying spectrum (std of latent dim i is decay^i) mixed by a
   * random orthogonal matrix (the same for every seed, so samples of one "model" share it), so
   * the raw first dims hold no more than their share of it.
   */
  public static float[][] mixedDecaying(int n, int dims, double decay, long seed) {
    Random random = new Random(seed);
    double[][] q = SymmetricEigenTest.randomOrthogonal(dims, new Random(dims * 31L));
    float[][] out = new float[n][dims];
    double[] z = new double[dims];
    for (int r = 0; r < n; r++) {
      for (int i = 0; i < dims; i++) {
        z[i] = random.nextGaussian() * Math.pow(decay, i);
      }
      double norm = 0;
      double[] x = new double[dims];
      for (int i = 0; i < dims; i++) {
        double zi = z[i];
        for (int j = 0; j < dims; j++) {
          x[j] += zi * q[i][j];
        }
      }
      for (double v : x) {
        norm += v * v;
      }
      norm = Math.sqrt(norm);
      for (int j = 0; j < dims; j++) {
        out[r][j] = (float) (x[j] / norm);
      }
    }
    return out;
  }

  public static double dot(float[] a, float[] b, int dims) {
    double s = 0;
    for (int i = 0; i < dims; i++) {
      s += (double) a[i] * b[i];
    }
    return s;
  }

  public static int[] topK(float[][] corpus, float[] query, int dims, int k, int exclude) {
    double qn = Math.sqrt(dot(query, query, dims));
    double[] scores = new double[corpus.length];
    Integer[] ids = new Integer[corpus.length];
    for (int i = 0; i < corpus.length; i++) {
      double dn = Math.sqrt(dot(corpus[i], corpus[i], dims));
      scores[i] = i == exclude ? Double.NEGATIVE_INFINITY : dot(corpus[i], query, dims) / (qn * dn + 1e-30);
      ids[i] = i;
    }
    Arrays.sort(ids, (a, b) -> Double.compare(scores[b], scores[a]));
    int[] top = new int[k];
    for (int i = 0; i < k; i++) {
      top[i] = ids[i];
    }
    return top;
  }

  /**
   * Mean recall@k of cosine neighbours on the renormalised {@code prefixDims}-prefix of {@code
   * transformed}, against full-dim neighbours on {@code original}, for the first {@code queries}
   * vectors (each excluded from its own results).
   */
  public static double prefixRecall(float[][] original, float[][] transformed, int prefixDims, int k, int queries) {
    double sum = 0;
    for (int q = 0; q < queries; q++) {
      int[] truth = topK(original, original[q], original[q].length, k, q);
      int[] got = topK(transformed, transformed[q], prefixDims, k, q);
      int hit = 0;
      for (int t : truth) {
        for (int g : got) {
          if (t == g) {
            hit++;
            break;
          }
        }
      }
      sum += (double) hit / k;
    }
    return sum / queries;
  }
}
