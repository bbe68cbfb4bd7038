package dev.matryoshka.opensearch;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.matryoshka.encode.EncoderOptions;
import dev.matryoshka.encode.Models;
import dev.matryoshka.encode.TextEncoder;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Two nodes, a 3-shard index: a {@code query_text} search is encoded once, on the coordinating
 * node, and answers exactly as the {@code vector} form of the same query; {@code GET
 * _plugins/matryoshka/stats} reports every node's encoder counters.
 */
class QueryTextRewriteIT {
  private static final String FIELDS =
      "\"text\":{\"type\":\"text\"},\"emb\":{\"type\":\"matryoshka_vector\",\"dims\":384,\"prefix_dims\":64,"
          + "\"similarity\":\"cosine\",\"model\":\"bge-small-en-v1.5\"}";
  private static final int K = 10;
  private static TestCluster cluster;
  private static List<CorpusLines.Doc> docs;

  @BeforeAll
  static void start() throws Exception {
    cluster = TestCluster.start("qtext", 2);
    Rest rest = cluster.rest();
    rest.ok("PUT", "/_ingest/pipeline/embed", "{\"processors\":[{\"matryoshka_embed\":"
        + "{\"field\":\"text\",\"target_field\":\"emb\",\"model\":\"bge-small-en-v1.5\"}}]}");
    rest.ok("PUT", "/three", Json.index(3, 0, FIELDS));
    docs = CorpusLines.docs();
    StringBuilder bulk = new StringBuilder();
    for (CorpusLines.Doc d : docs) {
      bulk.append(Rest.JSON.writeValueAsString(Map.of("index", Map.of("_index", "three", "_id", d.id())))).append('\n');
      bulk.append(Rest.JSON.writeValueAsString(Map.of("text", d.text()))).append('\n');
    }
    JsonNode res = Json.bulk(rest, "/_bulk?pipeline=embed&refresh=true", bulk.toString());
    assertFalse(res.path("errors").asBoolean(), res.toString());
  }

  @AfterAll
  static void stop() {
    if (cluster != null) {
      cluster.close();
    }
  }

  @Test
  void queryTextIsEncodedOnceOnTheCoordinatorAndEqualsTheVectorQuery() throws Exception {
    JsonNode shards = cluster.rest().ok("GET", "/_cat/shards/three?format=json", null);
    assertEquals(3, shards.size(), shards.toString());
    List<String> queries = CorpusLines.queries().subList(0, 12);
    float exhaustive = (float) docs.size() / K;
    try (TextEncoder local = Models.open(Models.DEFAULT_MODEL, EncoderOptions.defaults())) {
      for (int qi = 0; qi < queries.size(); qi++) {
        String q = queries.get(qi);
        // alternate the coordinating node, so the vector also travels to the other node's shards
        Rest coordinator = cluster.rest(qi % 2);
        long[] before = queryCounts();
        Map<String, Object> byText = Map.of("field", "emb", "query_text", q, "k", K, "oversample", exhaustive);
        List<Hit> textHits = hits(coordinator, byText);
        long[] after = queryCounts();
        assertEquals(1, after[0] - before[0], "query " + qi + ": query texts encoded in the cluster for one search");
        assertEquals(0, after[1] - before[1], "query " + qi + ": query texts encoded on shards");

        float[] v = local.encodeQuery(q);
        Map<String, Object> byVector = Map.of("field", "emb", "vector", v, "k", K, "oversample", exhaustive);
        List<Hit> vectorHits = hits(coordinator, byVector);
        assertEquals(K, textHits.size());
        Hit.assertSame(List.of(vectorHits), List.of(textHits), "query " + qi + ": query_text vs vector");
        assertEquals(after[0], queryCounts()[0], "a vector query encodes nothing");
      }
    }
  }

  /** {@code _explain} also rewrites on the node that takes the request: one encode there, none on the shard. */
  @Test
  void explainIsEncodedOnceToo() throws Exception {
    String q = CorpusLines.queries().get(0);
    Map<String, Object> knn = Map.of("field", "emb", "query_text", q, "k", K, "oversample", 24);
    String top = hits(cluster.rest(), knn).get(0).id();
    long[] before = queryCounts();
    String body = Rest.JSON.writeValueAsString(Map.of("query", Map.of("matryoshka_knn", knn)));
    JsonNode explain = cluster.rest(1).ok("POST", "/three/_explain/" + top, body);
    long[] after = queryCounts();
    assertTrue(explain.path("matched").asBoolean(), explain.toString());
    assertEquals(1, after[0] - before[0], "query texts encoded in the cluster for one _explain");
    assertEquals(0, after[1] - before[1], "query texts encoded on shards for one _explain");
  }

  @Test
  void statsReportEveryNodesEncoder() {
    Rest rest = cluster.rest();
    JsonNode all = rest.ok("GET", "/_plugins/matryoshka/stats", null);
    assertEquals(2, all.path("_nodes").path("successful").asInt(), all.toString());
    assertEquals(2, all.path("nodes").size(), all.toString());
    long documents = 0;
    for (JsonNode n : all.path("nodes")) {
      assertTrue(n.has("name") && n.has("texts_encoded") && n.has("batches") && n.has("time_ms")
          && n.path("models_loaded").isArray() && n.has("query_texts_encoded_on_shards"), n.toString());
      JsonNode model = n.path("models").path("bge-small-en-v1.5");
      documents += model.path("document_texts").asLong();
      if (model.path("document_texts").asLong() > 0) {
        assertTrue(n.path("models_loaded").toString().contains("bge-small-en-v1.5"), n.toString());
        // one bulk request: its texts are encoded in few batches, not one call per text
        assertTrue(model.path("batches").asLong() < docs.size(), n.toString());
        assertTrue(model.path("time_ms").asLong() > 0, n.toString());
      }
    }
    // the pipeline ran once per document, on the node that took the bulk request
    assertEquals(docs.size(), documents, all.toString());
    String nodeName = all.path("nodes").elements().next().path("name").asText();
    JsonNode one = rest.ok("GET", "/_plugins/matryoshka/stats/" + nodeName, null);
    assertEquals(1, one.path("nodes").size(), one.toString());
  }

  /** Query texts encoded and query texts encoded on shards, summed over the cluster's nodes. */
  private static long[] queryCounts() {
    JsonNode stats = cluster.rest().ok("GET", "/_plugins/matryoshka/stats", null);
    long texts = 0;
    long onShards = 0;
    for (JsonNode n : stats.path("nodes")) {
      for (JsonNode m : n.path("models")) {
        texts += m.path("query_texts").asLong();
      }
      onShards += n.path("query_texts_encoded_on_shards").asLong();
    }
    return new long[] {texts, onShards};
  }

  private static List<Hit> hits(Rest rest, Map<String, Object> knn) throws Exception {
    String body = Rest.JSON.writeValueAsString(Map.of("size", K, "_source", false, "query", Map.of("matryoshka_knn", knn)));
    List<Hit> out = new ArrayList<>();
    for (JsonNode h : rest.ok("POST", "/three/_search", body).path("hits").path("hits")) {
      out.add(new Hit(h.path("_id").asText(), (float) h.path("_score").asDouble()));
    }
    return out;
  }
}
