package dev.matryoshka.adapt;

import java.util.Objects;

/**
 * An orthogonal adapter: y = Q x, where the rows of Q are the eigenvectors of the (by default
 * uncentred) second-moment matrix of a sample of document embeddings, by decreasing eigenvalue.
 * The first output dimensions therefore carry the most energy, so a prefix of y keeps more of the
 * vector than a prefix of x, while full-dimension dot products, cosines and norms are unchanged.
 *
 * <pre>{@code
 * RotationAdapter rotation = RotationAdapter.fit(sample, RotationOptions.forModel(fingerprint));
 * float[] rotated = rotation.apply(vector);
 * }</pre>
 *
 * <p>The fit needs at least {@link #minSamples(int) dims} sample vectors: with fewer the matrix is
 * rank-deficient and the trailing directions are arbitrary. The eigen-decomposition runs in double
 * precision (see {@code SymmetricEigen}); the fit is deterministic for a given sample.
 */
public final class RotationAdapter implements Adapter {

  private final String modelFingerprint;
  private final int dims;
  private final boolean centered;
  private final Fit fit;
  private final float[] matrix; // dims x dims, row-major; row i = output direction i
  private final float[] variances; // eigenvalue of each output direction

  /** How the leading directions were found. */
  public enum Fit {
    /** Eigenvectors of the document sample ({@link #fit}). */
    PCA,
    /** Trained on (query, relevant document) pairs ({@link QueryRotationTrainer#train}). */
    SUPERVISED,
    /** Trained on query vectors alone, to keep their full-dimension rankings ({@link QueryRotationTrainer#distill}). */
    DISTILLED
  }

  RotationAdapter(String modelFingerprint, int dims, boolean centered, Fit fit, float[] matrix,
      float[] variances) {
    this.modelFingerprint = Objects.requireNonNull(modelFingerprint);
    if (dims <= 0 || matrix.length != dims * dims || variances.length != dims) {
      throw new IllegalArgumentException(
          "inconsistent rotation: dims=" + dims + ", matrix=" + matrix.length + ", variances=" + variances.length);
    }
    this.dims = dims;
    this.centered = centered;
    this.fit = java.util.Objects.requireNonNull(fit, "fit");
    this.matrix = matrix;
    this.variances = variances;
  }

  /** The smallest sample {@link #fit} accepts for vectors of {@code dims} dimensions. */
  public static int minSamples(int dims) {
    return dims;
  }

  /**
   * Fits the rotation on a sample of document embeddings (not modified).
   *
   * @throws IllegalArgumentException if the sample is smaller than {@link #minSamples(int)}, has
   *     vectors of different lengths, or has non-finite values
   */
  public static RotationAdapter fit(float[][] sample, RotationOptions options) {
    Objects.requireNonNull(options, "options");
    if (sample == null || sample.length == 0 || sample[0] == null || sample[0].length == 0) {
      throw new IllegalArgumentException("rotation fit needs a non-empty sample of non-empty vectors");
    }
    int dims = sample[0].length;
    if (sample.length < minSamples(dims)) {
      throw new IllegalArgumentException(
          "rotation fit needs at least "
              + minSamples(dims)
              + " sample vectors for "
              + dims
              + " dims (the second-moment matrix is rank-deficient below that); got "
              + sample.length);
    }
    for (int r = 0; r < sample.length; r++) {
      if (sample[r] == null || sample[r].length != dims) {
        throw new IllegalArgumentException(
            "sample vector " + r + " has " + (sample[r] == null ? "no" : sample[r].length) + " dims, expected " + dims);
      }
      for (int j = 0; j < dims; j++) {
        if (!Float.isFinite(sample[r][j])) {
          throw new IllegalArgumentException("sample vector " + r + " has a non-finite value at dim " + j);
        }
      }
    }
    double[][] moment = secondMoment(sample, dims, options.centered());
    SymmetricEigen eig = SymmetricEigen.decompose(moment);
    float[] matrix = new float[dims * dims];
    float[] variances = new float[dims];
    for (int i = 0; i < dims; i++) {
      // Clamp rounding noise: a second-moment matrix is positive semi-definite.
      variances[i] = (float) Math.max(0, eig.values[i]);
      for (int j = 0; j < dims; j++) {
        matrix[i * dims + j] = (float) eig.vectors[i][j];
      }
    }
    return new RotationAdapter(options.modelFingerprint(), dims, options.centered(), Fit.PCA, matrix, variances);
  }

