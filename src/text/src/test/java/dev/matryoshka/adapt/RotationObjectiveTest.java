package dev.matryoshka.adapt;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The two halves of rotation training apart: each objective's gradient is the gradient of its
 * loss (checked by finite differences), and the optimiser minimises any objective given to it.
 */
class RotationObjectiveTest {

  private static final int DIMS = 24;
  private static final int[] LEVELS = {4, 8, 12};
  private static final QueryRotationTrainer.Options OPTIONS =
      new QueryRotationTrainer.Options("m", 0.2, 0.05, 200, 20, 20, 0.1);

  private static float[][] gaussian(Random rnd, int rows, int dims, double scale) {
    float[][] m = new float[rows][dims];
    for (float[] r : m) {
      for (int j = 0; j < dims; j++) {
        r[j] = (float) (rnd.nextGaussian() * scale * (1 + j % 4));
      }
    }
    return m;
  }

  /** A random orthonormal frame of the largest level's rows. */
  private static double[][] randomFrame(Random rnd) {
    double[][] f = new double[LEVELS[LEVELS.length - 1]][DIMS];
    for (double[] r : f) {
      for (int j = 0; j < DIMS; j++) {
        r[j] = rnd.nextGaussian();
      }
    }
    OrthonormalFrames.orthonormalize(f);
    return f;
  }

  private static double[][] plus(double[][] f, double[][] d, double eps) {
    double[][] out = new double[f.length][];
    for (int r = 0; r < f.length; r++) {
      out[r] = f[r].clone();
      for (int j = 0; j < out[r].length; j++) {
        out[r][j] += eps * d[r][j];
      }
    }
    return out;
  }

  private static void checkGradient(boolean supervised) {
    Random rnd = new Random(3);
    float[][] pool = gaussian(rnd, 150, DIMS, 0.3);
    List<float[]> qs = new ArrayList<>();
    List<float[]> rel = new ArrayList<>();
    for (int t = 0; t < 30; t++) {
      float[] q = gaussian(rnd, 1, DIMS, 0.3)[0];
      for (int k = 0; k < 2; k++) {
        qs.add(q);
        rel.add(pool[rnd.nextInt(pool.length)]);
      }
    }
    float[][] queries = qs.toArray(float[][]::new);
    RotationObjective objective = supervised
        ? new SupervisedObjective(pool, NestedSoftmaxObjective.Group.of(queries, rel.toArray(float[][]::new)), LEVELS, OPTIONS)
        : new DistilledObjective(pool, NestedSoftmaxObjective.Group.of(queries, new float[queries.length][]), LEVELS, OPTIONS);
    double[][] frame = randomFrame(rnd);
    RotationObjective.Frame at = RotationObjective.Frame.of(frame, pool);
    objective.refresh(at); // candidates (and targets) stay fixed from here on
    double[][] grad = new double[frame.length][DIMS];
    double loss = objective.loss(at, grad);
    assertTrue(Double.isFinite(loss) && loss > 0, "loss " + loss);
    for (int trial = 0; trial < 3; trial++) {
      double[][] d = new double[frame.length][DIMS];
      double analytic = 0;
      for (int r = 0; r < d.length; r++) {
        for (int j = 0; j < DIMS; j++) {
          d[r][j] = rnd.nextGaussian();
          analytic += grad[r][j] * d[r][j];
        }
      }
      double eps = 1e-3;
      double up = objective.loss(RotationObjective.Frame.of(plus(frame, d, eps), pool), new double[frame.length][DIMS]);
      double down = objective.loss(RotationObjective.Frame.of(plus(frame, d, -eps), pool), new double[frame.length][DIMS]);
      // the loss is averaged over the levels, the gradient summed over them
      double numeric = (up - down) / (2 * eps) * LEVELS.length;
      assertEquals(numeric, analytic, 0.02 * Math.abs(numeric) + 1e-4,
          "directional derivative, trial " + trial);
    }
  }

  @Test
  void supervisedGradientIsTheGradientOfItsLoss() {
    checkGradient(true);
  }

