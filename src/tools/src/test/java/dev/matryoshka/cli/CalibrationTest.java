package dev.matryoshka.cli;

import static dev.matryoshka.cli.CliTest.json;
import static dev.matryoshka.cli.CliTest.run;
import static dev.matryoshka.cli.CliTest.vectorLine;
import static org.junit.jupiter.api.Assertions.*;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.matryoshka.document.SyntheticVectors;
import dev.matryoshka.index.MatryoshkaSearcher;
import dev.matryoshka.search.Calibration;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.apache.lucene.index.SegmentInfos;
import org.apache.lucene.store.FSDirectory;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The calibrated oversample: every segment carries its own curve (measured by the codec as
 * {@code index} writes it), {@code search} and the searcher use it when no oversample is given,
 * {@code tune} stores an index-wide one that then wins, {@code inspect} shows both, and bad input
 * leaves the index as it was.
 */
class CalibrationTest {

  @TempDir static Path tmp;

  static final int N = 4_000;
  static final int DIMS = 128;
  static float[][] docs;
  static float[][] rotated;
  static Path matryoshkaIdx;
  static Path rotatedIdx;

  @BeforeAll
  static void build() throws Exception {
    // decaying spectrum: the first dims carry most of the information, as in a Matryoshka model
    docs = SyntheticVectors.generate(N, DIMS, 32, 5L);
    // the same corpus under a random rotation: the information spread over every dim, as in a
    // model not trained for truncation (the full-dimension neighbours are the same)
    float[][] r = randomRotation(DIMS, 9L);
    rotated = new float[N][];
    for (int i = 0; i < N; i++) rotated[i] = times(r, docs[i]);
    matryoshkaIdx = index("m", docs);
    rotatedIdx = index("r", rotated);
  }

  static Path index(String name, float[][] vecs) throws Exception {
    Path f = tmp.resolve(name + ".jsonl");
    List<String> lines = new ArrayList<>();
    for (int i = 0; i < vecs.length; i++) lines.add(vectorLine("d" + i, vecs[i]));
    Files.write(f, lines, StandardCharsets.UTF_8);
    Path idx = tmp.resolve(name + "-idx");
    CliTest.Result r = run("index", "--input", f.toString(), "--index", idx.toString(), "--prefix-dims", "16");
    assertEquals(0, r.code(), r.err());
    assertTrue(r.err().contains("calibration: 1 segment(s)"), r.err());
    assertFalse(r.err().contains("calibrated in"), "no index-wide calibration without --queries: " + r.err());
    assertTrue(r.err().contains("adapter none"), "precomputed vectors get no adapter by default: " + r.err());
    return idx;
  }

  /** The one segment's calibration of an index written by {@code index}. */
  static dev.matryoshka.codec.SegmentCalibration segmentCalibration(MatryoshkaSearcher s) {
    var leaves = s.indexSearcher().getIndexReader().leaves();
    assertEquals(1, leaves.size());
    return dev.matryoshka.codec.SegmentCalibration.of(leaves.get(0).reader(), s.settings().field());
  }

  @Test
  void matryoshkaShapedVectorsNeedASmallerOversampleThanRotatedOnes() throws Exception {
    dev.matryoshka.codec.SegmentCalibration m;
    dev.matryoshka.codec.SegmentCalibration rot;
    try (MatryoshkaSearcher s = MatryoshkaSearcher.open(matryoshkaIdx)) {
      assertNull(s.calibration(), "no index-wide calibration");
      m = segmentCalibration(s);
    }
    try (MatryoshkaSearcher s = MatryoshkaSearcher.open(rotatedIdx)) {
      rot = segmentCalibration(s);
    }
    assertNotNull(m);
    assertNotNull(rot);
    System.out.println("CalibrationTest: Matryoshka-shaped " + m.summary());
    System.out.println("CalibrationTest: rotated           " + rot.summary());
    assertEquals(200, m.queries());
    assertEquals(N, m.vectors());
    double t = dev.matryoshka.search.MatryoshkaKnnQuery.DEFAULT_TARGET_RECALL;
    assertTrue(m.reaches(t));
    assertTrue(m.oversampleFor(t) < rot.oversampleFor(t),
        "Matryoshka-shaped " + m.oversampleFor(t) + " vs rotated " + rot.oversampleFor(t));
  }

