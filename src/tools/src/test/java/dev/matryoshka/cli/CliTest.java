package dev.matryoshka.cli;

import static org.junit.jupiter.api.Assertions.*;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.matryoshka.document.SyntheticVectors;
import java.io.InputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import org.apache.lucene.index.CheckIndex;
import org.apache.lucene.index.DirectoryReader;
import org.apache.lucene.store.FSDirectory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CliTest {

  @TempDir Path tmp;

  record Result(int code, String out, String err) {}

  static Result run(String... args) {
    return run(InputStream.nullInputStream(), args);
  }

  /** Runs with {@code stdin} as what {@code --input -} reads. */
  static Result run(InputStream stdin, String... args) {
    var cl = Main.commandLine(stdin);
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    cl.setOut(new PrintWriter(out, true));
    cl.setErr(new PrintWriter(err, true));
    int code = cl.execute(args);
    return new Result(code, out.toString(), err.toString());
  }

  static String vectorLine(String id, float[] v) {
    StringBuilder sb = new StringBuilder("{\"id\":\"").append(id).append("\",\"title\":\"t ").append(id).append("\",\"vector\":[");
    for (int i = 0; i < v.length; i++) {
      if (i > 0) sb.append(',');
      sb.append(String.format(Locale.ROOT, "%.7g", v[i]));
    }
    return sb.append("]}").toString();
  }

  static String json(float[] v) {
    StringBuilder sb = new StringBuilder("[");
    for (int i = 0; i < v.length; i++) {
      if (i > 0) sb.append(',');
      sb.append(String.format(Locale.ROOT, "%.7g", v[i]));
    }
    return sb.append(']').toString();
  }

  Path writeCorpus(int n, int dims) throws Exception {
    float[][] vecs = SyntheticVectors.generate(n, dims, 16, 3L);
    List<String> lines = new ArrayList<>();
    for (int i = 0; i < n; i++) lines.add(vectorLine("d" + i, vecs[i]));
    Path f = tmp.resolve("corpus.jsonl");
    Files.write(f, lines, StandardCharsets.UTF_8);
    return f;
  }

  @Test
  void benchRefusesABadDecodedGraphBudgetBeforeAnyWork() {
    Result r = run("bench", "--no-relaunch", "--decoded-graph-max-bytes", "-5m");
    assertEquals(2, r.code, r.err);
    assertTrue(r.err.contains("--decoded-graph-max-bytes must be bytes >= 0") && r.err.contains("got=-5m"), r.err);
    assertEquals(64L << 20, BenchCommand.parseBytes("--decoded-graph-max-bytes", "64m"));
    assertEquals(0, BenchCommand.parseBytes("--decoded-graph-max-bytes", "0"));
  }

  @Test
  void indexSearchInspectAndReopenInAFreshJvm() throws Exception {
    Path corpus = writeCorpus(3_000, 128);
    Path idx = tmp.resolve("idx");
    Result r = run("index", "--input", corpus.toString(), "--index", idx.toString(), "--prefix-dims", "32");
    assertEquals(0, r.code, r.err);
    assertTrue(r.err.contains("indexed 3,000 documents"), r.err);

    float[] q = SyntheticVectors.generate(1, 128, 16, 99L)[0];
    Result s = run("search", "--index", idx.toString(), "--vector-json", json(q), "--k", "5", "--json");
    assertEquals(0, s.code, s.err);
    JsonNode hits = new ObjectMapper().readTree(s.out).get("hits");
    assertEquals(5, hits.size());
    assertTrue(hits.get(0).get("id").asText().startsWith("d"));

    Result ins = run("inspect", "--index", idx.toString(), "--json", "--check");
    assertEquals(0, ins.code, ins.err);
    JsonNode info = new ObjectMapper().readTree(ins.out);
    assertEquals(3_000, info.get("docs").asInt());
    assertEquals(32, info.get("settings").get("prefix_dims").asInt());
    assertEquals(128, info.get("settings").get("dims").asInt());
    assertTrue(info.get("check_clean").asBoolean());
    assertTrue(info.get("bytes_by_extension").has("mpv"), info.toString());
    assertTrue(info.get("codecs").toString().contains("Matryoshka104"));

    // a fresh JVM with only the class path: the codec is found through SPI, results are identical
    String javaBin = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    Process p = new ProcessBuilder(javaBin, "--add-modules", "jdk.incubator.vector",
        "-cp", System.getProperty("java.class.path"), Main.class.getName(),
        "search", "--index", idx.toString(), "--vector-json", json(q), "--k", "5", "--json")
        .redirectError(ProcessBuilder.Redirect.DISCARD).start();
    String other = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertTrue(p.waitFor(120, TimeUnit.SECONDS));
    assertEquals(0, p.exitValue());
    JsonNode again = new ObjectMapper().readTree(other).get("hits");
    assertEquals(hits.size(), again.size());
    for (int i = 0; i < hits.size(); i++) {
      assertEquals(hits.get(i).get("id").asText(), again.get(i).get("id").asText());
      // same bytes, same function; the last bit may differ between a cold and a JIT-compiled
      // SIMD reduction, so allow one float ulp at this magnitude
      assertEquals(hits.get(i).get("score").asDouble(), again.get(i).get("score").asDouble(), 1e-6);
    }
  }

  @Test
  void int8PrefixFromTheCliAndByReindexingWithoutTheEncoder() throws Exception {
    Path corpus = writeCorpus(2_000, 96);
    Path f32 = tmp.resolve("f32");
    Path i8 = tmp.resolve("i8");
    assertEquals(0, run("index", "--input", corpus.toString(), "--index", f32.toString(), "--prefix-dims", "24").code);
    // re-quantize: full vectors reused, no model involved
    Result re = run("reindex", "--from", f32.toString(), "--to", i8.toString(), "--prefix-quantization", "int8");
    assertEquals(0, re.code, re.err);
    assertTrue(re.err.contains("encoder not loaded"), re.err);
    Result ins = run("inspect", "--index", i8.toString(), "--json", "--check");
    assertEquals(0, ins.code, ins.err);
    JsonNode info = new ObjectMapper().readTree(ins.out);
    assertEquals("int8", info.get("settings").get("prefix_quantization").asText(), info.toString());
    assertEquals(24, info.get("settings").get("prefix_dims").asInt());
    assertTrue(info.get("check_clean").asBoolean());
    // k x oversample = 2,000 = every document: both indexes answer exactly, so the ids and scores must agree
    float[] q = SyntheticVectors.generate(1, 96, 16, 7L)[0];
    Result a = run("search", "--index", f32.toString(), "--vector-json", json(q), "--k", "20", "--oversample", "100", "--json");
    Result b = run("search", "--index", i8.toString(), "--vector-json", json(q), "--k", "20", "--oversample", "100", "--json");
    assertEquals(0, b.code, b.err);
    assertEquals(new ObjectMapper().readTree(a.out).get("hits"), new ObjectMapper().readTree(b.out).get("hits"));
    // appending with the other quantization is refused, naming the setting
    Result mixed = run("index", "--input", corpus.toString(), "--index", i8.toString(), "--prefix-dims", "24");
    assertEquals(1, mixed.code);
    assertTrue(mixed.err.contains("prefix quantization: index has int8, requested float32"), mixed.err);
    Result bad = run("index", "--input", corpus.toString(), "--index", tmp.resolve("x").toString(),
        "--prefix-quantization", "int2");
    assertEquals(1, bad.code);
    assertTrue(bad.err.contains("int2") && bad.err.contains("int4"), bad.err);
    // int4 codes from the command line: the setting is stored and the exact answer is the same
    Path i4 = tmp.resolve("i4");
    Result four = run("index", "--input", corpus.toString(), "--index", i4.toString(), "--prefix-dims", "24",
        "--prefix-quantization", "int4");
    assertEquals(0, four.code, four.err);
    JsonNode info4 = new ObjectMapper().readTree(run("inspect", "--index", i4.toString(), "--json").out);
    assertEquals("int4", info4.get("settings").get("prefix_quantization").asText(), info4.toString());
    Result c = run("search", "--index", i4.toString(), "--vector-json", json(q), "--k", "20", "--oversample", "100", "--json");
    assertEquals(0, c.code, c.err);
    assertEquals(new ObjectMapper().readTree(a.out).get("hits"), new ObjectMapper().readTree(c.out).get("hits"));
  }

  @Test
  void malformedLineCommitsWhatCameBeforeAndNothingAfter() throws Exception {
    Path corpus = writeCorpus(1_000, 64);
    List<String> lines = new ArrayList<>(Files.readAllLines(corpus));
    lines.add(700, "{\"id\": \"broken\", \"vector\": [1, 2,");
    Files.write(corpus, lines);
    Path idx = tmp.resolve("bad");
    Result r = run("index", "--input", corpus.toString(), "--index", idx.toString(), "--commit-every", "300");
    assertEquals(1, r.code);
    assertTrue(r.err.contains(corpus + " line 701: not valid JSON"), "stderr was: " + r.err);
    assertTrue(r.err.contains("700 documents before this line are committed"), r.err);
    try (var dir = FSDirectory.open(idx); var reader = DirectoryReader.open(dir)) {
      assertEquals(700, reader.numDocs());
      try (CheckIndex ci = new CheckIndex(dir)) {
        assertTrue(ci.checkIndex().clean);
      }
    }
    // wrong dimension on a later line: named with its line number, earlier documents kept
    lines.set(700, vectorLine("short", new float[] {1, 2, 3}));
    Files.write(corpus, lines);
    Result r2 = run("index", "--input", corpus.toString(), "--index", idx.toString());
    assertEquals(1, r2.code);
    assertTrue(r2.err.contains(corpus + " line 701: ") && r2.err.contains("3 dims"), r2.err);
    // the same index with other settings is refused unless --overwrite
    Result r3 = run("index", "--input", corpus.toString(), "--index", idx.toString(), "--prefix-dims", "16");
    assertEquals(1, r3.code);
    assertTrue(r3.err.contains("prefix dims: index has 32, requested 16") && r3.err.contains("--overwrite"), r3.err);
  }

  @Test
  void usageErrorsExitWithTwoAndHelpWorksEverywhere() {
    assertEquals(2, run("index").code);
    assertEquals(2, run("search", "--index", "x").code);
    assertEquals(2, run("frobnicate").code);
    Result os = run("search", "--index", "x", "--vector-json", "[1,2]", "--oversample", "0.5");
    assertEquals(2, os.code);
    assertTrue(os.err.contains("oversample"), os.err);
    for (String cmd : Arrays.asList("index", "search", "inspect", "demo")) {
      Result h = run(cmd, "--help");
      assertEquals(0, h.code);
      assertTrue(h.out.contains("Usage: matryoshka " + cmd), h.out);
    }
    Result missing = run("inspect", "--index", tmp.resolve("nope").toString());
    assertEquals(1, missing.code);
    assertTrue(missing.err.contains("does not exist"), missing.err);
  }
}
