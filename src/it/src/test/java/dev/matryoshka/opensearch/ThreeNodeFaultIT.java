package dev.matryoshka.opensearch;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.matryoshka.codec.MatryoshkaCodec;
import dev.matryoshka.codec.MatryoshkaHnswVectorsFormat;
import dev.matryoshka.document.MatryoshkaVectorField;
import dev.matryoshka.encode.EncoderOptions;
import dev.matryoshka.encode.Models;
import dev.matryoshka.encode.TextEncoder;
import dev.matryoshka.search.MatryoshkaKnnQuery;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.lucene.document.Document;
import org.apache.lucene.document.Field;
import org.apache.lucene.document.FieldType;
import org.apache.lucene.document.StringField;
import org.apache.lucene.index.DirectoryReader;
import org.apache.lucene.index.IndexWriter;
import org.apache.lucene.index.IndexWriterConfig;
import org.apache.lucene.index.StoredFields;
import org.apache.lucene.index.VectorSimilarityFunction;
import org.apache.lucene.search.IndexSearcher;
import org.apache.lucene.search.ScoreDoc;
import org.apache.lucene.store.ByteBuffersDirectory;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A data node dies mid-ingest: three nodes, an index of 3 shards with 1 replica on the {@code
 * matryoshka} codec, text bulk-indexed through {@code matryoshka_embed}; node 2 gets {@code kill
 * -9} while a bulk request it coordinates is in flight (the client loses its connection: the whole
 * request counts as failed). The client retries, on a live node, every item the bulk API reports as
 * failed or that a failed request carried (as OpenSearch clients do); ids make a retry of an item
 * that was in fact written an overwrite, not a second copy. Searches run the whole time and, once the node they ask is
 * yellow, must answer from the replicas with no shard failures. The node restarts, the cluster goes
 * green, and then: every acknowledged document is there exactly once, its stored vector is the
 * embedded library's encoding of its text, and {@code matryoshka_knn} answers as an undisturbed
 * single index built in-process from the same documents, at an exhaustive oversample.
 *
 * <p>Documents: the 240 passages of {@code test-corpus/}, each in three sentence orders (720).
 */
class ThreeNodeFaultIT {
  private static final String FIELDS =
      "\"text\":{\"type\":\"text\"},\"emb\":{\"type\":\"matryoshka_vector\",\"dims\":384,\"prefix_dims\":64,"
          + "\"similarity\":\"cosine\",\"model\":\"bge-small-en-v1.5\"}";
  private static final int BATCH = 40;
  private static final int VICTIM = 2;
  private static final int K = 10;
  /** k x 100 = 1000 candidates per shard, more than the index holds: exhaustive. */
  private static final float EXHAUSTIVE = 100;
  private static final int QUERIES = 20;
  private static TestCluster cluster;

  /** One search by the monitor: which phase, what the asked node thought of the cluster, what came back. */
  private record Sample(String phase, int node, String health, int nodes, int status, int shardsFailed, String error) {}

  @BeforeAll
  static void start() throws Exception {
    cluster = TestCluster.start("fault", 3);
  }

  @AfterAll
  static void stop() {
    if (cluster != null) {
      cluster.close();
    }
  }

