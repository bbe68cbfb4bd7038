package dev.matryoshka.search;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The oversample an index should be searched with, measured on the index itself: for a sample of
 * calibration queries, the recall@k of the index path (prefix graph + full rerank) against exact
 * full-dimension search at each oversample of a grid, and the smallest oversample whose recall
 * reaches the target. Stored as JSON in the index's commit user data under {@link #USER_DATA_KEY}
 * and used by searches that give no oversample of their own.
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

  private static final ObjectMapper JSON = new ObjectMapper();

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

  /** This calibration as a JSON object. */
  public ObjectNode toJsonNode() {
    ObjectNode o = JSON.createObjectNode();
    o.put("target_recall", target).put("k", k).put("oversample", oversample)
        .put("reached", reached).put("queries", queries).put("source", source).put("docs", docs)
        .put("seconds", Math.round(seconds * 1000) / 1000.0);
    ArrayNode a = o.putArray("curve");
    for (Point p : curve) {
      a.addObject().put("oversample", p.oversample()).put("recall", p.recall());
    }
    return o;
  }

  /** This calibration as a compact JSON string (the user-data value). */
  public String toJson() {
    return toJsonNode().toString();
  }

  /**
   * Parses {@link #toJson()}.
   *
   * @throws IllegalArgumentException if the text is not a calibration
   */
  public static Calibration fromJson(String json) {
    try {
      JsonNode o = JSON.readTree(json);
      List<Point> curve = new ArrayList<>();
      for (JsonNode p : o.path("curve")) {
        curve.add(new Point((float) p.path("oversample").asDouble(), p.path("recall").asDouble()));
      }
      float os = (float) o.path("oversample").asDouble(Float.NaN);
      MatryoshkaKnnQuery.candidates(1, os); // range check
      return new Calibration(o.path("target_recall").asDouble(), o.path("k").asInt(), os,
          o.path("reached").asBoolean(), o.path("queries").asInt(), o.path("source").asText(),
          o.path("docs").asInt(), o.path("seconds").asDouble(), curve);
    } catch (IOException | RuntimeException e) {
      throw new IllegalArgumentException("damaged calibration in the index's commit: " + e.getMessage(), e);
    }
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
