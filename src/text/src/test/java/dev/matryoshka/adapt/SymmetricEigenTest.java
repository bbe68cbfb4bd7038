package dev.matryoshka.adapt;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;

class SymmetricEigenTest {

  /** A random orthogonal matrix (rows orthonormal) from Gram-Schmidt on Gaussian rows. */
  static double[][] randomOrthogonal(int n, Random random) {
    double[][] q = new double[n][n];
    for (int i = 0; i < n; i++) {
      for (int j = 0; j < n; j++) {
        q[i][j] = random.nextGaussian();
      }
      // Two passes of Gram-Schmidt keep orthogonality at machine precision.
      for (int pass = 0; pass < 2; pass++) {
        for (int k = 0; k < i; k++) {
          double d = SymmetricEigen.dot(q[i], q[k], 0, n);
          for (int j = 0; j < n; j++) {
            q[i][j] -= d * q[k][j];
          }
        }
      }
      double norm = Math.sqrt(SymmetricEigen.dot(q[i], q[i], 0, n));
      for (int j = 0; j < n; j++) {
        q[i][j] /= norm;
      }
    }
    return q;
  }

  /** A = U^T diag(lambda) U for orthogonal U (rows = eigenvectors). */
  static double[][] withEigenvalues(double[][] u, double[] lambda) {
    int n = lambda.length;
    double[][] a = new double[n][n];
    for (int k = 0; k < n; k++) {
      for (int i = 0; i < n; i++) {
        double s = lambda[k] * u[k][i];
        for (int j = 0; j < n; j++) {
          a[i][j] += s * u[k][j];
        }
      }
    }
    for (int i = 0; i < n; i++) {
      for (int j = 0; j < i; j++) {
        a[i][j] = a[j][i]; // exact symmetry despite summation order
      }
    }
    return a;
  }

  static double[][] copy(double[][] a) {
    return Arrays.stream(a).map(double[]::clone).toArray(double[][]::new);
  }

  static void assertOrthonormalRows(double[][] v, double tolerance) {
    int n = v.length;
    double worst = 0;
    for (int i = 0; i < n; i++) {
      for (int j = i; j < n; j++) {
        double d = SymmetricEigen.dot(v[i], v[j], 0, n);
        worst = Math.max(worst, Math.abs(d - (i == j ? 1 : 0)));
      }
    }
    assertTrue(worst <= tolerance, "Q^T Q deviates from I by " + worst);
  }

  static double residual(double[][] a, SymmetricEigen eig) {
    int n = a.length;
    double worst = 0;
    for (int k = 0; k < n; k++) {
      for (int i = 0; i < n; i++) {
        double av = SymmetricEigen.dot(a[i], eig.vectors[k], 0, n);
        worst = Math.max(worst, Math.abs(av - eig.values[k] * eig.vectors[k][i]));
      }
    }
    return worst;
  }

  @Test
  void recoversKnownSpectrumAndOrthogonalVectors() {
    Random random = new Random(7);
    int n = 120;
    double[] lambda = new double[n];
    for (int i = 0; i < n; i++) {
      lambda[i] = Math.exp(-i / 12.0) * (i % 3 == 0 ? 1 : 0.5) - (i % 17 == 0 ? 0.3 : 0);
    }
    double[][] a = withEigenvalues(randomOrthogonal(n, random), lambda);
    SymmetricEigen eig = SymmetricEigen.decompose(copy(a));
    double[] expected = lambda.clone();
    Arrays.sort(expected);
    for (int i = 0; i < n; i++) {
      assertEquals(expected[n - 1 - i], eig.values[i], 1e-12, "eigenvalue " + i);
    }
    assertOrthonormalRows(eig.vectors, 1e-9);
    assertTrue(residual(a, eig) < 1e-12, "residual " + residual(a, eig));
  }

  @Test
  void laplacianHasClosedFormEigenvalues() {
    int n = 384;
    double[][] a = new double[n][n];
    for (int i = 0; i < n; i++) {
      a[i][i] = 2;
      if (i > 0) {
        a[i][i - 1] = -1;
        a[i - 1][i] = -1;
      }
    }
    SymmetricEigen eig = SymmetricEigen.decompose(copy(a));
    for (int k = 1; k <= n; k++) {
      double expected = 2 - 2 * Math.cos(Math.PI * (n + 1 - k) / (n + 1)); // descending
      assertEquals(expected, eig.values[k - 1], 1e-11);
    }
    assertOrthonormalRows(eig.vectors, 1e-9);
  }