  /** E[x x^T], or the covariance when {@code centered}, in double precision. */
  static double[][] secondMoment(float[][] sample, int dims, boolean centered) {
    int n = sample.length;
    double[] mean = new double[dims];
    if (centered) {
      for (float[] x : sample) {
        for (int j = 0; j < dims; j++) {
          mean[j] += x[j];
        }
      }
      for (int j = 0; j < dims; j++) {
        mean[j] /= n;
      }
    }
    double[][] m = new double[dims][dims];
    double[] x = new double[dims];
    for (float[] row : sample) {
      for (int j = 0; j < dims; j++) {
        x[j] = row[j] - mean[j];
      }
      // Upper triangle only; mirrored below. Rank-1 row updates vectorise well.
      for (int i = 0; i < dims; i++) {
        double xi = x[i];
        if (xi == 0) {
          continue;
        }
        double[] mi = m[i];
        for (int j = i; j < dims; j++) {
          mi[j] += xi * x[j];
        }
      }
    }
    for (int i = 0; i < dims; i++) {
      for (int j = i; j < dims; j++) {
        m[i][j] /= n;
        m[j][i] = m[i][j];
      }
    }
    return m;
  }

  @Override
  public float[] apply(float[] v) {
    Adapter.checkInput(v, dims);
    float[] out = new float[dims];
    for (int i = 0; i < dims; i++) {
      // Double accumulation keeps full-dimension dot products exact to float precision.
      double s = 0;
      int base = i * dims;
      for (int j = 0; j < dims; j++) {
        s += (double) matrix[base + j] * v[j];
      }
      out[i] = (float) s;
    }
    return out;
  }

  /**
   * Fraction of the sample's (uncentred or centred, as fitted) second moment that the first
   * {@code prefixDims} output dimensions hold; a quick measure of how good a prefix will be.
   */
  public double capturedFraction(int prefixDims) {
    if (prefixDims < 0 || prefixDims > dims) {
      throw new IllegalArgumentException("prefixDims must be in [0, " + dims + "]; got=" + prefixDims);
    }
    double head = 0;
    double total = 0;
    for (int i = 0; i < dims; i++) {
      total += variances[i];
      if (i < prefixDims) {
        head += variances[i];
      }
    }
    return total == 0 ? 0 : head / total;
  }

  /** Eigenvalue of each output direction, largest first (a copy). */
  public float[] variances() {
    return variances.clone();
  }

  /** Whether the covariance (true) or the uncentred second moment (false) was diagonalised. */
  public boolean centered() {
    return centered;
  }

  /** How the leading directions were found: the PCA alone, or trained on queries. */
  public Fit fitKind() {
    return fit;
  }

  /** The row-major matrix, shared: callers in this package must not modify it. */
  float[] matrixRef() {
    return matrix;
  }

  /** A copy of the row-major {@code dims x dims} matrix (row i = output direction i). */
  public float[] matrix() {
    return matrix.clone();
  }

  @Override
  public int inputDims() {
    return dims;
  }

  @Override
  public int outputDims() {
    return dims;
  }

  @Override
  public String kind() {
    return KIND_ROTATION;
  }

  /** {@code rotation}, {@code rotation-centered}, {@code rotation-supervised} or {@code rotation-distilled}. */
  @Override
  public String label() {
    return switch (fit) {
      case SUPERVISED -> "rotation-supervised";
      case DISTILLED -> "rotation-distilled";
      case PCA -> centered ? "rotation-centered" : KIND_ROTATION;
    };
  }

  @Override
  public String modelFingerprint() {
    return modelFingerprint;
  }

  /** False: the rotation preserves norms, so renormalising would only add rounding. */
  @Override
  public boolean normalizesOutput() {
    return false;
  }

  @Override
  public String toString() {
    return "RotationAdapter(model=" + modelFingerprint + ", dims=" + dims + ", centered=" + centered
        + (fit == Fit.PCA ? "" : ", " + fit.name().toLowerCase(java.util.Locale.ROOT)) + ")";
  }
}
