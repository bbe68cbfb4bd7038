package dev.matryoshka.adapt;

import static dev.matryoshka.adapt.OrthonormalFrames.project;
import static dev.matryoshka.adapt.OrthonormalFrames.toFloat;

/**
 * The loss interface between {@link FrameOptimiser} and what it minimises over orthonormal frames:
 * {@link SupervisedObjective} (query, relevant document pairs) and {@link DistilledObjective}
 * (query texts alone, the full-dimension ranking as target). The optimiser only steps the frame;
 * an objective owns its training queries, their candidates and the held-out check.
 */
interface RotationObjective {

  /**
   * A frame and what objectives read of it, computed once per frame.
   *
   * @param rows the orthonormal rows, as the optimiser steps them
   * @param rowsF the rows in float, for projecting vectors
   * @param poolProjected every pool document projected onto the rows
   */
  record Frame(double[][] rows, float[][] rowsF, float[][] poolProjected) {

    static Frame of(double[][] rows, float[][] pool) {
      float[][] rowsF = toFloat(rows);
      return new Frame(rows, rowsF, project(pool, rowsF));
    }
  }

  /** Chooses each training query's candidates at the current frame; called every few iterations. */
  void refresh(Frame at);

  /**
   * The training loss at the frame, averaged over training queries and prefix lengths. Adds to
   * {@code grad} the gradient with respect to the rows of that loss summed (not averaged) over the
   * prefix lengths: the optimiser uses only its direction.
   */
  double loss(Frame at, double[][] grad);

  /** What early stopping watches on the held-out queries, lower is better. */
  double heldOutLoss(Frame at);

  /** How the resulting rotation is labelled. */
  RotationAdapter.Fit fit();
}
