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
            "matryoshka-funnel"),
        0, "64m", tmp.resolve("work").toString(), tmp.resolve("cache").toString(),
        "bge-small-en-v1.5", "none", 7L, 16, 16, 100, List.of("none", "int8"));
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
    // the prefix graph keeps 16 of 64 floats hot per vector, float32 HNSW all 64
    long hotPrefix = find(rows, "matryoshka-prefix", "p=16 os=1").get("hot_bytes_per_vector").asLong();
    long hotFloat = find(rows, "lucene-hnsw-float32", "k'=10").get("hot_bytes_per_vector").asLong();
    assertTrue(hotPrefix < hotFloat, hotPrefix + " vs " + hotFloat);
    // an int8 prefix index beside it: same recall ceiling, 16 bytes instead of 64 per prefix
    double int8os20 = find(rows, "matryoshka-prefix", "p=16 int8 os=20").get("recall_at_10").asDouble();
    assertTrue(int8os20 >= 0.95, "int8 prefix recall at oversample 20: " + int8os20);
    long hotInt8 = find(rows, "matryoshka-prefix", "p=16 int8 os=1").get("hot_bytes_per_vector").asLong();
    assertEquals(hotPrefix - 3 * 16, hotInt8, "int8 codes: 16 bytes per vector instead of 64");

    // the cache is written once and reused
    assertEquals(1, Files.list(tmp.resolve("cache")).count());
    report.writePlot(tmp.resolve("plot.svg"));
    assertTrue(Files.size(tmp.resolve("plot.svg")) > 0);
    assertTrue(Files.exists(tmp.resolve("plot-cpu.svg")));
    report.writeJson(tmp.resolve("out.json"));
  }

  @Test
  void adapterAndLuceneQuantizedSystemsOnATinyRun() throws Exception {
    System.setProperty("matryoshka.bench.warmupMillis", "0");
    BenchOptions o = new BenchOptions("test", "synthetic", 1500, 32, 30, 10, 1, 1, 1,
        List.of(8), List.of(2f, 50f), List.of(10), List.of(3f), 0,
        List.of("exact", "lucene-hnsw-float32", "lucene-hnsw-int8-rescore", "matryoshka-prefix"),
        0, "64m", tmp.resolve("work2").toString(), tmp.resolve("cache2").toString(),
        "bge-small-en-v1.5", "rotation-centered", 7L, 16, 16, 100, List.of("none"));
    StringWriter log = new StringWriter();
    JsonNode json = Bench.run(o, new PrintWriter(log, true)).toJson();
    assertTrue(log.toString().contains("adapter rotation-centered fitted and applied"), log.toString());
    assertTrue(json.toString().contains("\"adapter\":\"rotation-centered\""), json.toString());
    JsonNode rows = json.get("rows");
    assertEquals(1.0, find(rows, "exact", "brute force").get("recall_at_10").asDouble());
    boolean quantized = false;
    for (JsonNode r : rows) {
      quantized |= r.get("system").asText().equals("lucene-hnsw-int8-rescore");
      assertTrue(r.get("recall_at_10").asDouble() > 0, r.toString());
    }
    assertTrue(quantized, "no Lucene int8 + rescore row: " + rows);
    assertTrue(find(rows, "matryoshka-prefix", "p=8 os=50").get("recall_at_10").asDouble() >= 0.95);
  }

  private static JsonNode find(JsonNode rows, String system, String setting) {
    for (JsonNode r : rows) {
      if (r.get("system").asText().equals(system) && r.get("setting").asText().equals(setting)) {
        return r;
      }
    }
    throw new AssertionError("no row " + system + " / " + setting + " in " + rows);
  }
}
