package dev.matryoshka.search;

import java.util.List;
import java.util.Locale;

/**
 * The oversample an index should be searched with, measured on the index itself: for a sample of
 * calibration queries, the recall@k of the index path (prefix graph + full rerank) against exact
 * full-dimension search at each oversample of a grid, and the smallest oversample whose recall
 * reaches the target. Stored as JSON ({@code dev.matryoshka.index.CalibrationJson}) in the index's
 * commit user data under {@link #USER_DATA_KEY} and used by searches that give no oversample of their own.
 *
 * <pre>{@code
 * Calibration c = OversampleCalibrator.calibrate(searcher, "embedding", queries, "pseudo-queries", 10, 0.95);
 * float os = c.oversample();   // e.g. 6.0
 * }</pre>
 *
 * @param target the recall@k asked for, in (0, 1]
 * @param k the k of recall@k (the searches' k; the oversample is a factor, so it carries to other k)
 * @param oversample the chosen oversample: the smallest grid point that reached the target, or the
 *     largest grid point when none did
 * @param reached whether some grid point reached the target
 * @param queries number of calibration queries
 * @param source what the queries were: {@code pseudo-queries} (snippets of the corpus encoded as
 *     queries), {@code document-vectors} (stored vectors of sampled documents), or {@code queries-file}
 * @param docs live documents of the index when it was calibrated
 * @param seconds wall time of the calibration
 * @param curve recall@k at each measured grid point, in grid order
 */
public record Calibration(double target, int k, float oversample, boolean reached, int queries,
    String source, int docs, double seconds, List<Point> curve) {

  /** Commit user-data key that holds the JSON. */
  public static final String USER_DATA_KEY = "calibration";

  /** One measured grid point. */
  public record Point(float oversample, double recall) {}

  /** Checks the arguments. */
  public Calibration {
    checkTarget(target);
    curve = List.copyOf(curve);
  }

  /**
   * Checks a recall target.
   *
   * @throws IllegalArgumentException unless {@code 0 < target <= 1}
   */
  public static double checkTarget(double target) {
    if (!(target > 0 && target <= 1)) {
      throw new IllegalArgumentException("target recall must be in (0, 1]; got=" + target);
    }
    return target;
  }

  /** One line for people: what was chosen and from what. */
  public String summary() {
    return String.format(Locale.ROOT,
        "oversample %s (recall@%d %.3f against exact full-dimension search, target %.3f%s; %d %s, %.1f s)",
        format(oversample), k, recallAt(oversample), target, reached ? "" : ", NOT reached",
        queries, source, seconds);
  }

  /** Recall measured at a grid point, or NaN when it was not measured. */
  public double recallAt(float os) {
    for (Point p : curve) {
      if (p.oversample() == os) {
        return p.recall();
      }
    }
    return Double.NaN;
  }

  /** An oversample without a trailing ".0". */
  public static String format(float os) {
    return os == Math.rint(os) ? Integer.toString((int) os) : Float.toString(os);
  }
}