  @Test
  void killedDataNodeMidIngestLosesNothingAndSearchesKeepAnswering() throws Exception {
    Rest rest = cluster.rest(0);
    rest.ok("PUT", "/_ingest/pipeline/embed", "{\"processors\":[{\"matryoshka_embed\":"
        + "{\"field\":\"text\",\"target_field\":\"emb\",\"model\":\"bge-small-en-v1.5\"}}]}");
    rest.ok("PUT", "/docs", Json.index(3, 1, FIELDS));
    rest.ok("GET", "/_cluster/health/docs?wait_for_status=green&timeout=60s", null);
    Map<String, String> docs = documents();
    List<String> queries = CorpusLines.queries().subList(0, QUERIES);

    AtomicReference<String> phase = new AtomicReference<>("before");
    AtomicBoolean stop = new AtomicBoolean();
    List<Sample> samples = new CopyOnWriteArrayList<>();
    Thread monitor = new Thread(() -> monitor(phase, stop, samples, queries), "fault-it-searches");
    monitor.start();

    // ---- ingest, with node 2 killed while the batch a third of the way in is in flight ----
    List<String> ids = new ArrayList<>(docs.keySet());
    Set<String> acknowledged = new HashSet<>();
    int failedItems = 0;
    int retryRounds = 0;
    int killBatch = ids.size() / BATCH / 3;
    for (int b = 0; b * BATCH < ids.size(); b++) {
      List<String> pending = new ArrayList<>(ids.subList(b * BATCH, Math.min(ids.size(), (b + 1) * BATCH)));
      if (b == killBatch) {
        Thread killer = new Thread(() -> {
          sleep(400); // the bulk request is being encoded or written by now
          phase.set("down"); // samples from here on may see the death (or not yet: 3 nodes listed)
          try {
            cluster.kill(VICTIM);
          } catch (IOException e) {
            throw new UncheckedIOException(e);
          }
          log("killed node " + VICTIM + " with SIGKILL during bulk batch " + killBatch);
        }, "fault-it-kill");
        killer.start();
        // this batch goes to the victim itself: the client loses the node it is talking to
        List<String> failed = bulk(cluster.rest(VICTIM), docs, pending);
        killer.join();
        failedItems += failed.size();
        pending = failed;
        log("batch " + b + " (during the kill): " + failed.size() + " of " + BATCH + " items failed");
      } else {
        List<String> failed = bulk(cluster.rest(b % 2), docs, pending);
        failedItems += failed.size();
        pending = failed;
      }
      for (int attempt = 1; !pending.isEmpty(); attempt++) {
        assertTrue(attempt <= 30, "items still failing after 30 retries: " + pending);
        retryRounds++;
        sleep(1000);
        List<String> failed = bulk(cluster.rest(attempt % 2), docs, pending);
        log("retry " + attempt + " of batch " + b + ": " + pending.size() + " items, " + failed.size() + " failed again");
        pending = failed;
      }
      for (String id : ids.subList(b * BATCH, Math.min(ids.size(), (b + 1) * BATCH))) {
        acknowledged.add(id);
      }
    }
    log("ingest done: " + acknowledged.size() + " documents acknowledged, " + failedItems + " item failures, "
        + retryRounds + " retry rounds");

    // ---- searches while the node is gone: wait until some were answered by yellow nodes ----
    long deadline = System.nanoTime() + Duration.ofSeconds(90).toNanos();
    while (yellowAnswered(samples) < 5 && System.nanoTime() < deadline) {
      sleep(250);
    }
    phase.set("restarting");
    cluster.startNode(VICTIM);
    JsonNode health = rest.ok("GET", "/_cluster/health?wait_for_status=green&wait_for_nodes=3&timeout=180s", null);
    assertEquals("green", health.path("status").asText(), health.toString());
    log("node " + VICTIM + " restarted; cluster green with " + health.path("number_of_nodes").asInt() + " nodes");
    phase.set("after");
    sleep(3000);
    stop.set(true);
    monitor.join();

    // ---- the searches ----
    Map<String, Integer> byPhase = new LinkedHashMap<>();
    List<Sample> bad = new ArrayList<>();
    for (Sample s : samples) {
      byPhase.merge(s.phase() + "/" + s.health(), 1, Integer::sum);
      boolean mustAnswer = switch (s.phase()) {
        case "before", "after" -> true;
        // a node that still lists 3 nodes has not yet noticed the death: a search may then hit
        // the dead node's shards; once it is yellow (or green) with 2 nodes, replicas answer
        case "down" -> s.nodes() == 2 && !s.health().equals("red");
        default -> false;
      };
      if (mustAnswer && (s.status() != 200 || s.shardsFailed() != 0)) {
        bad.add(s);
      }
    }
    log("searches by phase/health of the asked node: " + byPhase + "; answered by yellow nodes while node "
        + VICTIM + " was down: " + yellowAnswered(samples));
    assertTrue(bad.isEmpty(), "searches that had to answer but did not: " + bad);
    assertTrue(yellowAnswered(samples) >= 5, "too few searches while yellow: " + byPhase);

    // ---- every acknowledged document exactly once, with the library's vector ----
    rest.ok("POST", "/docs/_refresh", null);
    assertEquals(acknowledged.size(), rest.ok("GET", "/docs/_count", null).path("count").asInt());
    String all = Rest.JSON.writeValueAsString(Map.of("size", docs.size() + 10, "_source", List.of("emb")));
    Map<String, float[]> stored = new HashMap<>();
    for (JsonNode h : rest.ok("POST", "/docs/_search", all).path("hits").path("hits")) {
      float[] previous = stored.put(h.path("_id").asText(), Json.toFloats(h.path("_source").path("emb")));
      assertTrue(previous == null, "document " + h.path("_id").asText() + " returned twice");
    }
    assertEquals(acknowledged, stored.keySet());
    try (TextEncoder enc = Models.open(Models.DEFAULT_MODEL, EncoderOptions.defaults())) {
      Map<String, float[]> library = new HashMap<>();
      double maxDiff = 0;
      for (String id : ids) {
        // one text per call, as the pipeline encodes one document per call
        float[] v = enc.encodeDocuments(List.of(docs.get(id)))[0];
        library.put(id, v);
        float[] s = stored.get(id);
        assertEquals(v.length, s.length, id);
        for (int d = 0; d < v.length; d++) {
          maxDiff = Math.max(maxDiff, Math.abs(v[d] - s[d]));
        }
      }
      log("stored vectors vs the embedded library's encoding: max |difference| " + maxDiff + " over " + ids.size() + " documents");
      assertTrue(maxDiff <= 1e-6, "stored vectors differ from the library's by up to " + maxDiff);

      // ---- the cluster answers as an undisturbed single index of the same documents ----
      List<List<Hit>> reference = referenceSearch(enc, ids, library, queries);
      List<List<Hit>> node = new ArrayList<>();
      for (String q : queries) {
        node.add(search(cluster.rest(1), q).hits());
      }
      Hit.assertSame(reference, node, "3-node cluster after the fault vs single in-process index, exhaustive");
      log("final: " + stored.size() + " documents, each once; " + queries.size() + " queries equal the single index");
    }
  }

