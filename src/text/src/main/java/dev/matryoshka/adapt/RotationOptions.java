package dev.matryoshka.adapt;

import java.util.Objects;

/**
 * Settings of {@link RotationAdapter#fit(float[][], RotationOptions)}.
 *
 * <pre>{@code
 * RotationOptions options = RotationOptions.forModel("bge-small-en-v1.5"); // uncentred
 * }</pre>
 *
 * <p><b>Centring.</b> By default the rotation diagonalises the <em>uncentred</em> second-moment
 * matrix E[x x^T]. Its leading m eigenvectors span the m-dimensional subspace that keeps the most
 * of E||x||^2 (Eckart-Young), i.e. the least truncation error on the vectors exactly as they are
 * indexed and dotted. With {@code centered = true} the covariance E[(x - mean)(x - mean)^T] is
 * diagonalised instead, which orders directions by how much they <em>vary</em> across documents
 * (the shared mean direction of anisotropic models no longer comes first). Either way the adapter
 * applies only the rotation, never subtracts the mean: subtracting it would change every dot
 * product and norm ({@code (x-mu).(y-mu) != x.y}), losing the exactness at full dimension that is
 * the point of a rotation.
 *
 * @param modelFingerprint the model the sample comes from; stored in the adapter and checked on
 *     read
 * @param centered diagonalise the covariance instead of the second moment
 */
public record RotationOptions(String modelFingerprint, boolean centered) {

  /** Checks the arguments. */
  public RotationOptions {
    Objects.requireNonNull(modelFingerprint, "modelFingerprint");
    if (modelFingerprint.isBlank()) {
      throw new IllegalArgumentException("modelFingerprint must not be blank");
    }
  }

  /** Uncentred defaults for the given model. */
  public static RotationOptions forModel(String modelFingerprint) {
    return new RotationOptions(modelFingerprint, false);
  }

  /** A copy with {@code centered} changed. */
  public RotationOptions withCentered(boolean value) {
    return new RotationOptions(modelFingerprint, value);
  }
}
