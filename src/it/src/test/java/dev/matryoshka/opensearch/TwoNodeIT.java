package dev.matryoshka.opensearch;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.Random;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Two nodes: an index with two shards and one replica answers {@code matryoshka_knn} with the same
 * top k as a one-shard index holding the same documents (shard results merge by full-dim score).
 */
class TwoNodeIT {
  private static final int DOCS = 600;
  private static final int DIMS = 32;
  private static TestCluster cluster;

  @BeforeAll
  static void start() throws Exception {
    cluster = TestCluster.start("pair", 2);
  }

  @AfterAll
  static void stop() {
    if (cluster != null) {
      cluster.close();
    }
  }

  @Test
  void twoShardsOneReplicaEqualOneShard() {
    Rest rest = cluster.rest();
    String field = "\"emb\":{\"type\":\"matryoshka_vector\",\"dims\":" + DIMS + ",\"prefix_dims\":8}";
    rest.ok("PUT", "/one", Json.index(1, 0, field));
    rest.ok("PUT", "/two", Json.index(2, 1, field));
    Random r = new Random(11);
    StringBuilder bulk = new StringBuilder();
    for (int i = 0; i < DOCS; i++) {
      float[] v = matryoshkaLike(r);
      String doc = "{\"emb\":" + Json.floats(v) + "}\n";
      bulk.append("{\"index\":{\"_index\":\"one\",\"_id\":\"").append(i).append("\"}}\n").append(doc);
      bulk.append("{\"index\":{\"_index\":\"two\",\"_id\":\"").append(i).append("\"}}\n").append(doc);
    }
    assertFalse(Json.bulk(rest, "/_bulk?refresh=true", bulk.toString()).path("errors").asBoolean());
    rest.ok("GET", "/_cluster/health/two?wait_for_status=green&timeout=60s", null);
    JsonNode shards = rest.ok("GET", "/_cat/shards/two?format=json", null);
    assertEquals(4, shards.size(), shards.toString());

    for (int qi = 0; qi < 20; qi++) {
      float[] q = matryoshkaLike(r);
      String body = SingleNodeIT.knn("emb", Json.floats(q), 10, 20);
      java.util.Set<String> excluded = new java.util.HashSet<>();
      if (qi % 2 == 1) {
        // a filter travels to the shards inside the query: leave out the unfiltered top 3
        JsonNode top = rest.ok("POST", "/one/_search", body).path("hits").path("hits");
        for (int i = 0; i < 3; i++) {
          excluded.add(top.get(i).path("_id").asText());
        }
        String ids = Json.strings(excluded);
        body = body.replace("\"oversample\":20.0", "\"oversample\":20.0,\"filter\":{\"bool\":{\"must_not\":{\"ids\":{\"values\":" + ids + "}}}}");
        assertTrue(body.contains("filter"), body);
      }
      JsonNode a = rest.ok("POST", "/one/_search", body).path("hits").path("hits");
      // ask the second node, so the query fans out over the transport layer too
      JsonNode b = cluster.rest(1).ok("POST", "/two/_search", body).path("hits").path("hits");
      assertEquals(10, a.size());
      assertEquals(a.size(), b.size());
      for (int i = 0; i < a.size(); i++) {
        assertEquals(a.get(i).path("_id").asText(), b.get(i).path("_id").asText(), "query " + qi + " rank " + i);
        assertEquals(a.get(i).path("_score").asDouble(), b.get(i).path("_score").asDouble(), 1e-4);
        assertFalse(excluded.contains(a.get(i).path("_id").asText()), "filtered-out id returned");
      }
    }
  }

  /** Variance falls off with the dimension, as in Matryoshka embeddings, so prefixes rank well. */
  private static float[] matryoshkaLike(Random r) {
    float[] v = new float[DIMS];
    for (int d = 0; d < DIMS; d++) {
      v[d] = (float) (r.nextGaussian() * Math.pow(0.85, d));
    }
    return v;
  }
}
