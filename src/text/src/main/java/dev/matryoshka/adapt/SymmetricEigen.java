package dev.matryoshka.adapt;

/**
 * Eigen-decomposition of a real symmetric matrix in double precision: Householder reduction to
 * tridiagonal form, then implicit QL iterations with Wilkinson shifts.
 *
 * <p>Chosen over cyclic Jacobi because Jacobi costs several full sweeps of O(n^3) each and is far
 * too slow at n = 4096, while this is about (4/3 + 4/3) n^3 for the reduction and its
 * accumulation plus the QL rotations. Eigenvectors are kept as <em>rows</em> (the transpose of
 * the textbook layout) so that every inner loop, including the Givens rotations of the QL phase,
 * walks two contiguous {@code double[]} rows: that is what makes the large sizes tractable in
 * plain Java.
 *
 * <p>Results are deterministic: eigenvalues sorted by decreasing value, and each eigenvector's
 * sign fixed so that its largest-magnitude component (first one on ties) is positive.
 */
final class SymmetricEigen {

  /** Each eigenvalue gets this many QL iterations; in practice 1 to 3 suffice. */
  private static final int MAX_ITERATIONS_PER_VALUE = 60;

  private static final double EPS = Math.ulp(1.0);

  /** Eigenvalues, largest first. */
  final double[] values;

  /** {@code vectors[i]} is the unit eigenvector for {@code values[i]}. */
  final double[][] vectors;

  private SymmetricEigen(double[] values, double[][] vectors) {
    this.values = values;
    this.vectors = vectors;
  }

  /**
   * Decomposes {@code a}, which must be square, symmetric and finite. The array is overwritten
   * (it is used as the work space; at n = 4096 a copy would cost another 128 MB).
   */
  static SymmetricEigen decompose(double[][] a) {
    int n = a.length;
    if (n == 0) {
      throw new IllegalArgumentException("matrix must not be empty");
    }
    checkSymmetric(a);
    double[] diag = new double[n];
    double[] off = new double[n]; // off[i] couples i and i+1; off[n-1] is unused
    double[] beta = new double[n];
    tridiagonalize(a, diag, off, beta);
    double[][] z = accumulate(a, beta);
    implicitQl(diag, off, z);
    return sorted(diag, z);
  }

  private static void checkSymmetric(double[][] a) {
    int n = a.length;
    double scale = 0;
    for (int i = 0; i < n; i++) {
      if (a[i].length != n) {
        throw new IllegalArgumentException(
            "matrix must be square; row " + i + " has " + a[i].length + " columns, expected " + n);
      }
      for (int j = 0; j < n; j++) {
        if (!Double.isFinite(a[i][j])) {
          throw new IllegalArgumentException("matrix has a non-finite entry at (" + i + "," + j + ")");
        }
        scale = Math.max(scale, Math.abs(a[i][j]));
      }
    }
    double tolerance = 1e-9 * Math.max(scale, Double.MIN_NORMAL);
    for (int i = 0; i < n; i++) {
      for (int j = i + 1; j < n; j++) {
        if (Math.abs(a[i][j] - a[j][i]) > tolerance) {
          throw new IllegalArgumentException("matrix is not symmetric at (" + i + "," + j + ")");
        }
        // Rounding-level asymmetry is removed so both triangles hold the same value.
        a[j][i] = a[i][j];
      }
    }
  }

  /**
   * Reduces {@code a} to tridiagonal form T = H_{n-3}..H_0 A H_0..H_{n-3}. The Householder vector
   * of step k is left in row k, columns k+1.., and its factor in beta[k], for the accumulation.
   */
  private static void tridiagonalize(double[][] a, double[] diag, double[] off, double[] beta) {
    int n = a.length;
    double[] w = new double[n];
    for (int k = 0; k < n - 2; k++) {
      double[] v = a[k]; // by symmetry row k beyond the diagonal is the column to annihilate
      diag[k] = v[k];
      double scale = 0;
      for (int j = k + 1; j < n; j++) {
        scale = Math.max(scale, Math.abs(v[j]));
      }
      if (scale == 0) {
        off[k] = 0;
        beta[k] = 0;
        continue;
      }
      // Scaling by the largest entry keeps the norm computation away from overflow/underflow.
      double sumSq = 0;
      for (int j = k + 1; j < n; j++) {
        v[j] /= scale;
        sumSq += v[j] * v[j];
      }
      double norm = Math.sqrt(sumSq);
      double x0 = v[k + 1];
      // alpha takes the sign opposite to x0 so that v0 = x0 - alpha involves no cancellation.
      double alpha = -Math.copySign(norm, x0);
      v[k + 1] = x0 - alpha;
      double b = 1.0 / (norm * (norm + Math.abs(x0))); // = 2 / (v.v)
      beta[k] = b;
      off[k] = alpha * scale;

      // Trailing block B <- H B H with H = I - b v v^T, as the rank-2 update B - v w^T - w v^T
      // where p = b B v and w = p - (b/2)(v.p) v.
      double vp = 0;
      for (int i = k + 1; i < n; i++) {
        double p = b * dot(a[i], v, k + 1, n);
        w[i] = p;
        vp += v[i] * p;
      }
      double half = 0.5 * b * vp;
      for (int i = k + 1; i < n; i++) {
        w[i] -= half * v[i];
      }
      for (int i = k + 1; i < n; i++) {
        double[] row = a[i];
        double vi = v[i];
        double wi = w[i];
        for (int j = k + 1; j < n; j++) {
          row[j] -= vi * w[j] + wi * v[j];
        }
      }
    }
    if (n >= 2) {
      diag[n - 2] = a[n - 2][n - 2];
      off[n - 2] = a[n - 2][n - 1];
    }
    diag[n - 1] = a[n - 1][n - 1];
  }

