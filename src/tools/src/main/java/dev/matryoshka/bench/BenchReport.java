package dev.matryoshka.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.matryoshka.eval.Plot;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The result of one benchmark run: run metadata (dataset, JVM flags, SIMD) and one row per
 * system and setting. Writes the JSON contract, a recall-vs-QPS plot and a Markdown table.
 *
 * @param meta run metadata
 * @param rows one row per system and setting
 */
public record BenchReport(Map<String, Object> meta, List<Row> rows) {

  /**
   * One system at one setting.
   *
   * @param regime regime label
   * @param system system label ({@link BenchSystem#label()})
   * @param setting setting label
   * @param recallAt10 mean recall@k against exact top-k
   * @param qps median single-thread QPS
   * @param cpuQps median single-thread queries per CPU second of the searching thread
   * @param qpsThreads median QPS with {@code --threads} threads (NaN when 1)
   * @param p50Ms median latency
   * @param p99Ms 99th percentile latency
   * @param buildSeconds add + flush (graph build), encoding excluded
   * @param mergeSeconds forceMerge(1)
   * @param indexBytes bytes on disk
   * @param hotBytesPerVector graph + graph-scored vectors per indexed vector
   * @param visitedPerQuery graph nodes scored per query
   * @param fullReadsPerQuery full-dimension vectors read per query
   * @param bytesByKind bytes on disk by file extension
   */
  public record Row(
      String regime, String system, String setting, double recallAt10, double qps, double cpuQps,
      double qpsThreads, double p50Ms, double p99Ms, double buildSeconds, double mergeSeconds,
      long indexBytes, long hotBytesPerVector, double visitedPerQuery, double fullReadsPerQuery,
      Map<String, Long> bytesByKind) {}

  /** The JSON document: {@code {"meta":{...},"rows":[{...}]}}. */
  public ObjectNode toJson() {
    ObjectMapper om = new ObjectMapper();
    ObjectNode root = om.createObjectNode();
    root.set("meta", om.valueToTree(meta));
    ArrayNode arr = root.putArray("rows");
    for (Row r : rows) {
      ObjectNode n = arr.addObject();
      n.put("regime", r.regime());
      n.put("system", r.system());
      n.put("setting", r.setting());
      num(n, "recall_at_10", r.recallAt10());
      num(n, "qps", r.qps());
      num(n, "cpu_qps", r.cpuQps());
      num(n, "qps_threads", r.qpsThreads());
      num(n, "p50_ms", r.p50Ms());
      num(n, "p99_ms", r.p99Ms());
      num(n, "build_seconds", r.buildSeconds());
      num(n, "merge_seconds", r.mergeSeconds());
      n.put("index_bytes", r.indexBytes());
      n.put("hot_bytes_per_vector", r.hotBytesPerVector());
      num(n, "visited_per_query", r.visitedPerQuery());
      num(n, "full_reads_per_query", r.fullReadsPerQuery());
      n.set("bytes_by_kind", om.valueToTree(r.bytesByKind()));
    }
    return root;
  }

  /** Reads a report written by {@link #writeJson} (to re-render its tables and plots). */
  @SuppressWarnings("unchecked")
  public static BenchReport readJson(Path in) throws IOException {
    ObjectMapper om = new ObjectMapper();
    com.fasterxml.jackson.databind.JsonNode root = om.readTree(in.toFile());
    if (root == null || !root.path("rows").isArray()) {
      throw new IOException(in + " is not a bench report (no \"rows\" array)");
    }
    Map<String, Object> meta = om.convertValue(root.path("meta"), Map.class);
    List<Row> rows = new java.util.ArrayList<>();
    for (com.fasterxml.jackson.databind.JsonNode n : root.get("rows")) {
      Map<String, Long> kinds = om.convertValue(n.path("bytes_by_kind"),
          new com.fasterxml.jackson.core.type.TypeReference<Map<String, Long>>() {});
      rows.add(new Row(n.path("regime").asText(), n.path("system").asText(), n.path("setting").asText(),
          d(n, "recall_at_10"), d(n, "qps"), d(n, "cpu_qps"), d(n, "qps_threads"), d(n, "p50_ms"),
          d(n, "p99_ms"), d(n, "build_seconds"), d(n, "merge_seconds"), n.path("index_bytes").asLong(),
          n.path("hot_bytes_per_vector").asLong(), d(n, "visited_per_query"), d(n, "full_reads_per_query"),
          kinds == null ? Map.of() : kinds));
    }
    return new BenchReport(meta == null ? Map.of() : meta, rows);
  }