  @Test
  void searchWithoutOversampleUsesEachSegmentsCalibration() throws Exception {
    float os;
    try (MatryoshkaSearcher s = MatryoshkaSearcher.open(rotatedIdx)) {
      assertTrue(Float.isNaN(s.defaultOversample()), "each segment picks its own");
      var q = s.query(rotated[0], 10, null);
      assertTrue(Float.isNaN(q.getOversample()));
      assertEquals(dev.matryoshka.search.MatryoshkaKnnQuery.DEFAULT_TARGET_RECALL, q.getTargetRecall());
      os = q.oversampleFor(s.indexSearcher().getIndexReader().leaves().get(0).reader());
      assertEquals(segmentCalibration(s).oversampleFor(q.getTargetRecall()), os);
    }
    float[] q = SyntheticVectors.generate(1, DIMS, 32, 77L)[0];
    String dflt = run("search", "--index", rotatedIdx.toString(), "--vector-json", json(q), "--json").out();
    String same = run("search", "--index", rotatedIdx.toString(), "--vector-json", json(q), "--json",
        "--oversample", Float.toString(os)).out();
    String low = run("search", "--index", rotatedIdx.toString(), "--vector-json", json(q), "--json",
        "--oversample", "1").out();
    assertEquals(same, dflt);
    assertFalse(dflt.isBlank());
    assertNotNull(low); // an explicit oversample always wins (it may or may not change this query's hits)
  }

  @Test
  void inspectShowsTheCalibration() throws Exception {
    CliTest.Result r = run("inspect", "--index", matryoshkaIdx.toString(), "--json");
    assertEquals(0, r.code(), r.err());
    JsonNode root = new ObjectMapper().readTree(r.out());
    assertTrue(root.get("calibration").isNull());
    JsonNode c = root.get("segment_calibrations").get(0);
    assertEquals(dev.matryoshka.search.MatryoshkaKnnQuery.DEFAULT_TARGET_RECALL, c.get("target_recall").asDouble(), 1e-9);
    assertEquals("noise_one", c.get("query_kind").asText());
    assertTrue(c.get("curve").size() >= 1);
    assertTrue(c.get("oversample").asDouble() >= 1);
    CliTest.Result text = run("inspect", "--index", matryoshkaIdx.toString());
    assertTrue(text.out().contains("oversample "), text.out());
  }

  @Test
  void tuneWithAQueriesFileAndAnotherTarget() throws Exception {
    Path idx = copy(matryoshkaIdx, "tune-ok");
    float[][] qs = SyntheticVectors.generate(50, DIMS, 32, 123L);
    Path f = tmp.resolve("q.jsonl");
    List<String> lines = new ArrayList<>();
    for (float[] q : qs) lines.add("{\"vector\":" + json(q) + "}");
    Files.write(f, lines, StandardCharsets.UTF_8);
    CliTest.Result r = run("tune", "--index", idx.toString(), "--queries", f.toString(),
        "--target-recall", "0.99", "--json");
    assertEquals(0, r.code(), r.err());
    JsonNode c = new ObjectMapper().readTree(r.out());
    assertEquals("queries-file", c.get("source").asText());
    assertEquals(50, c.get("queries").asInt());
    assertEquals(0.99, c.get("target_recall").asDouble(), 1e-9);
    try (MatryoshkaSearcher s = MatryoshkaSearcher.open(idx)) {
      assertEquals(c.get("oversample").asDouble(), s.defaultOversample(), 1e-6);
      assertEquals(N, s.numDocs());
    }
    CliTest.Result text = run("tune", "--index", idx.toString());
    assertEquals(0, text.code(), text.err());
    assertTrue(text.out().contains("<- chosen"), text.out());
    assertTrue(text.out().contains("\"type\": \"matryoshka_vector\""), text.out());
    assertTrue(text.out().contains("\"oversample\": "), text.out());
  }