  // ---- the client ----

  /** Sends the items and answers the ids the bulk API reports as failed (all of them if the request itself fails). */
  private static List<String> bulk(Rest rest, Map<String, String> docs, List<String> ids) {
    try {
      StringBuilder body = new StringBuilder();
      for (String id : ids) {
        body.append(Rest.JSON.writeValueAsString(Map.of("index", Map.of("_index", "docs", "_id", id)))).append('\n');
        body.append(Rest.JSON.writeValueAsString(Map.of("text", docs.get(id)))).append('\n');
      }
      Rest.Response r = rest.call("POST", "/_bulk?pipeline=embed", body.toString(), "application/x-ndjson", Duration.ofMinutes(3));
      if (r.status() != 200) {
        log("bulk request answered " + r.status() + ": " + abbreviate(r.body()));
        return ids;
      }
      List<String> failed = new ArrayList<>();
      for (JsonNode item : r.json().path("items")) {
        JsonNode op = item.path("index");
        int status = op.path("status").asInt();
        if (status != 200 && status != 201) {
          failed.add(op.path("_id").asText());
          log("bulk item " + op.path("_id").asText() + " failed: " + status + " " + op.path("error").path("type").asText());
        }
      }
      return failed;
    } catch (IOException | RuntimeException e) {
      log("bulk request failed: " + e);
      return ids;
    }
  }

  private static void monitor(AtomicReference<String> phase, AtomicBoolean stop, List<Sample> samples, List<String> queries) {
    for (int i = 0; !stop.get(); i++) {
      int node = i % 2; // never the victim
      String p = phase.get();
      try {
        JsonNode h = cluster.rest(node).ok("GET", "/_cluster/health?local=true", null);
        Answer a = search(cluster.rest(node), queries.get(i % queries.size()));
        samples.add(new Sample(spanned(p, phase.get()), node, h.path("status").asText(),
            h.path("number_of_nodes").asInt(), a.status(), a.shardsFailed(), a.error()));
      } catch (RuntimeException | IOException e) {
        samples.add(new Sample(spanned(p, phase.get()), node, "?", -1, -1, -1, e.toString()));
      }
      sleep(200);
    }
  }

