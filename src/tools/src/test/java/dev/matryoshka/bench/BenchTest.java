package dev.matryoshka.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Runs the bench code path on tiny data. Checks shapes and recall only: benchmarks never assert
 * timings.
 */
class BenchTest {
  @TempDir Path tmp;

  @Test
  void tinyRunHasTheJsonShapeAndSaneRecall() throws Exception {
    System.setProperty("matryoshka.bench.warmupMillis", "0");
    BenchOptions o = new BenchOptions("test", "synthetic", 2000, 64, 40, 10, 2, 1, 2,
        List.of(16), List.of(1f, 20f), List.of(10, 40), List.of(2f), 32,
        List.of("exact", "lucene-hnsw-float32", "lucene-hnsw-int8-rescore", "matryoshka-prefix",
            "matryoshka-funnel", "lucene-sq-prefix-rescore"),
        0, "64m", tmp.resolve("work").toString(), tmp.resolve("cache").toString(),
        "bge-small-en-v1.5", "none", 7L, 16, 16, 100, List.of("none", "int8"), 0, List.of(20), List.of(8, 4));
    StringWriter log = new StringWriter();
    BenchReport report = Bench.run(o, new PrintWriter(log, true));
    JsonNode json = report.toJson();
    JsonNode rows = json.get("rows");
    assertTrue(rows.size() >= 7, "rows: " + rows);
    for (JsonNode r : rows) {
      for (String key : List.of("regime", "system", "setting", "recall_at_10", "qps", "p50_ms",
          "p99_ms", "build_seconds", "index_bytes", "hot_bytes_per_vector")) {
        assertTrue(r.has(key), key + " missing in " + r);
      }
      BenchSystem.of(r.get("system").asText());
    }
    assertEquals(1.0, find(rows, "exact", "brute force").get("recall_at_10").asDouble());
    double os20 = find(rows, "matryoshka-prefix", "p=16 os=20").get("recall_at_10").asDouble();
    assertTrue(os20 >= 0.95, "matryoshka recall at oversample 20: " + os20);
    assertTrue(find(rows, "matryoshka-funnel", "16→32→full os=20 keep=20") != null);
    // rerank depth 20 of 200 candidates: 20 full reads per query, the beam of os=20
    JsonNode deep = find(rows, "matryoshka-prefix", "p=16 os=20 depth=20");
    assertEquals(20.0, deep.get("full_reads_per_query").asDouble());
    assertEquals(find(rows, "matryoshka-prefix", "p=16 os=20").get("visited_per_query").asDouble(),
        deep.get("visited_per_query").asDouble(), 1e-9);
    assertTrue(deep.get("recall_at_10").asDouble() >= 0.8, deep.toString());
    // the prefix graph keeps 16 of 64 floats hot per vector, float32 HNSW all 64
    long hotPrefix = find(rows, "matryoshka-prefix", "p=16 os=1").get("hot_bytes_per_vector").asLong();
    long hotFloat = find(rows, "lucene-hnsw-float32", "k'=10").get("hot_bytes_per_vector").asLong();
    assertTrue(hotPrefix < hotFloat, hotPrefix + " vs " + hotFloat);
    // an int8 prefix index beside it: same recall ceiling, 16 bytes instead of 64 per prefix
    double int8os20 = find(rows, "matryoshka-prefix", "p=16 int8 os=20").get("recall_at_10").asDouble();
    assertTrue(int8os20 >= 0.95, "int8 prefix recall at oversample 20: " + int8os20);
    long hotInt8 = find(rows, "matryoshka-prefix", "p=16 int8 os=1").get("hot_bytes_per_vector").asLong();
    assertEquals(hotPrefix - 3 * 16, hotInt8, "int8 codes: 16 bytes per vector instead of 64");

    // Lucene's scalar-quantized HNSW over the same 16-dim prefix, 8 and 4 bits, full-vector rerank:
    // the same recall ceiling; hot bytes are graph + codes, below float32 HNSW's and 4 below 8 bits
    long[] hotSq = new long[2];
    int[] bits = {8, 4};
    for (int i = 0; i < 2; i++) {
      JsonNode r = find(rows, "lucene-sq-prefix-rescore", "p=16 int" + bits[i] + " os=20");
      assertTrue(r.get("recall_at_10").asDouble() >= 0.95, "lucene-sq-prefix int" + bits[i] + ": " + r);
      assertEquals(200.0, r.get("full_reads_per_query").asDouble(), r.toString());
      assertTrue(r.get("visited_per_query").asDouble() > 0, r.toString());
      assertTrue(r.get("bytes_by_kind").has("veq"), r.toString());
      hotSq[i] = find(rows, "lucene-sq-prefix-rescore", "p=16 int" + bits[i] + " os=1")
          .get("hot_bytes_per_vector").asLong();
      assertTrue(hotSq[i] < hotFloat, "lucene-sq-prefix int" + bits[i] + " hot " + hotSq[i] + " vs " + hotFloat);
    }
    assertTrue(hotSq[1] < hotSq[0], "hot bytes 4 vs 8 bits: " + java.util.Arrays.toString(hotSq));
    // graph + codes only: the .vec files (full vectors, the prefix's raw floats) are not hot
    JsonNode sq8 = find(rows, "lucene-sq-prefix-rescore", "p=16 int8 os=1");
    assertEquals(Math.round((sq8.get("bytes_by_kind").get("vex").asDouble()
        + sq8.get("bytes_by_kind").get("veq").asDouble()) / 2000), hotSq[0]);

    // the cache is written once and reused
    assertEquals(1, Files.list(tmp.resolve("cache")).count());
    report.writePlot(tmp.resolve("plot.svg"));
    assertTrue(Files.size(tmp.resolve("plot.svg")) > 0);
    assertTrue(Files.exists(tmp.resolve("plot-cpu.svg")));
    report.writeJson(tmp.resolve("out.json"));
    // the summary rates every system against float32 and against the best of Lucene's formats
    String summary = report.summary();
    assertTrue(summary.contains("×best Lucene") && summary.contains("best Lucene format @0.95: lucene-hnsw-"),
        summary);
    // a saved run reads back (bench --report): same rows, same systems
    BenchReport back = BenchReport.readJson(tmp.resolve("out.json"));
    assertEquals(report.rows().size(), back.rows().size());
    for (int i = 0; i < back.rows().size(); i++) {
      assertEquals(report.rows().get(i).system(), back.rows().get(i).system());
      assertEquals(report.rows().get(i).setting(), back.rows().get(i).setting());
      assertEquals(report.rows().get(i).recallAt10(), back.rows().get(i).recallAt10(), 1e-4);
    }
  }

