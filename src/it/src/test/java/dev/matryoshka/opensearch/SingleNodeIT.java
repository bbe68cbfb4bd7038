package dev.matryoshka.opensearch;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.matryoshka.adapt.Adapter;
import dev.matryoshka.adapt.AdapterIO;
import dev.matryoshka.adapt.TestAdapters;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * One real node with our zip installed. The tests share the node, since a start costs tens of
 * seconds, but nothing else: each creates the indices and pipelines it uses, under names no
 * other test uses, so any one of them passes alone ({@code -Dit.test=SingleNodeIT#method}) and
 * in any order. After each test the node's log must hold no stack trace of ours from that test.
 */
class SingleNodeIT {
  private static TestCluster cluster;
  private static Rest rest;
  /** Length of the node log when the running test started. */
  private long logMark;

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

  @BeforeEach
  void markLog() throws Exception {
    logMark = cluster.log(0).length();
  }

  @AfterEach
  void nodeLogHasNoStackTraceOfOurs() throws Exception {
    // OpenSearch itself logs every mapping refused at index creation with its stack trace, for
    // core field types too; any other entry with a frame of ours is a bug
    String log = cluster.log(0);
    String added = log.substring((int) Math.min(logMark, log.length()));
    for (String entry : added.split("\n(?=\\[\\d{4}-)")) {
      if (!entry.contains("failed on parsing mappings on index creation")) {
        assertFalse(entry.contains("at dev.matryoshka."), "stack trace in node log:\n" + entry);
      }
    }
  }

  @Test
  void pluginIsListed() {
    JsonNode plugins = rest.ok("GET", "/_cat/plugins?format=json", null);
    boolean found = false;
    for (JsonNode p : plugins) {
      found |= "matryoshka".equals(p.path("component").asText());
    }
    assertTrue(found, "matryoshka not in _cat/plugins: " + plugins);
  }

  @Test
  void bulkVectorsAreIndexedAndCounted() {
    createVectors("vectors");
    rest.ok("POST", "/vectors/_flush", null);
    assertEquals(VECTORS, rest.ok("GET", "/vectors/_count", null).path("count").asInt());
  }

  @Test
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
  void wrongDimsDocumentIsBadRequest() {
    rest.ok("PUT", "/wrong-dims", Json.index(1, 0, VECTORS_FIELD));
    Rest.Response r = rest.call("PUT", "/wrong-dims/_doc/bad", "{\"emb\":[1,2,3]}");
    assertEquals(400, r.status(), r.body());
    assertTrue(r.body().contains("the field has 8"), r.body());
  }

  @Test
  void vectorQueryGivesExactTopKWithFullDimScores() {
    // 50 docs sit in one small segment, which the query searches exactly: the answer is known
    createVectors("exact");
    Random r = new Random(7);
    float[] q = new float[8];
    for (int d = 0; d < 8; d++) {
      q[d] = r.nextFloat() - 0.5f;
    }
    JsonNode hits = rest.ok("POST", "/exact/_search", knn("emb", Json.floats(q), 5, 2)).path("hits").path("hits");
    assertEquals(5, hits.size(), hits.toString());
    JsonNode all = rest.ok("POST", "/exact/_search", "{\"size\":100,\"query\":{\"match_all\":{}}}").path("hits").path("hits");
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
  void malformedQueriesAreBadRequests() {
    createVectors("malformed-queries");
    String v8 = "[1,2,3,4,5,6,7,8]";
    expectSearch400("{\"query\":{\"matryoshka_knn\":{\"vector\":" + v8 + ",\"k\":3}}}", "[field]");
    expectSearch400(knn("emb", "[1,2,3]", 3, 2), "3 dims");
    expectSearch400(knn("emb", v8, 0, 2), "[k]");
    expectSearch400(knn("emb", v8, 3, 0.5f), "[oversample]");
    expectSearch400(knn("nope", v8, 3, 2), "no such field");
    expectSearch400("{\"query\":{\"matryoshka_knn\":{\"field\":\"emb\",\"k\":3}}}", "[vector]");
  }

  @Test
  void adapterInTheMappingMapsDocumentsAndQueries() throws Exception {
    // a non-orthogonal adapter changes cosines, so the scores show whether it was applied to
    // both sides: node scores must equal cos(A q, A d), not cos(q, d)
    int dims = 8;
    Adapter a = TestAdapters.linear(dims, 0.4, 5L);
    Path adapters = cluster.home(0).resolve("config/matryoshka/adapters");
    Files.createDirectories(adapters);
    AdapterIO.write(a, adapters.resolve("lin8.bin"));
    rest.ok("PUT", "/adapted", Json.index(1, 0,
        "\"emb\":{\"type\":\"matryoshka_vector\",\"dims\":8,\"prefix_dims\":4,\"adapter\":\"lin8\"}"));
    assertEquals("lin8", rest.ok("GET", "/adapted/_mapping", null).findValue("emb").path("adapter").asText());
    Random r = new Random(43);
    float[][] docs = new float[60][dims];
    StringBuilder bulk = new StringBuilder();
    for (int i = 0; i < docs.length; i++) {
      for (int d = 0; d < dims; d++) {
        docs[i][d] = r.nextFloat() - 0.5f;
      }
      bulk.append("{\"index\":{\"_id\":\"").append(i).append("\"}}\n{\"emb\":").append(Json.floats(docs[i])).append("}\n");
    }
    assertFalse(Json.bulk(rest, "/adapted/_bulk?refresh=true", bulk.toString()).path("errors").asBoolean());
    // _source keeps the model-space vector the client sent
    assertArrayEquals(docs[3], Json.toFloats(rest.ok("GET", "/adapted/_doc/3", null).path("_source").path("emb")));
    float[] q = new float[dims];
    for (int d = 0; d < dims; d++) {
      q[d] = r.nextFloat() - 0.5f;
    }
    JsonNode hits = rest.ok("POST", "/adapted/_search", knn("emb", Json.floats(q), 5, 12)).path("hits").path("hits");
    float[] aq = a.apply(q);
    List<double[]> adapted = new ArrayList<>();
    List<double[]> raw = new ArrayList<>();
    for (int i = 0; i < docs.length; i++) {
      adapted.add(new double[] {i, (1 + Json.cosine(aq, a.apply(docs[i]))) / 2});
      raw.add(new double[] {i, (1 + Json.cosine(q, docs[i])) / 2});
    }
    adapted.sort((x, y) -> Double.compare(y[1], x[1]));
    raw.sort((x, y) -> Double.compare(y[1], x[1]));
    assertEquals(5, hits.size(), hits.toString());
    boolean differsFromRaw = false;
    for (int i = 0; i < 5; i++) {
      assertEquals((int) adapted.get(i)[0], Integer.parseInt(hits.get(i).path("_id").asText()), "rank " + i + ": " + hits);
      assertEquals(adapted.get(i)[1], hits.get(i).path("_score").asDouble(), 1e-4, "rank " + i);
      differsFromRaw |= Math.abs(raw.get(i)[1] - adapted.get(i)[1]) > 1e-3;
    }
    assertTrue(differsFromRaw, "the test adapter should change scores");

    // unknown adapter, and an adapter for other dims: refused at mapping time, naming the file
    expect400("/adapted-missing", Json.index(1, 0,
        "\"emb\":{\"type\":\"matryoshka_vector\",\"dims\":8,\"prefix_dims\":4,\"adapter\":\"nope\"}"), "nope.bin");
    expect400("/adapted-dims", Json.index(1, 0,
        "\"emb\":{\"type\":\"matryoshka_vector\",\"dims\":16,\"prefix_dims\":4,\"adapter\":\"lin8\"}"), "8-dim");
    expect400("/adapted-path", Json.index(1, 0,
        "\"emb\":{\"type\":\"matryoshka_vector\",\"dims\":8,\"prefix_dims\":4,\"adapter\":\"../x\"}"), "plain name");
  }

  @Test
  void mappingOversampleIsTheQueryDefault() throws Exception {
    // 600 isotropic 64-d vectors, prefix 4: the 4-dim graph finds few of the true top 10 at
    // oversample 1 and all of them at 100, so the answers tell which oversample a query used
    String low = "\"emb\":{\"type\":\"matryoshka_vector\",\"dims\":64,\"prefix_dims\":4,\"oversample\":1}";
    String high = "\"emb\":{\"type\":\"matryoshka_vector\",\"dims\":64,\"prefix_dims\":4,\"oversample\":100}";
    rest.ok("PUT", "/os-low", Json.index(1, 0, low));
    rest.ok("PUT", "/os-high", Json.index(1, 0, high));
    assertEquals(100.0, rest.ok("GET", "/os-high/_mapping", null).findValue("emb").path("oversample").asDouble(), 1e-6);
    Random r = new Random(9);
    StringBuilder bulk = new StringBuilder();
    for (int i = 0; i < 600; i++) {
      float[] v = new float[64];
      for (int d = 0; d < 64; d++) v[d] = (float) r.nextGaussian();
      bulk.append("{\"index\":{\"_id\":\"").append(i).append("\"}}\n{\"emb\":").append(Json.floats(v)).append("}\n");
    }
    for (String idx : new String[] {"os-low", "os-high"}) {
      assertFalse(Json.bulk(rest, "/" + idx + "/_bulk?refresh=true", bulk.toString()).path("errors").asBoolean());
      rest.ok("POST", "/" + idx + "/_forcemerge?max_num_segments=1", null);
      rest.ok("POST", "/" + idx + "/_refresh", null);
    }
    int differ = 0;
    for (int t = 0; t < 20; t++) {
      float[] q = new float[64];
      for (int d = 0; d < 64; d++) q[d] = (float) r.nextGaussian();
      String noOs = "{\"size\":10,\"query\":{\"matryoshka_knn\":{\"field\":\"emb\",\"vector\":" + Json.floats(q) + ",\"k\":10}}}";
      String lowDefault = ids(rest.ok("POST", "/os-low/_search", noOs));
      String highDefault = ids(rest.ok("POST", "/os-high/_search", noOs));
      assertEquals(ids(rest.ok("POST", "/os-low/_search", knn("emb", Json.floats(q), 10, 1))), lowDefault);
      assertEquals(ids(rest.ok("POST", "/os-high/_search", knn("emb", Json.floats(q), 10, 100))), highDefault);
      // the query's own oversample wins over the mapping's
      assertEquals(highDefault, ids(rest.ok("POST", "/os-low/_search", knn("emb", Json.floats(q), 10, 100))));
      if (!lowDefault.equals(highDefault)) differ++;
    }
    assertTrue(differ > 0, "oversample 1 and 100 gave the same answers to all 20 queries");
    expect400("/os-bad", Json.index(1, 0,
        "\"emb\":{\"type\":\"matryoshka_vector\",\"dims\":8,\"prefix_dims\":4,\"oversample\":0.5}"), "oversample");
    expect400("/os-bad", Json.index(1, 0,
        "\"emb\":{\"type\":\"matryoshka_vector\",\"dims\":8,\"prefix_dims\":4,\"oversample\":\"many\"}"), "oversample");
  }

  private static String ids(JsonNode res) {
    StringBuilder b = new StringBuilder();
    for (JsonNode h : res.path("hits").path("hits")) b.append(h.path("_id").asText()).append(',');
    return b.toString();
  }

  @Test
  void int8AndInt4PrefixQuantizationInTheMapping() throws Exception {
    for (String enc : new String[] {"int8", "int4"}) {
      prefixQuantizationInTheMapping(enc);
    }
    expect400("/quant-l2", Json.index(1, 0,
        "\"emb\":{\"type\":\"matryoshka_vector\",\"dims\":8,\"prefix_dims\":4,\"similarity\":\"l2\",\"prefix_quantization\":\"int8\"}"),
        "prefix_quantization");
    expect400("/quant-bad", Json.index(1, 0,
        "\"emb\":{\"type\":\"matryoshka_vector\",\"dims\":8,\"prefix_dims\":4,\"prefix_quantization\":\"int2\"}"),
        "prefix_quantization");
  }

  private void prefixQuantizationInTheMapping(String enc) throws Exception {
    String index = "/quant-" + enc;
    rest.ok("PUT", index, Json.index(1, 0,
        "\"emb\":{\"type\":\"matryoshka_vector\",\"dims\":16,\"prefix_dims\":4,\"prefix_quantization\":\"" + enc + "\"}"));
    assertEquals(enc, rest.ok("GET", index + "/_mapping", null).findValue("emb").path("prefix_quantization").asText());
    Random r = new Random(44);
    float[][] docs = new float[300][16];
    StringBuilder bulk = new StringBuilder();
    for (int i = 0; i < docs.length; i++) {
      for (int d = 0; d < 16; d++) {
        docs[i][d] = (float) (r.nextGaussian() * Math.pow(0.8, d));
      }
      bulk.append("{\"index\":{\"_id\":\"").append(i).append("\"}}\n{\"emb\":").append(Json.floats(docs[i])).append("}\n");
    }
    assertFalse(Json.bulk(rest, index + "/_bulk?refresh=true", bulk.toString()).path("errors").asBoolean());
    rest.ok("POST", index + "/_forcemerge?max_num_segments=1", null);
    rest.ok("POST", index + "/_refresh", null);
    float[] q = new float[16];
    for (int d = 0; d < 16; d++) {
      q[d] = (float) (r.nextGaussian() * Math.pow(0.8, d));
    }
    // 300 documents in one segment, above the exact-search threshold: the int8/int4 prefix graph
    // is walked; k x oversample = 300 candidates covers every document, so the answer is exact
    JsonNode hits = rest.ok("POST", index + "/_search", knn("emb", Json.floats(q), 3, 100)).path("hits").path("hits");
    List<double[]> scored = new ArrayList<>();
    for (int i = 0; i < docs.length; i++) {
      scored.add(new double[] {i, (1 + Json.cosine(q, docs[i])) / 2});
    }
    scored.sort((x, y) -> Double.compare(y[1], x[1]));
    assertEquals(3, hits.size(), hits.toString());
    for (int i = 0; i < 3; i++) {
      assertEquals((int) scored.get(i)[0], Integer.parseInt(hits.get(i).path("_id").asText()), "rank " + i + ": " + hits);
      assertEquals(scored.get(i)[1], hits.get(i).path("_score").asDouble(), 1e-4, enc + " rank " + i);
    }
  }

  @Test
  void textSearchThroughPipelineMatchesEmbeddedLibraryAndSurvivesRestart() throws Exception {
    NodeCorpus data = NodeCorpus.load();
    assertEquals(240, data.size());
    assertEquals(60, data.queries());
    createEmbedPipeline();
    rest.ok("PUT", "/corpus", Json.index(1, 0, TEXT_FIELDS));
    data.bulkIndex(rest, "corpus", EMBED_PIPELINE);
    rest.ok("POST", "/corpus/_forcemerge?max_num_segments=1", null);
    rest.ok("POST", "/corpus/_refresh", null);
    assertEquals(data.size(), rest.ok("GET", "/corpus/_count", null).path("count").asInt());
    JsonNode segments = rest.ok("GET", "/corpus/_segments", null);
    assertEquals(1, segments.findValues("segments").get(0).size(), segments.toString());
    createVectors("kept-vectors"); // a vector-only index must come back from the restart too

    // A merge forced to one segment builds the prefix graph from scratch over the documents in
    // segment order, so the graph is a function of the documents and their order. The library
    // indexes the node's vectors in the node's order (OpenSearch shuffles segments on a forced
    // merge, so that is not the bulk order) and must then answer exactly as the node does, at
    // the approximate oversample too. 240 documents are above the exact-search threshold (128),
    // so at oversample 5 both walk the prefix graph.
    float[][] vectors = data.nodeVectors(rest, "corpus", 16);
    List<Integer> order = data.nodeDocOrder(rest, "corpus");
    float exhaustive = (float) data.size() / K;
    List<List<Hit>> nodeExact = data.searchNode(rest, "corpus", K, exhaustive);
    Hit.assertSame(data.searchEmbedded(vectors, order, K, exhaustive), nodeExact, "embedded library vs node, exhaustive");
    List<List<Hit>> node = data.searchNode(rest, "corpus", K, OVERSAMPLE);
    Hit.assertSame(data.searchEmbedded(vectors, order, K, OVERSAMPLE), node, "embedded library vs node, oversample " + OVERSAMPLE);

    cluster.restart();
    assertEquals(VECTORS, rest.ok("GET", "/kept-vectors/_count", null).path("count").asInt());
    Hit.assertSame(node, data.searchNode(rest, "corpus", K, OVERSAMPLE), "before vs after restart");
    Hit.assertSame(nodeExact, data.searchNode(rest, "corpus", K, exhaustive), "before vs after restart, exhaustive");
  }

  @Test
  void reindexFromTextOnlyIndexThroughPipeline() {
    createEmbedPipeline();
    rest.ok("PUT", "/plain", "{\"settings\":{\"number_of_shards\":1,\"number_of_replicas\":0}}");
    StringBuilder bulk = new StringBuilder();
    for (int i = 0; i < 40; i++) {
      bulk.append("{\"index\":{\"_id\":\"").append(i).append("\"}}\n{\"text\":\"document number ").append(i)
          .append(" about cells, proteins and gene expression\"}\n");
    }
    assertFalse(Json.bulk(rest, "/plain/_bulk?refresh=true", bulk.toString()).path("errors").asBoolean());
    rest.ok("PUT", "/rich", Json.index(1, 0, TEXT_FIELDS));
    JsonNode res = rest.ok("POST", "/_reindex?refresh=true", "{\"source\":{\"index\":\"plain\"},\"dest\":{\"index\":\"rich\",\"pipeline\":\"" + EMBED_PIPELINE + "\"}}");
    assertEquals(40, res.path("created").asInt(), res.toString());
    assertEquals(0, res.path("failures").size(), res.toString());
    JsonNode hits = rest.ok("POST", "/rich/_search", "{\"query\":{\"matryoshka_knn\":{\"field\":\"emb\",\"query_text\":\"document number 7\",\"k\":3}}}")
        .path("hits").path("hits");
    assertEquals(3, hits.size(), hits.toString());
    assertEquals(384, rest.ok("GET", "/rich/_doc/7", null).path("_source").path("emb").size());
  }

  @Test
  void unknownModelInProcessorIsBadRequest() {
    Rest.Response r = rest.call("PUT", "/_ingest/pipeline/bad", "{\"processors\":[{\"matryoshka_embed\":"
        + "{\"field\":\"text\",\"target_field\":\"emb\",\"model\":\"no-such-model\"}}]}");
    assertEquals(400, r.status(), r.body());
    assertTrue(r.body().contains("no-such-model"), r.body());
    r = rest.call("PUT", "/_ingest/pipeline/bad", "{\"processors\":[{\"matryoshka_embed\":{\"target_field\":\"emb\"}}]}");
    assertEquals(400, r.status(), r.body());
    assertTrue(r.body().contains("field"), r.body());
    rest.ok("PUT", "/blank-query", Json.index(1, 0, TEXT_FIELDS));
    r = rest.call("POST", "/blank-query/_search", "{\"query\":{\"matryoshka_knn\":{\"field\":\"emb\",\"query_text\":\" \",\"k\":3}}}");
    assertEquals(400, r.status(), r.body());
    assertTrue(r.body().contains("[query_text] must not be empty"), r.body());
  }

  @Test
  void decodedGraphBudgetIsADynamicNodeSettingThatKeepsResults() {
    String key = "matryoshka.decoded_graph.max_bytes";
    try {
      rest.ok("PUT", "/_cluster/settings", "{\"persistent\":{\"" + key + "\":\"0\"}}");
      assertEquals("0", rest.ok("GET", "/_cluster/settings", null).path("persistent").path("matryoshka")
          .path("decoded_graph").path("max_bytes").asText());
      // one segment above the exact-search threshold (128), so the query walks the prefix graph
      rest.ok("PUT", "/budget", Json.index(1, 0, VECTORS_FIELD));
      Random r = new Random(3);
      StringBuilder bulk = new StringBuilder();
      for (int i = 0; i < 600; i++) {
        bulk.append("{\"index\":{\"_id\":\"").append(i).append("\"}}\n{\"emb\":[");
        for (int d = 0; d < 8; d++) {
          bulk.append(d == 0 ? "" : ",").append(r.nextFloat() - 0.5f);
        }
        bulk.append("]}\n");
      }
      assertFalse(Json.bulk(rest, "/budget/_bulk?refresh=true", bulk.toString()).path("errors").asBoolean());
      rest.ok("POST", "/budget/_forcemerge?max_num_segments=1", null);
      rest.ok("POST", "/budget/_refresh", null);
      String query = knn("emb", "[0.1,-0.2,0.3,0.05,-0.4,0.2,0.1,-0.1]", K, 2);
      JsonNode offHeap = rest.ok("POST", "/budget/_search", query).path("hits").path("hits");
      assertEquals(K, offHeap.size(), offHeap.toString());

      // a budget again: the segment's graph is decoded at its next search, with the same hits
      rest.ok("PUT", "/_cluster/settings", "{\"persistent\":{\"" + key + "\":\"64mb\"}}");
      JsonNode decoded = rest.ok("POST", "/budget/_search", query).path("hits").path("hits");
      assertEquals(offHeap.toString(), decoded.toString());

      Rest.Response bad = rest.call("PUT", "/_cluster/settings", "{\"persistent\":{\"" + key + "\":\"-1\"}}");
      assertEquals(400, bad.status(), bad.body());
      assertTrue(bad.body().contains(key), bad.body());
    } finally {
      rest.ok("PUT", "/_cluster/settings", "{\"persistent\":{\"" + key + "\":null}}");
    }
  }

  private static final int K = 10;
  private static final float OVERSAMPLE = 5;
  private static final int VECTORS = 50;
  private static final String VECTORS_FIELD = "\"emb\":{\"type\":\"matryoshka_vector\",\"dims\":8,\"prefix_dims\":4}";
  private static final String EMBED_PIPELINE = "embed";
  private static final String TEXT_FIELDS =
      "\"text\":{\"type\":\"text\"},\"emb\":{\"type\":\"matryoshka_vector\",\"dims\":384,\"prefix_dims\":64,"
          + "\"similarity\":\"cosine\",\"model\":\"bge-small-en-v1.5\"}";

  /** Creates {@code index} (8 dims, prefix 4) holding {@value #VECTORS} seeded random vectors. */
  private static void createVectors(String index) {
    rest.ok("PUT", "/" + index, Json.index(1, 0, VECTORS_FIELD));
    Random r = new Random(42);
    StringBuilder bulk = new StringBuilder();
    for (int i = 0; i < VECTORS; i++) {
      bulk.append("{\"index\":{\"_id\":\"").append(i).append("\"}}\n{\"emb\":[");
      for (int d = 0; d < 8; d++) {
        bulk.append(d == 0 ? "" : ",").append(r.nextFloat() - 0.5f);
      }
      bulk.append("]}\n");
    }
    JsonNode res = Json.bulk(rest, "/" + index + "/_bulk?refresh=true", bulk.toString());
    assertFalse(res.path("errors").asBoolean(), res.toString());
  }

  /** The text-embedding pipeline; a PUT of the same body is idempotent, so tests need not share it. */
  private static void createEmbedPipeline() {
    rest.ok("PUT", "/_ingest/pipeline/" + EMBED_PIPELINE, "{\"processors\":[{\"matryoshka_embed\":"
        + "{\"field\":\"text\",\"target_field\":\"emb\",\"model\":\"bge-small-en-v1.5\"}}]}");
  }

  static String knn(String field, String vector, int k, float oversample) {
    return "{\"size\":" + Math.max(k, 1) + ",\"query\":{\"matryoshka_knn\":{\"field\":\"" + field + "\",\"vector\":" + vector
        + ",\"k\":" + k + ",\"oversample\":" + oversample + "}}}";
  }

  static void expectSearch400(String body, String mention) {
    Rest.Response r = rest.call("POST", "/malformed-queries/_search", body);
    assertEquals(400, r.status(), r.body());
    assertTrue(r.body().contains(mention), "expected the message to mention " + mention + ": " + r.body());
  }

  static void expect400(String index, String body, String mention) {
    Rest.Response r = rest.call("PUT", index, body);
    assertEquals(400, r.status(), r.body());
    assertTrue(r.body().contains(mention), "expected the message to mention " + mention + ": " + r.body());
  }
}
