package dev.matryoshka.adapt;

/**
 * Receives one report per epoch (an iteration, for a rotation) from adapter training ({@link
 * LearnedTraining}, {@link QueryRotationTrainer}); the CLI prints them. Called on the training
 * thread, so it should return quickly.
 *
 * <pre>{@code
 * new QueryRotationTrainer(options, r -> System.err.printf("epoch %d loss %.4f%n", r.epoch(), r.trainLoss()));
 * }</pre>
 */
@FunctionalInterface
public interface TrainingListener {

  /** Does nothing. */
  TrainingListener NONE = report -> {};

  /** Prints one line per epoch (losses, a star when the held-out loss improved, seconds). */
  static TrainingListener printing(java.io.PrintWriter out) {
    return r -> {
      out.printf(java.util.Locale.ROOT, "  epoch %2d  train %.5f  held-out %.5f%s  (%.1f s)%n", r.epoch(),
          r.trainLoss(), r.validationLoss(), r.improved() ? " *" : "", r.seconds());
      out.flush();
    };
  }

  /** Called after each epoch's validation. */
  void onEpoch(EpochReport report);

  /**
   * One epoch of training.
   *
   * @param epoch 1-based; epoch 0 reports the held-out loss of the starting map, before training
   * @param trainLoss mean loss over the epoch's training steps (NaN for epoch 0)
   * @param validationLoss loss on the held-out part (what early stopping watches)
   * @param improved whether this epoch is the best so far (its weights are kept)
   * @param seconds wall time of the epoch
   */
  record EpochReport(int epoch, double trainLoss, double validationLoss, boolean improved, double seconds) {}
}