  @Test
  void adapterAndLuceneQuantizedSystemsOnATinyRun() throws Exception {
    System.setProperty("matryoshka.bench.warmupMillis", "0");
    BenchOptions o = new BenchOptions("test", "synthetic", 1500, 32, 30, 10, 1, 1, 1,
        List.of(8), List.of(2f, 50f), List.of(10), List.of(3f), 0,
        List.of("exact", "lucene-hnsw-float32", "lucene-hnsw-int8-rescore", "lucene-hnsw-int4-rescore",
            "lucene-hnsw-1bit-rescore", "matryoshka-prefix"),
        0, "64m", tmp.resolve("work2").toString(), tmp.resolve("cache2").toString(),
        "bge-small-en-v1.5", "rotation-centered", 7L, 16, 16, 100, List.of("none"), 0, List.of(), null);
    StringWriter log = new StringWriter();
    JsonNode json = Bench.run(o, new PrintWriter(log, true)).toJson();
    assertTrue(log.toString().contains("adapter rotation-centered fitted and applied"), log.toString());
    assertTrue(json.toString().contains("\"adapter\":\"rotation-centered\""), json.toString());
    JsonNode rows = json.get("rows");
    assertEquals(1.0, find(rows, "exact", "brute force").get("recall_at_10").asDouble());
    for (JsonNode r : rows) {
      assertTrue(r.get("recall_at_10").asDouble() > 0, r.toString());
    }
    // Lucene's 8-, 4- and 1-bit formats with full-precision rescoring, each with the report keys;
    // their hot bytes are the codes (8, 4, 1 bits per dim) plus the graph, so they order that way
    long[] hot = new long[3];
    String[] quantized = {"lucene-hnsw-int8-rescore", "lucene-hnsw-int4-rescore", "lucene-hnsw-1bit-rescore"};
    for (int i = 0; i < 3; i++) {
      JsonNode r = find(rows, quantized[i], "os=3");
      for (String key : List.of("recall_at_10", "cpu_qps", "p50_ms", "p99_ms", "hot_bytes_per_vector",
          "full_reads_per_query", "build_seconds", "merge_seconds")) {
        assertTrue(r.has(key), key + " missing in " + r);
      }
      hot[i] = r.get("hot_bytes_per_vector").asLong();
    }
    assertTrue(hot[0] > hot[1] && hot[1] > hot[2], "hot bytes 8/4/1 bit: " + java.util.Arrays.toString(hot));
    assertTrue(find(rows, "matryoshka-prefix", "p=8 os=50").get("recall_at_10").asDouble() >= 0.95);
  }