  /**
   * The phase a sample belongs to: the one it started in, or "start->end" when the phase changed
   * while it ran (a search that started before the kill and fetched from the dying node), which
   * no rule requires to answer.
   */
  private static String spanned(String start, String end) {
    return start.equals(end) ? start : start + "->" + end;
  }

  private static long yellowAnswered(List<Sample> samples) {
    return samples.stream()
        .filter(s -> s.phase().equals("down") && s.health().equals("yellow") && s.status() == 200 && s.shardsFailed() == 0)
        .count();
  }

  private record Answer(int status, int shardsFailed, String error, List<Hit> hits) {}

  private static Answer search(Rest rest, String query) throws IOException {
    Map<String, Object> knn = Map.of("field", "emb", "query_text", query, "k", K, "oversample", EXHAUSTIVE);
    String body = Rest.JSON.writeValueAsString(Map.of("size", K, "_source", false, "query", Map.of("matryoshka_knn", knn)));
    Rest.Response r = rest.call("POST", "/docs/_search", body, "application/json", Duration.ofSeconds(60));
    if (r.status() != 200) {
      return new Answer(r.status(), -1, abbreviate(r.body()), List.of());
    }
    JsonNode json = r.json();
    List<Hit> hits = new ArrayList<>();
    for (JsonNode h : json.path("hits").path("hits")) {
      hits.add(new Hit(h.path("_id").asText(), (float) h.path("_score").asDouble()));
    }
    int failed = json.path("_shards").path("failed").asInt();
    return new Answer(200, failed, failed == 0 ? null : abbreviate(json.path("_shards").toString()), hits);
  }

  // ---- the reference: one undisturbed in-process index of the same documents ----

  private static List<List<Hit>> referenceSearch(
      TextEncoder enc, List<String> ids, Map<String, float[]> vectors, List<String> queries) throws IOException {
    FieldType type = MatryoshkaVectorField.fieldType(384, 64, VectorSimilarityFunction.COSINE);
    IndexWriterConfig iwc = new IndexWriterConfig().setCodec(new MatryoshkaCodec(new MatryoshkaHnswVectorsFormat(64, 16, 100)));
    List<List<Hit>> out = new ArrayList<>();
    try (ByteBuffersDirectory dir = new ByteBuffersDirectory()) {
      try (IndexWriter w = new IndexWriter(dir, iwc)) {
        for (String id : ids) {
          Document d = new Document();
          d.add(new StringField("id", id, Field.Store.YES));
          d.add(new MatryoshkaVectorField("emb", vectors.get(id), type));
          w.addDocument(d);
        }
      }
      try (DirectoryReader reader = DirectoryReader.open(dir)) {
        IndexSearcher searcher = new IndexSearcher(reader);
        StoredFields fields = reader.storedFields();
        for (String q : queries) {
          // one query per call, as the node encodes each request's query_text
          float[] v = enc.encodeQueries(List.of(q))[0];
          List<Hit> hits = new ArrayList<>();
          for (ScoreDoc sd : searcher.search(new MatryoshkaKnnQuery("emb", v, K).oversample(EXHAUSTIVE), K).scoreDocs) {
            hits.add(new Hit(fields.document(sd.doc).get("id"), sd.score));
          }
          out.add(hits);
        }
      }
    }
    return out;
  }

  /** test-corpus passages, each in three sentence orders: distinct texts, SciFact-like lengths. */
  private static Map<String, String> documents() {
    Map<String, String> out = new LinkedHashMap<>();
    for (CorpusLines.Doc d : CorpusLines.docs()) {
      List<String> sentences = new ArrayList<>(List.of(d.text().split("(?<=[.!?])\\s+")));
      out.put(d.id() + "-a", String.join(" ", sentences));
      Collections.rotate(sentences, 1);
      out.put(d.id() + "-b", String.join(" ", sentences));
      Collections.reverse(sentences);
      out.put(d.id() + "-c", String.join(" ", sentences));
    }
    return out;
  }

  private static void log(String message) {
    System.out.println("[ThreeNodeFaultIT " + java.time.LocalTime.now().withNano(0) + "] " + message);
  }

  private static void sleep(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  private static String abbreviate(String s) {
    return s.length() <= 300 ? s : s.substring(0, 300) + "...";
  }
}
