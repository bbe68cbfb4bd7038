package dev.matryoshka.reindex;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.matryoshka.document.SyntheticVectors;
import dev.matryoshka.index.IndexSettings;
import dev.matryoshka.index.MatryoshkaSearcher;
import java.io.ByteArrayOutputStream;
import java.io.File;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.apache.lucene.index.CheckIndex;
import org.apache.lucene.index.DirectoryReader;
import org.apache.lucene.index.SegmentInfos;
import org.apache.lucene.search.TopDocs;
import org.apache.lucene.store.FSDirectory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 7's kill test: reindex a 5,000-document source in a child JVM, {@code kill -9} it at a
 * random point, rerun the same command, five times; then check the index holds exactly the source
 * ids once each, CheckIndex is clean, and searches equal those of a clean one-shot reindex. The
 * source is generated (unsorted ids, titles, seeded synthetic Matryoshka-like vectors), so the
 * children need no encoder and the test needs no data outside the repository.
 */
class ReindexKillTest {

  @TempDir Path tmp;

  static final int DIMS = 64;
  static final int PREFIX = 16;
  /** Enough documents (about 100 commits) that kills land mid-run on a fast machine too. */
  static final int DOCS = 5000;

  @Test
  void killNineFiveTimesThenResume() throws Exception {
    var corpus = TestData.syntheticCorpus(DOCS);
    Path vectors = tmp.resolve("source-vectors.jsonl");
    List<String> ids = TestData.writeVectors(corpus, DIMS, 7L, vectors);
    int n = ids.size();
    assertEquals(n, new HashSet<>(ids).size(), "source ids are unique");

    Path clean = tmp.resolve("clean");
    Path killed = tmp.resolve("killed");
    List<String> args = List.of("reindex", "--from", vectors.toString(), "--prefix-dims", Integer.toString(PREFIX),
        "--commit-every", "50", "--batch", "16");

    long seed = Long.getLong("tests.kill.seed", System.nanoTime());
    Random rnd = new Random(seed);
    System.out.println("kill test seed " + seed + " (rerun with -Dtests.kill.seed=" + seed + ")");

    int killedAlive = 0;
    int midway = 0;
    for (int round = 1; round <= 5; round++) {
      Path log = tmp.resolve("round" + round + ".log");
      Process p = start(args, killed, log);
      // let it commit past round/7 of the corpus (each round resumes the previous one), then
      // kill it a random few milliseconds later, so kills land mid-batch, mid-commit or
      // mid-merge while the run is certainly unfinished, on a fast or a slow machine alike
      long target = (long) round * n / 7;
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(180);
      while (p.isAlive() && written(killed) < target && System.nanoTime() < deadline) {
        Thread.sleep(5);
      }
      Thread.sleep(rnd.nextInt(60));
      boolean alive = p.isAlive();
      p.destroyForcibly(); // SIGKILL on Linux: no shutdown hooks, no rollback
      p.waitFor(60, TimeUnit.SECONDS);
      if (alive) killedAlive++;
      Map<String, String> ud = latestUserData(killed);
      Checkpoint cp = ud == null ? null : Checkpoint.fromUserData(ud);
      long written = cp == null ? 0 : cp.written();
      if (written > 0 && written < n) midway++;
      System.out.printf("round %d: %s, committed checkpoint %s%n", round, alive ? "killed while running" : "had already exited",
          cp == null ? "none" : "position " + cp.position() + ", written " + cp.written() + (cp.done() ? " (done)" : ""));
    }
    Path last = tmp.resolve("final.log");
    Process p = start(args, killed, last);
    assertTrue(p.waitFor(300, TimeUnit.SECONDS), "final run did not finish");
    String finalLog = Files.readString(last);
    assertEquals(0, p.exitValue(), finalLog);
    System.out.println("final run: " + finalLog.lines().filter(l -> l.startsWith("resuming") || l.startsWith("total")).toList());
    assertTrue(killedAlive >= 3, "only " + killedAlive + " of 5 kills hit a running reindex");
    assertTrue(midway >= 1, "no kill left a partial checkpoint; the resume path was not exercised");

    // one-shot reference, in this JVM
    var r = Main0.run(args, clean);
    assertEquals(0, r.code(), r.err());

    // exactly the source ids, once each, and the same vectors bit for bit
    Map<String, float[]> got = TestData.vectorsById(killed, IndexSettings.DEFAULT_FIELD);
    Map<String, float[]> want = TestData.vectorsById(clean, IndexSettings.DEFAULT_FIELD);
    assertEquals(new HashSet<>(ids), got.keySet());
    assertEquals(n, got.size());
    for (String id : ids) {
      assertTrue(TestData.sameBits(want.get(id), got.get(id)), "vector of " + id + " differs");
    }
    try (var dir = FSDirectory.open(killed); var reader = DirectoryReader.open(dir)) {
      assertEquals(n, reader.numDocs(), "live docs");
      assertEquals(n, reader.maxDoc() - reader.numDeletedDocs());
    }
    assertCheckIndexClean(killed);
    Checkpoint done = Checkpoint.fromUserData(latestUserData(killed));
    assertTrue(done.done());
    assertEquals(n, done.written());
    assertEquals(n, done.read());

    // searches equal the one-shot reindex's: exact full-dimension search, and the prefix-HNSW
    // search too — both indexes end merged to one segment whose graph is built from scratch over
    // the documents in source order, so the kills leave no trace in the graph
    float[][] queries = SyntheticVectors.generate(50, DIMS, 32, 1234L);
    try (var a = MatryoshkaSearcher.open(killed); var b = MatryoshkaSearcher.open(clean)) {
      assertEquals(1, a.indexSearcher().getIndexReader().leaves().size(), "resumed index merged to one segment");
      assertEquals(1, b.indexSearcher().getIndexReader().leaves().size(), "one-shot index merged to one segment");
      int compared = 0;
      for (float[] q : queries) {
        List<String> exactA = ids(a, a.query(q, 10, 4f, null).exactSearchThreshold(Integer.MAX_VALUE));
        List<String> exactB = ids(b, b.query(q, 10, 4f, null).exactSearchThreshold(Integer.MAX_VALUE));
        assertEquals(exactB, exactA, "exact full-dimension results (id@score) differ");
        for (float oversample : new float[] {1f, 2f, 4f}) {
          List<String> annA = ids(a, a.query(q, 10, oversample, null));
          List<String> annB = ids(b, b.query(q, 10, oversample, null));
          assertEquals(annB, annA, "prefix-HNSW results (id@score) at oversample " + oversample + " differ");
          compared++;
        }
      }
      System.out.println("prefix-HNSW top-10 identical to the one-shot reindex for " + compared
          + " (query, oversample) pairs");
    }
  }