  @Test
  void distilledAdapterTrainsInRunOnHeldOutQueryTexts() throws Exception {
    System.setProperty("matryoshka.bench.warmupMillis", "0");
    // a text corpus: 400 documents (a rotation needs at least as many as dims, 384), 10 test
    // queries, then 30 training queries; MiniLM (quantized) encodes it in seconds
    Path f = tmp.resolve("paragraphs.jsonl");
    String[] topics = {"rivers", "stars", "music", "trains", "bread", "chess", "volcanoes", "law",
        "bees", "glass", "tides", "poetry", "copper", "owls", "maps", "fever"};
    StringBuilder sb = new StringBuilder();
    for (int i = 0; i < 440; i++) {
      sb.append("{\"_id\": \"").append(i).append("\", \"title\": \"").append(topics[i % 16])
          .append("\", \"text\": \"Note ").append(i).append(" on ").append(topics[(i / 16) % 16])
          .append(" and ").append(topics[(i * 7) % 16]).append(".\"}\n");
    }
    Files.writeString(f, sb.toString());
    BenchOptions o = new BenchOptions("test", f.toString(), 400, 384, 10, 10, 1, 1, 1,
        List.of(32), List.of(4f, 40f), List.of(10), List.of(2f), 0, List.of("exact", "matryoshka-prefix"),
        0, "64m", tmp.resolve("work3").toString(), tmp.resolve("cache3").toString(),
        "all-MiniLM-L6-v2-q", "rotation-distilled", 7L, 16, 16, 100, List.of("none"), 30, List.of(), null);
    StringWriter log = new StringWriter();
    JsonNode json = Bench.run(o, new PrintWriter(log, true)).toJson();
    assertTrue(log.toString().contains("fitted and applied"), log.toString());
    assertEquals("rotation-distilled", json.get("meta").get("adapter").asText(), json.get("meta").toString());
    assertEquals(30, json.get("meta").get("train_queries").asInt());
    JsonNode rows = json.get("rows");
    assertEquals(1.0, find(rows, "exact", "brute force").get("recall_at_10").asDouble());
    assertTrue(find(rows, "matryoshka-prefix", "p=32 os=40").get("recall_at_10").asDouble() >= 0.95, rows.toString());

    // without training queries the distilled kind names the missing option
    BenchOptions none = new BenchOptions("test", f.toString(), 400, 384, 10, 10, 1, 1, 1,
        List.of(32), List.of(4f), List.of(10), List.of(2f), 0, List.of("exact"),
        0, "64m", tmp.resolve("work4").toString(), tmp.resolve("cache4").toString(),
        "all-MiniLM-L6-v2-q", "rotation-distilled", 7L, 16, 16, 100, List.of("none"), 0, List.of(), null);
    IllegalArgumentException e = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
        () -> Bench.run(none, new PrintWriter(new StringWriter())));
    assertTrue(e.getMessage().contains("--train-queries"), e.getMessage());
  }

  @Test
  void lucenePrefixBitsAreCheckedAndThePlanSurvivesJson() throws Exception {
    IllegalArgumentException e = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
        () -> options(List.of(8, 5)));
    assertTrue(e.getMessage().contains("--lucene-prefix-bits") && e.getMessage().contains("5"), e.getMessage());
    assertEquals(List.of(8, 4), options(null).lucenePrefixBits());
    // the capped search process gets options, indexes and settings as JSON
    BenchOptions o = options(List.of(4));
    BuiltIndex idx = new BuiltIndex("lsq-prefix16-int4", "lucene-sq-prefix-rescore", 16, "/x", 10, 1, 1,
        java.util.Map.of("vex", 10L), 1, "float32", 4);
    var om = new com.fasterxml.jackson.databind.ObjectMapper();
    var plan = om.readValue(om.writeValueAsString(new SearchWorker.Plan(o, List.of(idx), "q", new int[][] {{1}})),
        SearchWorker.Plan.class);
    assertEquals(o, plan.options());
    assertEquals(idx, plan.indexes().get(0));
    List<Setting> settings = SearchPhase.settings(plan.options(), plan.indexes().get(0));
    assertEquals(List.of(new Setting("lucene-sq-prefix-rescore", "lsq-prefix16-int4", "p=16 int4 os=2", 20, 2f,
        0, 0, 16)), settings);
  }

  @Test
  void decodedGraphBudgetReachesTheSearchingJvm() throws Exception {
    BenchOptions byDefault = options(null);
    assertEquals(-1, byDefault.decodedGraphMaxBytes(), "the library's default unless given");
    BenchOptions none = withDecodedGraphMaxBytes(byDefault, 0);
    IllegalArgumentException e = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
        () -> withDecodedGraphMaxBytes(byDefault, -2));
    assertTrue(e.getMessage().contains("--decoded-graph-max-bytes") && e.getMessage().contains("got=-2"),
        e.getMessage());
    // the capped search process reads it from the plan
    var om = new com.fasterxml.jackson.databind.ObjectMapper();
    var plan = om.readValue(om.writeValueAsString(new SearchWorker.Plan(none, List.of(), "q", new int[][] {{1}})),
        SearchWorker.Plan.class);
    assertEquals(0, plan.options().decodedGraphMaxBytes());
    long before = dev.matryoshka.codec.DecodedGraphBudget.shared().maxBytes();
    try {
      StringWriter log = new StringWriter();
      SearchPhase.run(plan.options(), List.of(), new float[0][], new int[0][], new PrintWriter(log, true));
      assertEquals(0, dev.matryoshka.codec.DecodedGraphBudget.shared().maxBytes());
      assertTrue(log.toString().contains("maxBytes=0"), log.toString());
      dev.matryoshka.codec.DecodedGraphBudget.shared().setMaxBytes(12345);
      SearchPhase.run(byDefault, List.of(), new float[0][], new int[0][], new PrintWriter(new StringWriter(), true));
      assertEquals(12345, dev.matryoshka.codec.DecodedGraphBudget.shared().maxBytes(), "-1 leaves the budget alone");
    } finally {
      dev.matryoshka.codec.DecodedGraphBudget.shared().setMaxBytes(before);
    }
  }

  private static BenchOptions withDecodedGraphMaxBytes(BenchOptions o, long bytes) {
    return new BenchOptions(o.regime(), o.dataset(), o.docs(), o.dims(), o.queries(), o.k(), o.threads(),
        o.passes(), o.segments(), o.prefixDims(), o.oversample(), o.kPrime(), o.quantOversample(), o.funnelDims(),
        o.systems(), o.memoryLimit(), o.searchHeap(), o.workDir(), o.cacheDir(), o.model(), o.adapter(), o.seed(),
        o.clusters(), o.maxConn(), o.beamWidth(), o.prefixQuantization(), o.trainQueries(), o.rerankDepth(),
        o.lucenePrefixBits(), bytes);
  }

  private BenchOptions options(List<Integer> bits) {
    return new BenchOptions("test", "synthetic", 100, 64, 5, 10, 1, 1, 1, List.of(16), List.of(2f),
        List.of(10), List.of(2f), 0, List.of("exact", "lucene-sq-prefix-rescore"), 0, "64m",
        tmp.resolve("w").toString(), tmp.resolve("c").toString(), "bge-small-en-v1.5", "none", 7L, 16,
        16, 100, List.of("none"), 0, List.of(), bits);
  }

  @Test
  void aCappedRunsSummaryLeavesOutTheUncappedExactRow() {
    var exact = new BenchReport.Row("cap", "exact", BenchReport.UNCAPPED_EXACT, 1.0, 40, 40, Double.NaN, 25, 30, 0,
        0, 1000, 256, 1000, 1000, java.util.Map.of());
    var f32 = new BenchReport.Row("cap", "lucene-hnsw-float32", "k'=40", 0.96, 0.6, 1.2, Double.NaN, 1600, 3000, 40,
        41, 2000, 1593, 880, 880, java.util.Map.of());
    String summary = new BenchReport(java.util.Map.of(), List.of(exact, f32)).summary();
    assertTrue(!summary.contains("| exact") && summary.contains("| lucene-hnsw-float32"), summary);
    // the table still lists it, named for what it is
    assertTrue(new BenchReport(java.util.Map.of(), List.of(exact, f32)).table().contains("uncapped JVM"));
  }

  private static JsonNode find(JsonNode rows, String system, String setting) {
    for (JsonNode r : rows) {
      if (r.get("system").asText().equals(system) && r.get("setting").asText().equals(setting)) {
        return r;
      }
    }
    throw new AssertionError("no row " + system + " / " + setting + " in " + rows);
  }

  private static BenchReport.Row row(String system, String setting, double recall, double cpuQps) {
    return new BenchReport.Row("r", system, setting, recall, cpuQps, cpuQps, Double.NaN, 1, 1, 1, 1, 1, 1, 1, 1,
        java.util.Map.of());
  }

  @Test
  void growthReadsTheRatioAtEachSizeAndFitsALineInLogN() throws Exception {
    // the prefix's ratio to the best Lucene format: 1.5, 2.0, 2.5 at 10k, 100k, 1M docs (a line
    // in log10 N: 1.5 + 0.5 (log10 N - 4)); at 0.98 only two sizes reach the target
    List<BenchReport> runs = new java.util.ArrayList<>();
    double[] ratio = {1.5, 2.0, 2.5};
    long[] docs = {100_000, 10_000, 1_000_000}; // any order
    double[] r = {2.0, 1.5, 2.5};
    for (int i = 0; i < 3; i++) {
      List<BenchReport.Row> rows = new java.util.ArrayList<>();
      rows.add(row("lucene-hnsw-float32", "k'=40", 0.96, 1000));
      rows.add(row("lucene-hnsw-int8-rescore", "os=4", 0.99, 500)); // best Lucene at 0.98
      rows.add(row("matryoshka-prefix", "os=4", 0.955, 1000 * r[i]));
      rows.add(row("matryoshka-prefix", "os=2", 0.90, 1e9)); // below every target: never counts
      if (i != 2) rows.add(row("matryoshka-prefix", "os=10", 0.985, 600));
      runs.add(new BenchReport(java.util.Map.of("docs", docs[i]), rows));
    }
    Path svg = tmp.resolve("growth.svg");
    String out = BenchReport.growth(runs, "matryoshka-prefix", new double[] {0.95, 0.98}, svg);
    assertTrue(out.contains("| 10,000 | 1.50 | 1.20 |"), out);
    assertTrue(out.contains("| 100,000 | 2.00 | 1.20 |"), out);
    assertTrue(out.contains("| 1,000,000 | 2.50 | – |"), out);
    assertTrue(out.contains("@0.95: ratio ≈ -0.50 +0.50 · log10(N) over 3 sizes; at N = 1,000,000 the line gives 2.50"), out);
    assertTrue(out.contains("@0.98: ratio ≈ 1.20 +0.00 · log10(N) over 2 sizes"), out);
    assertTrue(Files.readString(svg).contains("<svg"), "plot written");
    assertEquals(ratio[1], runs.get(0).ratioToBestLucene("matryoshka-prefix", 0.95), 1e-9);
    assertTrue(Double.isNaN(runs.get(2).ratioToBestLucene("matryoshka-prefix", 0.99)));
  }
}
