package dev.matryoshka.adapt;

/**
 * Thrown by adapter training ({@link LearnedTraining}, {@link QueryRotationTrainer}) when a loss
 * becomes NaN or infinite. No adapter is returned, so nothing gets written; lowering the learning
 * rate usually helps.
 */
public final class TrainingDivergedException extends RuntimeException {

  private final int epoch;

  /** A training that stopped at {@code epoch} because its loss stopped being finite. */
  public TrainingDivergedException(String message, int epoch) {
    super(message);
    this.epoch = epoch;
  }

  /** The 1-based epoch in which the loss diverged. */
  public int epoch() {
    return epoch;
  }
}