  @Test
  void projectedCovarianceWithAZeroClusterConverges() {
    // (I - F^T F) C (I - F^T F) for a sample covariance C and a 128-row orthonormal F: 128
    // eigenvalues are zero up to rounding noise as large as themselves (the supervised rotation
    // builds exactly this). A purely local deflation test never converged on it.
    Random random = new Random(1);
    int n = 384;
    double[][] c = new double[n][n];
    double[] x = new double[n];
    for (int s = 0; s < 3000; s++) {
      for (int j = 0; j < n; j++) x[j] = random.nextGaussian() / Math.sqrt(1 + j);
      for (int i = 0; i < n; i++) for (int j = 0; j < n; j++) c[i][j] += x[i] * x[j] / 3000;
    }
    double[][] f = new double[128][n];
    for (double[] row : f) for (int j = 0; j < n; j++) row[j] = random.nextGaussian();
    OrthonormalFrames.orthonormalize(f);
    double[][] q = new double[n][n];
    for (int i = 0; i < n; i++) q[i][i] = 1;
    for (double[] row : f) for (int i = 0; i < n; i++) for (int j = 0; j < n; j++) q[i][j] -= row[i] * row[j];
    double[][] a = multiply(multiply(q, c), q);
    SymmetricEigen eig = SymmetricEigen.decompose(copy(a));
    assertOrthonormalRows(eig.vectors, 1e-9);
    assertTrue(residual(a, eig) < 1e-12, "residual " + residual(a, eig));
    for (int i = n - 128; i < n; i++) {
      assertEquals(0.0, eig.values[i], 1e-12, "eigenvalue " + i);
    }
  }

  private static double[][] multiply(double[][] a, double[][] b) {
    int n = a.length;
    double[][] out = new double[n][n];
    for (int i = 0; i < n; i++) for (int k = 0; k < n; k++) for (int j = 0; j < n; j++) out[i][j] += a[i][k] * b[k][j];
    return out;
  }

  @Test
  void dense384WithRepeatedEigenvalues() {
    Random random = new Random(3);
    int n = 384;
    double[] lambda = new double[n];
    for (int i = 0; i < n; i++) {
      lambda[i] = i < 10 ? 5.0 : (i < 200 ? 1.0 / (1 + i) : 0.0); // repeated 5s and 0s
    }
    double[][] a = withEigenvalues(randomOrthogonal(n, random), lambda);
    SymmetricEigen eig = SymmetricEigen.decompose(copy(a));
    for (int i = 0; i < 10; i++) {
      assertEquals(5.0, eig.values[i], 1e-11);
    }
    assertEquals(0.0, eig.values[n - 1], 1e-11);
    assertOrthonormalRows(eig.vectors, 1e-9);
    assertTrue(residual(a, eig) < 1e-11, "residual " + residual(a, eig));
  }

  @Test
  void deterministicWithPositiveLargestComponent() {
    Random random = new Random(11);
    int n = 50;
    double[] lambda = new double[n];
    for (int i = 0; i < n; i++) {
      lambda[i] = random.nextDouble();
    }
    double[][] a = withEigenvalues(randomOrthogonal(n, random), lambda);
    SymmetricEigen first = SymmetricEigen.decompose(copy(a));
    SymmetricEigen second = SymmetricEigen.decompose(copy(a));
    assertArrayEquals(first.values, second.values);
    for (int i = 0; i < n; i++) {
      assertArrayEquals(first.vectors[i], second.vectors[i]);
      double max = 0;
      double signed = 0;
      for (double x : first.vectors[i]) {
        if (Math.abs(x) > max) {
          max = Math.abs(x);
          signed = x;
        }
      }
      assertTrue(signed > 0);
    }
  }

  @Test
  void tinyAndDegenerateMatrices() {
    SymmetricEigen one = SymmetricEigen.decompose(new double[][] {{-4}});
    assertArrayEquals(new double[] {-4}, one.values);
    assertArrayEquals(new double[] {1}, one.vectors[0]);

    SymmetricEigen two = SymmetricEigen.decompose(new double[][] {{2, 1}, {1, 2}});
    assertArrayEquals(new double[] {3, 1}, two.values, 1e-15);
    assertOrthonormalRows(two.vectors, 1e-15);

    SymmetricEigen zero = SymmetricEigen.decompose(new double[5][5]);
    assertArrayEquals(new double[5], zero.values);
    assertOrthonormalRows(zero.vectors, 0);
  }

  @Test
  void rejectsBadInput() {
    assertThrows(IllegalArgumentException.class, () -> SymmetricEigen.decompose(new double[][] {{1, 2}, {3, 4}}));
    assertThrows(IllegalArgumentException.class, () -> SymmetricEigen.decompose(new double[][] {{1, 2}}));
    assertThrows(IllegalArgumentException.class, () -> SymmetricEigen.decompose(new double[][] {{Double.NaN}}));
  }
}
