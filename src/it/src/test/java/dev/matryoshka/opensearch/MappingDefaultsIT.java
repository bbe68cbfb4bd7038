package dev.matryoshka.opensearch;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.matryoshka.encode.EncoderOptions;
import dev.matryoshka.encode.Models;
import dev.matryoshka.encode.TextEncoder;
import dev.matryoshka.eval.BeirDataset;
import dev.matryoshka.eval.ExactRetrieval;
import dev.matryoshka.eval.Metrics;
import dev.matryoshka.eval.TestCorpus;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The mapping at its defaults on a real node (issue 21): a field that names only {@code dims} and
 * {@code model}, {@code test-corpus/} through a {@code matryoshka_embed} pipeline, every query as
 * {@code matryoshka_knn} with {@code query_text} only, must keep at least 0.99x of exact
 * full-dimension nDCG@10, computed here with the library's encoder — on one shard, on three, and
 * after every batch of an index that grows. And {@code target_recall} (mapping and query) reaches
 * the shards. One node for the class; each test makes its own indices.
 */
class MappingDefaultsIT {
  private static final String MINIMAL =
      "\"text\":{\"type\":\"text\"},\"emb\":{\"type\":\"matryoshka_vector\",\"dims\":384,\"model\":\"bge-small-en-v1.5\"}";
  private static final double MIN_RATIO = 0.99;

  private static TestCluster cluster;
  private static Rest rest;
  private static BeirDataset corpus;
  private static float[][] docVectors;
  private static float[][] queryVectors;

  @BeforeAll
  static void start() throws Exception {
    cluster = TestCluster.start("defaults", 1);
    rest = cluster.rest();
    corpus = TestCorpus.load();
    try (TextEncoder enc = Models.open(Models.DEFAULT_MODEL, EncoderOptions.defaults())) {
      docVectors = enc.encodeDocuments(corpus.docTexts());
      queryVectors = enc.encodeQueries(corpus.queryTexts());
    }
    rest.ok("PUT", "/_ingest/pipeline/defaults-embed",
        "{\"processors\":[{\"matryoshka_embed\":{\"field\":\"text\",\"target_field\":\"emb\"}}]}");
  }

  @AfterAll
  static void stop() {
    if (cluster != null) {
      cluster.close();
    }
  }

  @Test
  void minimalMappingOnOneShardKeepsExactQuality() {
    rest.ok("PUT", "/defaults-1", Json.index(1, 0, MINIMAL));
    JsonNode emb = rest.ok("GET", "/defaults-1/_mapping/field/emb?include_defaults=true", null)
        .findValue("mapping").path("emb");
    assertEquals(192, emb.path("prefix_dims").asInt(), "bge-small's default prefix: " + emb);
    assertEquals(dev.matryoshka.search.MatryoshkaKnnQuery.DEFAULT_TARGET_RECALL, emb.path("target_recall").asDouble(), 1e-9, emb.toString());
    assertTrue(emb.path("oversample").isNull(), "no mapping oversample: per-segment calibration; " + emb);
    JsonNode given = rest.ok("GET", "/defaults-1/_mapping", null).findValue("emb");
    assertFalse(given.has("prefix_dims") || given.has("oversample") || given.has("target_recall"),
        "the mapping prints what was given: " + given);
    index("defaults-1", 0, corpus.docs().size(), 100);
    assertKeepsExactQuality("defaults-1", corpus.docs().size(), "1 shard");
    // one segment of 240 documents: past the exact-search threshold (128), so the prefix graph
    // and the segment's own calibration answer
    rest.ok("POST", "/defaults-1/_forcemerge?max_num_segments=1", null);
    rest.ok("POST", "/defaults-1/_refresh", null);
    assertKeepsExactQuality("defaults-1", corpus.docs().size(), "1 shard, force-merged");
  }

  @Test
  void minimalMappingOnThreeShardsKeepsExactQuality() {
    rest.ok("PUT", "/defaults-3", Json.index(3, 0, MINIMAL));
    index("defaults-3", 0, corpus.docs().size(), 100);
    assertKeepsExactQuality("defaults-3", corpus.docs().size(), "3 shards");
  }