  /**
   * Builds Z = Q^T = H_{n-3}..H_0 (rows are the tridiagonal basis) by right-multiplying the
   * reflections in reverse order; at step k only rows k+1.. are not yet unit rows, so the cost
   * shrinks with k.
   */
  private static double[][] accumulate(double[][] a, double[] beta) {
    int n = a.length;
    double[][] z = new double[n][n];
    for (int i = 0; i < n; i++) {
      z[i][i] = 1;
    }
    for (int k = n - 3; k >= 0; k--) {
      double b = beta[k];
      if (b == 0) {
        continue;
      }
      double[] v = a[k];
      for (int r = k + 1; r < n; r++) {
        double[] row = z[r];
        double s = b * dot(row, v, k + 1, n);
        if (s != 0) {
          for (int j = k + 1; j < n; j++) {
            row[j] -= s * v[j];
          }
        }
      }
    }
    return z;
  }

  /**
   * Diagonalises the tridiagonal (diag, off) in place with implicit QL steps, applying each
   * Givens rotation to rows of z so that z's rows end up as the eigenvectors of the original
   * matrix.
   */
  private static void implicitQl(double[] d, double[] e, double[][] z) {
    int n = d.length;
    e[n - 1] = 0;
    // Couplings are negligible against the whole matrix's scale, not only their neighbours': with
    // a purely local test a cluster of (numerically) zero eigenvalues, as in a projected or
    // rank-deficient covariance, never deflates because its rounding noise is as large as it.
    double scale = 0;
    for (int i = 0; i < n; i++) {
      scale = Math.max(scale, Math.abs(d[i]) + Math.abs(e[i]));
    }
    for (int l = 0; l < n; l++) {
      int iterations = 0;
      while (true) {
        // Find the first negligible coupling at or after l: the block l..m is unreduced.
        int m = l;
        while (m < n - 1) {
          double dd = Math.abs(d[m]) + Math.abs(d[m + 1]);
          if (Math.abs(e[m]) <= EPS * Math.max(dd, scale)) {
            break;
          }
          m++;
        }
        if (m == l) {
          break;
        }
        if (++iterations > MAX_ITERATIONS_PER_VALUE) {
          throw new ArithmeticException("eigenvalue " + l + " did not converge");
        }
        // Wilkinson shift: the eigenvalue of the leading 2x2 block closer to d[l].
        double g = (d[l + 1] - d[l]) / (2 * e[l]);
        double r = Math.hypot(g, 1.0);
        g = d[m] - d[l] + e[l] / (g + Math.copySign(r, g));
        double s = 1;
        double c = 1;
        double p = 0;
        boolean deflated = false;
        for (int i = m - 1; i >= l; i--) {
          double f = s * e[i];
          double b = c * e[i];
          r = Math.hypot(f, g);
          e[i + 1] = r;
          if (r == 0) {
            // The bulge vanished: the matrix split early; retry the block from scratch.
            d[i + 1] -= p;
            e[m] = 0;
            deflated = true;
            break;
          }
          s = f / r;
          c = g / r;
          g = d[i + 1] - p;
          r = (d[i] - g) * s + 2 * c * b;
          p = s * r;
          d[i + 1] = g + p;
          g = c * r - b;
          rotateRows(z[i], z[i + 1], c, s);
        }
        if (deflated) {
          continue;
        }
        d[l] -= p;
        e[l] = g;
        e[m] = 0;
      }
    }
  }

  private static void rotateRows(double[] zi, double[] zi1, double c, double s) {
    for (int k = 0; k < zi.length; k++) {
      double f = zi1[k];
      double h = zi[k];
      zi1[k] = s * h + c * f;
      zi[k] = c * h - s * f;
    }
  }

  private static SymmetricEigen sorted(double[] d, double[][] z) {
    int n = d.length;
    Integer[] order = new Integer[n];
    for (int i = 0; i < n; i++) {
      order[i] = i;
    }
    // Stable sort, so equal eigenvalues keep the solver's (deterministic) order.
    java.util.Arrays.sort(order, (x, y) -> Double.compare(d[y], d[x]));
    double[] values = new double[n];
    double[][] vectors = new double[n][];
    for (int i = 0; i < n; i++) {
      values[i] = d[order[i]];
      double[] vec = z[order[i]];
      int best = 0;
      for (int k = 1; k < n; k++) {
        if (Math.abs(vec[k]) > Math.abs(vec[best])) {
          best = k;
        }
      }
      if (vec[best] < 0) {
        for (int k = 0; k < n; k++) {
          vec[k] = -vec[k];
        }
      }
      vectors[i] = vec;
    }
    return new SymmetricEigen(values, vectors);
  }

  /** Dot product over [from, to) with four accumulators, so the JIT can pipeline it. */
  static double dot(double[] x, double[] y, int from, int to) {
    double s0 = 0;
    double s1 = 0;
    double s2 = 0;
    double s3 = 0;
    int j = from;
    for (; j + 3 < to; j += 4) {
      s0 += x[j] * y[j];
      s1 += x[j + 1] * y[j + 1];
      s2 += x[j + 2] * y[j + 2];
      s3 += x[j + 3] * y[j + 3];
    }
    for (; j < to; j++) {
      s0 += x[j] * y[j];
    }
    return (s0 + s1) + (s2 + s3);
  }
}
