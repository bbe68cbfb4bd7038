package dev.matryoshka.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.matryoshka.encode.EncoderOptions;
import dev.matryoshka.encode.Models;
import dev.matryoshka.encode.TextEncoder;
import dev.matryoshka.eval.BeirDataset;
import dev.matryoshka.eval.EmbeddingCache;
import dev.matryoshka.eval.ExactRetrieval;
import dev.matryoshka.eval.Metrics;
import dev.matryoshka.reindex.OpenSearchClient;
import java.io.IOException;
import java.io.PrintWriter;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code matryoshka eval-opensearch}: a BEIR dataset through a real OpenSearch node with the plugin,
 * at the mapping's defaults, against exact full-dimension search computed here with the same
 * encoder.
 *
 * <p>It creates an index with the minimal mapping ({@code dims} and {@code model} only, on {@code
 * "index.codec": "matryoshka"}), a {@code matryoshka_embed} pipeline, indexes the corpus through it
 * with bulk requests, and runs every test query as {@code matryoshka_knn} with {@code query_text}
 * only. With {@code --growth N} it indexes the first 10 % of the corpus, then the rest in {@code N}
 * batches, refreshing and measuring after each; the exact side is then the documents indexed so
 * far.
 */
@Command(
    name = "eval-opensearch",
    mixinStandardHelpOptions = true,
    showDefaultValues = true,
    description = {
      "Measure a BEIR dataset through an OpenSearch node with the plugin, at the mapping's defaults.",
      "Creates INDEX with only {\"type\": \"matryoshka_vector\", \"dims\", \"model\"} (index.codec matryoshka),",
      "indexes the corpus through a matryoshka_embed pipeline with bulk requests, searches every test query",
      "with matryoshka_knn and query_text only, and prints nDCG@10 beside exact full-dimension nDCG@10",
      "(computed here with the same encoder; vectors cached in $MATRYOSHKA_CACHE) and their ratio.",
      "Start a local node with bin/os-node."
    })
public final class EvalOpenSearchCommand implements Callable<Integer> {
  private static final ObjectMapper JSON = new ObjectMapper();

  @Spec CommandSpec spec;

  @Option(names = "--url", required = true, paramLabel = "URL", description = "The node, e.g. http://127.0.0.1:9200.")
  String url;

  @Option(names = "--dataset", required = true, paramLabel = "DIR",
      description = "A BEIR folder (corpus.jsonl, queries.jsonl, qrels/test.tsv).")
  Path dataset;

  @Option(names = "--index", defaultValue = "matryoshka-eval", paramLabel = "NAME", description = "Index to create.")
  String index;

  @Option(names = "--replace", description = "Delete INDEX first if it exists (else an existing INDEX is an error).")
  boolean replace;

  @Option(names = "--keep", description = "Keep the index and pipeline afterwards.")
  boolean keep;

  @Option(names = "--shards", defaultValue = "1", paramLabel = "N", description = "Primary shards (0 replicas).")
  int shards;

  @Option(names = "--growth", defaultValue = "0", paramLabel = "N",
      description = "Index the first 10%% of the corpus, then the rest in N batches, measuring after each (0 = all at once).")
  int growth;

  @Option(names = "--model", defaultValue = Models.DEFAULT_MODEL, paramLabel = "NAME",
      description = "Bundled model named in the mapping and used here for the exact side.")
  String model;

  @Option(names = "--bulk-size", defaultValue = "64", paramLabel = "N", description = "Documents per bulk request.")
  int bulkSize;

  @Option(names = "--local-vectors",
      description = "Send the document vectors encoded here (the exact side's, same encoder and model) in the bulk "
          + "requests instead of text through the pipeline: the node's query path at its defaults, without "
          + "encoding the corpus on the node (hours on a busy small machine).")
  boolean localVectors;

  @Option(names = "--target-recall", paramLabel = "R",
      description = "Send target_recall with every query (default: none, the field's).")
  Double targetRecall;

  @Option(names = "--min-ratio", defaultValue = "0", paramLabel = "R",
      description = "Exit 1 if any measured ratio is below R (0 = report only).")
  double minRatio;