  @Test
  void aGrowingIndexKeepsExactQualityAfterEveryBatch() {
    rest.ok("PUT", "/defaults-grow", Json.index(1, 0, MINIMAL));
    int n = corpus.docs().size();
    int first = (int) Math.ceil(n * 0.1);
    index("defaults-grow", 0, first, 100);
    assertKeepsExactQuality("defaults-grow", first, "initial 10%");
    int from = first;
    for (int b = 1; b <= 5; b++) {
      int to = first + (int) Math.round((double) (n - first) * b / 5);
      index("defaults-grow", from, to, 100);
      assertKeepsExactQuality("defaults-grow", to, "after batch " + b);
      from = to;
    }
    assertEquals(n, from);
  }

  /**
   * {@code target_recall} reaches the shards, from the mapping and from the query, and the query's
   * wins over the mapping's {@code oversample}. 600 isotropic 64-d vectors with a 4-dim prefix: the
   * prefix graph finds few of the true top 10 at a low width and all of them at a high one.
   */
  @Test
  void targetRecallFromTheMappingAndTheQueryReachesTheShards() {
    rest.ok("PUT", "/tr-low", Json.index(1, 0,
        "\"emb\":{\"type\":\"matryoshka_vector\",\"dims\":64,\"prefix_dims\":4,\"target_recall\":0.05}"));
    rest.ok("PUT", "/tr-pinned", Json.index(1, 0,
        "\"emb\":{\"type\":\"matryoshka_vector\",\"dims\":64,\"prefix_dims\":4,\"oversample\":1}"));
    Random r = new Random(21);
    StringBuilder bulk = new StringBuilder();
    for (int i = 0; i < 600; i++) {
      bulk.append("{\"index\":{\"_id\":\"").append(i).append("\"}}\n{\"emb\":").append(Json.floats(gaussian(r))).append("}\n");
    }
    for (String idx : new String[] {"tr-low", "tr-pinned"}) {
      assertFalse(Json.bulk(rest, "/" + idx + "/_bulk?refresh=true", bulk.toString()).path("errors").asBoolean());
      rest.ok("POST", "/" + idx + "/_forcemerge?max_num_segments=1", null);
      rest.ok("POST", "/" + idx + "/_refresh", null);
    }
    double lowDefault = 0;
    double lowAsked = 0;
    double pinnedDefault = 0;
    double pinnedAsked = 0;
    int queries = 20;
    for (int t = 0; t < queries; t++) {
      String q = Json.floats(gaussian(r));
      Set<String> exact = ids("tr-low", q, ",\"oversample\":100");
      lowDefault += overlap(exact, ids("tr-low", q, ""));
      lowAsked += overlap(exact, ids("tr-low", q, ",\"target_recall\":1"));
      pinnedDefault += overlap(exact, ids("tr-pinned", q, ""));
      pinnedAsked += overlap(exact, ids("tr-pinned", q, ",\"target_recall\":1"));
    }
    lowDefault /= queries;
    lowAsked /= queries;
    pinnedDefault /= queries;
    pinnedAsked /= queries;
    String got = String.format(Locale.ROOT, "recall@10: mapping target 0.05 %.3f, query target 1 %.3f; mapping oversample 1 %.3f, "
        + "query target 1 %.3f", lowDefault, lowAsked, pinnedDefault, pinnedAsked);
    // the query's target_recall 1 searches each segment as wide as its calibration needed for
    // (near) perfect recall, over the mapping's low target and over the mapping's oversample 1
    assertTrue(lowAsked >= 0.95 && pinnedAsked >= 0.95, got);
    assertTrue(lowDefault < lowAsked - 0.2 && pinnedDefault < pinnedAsked - 0.2, "a low width should miss some: " + got);
    // a bad target_recall is a 400 naming field and value, in the mapping and in the query
    Rest.Response bad = rest.call("PUT", "/tr-bad", Json.index(1, 0,
        "\"emb\":{\"type\":\"matryoshka_vector\",\"dims\":8,\"prefix_dims\":4,\"target_recall\":1.5}"));
    assertEquals(400, bad.status(), bad.body());
    assertTrue(bad.body().contains("[target_recall] of field [emb] must be in (0, 1]; got 1.5"), bad.body());
    Rest.Response badQuery = rest.call("POST", "/tr-low/_search",
        "{\"query\":{\"matryoshka_knn\":{\"field\":\"emb\",\"vector\":" + Json.floats(gaussian(r)) + ",\"target_recall\":0}}}");
    assertEquals(400, badQuery.status(), badQuery.body());
    assertTrue(badQuery.body().contains("[target_recall] must be in (0, 1]; got 0.0"), badQuery.body());
  }