  private static double d(com.fasterxml.jackson.databind.JsonNode n, String key) {
    com.fasterxml.jackson.databind.JsonNode v = n.get(key);
    return v == null || v.isNull() ? Double.NaN : v.asDouble();
  }

  private static void num(ObjectNode n, String key, double v) {
    if (Double.isFinite(v)) {
      n.put(key, Math.round(v * 10000) / 10000.0);
    } else {
      n.putNull(key);
    }
  }

  /** Writes {@link #toJson()} to a file. */
  public void writeJson(Path out) throws IOException {
    Path parent = out.toAbsolutePath().getParent();
    Files.createDirectories(parent);
    new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValue(out.toFile(), toJson());
  }

  /**
   * Recall@10 (x) against single-thread QPS (y), one series per system (per prefix length for
   * matryoshka-prefix), points in setting order; a second file {@code <name>-cpu.<ext>} plots
   * queries per CPU second.
   */
  public void writePlot(Path out) throws IOException {
    writePlot(out, false);
    String n = out.getFileName().toString();
    int dot = n.lastIndexOf('.');
    writePlot(out.resolveSibling(n.substring(0, dot) + "-cpu" + n.substring(dot)), true);
  }

  private void writePlot(Path out, boolean cpu) throws IOException {
    Map<String, List<Row>> groups = new LinkedHashMap<>();
    for (Row r : rows) {
      String g = r.system();
      int os = r.setting().lastIndexOf(" os=");
      if ((g.equals("matryoshka-prefix") || g.equals("lucene-sq-prefix-rescore"))
          && r.setting().startsWith("p=") && os > 0) {
        g += " " + r.setting().substring(2, os); // one series per prefix length and encoding
        int depth = r.setting().indexOf(" depth=");
        if (depth > 0) {
          g += r.setting().substring(depth); // and per rerank depth
        }
      }
      groups.computeIfAbsent(g, x -> new ArrayList<>()).add(r);
    }
    List<Plot.Series> series = new ArrayList<>();
    for (var e : groups.entrySet()) {
      List<Row> rs = e.getValue();
      double[] x = new double[rs.size()];
      double[] y = new double[rs.size()];
      for (int i = 0; i < rs.size(); i++) {
        x[i] = rs.get(i).recallAt10();
        y[i] = cpu ? rs.get(i).cpuQps() : rs.get(i).qps();
      }
      series.add(new Plot.Series(e.getKey(), x, y));
    }
    Plot.xy(out, "recall@10 vs QPS — " + meta.getOrDefault("regime", "") + ", "
            + meta.getOrDefault("dataset", ""),
        "recall@10", cpu ? "queries per CPU second (1 thread)" : "queries per second (1 thread)",
        Plot.Scale.LINEAR, series);
  }

  /** A Markdown table of the rows. */
  public String table() {
    StringBuilder sb = new StringBuilder();
    sb.append("| system | setting | recall@10 | QPS | CPU-QPS | QPS (threads) | p50 ms | p99 ms |"
        + " build s | merge s | index MB | hot B/vec | visited/q | full reads/q |\n");
    sb.append("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|\n");
    for (Row r : rows) {
      sb.append(String.format(Locale.ROOT,
          "| %s | %s | %.4f | %.1f | %.1f | %s | %.3f | %.3f | %.1f | %.1f | %.1f | %d | %.0f | %.0f |%n",
          r.system(), r.setting(), r.recallAt10(), r.qps(), r.cpuQps(),
          Double.isFinite(r.qpsThreads()) ? String.format(Locale.ROOT, "%.1f", r.qpsThreads()) : "–",
          r.p50Ms(), r.p99Ms(), r.buildSeconds(), r.mergeSeconds(), r.indexBytes() / 1e6,
          r.hotBytesPerVector(), r.visitedPerQuery(), r.fullReadsPerQuery()));
    }
    return sb.toString();
  }