  @Override
  public Integer call() throws Exception {
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    if (shards < 1 || growth < 0 || bulkSize < 1) {
      throw new CliException("--shards and --bulk-size must be >= 1 and --growth >= 0; got " + shards + ", "
          + bulkSize + ", " + growth);
    }
    if (targetRecall != null && !(targetRecall > 0 && targetRecall <= 1)) {
      throw new CliException("--target-recall must be in (0, 1]; got " + targetRecall);
    }
    BeirDataset ds = BeirDataset.load(dataset, "test");
    List<BeirDataset.Document> docs = ds.docs();
    List<BeirDataset.Query> queries = ds.queries();
    float[][] docVectors;
    float[][] queryVectors;
    int dims;
    try (TextEncoder enc = Models.open(model, EncoderOptions.defaults())) {
      dims = enc.info().dims();
      EmbeddingCache cache = EmbeddingCache.defaultCache();
      err.printf(Locale.ROOT, "exact side: %,d documents and %,d queries with %s (cached by model fingerprint) ...%n",
          docs.size(), queries.size(), model);
      err.flush();
      docVectors = cache.get(enc.info().fingerprint(), "document", ds.docTexts(), enc::encodeDocuments);
      queryVectors = cache.get(enc.info().fingerprint(), "query", ds.queryTexts(), enc::encodeQueries);
    }

    OpenSearchClient client = new OpenSearchClient(URI.create(url.replaceAll("/+$", "")), 5,
        Duration.ofSeconds(1), s -> {
          err.println(s);
          err.flush();
        });
    String pipeline = index + "-embed";
    if (client.send("HEAD", "/" + index, null, null).status() == 200) {
      if (!replace) {
        throw new CliException("index [" + index + "] exists on " + url + "; pass --replace to delete it, or --index another name");
      }
      client.json("DELETE", "/" + index, null);
    }
    Map<String, Object> field = new LinkedHashMap<>();
    field.put("type", "matryoshka_vector");
    field.put("dims", dims);
    field.put("model", model);
    client.json("PUT", "/" + index, Map.of(
        "settings", Map.of("index.codec", "matryoshka", "number_of_shards", shards, "number_of_replicas", 0),
        "mappings", Map.of("properties", Map.of("text", Map.of("type", "text"), "emb", field))));
    client.json("PUT", "/_ingest/pipeline/" + pipeline, Map.of("processors",
        List.of(Map.of("matryoshka_embed", Map.of("field", "text", "target_field", "emb", "model", model)))));
    JsonNode applied = client.json("GET", "/" + index + "/_mapping/field/emb?include_defaults=true", null)
        .findValue("mapping").path("emb");
    out.printf(Locale.ROOT, "%s: %,d documents (%s), %,d queries; index %s, %d shard(s); field as the node applies it:%n"
            + "  prefix_dims %s, target_recall %s, oversample %s, adapter %s, model %s%n",
        ds.name(), docs.size(), localVectors ? "vectors encoded here, in bulk requests" : "text through the pipeline",
        queries.size(), index, shards, applied.path("prefix_dims").asText(),
        applied.path("target_recall").asText(), applied.path("oversample").asText(), applied.path("adapter").asText(),
        applied.path("model").asText());
    out.println("stage      docs  segments  nDCG@10  exact nDCG@10  ratio   recall@10 vs exact  index s  search s");
    out.flush();

    List<Integer> stageEnds = stageEnds(docs.size(), growth);
    boolean ok = true;
    int from = 0;
    for (int s = 0; s < stageEnds.size(); s++) {
      int to = stageEnds.get(s);
      long t0 = System.nanoTime();
      for (int b = from; b < to; b += bulkSize) {
        StringBuilder bulk = new StringBuilder();
        for (int i = b; i < Math.min(to, b + bulkSize); i++) {
          bulk.append(JSON.writeValueAsString(Map.of("index", Map.of("_index", index, "_id", docs.get(i).id())))).append('\n');
          bulk.append(JSON.writeValueAsString(localVectors
              ? Map.of("text", docs.get(i).encodingText(), "emb", docVectors[i])
              : Map.of("text", docs.get(i).encodingText()))).append('\n');
        }
        OpenSearchClient.Response r = client.send("POST", localVectors ? "/_bulk" : "/_bulk?pipeline=" + pipeline,
            bulk.toString(), "application/x-ndjson");
        JsonNode res = r.status() / 100 == 2 ? JSON.readTree(r.body()) : null;
        if (res == null || res.path("errors").asBoolean()) {
          throw new CliException("bulk request failed (HTTP " + r.status() + "): "
              + (r.body().length() > 2000 ? r.body().substring(0, 2000) + "..." : r.body()));
        }
        err.printf(Locale.ROOT, "  indexed %,d / %,d%n", Math.min(to, b + bulkSize), docs.size());
        err.flush();
      }
      client.json("POST", "/" + index + "/_refresh", null);
      double indexSeconds = (System.nanoTime() - t0) / 1e9;
      int segments = segments(client.json("GET", "/" + index + "/_segments", null));
      long countNow = client.json("GET", "/" + index + "/_count", null).path("count").asLong();
      if (countNow != to) {
        throw new CliException("index [" + index + "] counts " + countNow + " documents after indexing " + to);
      }

      long t1 = System.nanoTime();
      Map<String, List<String>> nodeRuns = new HashMap<>();
      for (BeirDataset.Query q : queries) {
        Map<String, Object> knn = new LinkedHashMap<>();
        knn.put("field", "emb");
        knn.put("query_text", q.text());
        knn.put("k", 10);
        if (targetRecall != null) {
          knn.put("target_recall", targetRecall);
        }
        JsonNode res = client.json("POST", "/" + index + "/_search",
            Map.of("size", 10, "_source", false, "query", Map.of("matryoshka_knn", knn)));
        if (res.path("_shards").path("failed").asInt() != 0) {
          throw new CliException("search had shard failures: " + res.path("_shards"));
        }
        List<String> ids = new ArrayList<>();
        for (JsonNode h : res.path("hits").path("hits")) {
          ids.add(h.path("_id").asText());
        }
        nodeRuns.put(q.id(), ids);
      }
      double searchSeconds = (System.nanoTime() - t1) / 1e9;

      float[][] indexed = java.util.Arrays.copyOf(docVectors, to);
      ExactRetrieval.Hits[] exact = new ExactRetrieval(indexed, ExactRetrieval.Similarity.COSINE).search(queryVectors, 10);
      Map<String, List<String>> exactRuns = new HashMap<>();
      double recall = 0;
      for (int qi = 0; qi < queries.size(); qi++) {
        List<String> ids = new ArrayList<>();
        for (int d : exact[qi].docs()) {
          ids.add(docs.get(d).id());
        }
        exactRuns.put(queries.get(qi).id(), ids);
        Set<String> want = new HashSet<>(ids);
        int hit = 0;
        for (String id : nodeRuns.get(queries.get(qi).id())) {
          hit += want.contains(id) ? 1 : 0;
        }
        recall += ids.isEmpty() ? 1 : (double) hit / ids.size();
      }
      recall /= queries.size();
      double node = Metrics.evaluate(nodeRuns, ds.qrels()).ndcgAt10();
      double exactNdcg = Metrics.evaluate(exactRuns, ds.qrels()).ndcgAt10();
      double ratio = node / exactNdcg;
      ok &= ratio >= minRatio;
      String stage = stageEnds.size() == 1 ? "all" : s == 0 ? "initial" : "batch " + s;
      out.printf(Locale.ROOT, "%-8s %6d %9d  %.4f   %.4f         %.4fx  %.4f              %7.1f  %8.1f%n",
          stage, to, segments, node, exactNdcg, ratio, recall, indexSeconds, searchSeconds);
      out.flush();
      from = to;
    }
    if (!keep) {
      client.json("DELETE", "/" + index, null);
      client.json("DELETE", "/_ingest/pipeline/" + pipeline, null);
    }
    if (!ok) {
      err.printf(Locale.ROOT, "a ratio fell below --min-ratio %.4f%n", minRatio);
      return 1;
    }
    return 0;
  }

  /** End positions (exclusive) of the stages: all at once, or 10 % then {@code growth} equal batches. */
  static List<Integer> stageEnds(int n, int growth) {
    List<Integer> ends = new ArrayList<>();
    if (growth == 0) {
      ends.add(n);
      return ends;
    }
    int first = Math.max(1, (int) Math.ceil(n * 0.1));
    ends.add(first);
    for (int b = 1; b <= growth; b++) {
      int end = first + (int) Math.round((double) (n - first) * b / growth);
      if (end > ends.get(ends.size() - 1)) {
        ends.add(end);
      }
    }
    return ends;
  }

  private static int segments(JsonNode res) {
    int n = 0;
    for (JsonNode idx : res.path("indices")) {
      for (JsonNode copies : idx.path("shards")) {
        for (JsonNode shard : copies) {
          n += shard.path("num_search_segments").asInt(shard.path("segments").size());
        }
      }
    }
    return n;
  }
}
