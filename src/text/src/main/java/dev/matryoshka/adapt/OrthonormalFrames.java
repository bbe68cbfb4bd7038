package dev.matryoshka.adapt;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Orthonormal frames: the geometry under {@link FrameOptimiser}, kept apart from the loss ({@link
 * RotationObjective}).
 * A frame is a few orthonormal rows in the embedding space; this class projects vectors onto it,
 * keeps a gradient step on the set of such frames (tangent projection, Gram-Schmidt retraction),
 * and completes a trained frame into a full {@link RotationAdapter}.
 */
final class OrthonormalFrames {
  private OrthonormalFrames() {}

  /** Removes from each row of {@code grad} its component that would leave the frame orthonormal to first order. */
  static void tangent(double[][] grad, double[][] frame) {
    int p = frame.length;
    double[][] gp = new double[p][p];
    for (int i = 0; i < p; i++) {
      for (int j = 0; j < p; j++) {
        gp[i][j] = dot(grad[i], frame[j]);
      }
    }
    for (int i = 0; i < p; i++) {
      double[] gi = grad[i];
      for (int j = 0; j < p; j++) {
        double c = 0.5 * (gp[i][j] + gp[j][i]);
        double[] fj = frame[j];
        for (int k = 0; k < gi.length; k++) {
          gi[k] -= c * fj[k];
        }
      }
    }
  }

  /** Modified Gram-Schmidt on the rows, in order. */
  static void orthonormalize(double[][] rows) {
    for (int i = 0; i < rows.length; i++) {
      double[] ri = rows[i];
      for (int j = 0; j < i; j++) {
        double d = dot(ri, rows[j]);
        double[] rj = rows[j];
        for (int k = 0; k < ri.length; k++) {
          ri[k] -= d * rj[k];
        }
      }
      double norm = Math.sqrt(dot(ri, ri));
      if (!(norm > 1e-12)) {
        throw new IllegalStateException("frame lost rank at row " + i);
      }
      for (int k = 0; k < ri.length; k++) {
        ri[k] /= norm;
      }
    }
  }

  /**
   * The trained rows, then the centred PCA of the document variance they leave out: an
   * orthonormal basis B of the frame's complement (the covariance's eigenvectors in variance
   * order, projected off the frame and Gram-Schmidt'ed; a basis of the whole space, so it always
   * yields n - p rows), then the eigenvectors of B C B^T mapped back. Working inside the complement
   * keeps the frame's zero-variance directions out of the eigenproblem, so a rank-deficient pool
   * cannot mix them into the tail.
   */
  static RotationAdapter completeToRotation(double[][] frame, double[][] cov, String fingerprint,
      RotationAdapter.Fit fit) {
    int n = cov.length;
    int p = frame.length;
    double[][] pca = SymmetricEigen.decompose(copy(cov)).vectors;
    List<double[]> accepted = new ArrayList<>(Arrays.asList(frame));
    List<double[]> basis = new ArrayList<>();
    for (int i = 0; i < n && basis.size() < n - p; i++) {
      double[] v = pca[i].clone();
      for (int pass = 0; pass < 2; pass++) { // twice: re-orthogonalise against rounding
        for (double[] a : accepted) {
          double d = dot(v, a);
          for (int k = 0; k < n; k++) {
            v[k] -= d * a[k];
          }
        }
      }
      double norm = Math.sqrt(dot(v, v));
      if (norm > 1e-6) {
        for (int k = 0; k < n; k++) {
          v[k] /= norm;
        }
        accepted.add(v);
        basis.add(v);
      }
    }
    if (basis.size() != n - p) {
      throw new IllegalStateException("complement of the trained frame has " + basis.size() + " directions, expected "
          + (n - p));
    }
    int m = n - p;
    double[][] inner = new double[m][m]; // B C B^T
    double[][] cb = new double[m][];
    for (int i = 0; i < m; i++) {
      double[] bi = basis.get(i);
      cb[i] = new double[n];
      for (int k = 0; k < n; k++) {
        cb[i][k] = dot(cov[k], bi);
      }
    }
    for (int i = 0; i < m; i++) {
      for (int j = i; j < m; j++) {
        inner[i][j] = dot(basis.get(i), cb[j]);
        inner[j][i] = inner[i][j];
      }
    }
    double[][] v = SymmetricEigen.decompose(inner).vectors;
    double[][] rows = new double[n][];
    for (int r = 0; r < p; r++) {
      rows[r] = frame[r].clone();
    }
    for (int r = 0; r < m; r++) {
      double[] row = new double[n];
      for (int j = 0; j < m; j++) {
        double w = v[r][j];
        double[] bj = basis.get(j);
        for (int k = 0; k < n; k++) {
          row[k] += w * bj[k];
        }
      }
      rows[p + r] = row;
    }
    orthonormalize(rows); // removes rounding only: the rows are orthonormal by construction
    float[] matrix = new float[n * n];
    float[] variances = new float[n];
    for (int r = 0; r < n; r++) {
      double[] cr = new double[n];
      for (int j = 0; j < n; j++) {
        cr[j] = dot(cov[j], rows[r]);
      }
      variances[r] = (float) Math.max(0, dot(rows[r], cr));
      for (int j = 0; j < n; j++) {
        matrix[r * n + j] = (float) rows[r][j];
      }
    }
    return new RotationAdapter(fingerprint, n, true, fit, matrix, variances);
  }

  static float[][] toFloat(double[][] m) {
    float[][] out = new float[m.length][m[0].length];
    for (int i = 0; i < m.length; i++) {
      for (int j = 0; j < m[0].length; j++) {
        out[i][j] = (float) m[i][j];
      }
    }
    return out;
  }

  static float[] project(float[] x, float[][] frame) {
    float[] out = new float[frame.length];
    for (int r = 0; r < frame.length; r++) {
      out[r] = exactDot(x, frame[r]);
    }
    return out;
  }

  static float[][] project(float[][] xs, float[][] frame) {
    float[][] out = new float[xs.length][];
    for (int i = 0; i < xs.length; i++) {
      out[i] = project(xs[i], frame);
    }
    return out;
  }

  /**
   * A dot product with a fixed summation order. Not Lucene's {@code VectorUtil}: its vectorised
   * code sums in a different order before and after the JIT compiles it, so the last bits of the
   * trained frame would depend on compilation timing and the same inputs would not give the same
   * adapter bytes in every JVM (seen: two runs, identical losses, files differing in the last bits).
   */
  static float exactDot(float[] a, float[] b) {
    double s0 = 0;
    double s1 = 0;
    double s2 = 0;
    double s3 = 0;
    int i = 0;
    for (; i + 3 < a.length; i += 4) {
      s0 += (double) a[i] * b[i];
      s1 += (double) a[i + 1] * b[i + 1];
      s2 += (double) a[i + 2] * b[i + 2];
      s3 += (double) a[i + 3] * b[i + 3];
    }
    for (; i < a.length; i++) {
      s0 += (double) a[i] * b[i];
    }
    return (float) ((s0 + s1) + (s2 + s3));
  }

  static double dot(double[] a, double[] b) {
    double s = 0;
    for (int i = 0; i < a.length; i++) {
      s += a[i] * b[i];
    }
    return s;
  }

  static double[][] copy(double[][] m) {
    double[][] out = new double[m.length][];
    for (int i = 0; i < m.length; i++) {
      out[i] = m[i].clone();
    }
    return out;
  }
}
