package dev.matryoshka.opensearch;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Duration;

/** Request bodies the integration tests share. */
final class Json {
  private Json() {}

  /** Index creation body with our codec and the given mapping properties. */
  static String index(int shards, int replicas, String properties) {
    return "{\"settings\":{\"index.codec\":\"matryoshka\",\"number_of_shards\":" + shards
        + ",\"number_of_replicas\":" + replicas + "},\"mappings\":{\"properties\":{" + properties + "}}}";
  }

  static JsonNode bulk(Rest rest, String path, String ndjson) {
    Rest.Response r = rest.call("POST", path, ndjson, "application/x-ndjson", Duration.ofMinutes(10));
    if (r.status() != 200) {
      throw new AssertionError("bulk -> " + r.status() + ": " + r.body());
    }
    return r.json();
  }
}