  @Test
  void distilledGradientIsTheGradientOfItsLoss() {
    checkGradient(false);
  }

  /** Loss 1 - the share of a fixed direction inside the frame's span; no queries at all. */
  private static class CaptureDirection implements RotationObjective {
    final double[] v;
    int refreshes;

    CaptureDirection(double[] v) {
      this.v = v;
    }

    double captured(double[][] rows, int p) {
      double s = 0;
      for (int r = 0; r < p; r++) {
        double c = OrthonormalFrames.dot(rows[r], v);
        s += c * c;
      }
      return s;
    }

    @Override
    public void refresh(Frame at) {
      refreshes++;
    }

    @Override
    public double loss(Frame at, double[][] grad) {
      for (int r = 0; r < grad.length; r++) {
        double c = OrthonormalFrames.dot(at.rows()[r], v);
        for (int j = 0; j < v.length; j++) {
          grad[r][j] -= 2 * c * v[j];
        }
      }
      return heldOutLoss(at);
    }

    @Override
    public double heldOutLoss(Frame at) {
      return 1 - captured(at.rows(), at.rows().length);
    }

    @Override
    public RotationAdapter.Fit fit() {
      return RotationAdapter.Fit.SUPERVISED;
    }
  }

  @Test
  void optimiserMovesTheFrameToWhatTheObjectiveAsksAndReturnsARotation() {
    Random rnd = new Random(9);
    int n = 8;
    float[][] pool = new float[200][n];
    for (float[] row : pool) {
      for (int j = 0; j < n; j++) {
        row[j] = (float) (rnd.nextGaussian() * (n - j)); // PCA order: dim 0 first, dim 7 last
      }
    }
    // mostly the quietest dimension: the PCA start holds little of it in its first four rows
    double[] v = {0.2, 0, 0, 0, 0, 0, 0, 1};
    double norm = Math.sqrt(OrthonormalFrames.dot(v, v));
    for (int j = 0; j < n; j++) {
      v[j] /= norm;
    }
    CaptureDirection objective = new CaptureDirection(v);
    List<TrainingListener.EpochReport> reports = new ArrayList<>();
    RotationAdapter r = new FrameOptimiser(OPTIONS, reports::add, new int[] {2, 4}).optimise(pool, objective);

    assertTrue(reports.get(0).validationLoss() > 0.5, "start " + reports.get(0));
    float[] m = r.matrixRef();
    double[][] rows = new double[n][n];
    for (int i = 0; i < n; i++) {
      for (int j = 0; j < n; j++) {
        rows[i][j] = m[i * n + j];
      }
    }
    assertTrue(objective.captured(rows, 4) > 0.95, "captured " + objective.captured(rows, 4));
    for (int i = 0; i < n; i++) {
      for (int j = 0; j < n; j++) {
        assertEquals(i == j ? 1 : 0, OrthonormalFrames.dot(rows[i], rows[j]), 1e-5, "rows " + i + ", " + j);
      }
    }
    int iterations = reports.get(reports.size() - 1).epoch();
    assertTrue(iterations < OPTIONS.maxIterations(), "early stop; ran " + iterations);
    assertEquals((iterations + 4) / 5, objective.refreshes, "refreshed every fifth iteration");
    assertEquals(RotationAdapter.Fit.SUPERVISED, r.fitKind());
  }

  @Test
  void optimiserStopsOnANonFiniteLoss() {
    float[][] pool = gaussian(new Random(1), 50, 8, 1);
    RotationObjective nan = new CaptureDirection(new double[] {1, 0, 0, 0, 0, 0, 0, 0}) {
      @Override
      public double loss(Frame at, double[][] grad) {
        return Double.NaN;
      }
    };
    TrainingDivergedException e = assertThrows(TrainingDivergedException.class,
        () -> new FrameOptimiser(OPTIONS, TrainingListener.NONE, new int[] {4}).optimise(pool, nan));
    assertEquals(1, e.epoch());
  }
}