  @Test
  void badInputLeavesTheIndexAsItWas() throws Exception {
    Path idx = copy(matryoshkaIdx, "tune-bad");
    Map<String, String> before = userData(idx);
    long gen = generation(idx);

    CliTest.Result r = run("tune", "--index", idx.toString(), "--target-recall", "0");
    assertEquals(2, r.code());
    assertTrue(r.err().contains("target recall must be in (0, 1]; got=0.0"), r.err());
    r = run("tune", "--index", idx.toString(), "--target-recall", "1.5");
    assertEquals(2, r.code());
    assertTrue(r.err().contains("got=1.5"), r.err());

    Path wrongDims = tmp.resolve("wrong-dims.jsonl");
    Files.writeString(wrongDims, "{\"vector\":" + json(new float[DIMS + 1]) + "}\n");
    r = run("tune", "--index", idx.toString(), "--queries", wrongDims.toString());
    assertEquals(1, r.code());
    assertTrue(r.err().contains("has " + (DIMS + 1) + " dims; the index has " + DIMS), r.err());

    Path empty = tmp.resolve("empty.jsonl");
    Files.writeString(empty, "\n");
    r = run("tune", "--index", idx.toString(), "--queries", empty.toString());
    assertEquals(1, r.code());
    assertTrue(r.err().contains("has no queries"), r.err());

    Path missing = tmp.resolve("no-such-index");
    r = run("tune", "--index", missing.toString());
    assertEquals(1, r.code());
    assertTrue(r.err().contains("does not exist"), r.err());

    Path plain = tmp.resolve("plain-lucene");
    try (var dir = FSDirectory.open(plain);
        var w = new org.apache.lucene.index.IndexWriter(dir, new org.apache.lucene.index.IndexWriterConfig())) {
      w.addDocument(new org.apache.lucene.document.Document());
      w.commit();
    }
    r = run("tune", "--index", plain.toString());
    assertEquals(1, r.code());
    assertTrue(r.err().contains("not a Matryoshka index"), r.err());

    assertEquals(before, userData(idx));
    assertEquals(gen, generation(idx));
  }

  @Test
  void anIndexSmallerThanKIsNotCalibrated() throws Exception {
    Path f = tmp.resolve("five.jsonl");
    List<String> lines = new ArrayList<>();
    for (int i = 0; i < 5; i++) lines.add(vectorLine("s" + i, docs[i]));
    Files.write(f, lines, StandardCharsets.UTF_8);
    Path idx = tmp.resolve("five-idx");
    CliTest.Result r = run("index", "--input", f.toString(), "--index", idx.toString(), "--prefix-dims", "16");
    assertEquals(0, r.code(), r.err());
    assertTrue(r.err().contains("segment 0 (5 docs): no calibration (searched exactly when small"), r.err());
    Map<String, String> before = userData(idx);
    r = run("tune", "--index", idx.toString());
    assertEquals(1, r.code());
    assertTrue(r.err().contains("the index has 5 documents, fewer than the calibration's k=10"), r.err());
    assertEquals(before, userData(idx));
    assertFalse(before.containsKey(Calibration.USER_DATA_KEY));
  }

  static Map<String, String> userData(Path idx) throws Exception {
    try (var dir = FSDirectory.open(idx)) {
      return SegmentInfos.readLatestCommit(dir).getUserData();
    }
  }

  static long generation(Path idx) throws Exception {
    try (var dir = FSDirectory.open(idx)) {
      return SegmentInfos.readLatestCommit(dir).getGeneration();
    }
  }

  static Path copy(Path from, String name) throws Exception {
    Path to = tmp.resolve(name);
    Files.createDirectories(to);
    try (var files = Files.list(from)) {
      for (Path p : files.toList()) {
        if (!p.getFileName().toString().equals("write.lock")) Files.copy(p, to.resolve(p.getFileName()));
      }
    }
    return to;
  }

  static float[][] randomRotation(int d, long seed) {
    SplittableRandom r = new SplittableRandom(seed);
    double[][] m = new double[d][d];
    for (int i = 0; i < d; i++) {
      for (int j = 0; j < d; j++) m[i][j] = gaussian(r);
      for (int p = 0; p < i; p++) { // Gram-Schmidt against the rows before
        double dot = 0;
        for (int j = 0; j < d; j++) dot += m[i][j] * m[p][j];
        for (int j = 0; j < d; j++) m[i][j] -= dot * m[p][j];
      }
      double norm = 0;
      for (int j = 0; j < d; j++) norm += m[i][j] * m[i][j];
      norm = Math.sqrt(norm);
      for (int j = 0; j < d; j++) m[i][j] /= norm;
    }
    float[][] out = new float[d][d];
    for (int i = 0; i < d; i++) for (int j = 0; j < d; j++) out[i][j] = (float) m[i][j];
    return out;
  }

  private static double gaussian(SplittableRandom r) {
    return Math.sqrt(-2 * Math.log(1 - r.nextDouble())) * Math.cos(2 * Math.PI * r.nextDouble());
  }

  static float[] times(float[][] m, float[] v) {
    float[] out = new float[m.length];
    for (int i = 0; i < m.length; i++) {
      double s = 0;
      for (int j = 0; j < v.length; j++) s += m[i][j] * v[j];
      out[i] = (float) s;
    }
    return out;
  }
}
