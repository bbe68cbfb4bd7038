package dev.matryoshka.opensearch;

import com.fasterxml.jackson.databind.JsonNode;
import dev.matryoshka.encode.EncoderOptions;
import dev.matryoshka.encode.Models;
import dev.matryoshka.encode.TextEncoder;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * Load benchmark for the plugin, not a test: starts a local cluster (or uses {@code --url}),
 * indexes {@code test-corpus/} through {@code matryoshka_embed} into one index per shard count,
 * then drives {@code --clients} concurrent clients for {@code --seconds} per index with a mix of
 * {@code query_text} and {@code vector} queries, and prints QPS, latency percentiles, errors and
 * every node's heap before and after. Run through {@code bin/os-load}.
 *
 * <pre>{@code
 * bin/os-load --nodes 3 --clients 8 --seconds 300 --shards 1,3
 * }</pre>
 */
@Command(name = "os-load", mixinStandardHelpOptions = true, showDefaultValues = true,
    description = "Concurrent query_text/vector load against OpenSearch nodes with the matryoshka plugin.")
public final class OsLoad implements Callable<Integer> {
  @Option(names = "--nodes", description = "nodes of the local cluster to start (ignored with --url)")
  int nodes = 3;

  @Option(names = "--url", description = "an existing node to load instead of starting a cluster, e.g. http://127.0.0.1:9200")
  String url;

  @Option(names = "--clients", description = "concurrent clients, each one request at a time")
  int clients = 8;

  @Option(names = "--seconds", description = "measured seconds per index")
  int seconds = 60;

  @Option(names = "--warmup-seconds", description = "unmeasured seconds per index before measuring")
  int warmupSeconds = 15;

  @Option(names = "--shards", split = ",", description = "one index per shard count, loaded one after another")
  int[] shards = {3};

  @Option(names = "--copies", description = "times each test-corpus passage is indexed (distinct ids, same text)")
  int copies = 3;

  @Option(names = "--text-share", description = "share of requests that are query_text (the rest are vector)")
  double textShare = 0.5;

  @Option(names = "--k", description = "matryoshka_knn k")
  int k = 10;

  @Option(names = "--oversample", description = "matryoshka_knn oversample")
  float oversample = 5;

  /** Starts the command; exits with its code. */
  public static void main(String[] args) {
    System.exit(new CommandLine(new OsLoad()).execute(args));
  }

  @Override
  public Integer call() throws Exception {
    TestCluster cluster = url == null ? TestCluster.start("load", nodes) : null;
    try {
      List<Rest> targets = new ArrayList<>();
      if (cluster == null) {
        targets.add(new Rest(url));
      } else {
        for (int i = 0; i < cluster.size(); i++) {
          targets.add(cluster.rest(i));
        }
      }
      Rest admin = targets.get(0);
      List<String> queries = CorpusLines.queries();
      float[][] vectors;
      try (TextEncoder enc = Models.open(Models.DEFAULT_MODEL, EncoderOptions.defaults())) {
        vectors = enc.encodeQueries(queries);
      }
      admin.ok("PUT", "/_ingest/pipeline/load-embed", "{\"processors\":[{\"matryoshka_embed\":"
          + "{\"field\":\"text\",\"target_field\":\"emb\",\"model\":\"bge-small-en-v1.5\"}}]}");
      for (int s : shards) {
        index(admin, "load-" + s, s);
      }
      System.out.println("heap before: " + heap(admin));
      for (int s : shards) {
        String index = "load-" + s;
        run(targets, index, queries, vectors, warmupSeconds, false);
        Result r = run(targets, index, queries, vectors, seconds, true);
        System.out.println(r.report(index + " (" + s + " shard" + (s == 1 ? "" : "s") + ")"));
      }
      System.out.println("heap after: " + heap(admin));
      System.out.println("encoder stats: " + admin.ok("GET", "/_plugins/matryoshka/stats", null).path("nodes"));
      return 0;
    } finally {
      if (cluster != null) {
        cluster.close();
      }
    }
  }

  private void index(Rest rest, String index, int shardCount) throws Exception {
    if (rest.call("HEAD", "/" + index, null).status() == 200) {
      return; // loaded before (--url): reuse
    }
    int replicas = 0;
    rest.ok("PUT", "/" + index, Json.index(shardCount, replicas,
        "\"text\":{\"type\":\"text\"},\"emb\":{\"type\":\"matryoshka_vector\",\"dims\":384,\"prefix_dims\":64,"
            + "\"similarity\":\"cosine\",\"model\":\"bge-small-en-v1.5\"}"));
    List<CorpusLines.Doc> docs = CorpusLines.docs();
    long start = System.nanoTime();
    int n = 0;
    for (int c = 0; c < copies; c++) {
      StringBuilder bulk = new StringBuilder();
      for (CorpusLines.Doc d : docs) {
        bulk.append(Rest.JSON.writeValueAsString(Map.of("index", Map.of("_index", index, "_id", d.id() + "-" + c)))).append('\n');
        bulk.append(Rest.JSON.writeValueAsString(Map.of("text", d.text()))).append('\n');
        n++;
      }
      JsonNode res = Json.bulk(rest, "/_bulk?pipeline=load-embed&refresh=true", bulk.toString());
      if (res.path("errors").asBoolean()) {
        throw new IllegalStateException("bulk errors: " + res);
      }
    }
    System.out.printf(Locale.ROOT, "indexed %d documents into %s (%d shards) in %.1f s%n", n, index, shardCount,
        (System.nanoTime() - start) / 1e9);
  }