  /** Setting of the exact row of a capped run: measured outside the cap, so not in the summary. */
  static final String UNCAPPED_EXACT = "brute force (uncapped JVM)";

  /** Lucene's own formats: the peers a prefix setting must beat. */
  static final List<String> LUCENE_PEERS = List.of("lucene-hnsw-float32", "lucene-hnsw-int8-rescore",
      "lucene-hnsw-int4-rescore", "lucene-hnsw-1bit-rescore");

  /**
   * Ratios read from this run: for each recall target, the best single-thread QPS each system
   * reaches at or above it, that over lucene-hnsw-float32's best, and over the best of all of
   * Lucene's formats ({@link #LUCENE_PEERS}: float32, 8-, 4- and 1-bit + rescore); and build
   * time ratios.
   */
  public String summary() {
    return summary(false) + "\n" + summary(true);
  }

  private String summary(boolean cpu) {
    java.util.function.ToDoubleFunction<Row> q = cpu ? Row::cpuQps : Row::qps;
    StringBuilder sb = new StringBuilder(cpu ? "CPU-QPS (queries per CPU second):\n\n"
        : "QPS (wall clock, 1 thread):\n\n");
    List<String> systems = rows.stream().filter(r -> !UNCAPPED_EXACT.equals(r.setting()))
        .map(Row::system).distinct().toList();
    double[] targets = {0.95, 0.98, 0.99};
    sb.append("| system | best QPS @0.95 | ×float32 | ×best Lucene | best QPS @0.98 | ×float32 | ×best Lucene |"
        + " best QPS @0.99 | ×float32 | ×best Lucene | build+merge s | build ×faster |\n");
    sb.append("|---|---|---|---|---|---|---|---|---|---|---|---|\n");
    Row base = best("lucene-hnsw-float32", 0, q);
    for (String sys : systems) {
      sb.append("| ").append(sys);
      for (double target : targets) {
        Row b = best(sys, target, q);
        Row f = best("lucene-hnsw-float32", target, q);
        Row peer = bestPeer(target, q);
        sb.append(b == null ? " | – | – | –"
            : String.format(Locale.ROOT, " | %.1f (%s) | %s | %s", q.applyAsDouble(b), b.setting(),
                ratio(b, f, q), ratio(b, peer, q)));
      }
      // build time of the index behind the system's best point (prefix lengths differ)
      Row any = best(sys, 0, q);
      double t = any.buildSeconds() + any.mergeSeconds();
      sb.append(String.format(Locale.ROOT, " | %.1f + %.1f | %s |%n", any.buildSeconds(),
          any.mergeSeconds(), base == null || t == 0 ? "–"
              : String.format(Locale.ROOT, "%.2f", (base.buildSeconds() + base.mergeSeconds()) / t)));
    }
    sb.append('\n');
    for (double target : targets) {
      Row peer = bestPeer(target, q);
      sb.append(String.format(Locale.ROOT, "best Lucene format @%.2f: %s%n", target, peer == null ? "none reaches it"
          : String.format(Locale.ROOT, "%s %s (%.1f, recall %.4f, hot %d B/vec)", peer.system(), peer.setting(),
              q.applyAsDouble(peer), peer.recallAt10(), peer.hotBytesPerVector())));
    }
    return sb.toString();
  }

  /**
   * The best CPU-QPS of {@code system} at recall &ge; {@code target} over the best of Lucene's
   * formats at that recall, or NaN when either never reaches it.
   */
  public double ratioToBestLucene(String system, double target) {
    java.util.function.ToDoubleFunction<Row> q = Row::cpuQps;
    Row b = best(system, target, q);
    Row peer = bestPeer(target, q);
    return b == null || peer == null ? Double.NaN : q.applyAsDouble(b) / q.applyAsDouble(peer);
  }

  /** The documents of the run ({@code meta.docs}), or -1. */
  public long docs() {
    Object d = meta.get("docs");
    return d instanceof Number n ? n.longValue() : -1;
  }

