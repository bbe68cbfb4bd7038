package dev.matryoshka.index;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.matryoshka.search.Calibration;
import dev.matryoshka.search.MatryoshkaKnnQuery;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/**
 * The JSON form of a {@link Calibration}: the value kept in commit user data and printed by
 * {@code inspect} and {@code tune}. It lives here, not beside the record, so that matryoshka-core
 * needs no JSON library.
 *
 * <pre>{@code
 * String json = CalibrationJson.toJson(c);
 * Calibration back = CalibrationJson.fromJson(json);
 * }</pre>
 */
public final class CalibrationJson {
  private static final ObjectMapper JSON = new ObjectMapper();

  private CalibrationJson() {}

  /** A calibration as a JSON object. */
  public static ObjectNode toJsonNode(Calibration c) {
    ObjectNode o = JSON.createObjectNode();
    o.put("target_recall", c.target()).put("k", c.k()).put("oversample", c.oversample())
        .put("reached", c.reached()).put("queries", c.queries()).put("source", c.source())
        .put("docs", c.docs()).put("seconds", Math.round(c.seconds() * 1000) / 1000.0);
    ArrayNode a = o.putArray("curve");
    for (Calibration.Point p : c.curve()) {
      a.addObject().put("oversample", p.oversample()).put("recall", p.recall());
    }
    return o;
  }

  /** A calibration as a compact JSON string (the user-data value). */
  public static String toJson(Calibration c) {
    return toJsonNode(c).toString();
  }

  /**
   * Parses {@link #toJson}.
   *
   * @throws IllegalArgumentException if the text is not a calibration
   */
  public static Calibration fromJson(String json) {
    try {
      JsonNode o = JSON.readTree(json);
      List<Calibration.Point> curve = new ArrayList<>();
      for (JsonNode p : o.path("curve")) {
        curve.add(new Calibration.Point((float) p.path("oversample").asDouble(), p.path("recall").asDouble()));
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
}
