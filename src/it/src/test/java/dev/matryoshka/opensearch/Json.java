package dev.matryoshka.opensearch;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Duration;

/** Request bodies the integration tests share. */
final class Json {
  private Json() {}

  /** Index creation body with our codec and the given mapping properties. */
  static String index(int shards, int replicas, String properties) {
    return index(shards, replicas, properties, null);
  }

  /** As {@link #index(int, int, String)} with more settings ({@code "name":value} pairs, or null). */
  static String index(int shards, int replicas, String properties, String moreSettings) {
    return "{\"settings\":{\"index.codec\":\"matryoshka\",\"number_of_shards\":" + shards
        + ",\"number_of_replicas\":" + replicas + (moreSettings == null ? "" : "," + moreSettings)
        + "},\"mappings\":{\"properties\":{" + properties + "}}}";
  }

  static JsonNode bulk(Rest rest, String path, String ndjson) {
    Rest.Response r = rest.call("POST", path, ndjson, "application/x-ndjson", Duration.ofMinutes(10));
    if (r.status() != 200) {
      throw new AssertionError("bulk -> " + r.status() + ": " + r.body());
    }
    return r.json();
  }

  static String floats(float[] v) {
    StringBuilder b = new StringBuilder("[");
    for (int i = 0; i < v.length; i++) {
      b.append(i == 0 ? "" : ",").append(v[i]);
    }
    return b.append(']').toString();
  }

  static float[] toFloats(JsonNode array) {
    float[] v = new float[array.size()];
    for (int i = 0; i < v.length; i++) {
      v[i] = (float) array.get(i).asDouble();
    }
    return v;
  }

  static double cosine(float[] a, float[] b) {
    double dot = 0, na = 0, nb = 0;
    for (int i = 0; i < a.length; i++) {
      dot += (double) a[i] * b[i];
      na += (double) a[i] * a[i];
      nb += (double) b[i] * b[i];
    }
    return dot / Math.sqrt(na * nb);
  }

  static String strings(java.util.Collection<String> values) {
    try {
      return Rest.JSON.writeValueAsString(values);
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }
}