  private static float[] gaussian(Random r) {
    float[] v = new float[64];
    for (int d = 0; d < 64; d++) v[d] = (float) r.nextGaussian();
    return v;
  }

  private static Set<String> ids(String index, String vector, String more) {
    JsonNode res = rest.ok("POST", "/" + index + "/_search", "{\"size\":10,\"_source\":false,\"query\":{\"matryoshka_knn\":"
        + "{\"field\":\"emb\",\"vector\":" + vector + ",\"k\":10" + more + "}}}");
    Set<String> out = new HashSet<>();
    for (JsonNode h : res.path("hits").path("hits")) {
      out.add(h.path("_id").asText());
    }
    return out;
  }

  private static double overlap(Set<String> want, Set<String> got) {
    Set<String> both = new HashSet<>(want);
    both.retainAll(got);
    return (double) both.size() / want.size();
  }

  /** Indexes documents {@code [from, to)} of the corpus through the pipeline, then refreshes. */
  private static void index(String index, int from, int to, int perRequest) {
    List<BeirDataset.Document> docs = corpus.docs();
    for (int b = from; b < to; b += perRequest) {
      StringBuilder bulk = new StringBuilder();
      for (int i = b; i < Math.min(to, b + perRequest); i++) {
        bulk.append("{\"index\":{\"_index\":\"").append(index).append("\",\"_id\":\"").append(docs.get(i).id()).append("\"}}\n");
        try {
          bulk.append(Rest.JSON.writeValueAsString(Map.of("text", docs.get(i).encodingText()))).append('\n');
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
          throw new AssertionError(e);
        }
      }
      JsonNode res = Json.bulk(rest, "/_bulk?pipeline=defaults-embed", bulk.toString());
      assertFalse(res.path("errors").asBoolean(), res.toString());
    }
    rest.ok("POST", "/" + index + "/_refresh", null);
    assertEquals(to, rest.ok("GET", "/" + index + "/_count", null).path("count").asInt());
  }

  /**
   * Every corpus query as {@code query_text} only against the node, and exact full-dimension
   * search over the first {@code indexed} documents here: nDCG@10 of the node at least {@value
   * #MIN_RATIO} of exact's.
   */
  private static void assertKeepsExactQuality(String index, int indexed, String what) {
    List<BeirDataset.Query> queries = corpus.queries();
    Map<String, List<String>> node = new LinkedHashMap<>();
    for (BeirDataset.Query q : queries) {
      String body;
      try {
        body = Rest.JSON.writeValueAsString(Map.of("size", 10, "_source", false,
            "query", Map.of("matryoshka_knn", Map.of("field", "emb", "query_text", q.text()))));
      } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
        throw new AssertionError(e);
      }
      JsonNode res = rest.ok("POST", "/" + index + "/_search", body);
      assertEquals(0, res.path("_shards").path("failed").asInt(), res.toString());
      List<String> ids = new ArrayList<>();
      for (JsonNode h : res.path("hits").path("hits")) {
        ids.add(h.path("_id").asText());
      }
      node.put(q.id(), ids);
    }
    ExactRetrieval.Hits[] hits = new ExactRetrieval(Arrays.copyOf(docVectors, indexed), ExactRetrieval.Similarity.COSINE)
        .search(queryVectors, 10);
    Map<String, List<String>> exact = new HashMap<>();
    for (int i = 0; i < queries.size(); i++) {
      List<String> ids = new ArrayList<>();
      for (int d : hits[i].docs()) {
        ids.add(corpus.docs().get(d).id());
      }
      exact.put(queries.get(i).id(), ids);
    }
    double nodeNdcg = Metrics.evaluate(node, corpus.qrels()).ndcgAt10();
    double exactNdcg = Metrics.evaluate(exact, corpus.qrels()).ndcgAt10();
    String line = String.format(Locale.ROOT, "%s, %d documents: node nDCG@10 %.4f, exact %.4f = %.4fx", what, indexed,
        nodeNdcg, exactNdcg, nodeNdcg / exactNdcg);
    System.out.println("MappingDefaultsIT " + line);
    if (indexed == corpus.docs().size()) {
      assertTrue(exactNdcg > 0.3, "exact search should find relevant passages: " + line);
    }
    assertTrue(nodeNdcg >= MIN_RATIO * exactNdcg, line);
  }
}
