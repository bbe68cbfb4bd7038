package dev.matryoshka.adapt;

import static dev.matryoshka.adapt.OrthonormalFrames.completeToRotation;
import static dev.matryoshka.adapt.OrthonormalFrames.copy;
import static dev.matryoshka.adapt.OrthonormalFrames.dot;
import static dev.matryoshka.adapt.OrthonormalFrames.orthonormalize;
import static dev.matryoshka.adapt.OrthonormalFrames.tangent;

import java.util.Objects;

/**
 * Minimises a {@link RotationObjective} over orthonormal frames of {@code p} rows (p = the
 * largest trained prefix length): Riemannian gradient descent with momentum, the gradient
 * projected on the frame's tangent space, a Gram-Schmidt retraction, and a step length that
 * decays linearly to half. It starts from the centred PCA of the pool, stops early when the
 * objective's held-out loss has not improved for {@code patience} iterations, and completes the
 * best frame into a rotation (the remaining rows are the centred PCA of what the frame leaves
 * out). Knows nothing of queries or documents: that is the objective's part.
 */
final class FrameOptimiser {

  /** Candidates are chosen again every this many iterations (hard negatives move slowly). */
  private static final int REFRESH_EVERY = 5;
  private static final double MOMENTUM = 0.8;

  private final QueryRotationTrainer.Options options;
  private final TrainingListener listener;
  private final int[] levels;

  /**
   * @param levels the trained prefix lengths, ascending; the frame has as many rows as the last
   */
  FrameOptimiser(QueryRotationTrainer.Options options, TrainingListener listener, int[] levels) {
    this.options = Objects.requireNonNull(options, "options");
    this.listener = Objects.requireNonNull(listener, "listener");
    this.levels = levels;
  }

  /**
   * Trains the frame and returns the rotation it completes to.
   *
   * @param pool document vectors: the PCA start and the complement's order
   * @throws TrainingDivergedException if the objective's loss stops being finite
   */
  RotationAdapter optimise(float[][] pool, RotationObjective objective) {
    int n = pool[0].length;
    // the PCA start checks the pool (size >= dims, finite values)
    RotationAdapter pca = RotationAdapter.fit(pool, RotationOptions.forModel(options.modelFingerprint()).withCentered(true));
    double[][] cov = RotationAdapter.secondMoment(pool, n, true);
    int p = levels[levels.length - 1];
    double[][] frame = new double[p][n];
    float[] m0 = pca.matrixRef();
    for (int r = 0; r < p; r++) {
      for (int j = 0; j < n; j++) {
        frame[r][j] = m0[r * n + j];
      }
    }

    // the frame's projections are computed once per frame: after each step they serve the
    // held-out check and then the next iteration
    RotationObjective.Frame at = RotationObjective.Frame.of(frame, pool);
    double best = objective.heldOutLoss(at);
    double[][] bestFrame = copy(frame);
    listener.onEpoch(new TrainingListener.EpochReport(0, Double.NaN, best, true, 0));
    double[][] velocity = new double[p][n];
    int sinceBest = 0;
    for (int it = 1; it <= options.maxIterations(); it++) {
      long t0 = System.nanoTime();
      if ((it - 1) % REFRESH_EVERY == 0) {
        objective.refresh(at);
      }
      double[][] grad = new double[p][n];
      double loss = objective.loss(at, grad);
      if (!Double.isFinite(loss)) {
        throw new TrainingDivergedException("rotation training loss became " + loss + " in iteration " + it
            + "; nothing was written", it);
      }
      tangent(grad, frame);
      double norm = 0;
      for (double[] row : grad) {
        norm += dot(row, row);
      }
      norm = Math.sqrt(norm);
      if (norm > 0) {
        double step = options.learningRate() * (1 - 0.5 * (it - 1) / options.maxIterations());
        for (int r = 0; r < p; r++) {
          for (int j = 0; j < n; j++) {
            velocity[r][j] = MOMENTUM * velocity[r][j] + grad[r][j] / norm;
            frame[r][j] -= step * velocity[r][j];
          }
        }
        orthonormalize(frame);
        at = RotationObjective.Frame.of(frame, pool);
      }
      double heldOutLoss = objective.heldOutLoss(at);
      boolean improved = heldOutLoss < best - 1e-4;
      if (improved) {
        best = heldOutLoss;
        bestFrame = copy(frame);
        sinceBest = 0;
      } else {
        sinceBest++;
      }
      listener.onEpoch(new TrainingListener.EpochReport(it, loss, heldOutLoss, improved, (System.nanoTime() - t0) / 1e9));
      if (sinceBest >= options.patience()) {
        break;
      }
    }
    return completeToRotation(bestFrame, cov, options.modelFingerprint(), objective.fit());
  }
}