  /**
   * How the ratio of {@code system} to the best Lucene format moves with the corpus size, from
   * runs of one corpus at several sizes: a table per target, a least-squares line of the ratio
   * against log10(N), and where that line is at one million documents (an extrapolation: a
   * straight line in log N fitted to a few points, said to be one). With {@code plot}, the
   * ratios against N on a log axis.
   */
  public static String growth(List<BenchReport> runs, String system, double[] targets, Path plot) throws IOException {
    List<BenchReport> byN = runs.stream().sorted(java.util.Comparator.comparingLong(BenchReport::docs)).toList();
    StringBuilder sb = new StringBuilder("| N |");
    for (double t : targets) {
      sb.append(String.format(Locale.ROOT, " ×best Lucene @%.2f |", t));
    }
    sb.append("\n|---:|").append("---:|".repeat(targets.length)).append('\n');
    List<dev.matryoshka.eval.Plot.Series> series = new java.util.ArrayList<>();
    double[][] ratios = new double[targets.length][byN.size()];
    double[] ns = new double[byN.size()];
    for (int i = 0; i < byN.size(); i++) {
      ns[i] = byN.get(i).docs();
      sb.append(String.format(Locale.ROOT, "| %,d |", byN.get(i).docs()));
      for (int t = 0; t < targets.length; t++) {
        ratios[t][i] = byN.get(i).ratioToBestLucene(system, targets[t]);
        sb.append(Double.isNaN(ratios[t][i]) ? " – |" : String.format(Locale.ROOT, " %.2f |", ratios[t][i]));
      }
      sb.append('\n');
    }
    sb.append('\n');
    for (int t = 0; t < targets.length; t++) {
      // least squares of ratio = a + b · log10(N) over the sizes that reach the target
      double sx = 0, sy = 0, sxx = 0, sxy = 0;
      int m = 0;
      List<Double> xs = new java.util.ArrayList<>();
      List<Double> ys = new java.util.ArrayList<>();
      for (int i = 0; i < ns.length; i++) {
        if (Double.isNaN(ratios[t][i])) {
          continue;
        }
        double x = Math.log10(ns[i]);
        sx += x;
        sy += ratios[t][i];
        sxx += x * x;
        sxy += x * ratios[t][i];
        m++;
        xs.add(ns[i]);
        ys.add(ratios[t][i]);
      }
      if (m >= 2 && m * sxx - sx * sx > 0) {
        double b = (m * sxy - sx * sy) / (m * sxx - sx * sx);
        double a = (sy - b * sx) / m;
        sb.append(String.format(Locale.ROOT,
            "@%.2f: ratio ≈ %.2f %+.2f · log10(N) over %d sizes; at N = 1,000,000 the line gives %.2f"
                + " (an extrapolation, not a measurement)%n", targets[t], a, b, m, a + b * 6));
      }
      if (!xs.isEmpty()) {
        series.add(new dev.matryoshka.eval.Plot.Series(String.format(Locale.ROOT, "recall >= %.2f", targets[t]),
            xs.stream().mapToDouble(Double::doubleValue).toArray(), ys.stream().mapToDouble(Double::doubleValue).toArray()));
      }
    }
    if (plot != null && !series.isEmpty()) {
      dev.matryoshka.eval.Plot.xy(plot, system + " CPU-QPS over the best Lucene format, by corpus size",
          "documents (N)", "× best Lucene format (CPU-QPS)", dev.matryoshka.eval.Plot.Scale.LOG10, series);
    }
    return sb.toString();
  }

  private static String ratio(Row a, Row b, java.util.function.ToDoubleFunction<Row> q) {
    return b == null ? "–" : String.format(Locale.ROOT, "%.2f", q.applyAsDouble(a) / q.applyAsDouble(b));
  }

  private Row bestPeer(double minRecall, java.util.function.ToDoubleFunction<Row> q) {
    Row best = null;
    for (String peer : LUCENE_PEERS) {
      Row r = best(peer, minRecall, q);
      if (r != null && (best == null || q.applyAsDouble(r) > q.applyAsDouble(best))) {
        best = r;
      }
    }
    return best;
  }

  private Row best(String system, double minRecall, java.util.function.ToDoubleFunction<Row> q) {
    Row best = null;
    for (Row r : rows) {
      if (r.system().equals(system) && r.recallAt10() >= minRecall
          && (best == null || q.applyAsDouble(r) > q.applyAsDouble(best))) {
        best = r;
      }
    }
    return best;
  }
}
