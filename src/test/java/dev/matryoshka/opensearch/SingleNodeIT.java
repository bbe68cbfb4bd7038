package dev.matryoshka.opensearch;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/** One real node with our zip installed; the tests share it to keep node starts few. */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class SingleNodeIT {
  private static TestCluster cluster;
  private static Rest rest;

  @BeforeAll
  static void startNode() throws Exception {
    cluster = TestCluster.start("single", 1);
    rest = cluster.rest();
  }

  @AfterAll
  static void stopNode() {
    if (cluster != null) {
      cluster.close();
    }
  }

  @Test
  @Order(1)
  void pluginIsListed() {
    JsonNode plugins = rest.ok("GET", "/_cat/plugins?format=json", null);
    boolean found = false;
    for (JsonNode p : plugins) {
      found |= "matryoshka".equals(p.path("component").asText());
    }
    assertTrue(found, "matryoshka not in _cat/plugins: " + plugins);
  }

  @Test
  @Order(2)
  void vectorsIndex() throws Exception {
    rest.ok("PUT", "/vectors", Json.index(1, 0, "\"emb\":{\"type\":\"matryoshka_vector\",\"dims\":8,\"prefix_dims\":4}"));
    Random r = new Random(42);
    StringBuilder bulk = new StringBuilder();
    for (int i = 0; i < 50; i++) {
      bulk.append("{\"index\":{\"_id\":\"").append(i).append("\"}}\n{\"emb\":[");
      for (int d = 0; d < 8; d++) {
        bulk.append(d == 0 ? "" : ",").append(r.nextFloat() - 0.5f);
      }
      bulk.append("]}\n");
    }
    JsonNode res = Json.bulk(rest, "/vectors/_bulk?refresh=true", bulk.toString());
    assertFalse(res.path("errors").asBoolean(), res.toString());
    rest.ok("POST", "/vectors/_flush", null);
    assertEquals(50, rest.ok("GET", "/vectors/_count", null).path("count").asInt());
  }

  @Test
  @Order(3)
  void malformedMappingsAreBadRequests() {
    expect400("/bad1", Json.index(1, 0, "\"e\":{\"type\":\"matryoshka_vector\",\"dims\":0}"), "[dims]");
    expect400("/bad2", Json.index(1, 0, "\"e\":{\"type\":\"matryoshka_vector\",\"dims\":8,\"prefix_dims\":8}"), "[prefix_dims]");
    expect400("/bad3", Json.index(1, 0, "\"e\":{\"type\":\"matryoshka_vector\",\"dims\":8,\"similarity\":\"hamming\"}"), "similarity");
    expect400("/bad4", Json.index(1, 0, "\"e\":{\"type\":\"matryoshka_vector\",\"prefix_dims\":4}"), "[dims]");
    expect400(
        "/bad5",
        "{\"mappings\":{\"properties\":{\"e\":{\"type\":\"matryoshka_vector\",\"dims\":8}}}}",
        "index.codec");
  }

  @Test
  @Order(4)
  void wrongDimsDocumentIsBadRequest() {
    Rest.Response r = rest.call("PUT", "/vectors/_doc/bad", "{\"emb\":[1,2,3]}");
    assertEquals(400, r.status(), r.body());
    assertTrue(r.body().contains("the field has 8"), r.body());
  }

  @Test
  @Order(5)
  void vectorQueryGivesExactTopKWithFullDimScores() {
    // 50 docs sit in one small segment, which the query searches exactly: the answer is known
    Random r = new Random(7);
    float[] q = new float[8];
    for (int d = 0; d < 8; d++) {
      q[d] = r.nextFloat() - 0.5f;
    }
    JsonNode hits = rest.ok("POST", "/vectors/_search", knn("emb", Json.floats(q), 5, 2)).path("hits").path("hits");
    assertEquals(5, hits.size(), hits.toString());
    JsonNode all = rest.ok("POST", "/vectors/_search", "{\"size\":100,\"query\":{\"match_all\":{}}}").path("hits").path("hits");
    java.util.List<double[]> scored = new java.util.ArrayList<>();
    for (JsonNode h : all) {
      float[] v = Json.toFloats(h.path("_source").path("emb"));
      scored.add(new double[] {Double.parseDouble(h.path("_id").asText()), (1 + Json.cosine(q, v)) / 2});
    }
    scored.sort((a, b) -> Double.compare(b[1], a[1]));
    for (int i = 0; i < 5; i++) {
      assertEquals((int) scored.get(i)[0], Integer.parseInt(hits.get(i).path("_id").asText()), "rank " + i + ": " + hits);
      assertEquals(scored.get(i)[1], hits.get(i).path("_score").asDouble(), 1e-4, "rank " + i);
    }
  }

  @Test
  @Order(6)
  void malformedQueriesAreBadRequests() {
    String v8 = "[1,2,3,4,5,6,7,8]";
    expectSearch400("{\"query\":{\"matryoshka_knn\":{\"vector\":" + v8 + ",\"k\":3}}}", "[field]");
    expectSearch400(knn("emb", "[1,2,3]", 3, 2), "3 dims");
    expectSearch400(knn("emb", v8, 0, 2), "[k]");
    expectSearch400(knn("emb", v8, 3, 0.5f), "[oversample]");
    expectSearch400(knn("nope", v8, 3, 2), "no such field");
    expectSearch400("{\"query\":{\"matryoshka_knn\":{\"field\":\"emb\",\"k\":3}}}", "[vector]");
  }

  @Test
  @Order(10)
  void textSearchThroughPipelineMatchesEmbeddedLibraryAndSurvivesRestart() throws Exception {
    SciFact data = SciFact.load(DOCS, QUERIES);
    rest.ok("PUT", "/_ingest/pipeline/embed", "{\"processors\":[{\"matryoshka_embed\":"
        + "{\"field\":\"text\",\"target_field\":\"emb\",\"model\":\"bge-small-en-v1.5\"}}]}");
    rest.ok("PUT", "/scifact", Json.index(1, 0, TEXT_FIELDS));
    data.bulkIndex(rest, "scifact", "embed");
    rest.ok("POST", "/scifact/_forcemerge?max_num_segments=1", null);
    rest.ok("POST", "/scifact/_refresh", null);
    assertEquals(DOCS, rest.ok("GET", "/scifact/_count", null).path("count").asInt());

    // The node's segment came from merging bulk segments, the embedded one from one flush: two
    // different HNSW graphs over the same vectors, so approximate top-k may differ in a few
    // places (seen: 6 of 50 queries). The equality of encoder, pipeline, codec and scoring is
    // checked where it is exact: candidates = all documents (k x oversample = 1,000).
    List<List<Hit>> nodeExact = data.searchNode(rest, "scifact", K, EXHAUSTIVE_OVERSAMPLE);
    List<List<Hit>> embedded = data.searchEmbedded(data.nodeVectors(rest, "scifact", 16), K, EXHAUSTIVE_OVERSAMPLE);
    Hit.assertSame(embedded, nodeExact, "embedded library vs node");
    List<List<Hit>> node = data.searchNode(rest, "scifact", K, OVERSAMPLE);

    cluster.restart();
    assertEquals(50, rest.ok("GET", "/vectors/_count", null).path("count").asInt());
    Hit.assertSame(node, data.searchNode(rest, "scifact", K, OVERSAMPLE), "before vs after restart");
  }

  @Test
  @Order(11)
  void reindexFromTextOnlyIndexThroughPipeline() {
    rest.ok("PUT", "/plain", "{\"settings\":{\"number_of_shards\":1,\"number_of_replicas\":0}}");
    StringBuilder bulk = new StringBuilder();
    for (int i = 0; i < 40; i++) {
      bulk.append("{\"index\":{\"_id\":\"").append(i).append("\"}}\n{\"text\":\"document number ").append(i)
          .append(" about cells, proteins and gene expression\"}\n");
    }
    assertFalse(Json.bulk(rest, "/plain/_bulk?refresh=true", bulk.toString()).path("errors").asBoolean());
    rest.ok("PUT", "/rich", Json.index(1, 0, TEXT_FIELDS));
    JsonNode res = rest.ok("POST", "/_reindex?refresh=true", "{\"source\":{\"index\":\"plain\"},\"dest\":{\"index\":\"rich\",\"pipeline\":\"embed\"}}");
    assertEquals(40, res.path("created").asInt(), res.toString());
    assertEquals(0, res.path("failures").size(), res.toString());
    JsonNode hits = rest.ok("POST", "/rich/_search", "{\"query\":{\"matryoshka_knn\":{\"field\":\"emb\",\"query_text\":\"document number 7\",\"k\":3}}}")
        .path("hits").path("hits");
    assertEquals(3, hits.size(), hits.toString());
    assertEquals(384, rest.ok("GET", "/rich/_doc/7", null).path("_source").path("emb").size());
  }

  @Test
  @Order(12)
  void unknownModelInProcessorIsBadRequest() {
    Rest.Response r = rest.call("PUT", "/_ingest/pipeline/bad", "{\"processors\":[{\"matryoshka_embed\":"
        + "{\"field\":\"text\",\"target_field\":\"emb\",\"model\":\"no-such-model\"}}]}");
    assertEquals(400, r.status(), r.body());
    assertTrue(r.body().contains("no-such-model"), r.body());
    r = rest.call("PUT", "/_ingest/pipeline/bad", "{\"processors\":[{\"matryoshka_embed\":{\"target_field\":\"emb\"}}]}");
    assertEquals(400, r.status(), r.body());
    assertTrue(r.body().contains("field"), r.body());
    r = rest.call("POST", "/scifact/_search", "{\"query\":{\"matryoshka_knn\":{\"field\":\"emb\",\"query_text\":\" \",\"k\":3}}}");
    assertEquals(400, r.status(), r.body());
  }

  private static final int DOCS = 1000;
  private static final int QUERIES = 50;
  private static final int K = 10;
  private static final float OVERSAMPLE = 5;
  private static final float EXHAUSTIVE_OVERSAMPLE = (float) DOCS / K;
  private static final String TEXT_FIELDS =
      "\"text\":{\"type\":\"text\"},\"emb\":{\"type\":\"matryoshka_vector\",\"dims\":384,\"prefix_dims\":64,"
          + "\"similarity\":\"cosine\",\"model\":\"bge-small-en-v1.5\"}";

  static String knn(String field, String vector, int k, float oversample) {
    return "{\"size\":" + Math.max(k, 1) + ",\"query\":{\"matryoshka_knn\":{\"field\":\"" + field + "\",\"vector\":" + vector
        + ",\"k\":" + k + ",\"oversample\":" + oversample + "}}}";
  }

  static void expectSearch400(String body, String mention) {
    Rest.Response r = rest.call("POST", "/vectors/_search", body);
    assertEquals(400, r.status(), r.body());
    assertTrue(r.body().contains(mention), "expected the message to mention " + mention + ": " + r.body());
  }

  @Test
  @Order(100)
  void nodeLogHasNoStackTraceOfOurs() throws Exception {
    // OpenSearch itself logs every mapping refused at index creation with its stack trace, for
    // core field types too; any other entry with a frame of ours is a bug
    for (String entry : cluster.log(0).split("\n(?=\\[\\d{4}-)")) {
      if (!entry.contains("failed on parsing mappings on index creation")) {
        assertFalse(entry.contains("at dev.matryoshka."), "stack trace in node log:\n" + entry);
      }
    }
  }

  static void expect400(String index, String body, String mention) {
    Rest.Response r = rest.call("PUT", index, body);
    assertEquals(400, r.status(), r.body());
    assertTrue(r.body().contains(mention), "expected the message to mention " + mention + ": " + r.body());
  }
}