  private static List<String> ids(MatryoshkaSearcher s, org.apache.lucene.search.Query q) throws Exception {
    TopDocs top = s.indexSearcher().search(q, 10);
    List<String> out = new ArrayList<>();
    for (var h : s.hits(top)) out.add(h.id() + "@" + h.score());
    return out;
  }

  static void assertCheckIndexClean(Path index) throws Exception {
    try (var dir = FSDirectory.open(index); var ci = new CheckIndex(dir)) {
      ByteArrayOutputStream bytes = new ByteArrayOutputStream();
      ci.setInfoStream(new PrintStream(bytes, true, StandardCharsets.UTF_8));
      CheckIndex.Status st = ci.checkIndex();
      assertTrue(st.clean, bytes.toString(StandardCharsets.UTF_8));
    }
  }

  /** Documents covered by the latest committed checkpoint (0 when none or unreadable right now). */
  private static long written(Path index) {
    try {
      Map<String, String> ud = latestUserData(index);
      Checkpoint cp = ud == null ? null : Checkpoint.fromUserData(ud);
      return cp == null ? 0 : cp.written();
    } catch (Exception e) {
      return 0; // a commit in progress; try again
    }
  }

  private static Map<String, String> latestUserData(Path index) throws Exception {
    try (var dir = FSDirectory.open(index)) {
      return DirectoryReader.indexExists(dir) ? SegmentInfos.readLatestCommit(dir).getUserData() : null;
    }
  }

  private static Process start(List<String> args, Path to, Path log) throws Exception {
    List<String> cmd = new ArrayList<>(List.of(
        Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "--add-modules", "jdk.incubator.vector", "-Xmx512m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1",
        "-cp", classPath(), "dev.matryoshka.cli.Main"));
    cmd.addAll(args);
    cmd.add("--to");
    cmd.add(to.toString());
    return new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile()).start();
  }

  private static String classPath() {
    String cp = System.getProperty("java.class.path");
    if (cp.contains("target" + File.separator + "classes")) {
      return cp;
    }
    return "target/classes" + File.pathSeparator + "target/lib/*";
  }
}