  /** What one measured run saw. */
  private record Result(int clients, double seconds, long[] textNanos, long[] vectorNanos, long errors, String firstError) {
    String report(String what) {
      long total = textNanos.length + vectorNanos.length;
      long[] all = Arrays.copyOf(textNanos, (int) total);
      System.arraycopy(vectorNanos, 0, all, textNanos.length, vectorNanos.length);
      return String.format(Locale.ROOT,
          "%s, %d clients, %.0f s: %d requests, %.1f QPS, errors %d%s%n  all     %s%n  text    %s%n  vector  %s",
          what, clients, seconds, total, total / seconds, errors, firstError == null ? "" : " (first: " + firstError + ")",
          percentiles(all), percentiles(textNanos), percentiles(vectorNanos));
    }

    static String percentiles(long[] nanos) {
      if (nanos.length == 0) {
        return "-";
      }
      long[] s = nanos.clone();
      Arrays.sort(s);
      return String.format(Locale.ROOT, "n=%d p50 %.1f ms  p95 %.1f ms  p99 %.1f ms  max %.1f ms", s.length,
          at(s, 0.50), at(s, 0.95), at(s, 0.99), s[s.length - 1] / 1e6);
    }

    static double at(long[] sorted, double q) {
      return sorted[Math.min(sorted.length - 1, (int) Math.ceil(q * sorted.length) - 1)] / 1e6;
    }
  }

  private Result run(List<Rest> targets, String index, List<String> queries, float[][] vectors, int secs, boolean measure)
      throws Exception {
    long end = System.nanoTime() + Duration.ofSeconds(secs).toNanos();
    ExecutorService pool = Executors.newFixedThreadPool(clients);
    List<Future<long[][]>> futures = new ArrayList<>();
    long[] errors = new long[clients];
    String[] firstError = new String[clients];
    for (int c = 0; c < clients; c++) {
      int client = c;
      futures.add(pool.submit(() -> {
        Rest rest = targets.get(client % targets.size()); // spread the coordinating work over the nodes
        java.util.Random random = new java.util.Random(client);
        long[] text = new long[1 << 16];
        long[] vec = new long[1 << 16];
        int nt = 0;
        int nv = 0;
        while (System.nanoTime() < end) {
          int q = random.nextInt(queries.size());
          boolean byText = random.nextDouble() < textShare;
          Map<String, Object> knn = byText
              ? Map.of("field", "emb", "query_text", queries.get(q), "k", k, "oversample", oversample)
              : Map.of("field", "emb", "vector", vectors[q], "k", k, "oversample", oversample);
          String body = Rest.JSON.writeValueAsString(Map.of("size", k, "_source", false, "query", Map.of("matryoshka_knn", knn)));
          long t0 = System.nanoTime();
          String error = null;
          try {
            Rest.Response r = rest.call("POST", "/" + index + "/_search", body, "application/json", Duration.ofSeconds(60));
            if (r.status() != 200) {
              error = r.status() + " " + r.body();
            } else if (r.json().path("_shards").path("failed").asInt() != 0) {
              error = "shard failures " + r.json().path("_shards");
            }
          } catch (RuntimeException e) {
            error = e.toString();
          }
          long t = System.nanoTime() - t0;
          if (error != null) {
            errors[client]++;
            firstError[client] = firstError[client] == null ? error.substring(0, Math.min(200, error.length())) : firstError[client];
          } else if (byText) {
            text = nt == text.length ? Arrays.copyOf(text, 2 * nt) : text;
            text[nt++] = t;
          } else {
            vec = nv == vec.length ? Arrays.copyOf(vec, 2 * nv) : vec;
            vec[nv++] = t;
          }
        }
        return new long[][] {Arrays.copyOf(text, nt), Arrays.copyOf(vec, nv)};
      }));
    }
    long[] text = new long[0];
    long[] vec = new long[0];
    for (Future<long[][]> f : futures) {
      long[][] r = f.get();
      text = concat(text, r[0]);
      vec = concat(vec, r[1]);
    }
    pool.shutdown();
    long errs = Arrays.stream(errors).sum();
    String first = Arrays.stream(firstError).filter(java.util.Objects::nonNull).findFirst().orElse(null);
    return measure ? new Result(clients, secs, text, vec, errs, first) : null;
  }

  private static long[] concat(long[] a, long[] b) {
    long[] out = Arrays.copyOf(a, a.length + b.length);
    System.arraycopy(b, 0, out, a.length, b.length);
    return out;
  }

  /** Every node's heap in use and its old generation's, in MB (a point reading; GC decides when it drops). */
  private static String heap(Rest rest) {
    StringBuilder out = new StringBuilder();
    for (JsonNode n : rest.ok("GET", "/_nodes/stats/jvm", null).path("nodes")) {
      JsonNode mem = n.path("jvm").path("mem");
      out.append(String.format(Locale.ROOT, "%s heap %d MB (old %d MB) of %d MB; ", n.path("name").asText(),
          mem.path("heap_used_in_bytes").asLong() >> 20, mem.path("pools").path("old").path("used_in_bytes").asLong() >> 20,
          mem.path("heap_max_in_bytes").asLong() >> 20));
    }
    return out.toString();
  }
}
