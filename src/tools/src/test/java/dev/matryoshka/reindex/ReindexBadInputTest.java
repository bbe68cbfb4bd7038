package dev.matryoshka.reindex;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.matryoshka.index.MatryoshkaSearcher;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Bad input to {@code matryoshka reindex}: clear errors, exit 1, nothing committed is lost. */
class ReindexBadInputTest {

  @TempDir Path tmp;

  Path vectors() throws Exception {
    Path f = tmp.resolve("v.jsonl");
    Files.write(f, List.of(
        "{\"id\":\"a\",\"vector\":[1,0,0,0,0,0,0,1]}",
        "{\"id\":\"b\",\"vector\":[0,1,0,0,0,0,1,0]}",
        "{\"id\":\"c\",\"vector\":[0,0,1,0,0,1,0,0]}"), StandardCharsets.UTF_8);
    return f;
  }

  @Test
  void missingOrUnreadableSource() throws Exception {
    var r = Main0.run("reindex", "--from", tmp.resolve("nope.jsonl").toString(), "--to", tmp.resolve("x").toString());
    assertEquals(1, r.code());
    assertTrue(r.err().contains("source does not exist: " + tmp.resolve("nope.jsonl")), r.err());

    Files.createDirectories(tmp.resolve("empty"));
    r = Main0.run("reindex", "--from", tmp.resolve("empty").toString(), "--to", tmp.resolve("x").toString());
    assertEquals(1, r.code());
    assertTrue(r.err().contains("no Lucene index found in"), r.err());

    Path garbage = tmp.resolve("garbage.jsonl");
    Files.write(garbage, new byte[] {0x1f, (byte) 0x8b, 0, 1, 2, '\n', 3, 4});
    r = Main0.run("reindex", "--from", garbage.toString(), "--to", tmp.resolve("g").toString(), "--strict");
    assertEquals(1, r.code());
    assertTrue(r.err().contains("malformed JSON"), r.err());

    r = Main0.run("reindex", "--to", tmp.resolve("x").toString());
    assertEquals(2, r.code(), "usage error");
  }

  @Test
  void targetWithOtherSettingsNeedsOverwrite() throws Exception {
    String from = vectors().toString();
    String to = tmp.resolve("idx").toString();
    assertEquals(0, Main0.run("reindex", "--from", from, "--to", to, "--prefix-dims", "2").code());
    var r = Main0.run("reindex", "--from", from, "--to", to, "--prefix-dims", "4");
    assertEquals(1, r.code());
    assertTrue(r.err().contains("prefix dims: index has 2, requested 4") && r.err().contains("--overwrite"), r.err());
    try (var s = MatryoshkaSearcher.open(tmp.resolve("idx"))) {
      assertEquals(2, s.settings().prefixDims(), "refused run left the index alone");
      assertEquals(3, s.numDocs());
    }
    r = Main0.run("reindex", "--from", from, "--to", to, "--prefix-dims", "4", "--overwrite");
    assertEquals(0, r.code(), r.err());
    try (var s = MatryoshkaSearcher.open(tmp.resolve("idx"))) {
      assertEquals(4, s.settings().prefixDims());
      assertEquals(3, s.numDocs());
    }
  }

  @Test
  void documentsWithoutIdOrTextAreSkippedAndCountedOrFailWithStrict() throws Exception {
    Path f = tmp.resolve("t.jsonl");
    Files.write(f, List.of(
        "{\"_id\":\"a\",\"title\":\"T\",\"text\":\"hello\"}",
        "{\"title\":\"no id\",\"text\":\"y\"}",
        "{\"_id\":\"c\"}",
        "{\"_id\":\"d\",\"text\":\"   \"}",
        "{\"_id\":\"e\",\"text\":\"world\"}"), StandardCharsets.UTF_8);
    var s = new Reindexer(new ReindexOptions().prefixDims(4), () -> new FakeEncoder(16), null)
        .run(f.toString(), tmp.resolve("i").toString());
    assertEquals(5, s.totals().read());
    assertEquals(2, s.totals().written());
    assertEquals(Map.of("no id", 1L, "no text", 2L), s.totals().skipped());

    var e = assertThrows(Reindexer.StrictException.class,
        () -> new Reindexer(new ReindexOptions().prefixDims(4).strict(true), () -> new FakeEncoder(16), null)
            .run(f.toString(), tmp.resolve("strict").toString()));
    assertTrue(e.getMessage().contains(f + " line 2: missing or empty id") && e.getMessage().contains("--strict"), e.getMessage());

    // through the CLI: vectors with a doc lacking its vector
    Path v = tmp.resolve("v2.jsonl");
    Files.write(v, List.of("{\"id\":\"a\",\"vector\":[1,0,0,1]}", "{\"id\":\"b\",\"title\":\"no vector\"}"),
        StandardCharsets.UTF_8);
    var r = Main0.run("reindex", "--from", v.toString(), "--to", tmp.resolve("v2").toString(), "--prefix-dims", "2");
    assertEquals(0, r.code(), r.err());
    assertTrue(r.err().contains("skipped 1 {no vector=1}"), r.err());
    r = Main0.run("reindex", "--from", v.toString(), "--to", tmp.resolve("v3").toString(), "--prefix-dims", "2", "--strict");
    assertEquals(1, r.code());
    assertTrue(r.err().contains("document \"b\" has no vector"), r.err());
  }

  @Test
  void openSearchUnreachableFailsClearlyAfterBoundedRetries() throws Exception {
    int port;
    try (ServerSocket s = new ServerSocket(0)) {
      port = s.getLocalPort(); // closed again: nothing listens there
    }
    String url = "http://127.0.0.1:" + port + "/docs";
    var r = Main0.run("reindex", "--from", vectors().toString(), "--to", url, "--max-retries", "2",
        "--retry-backoff-ms", "50");
    assertEquals(1, r.code());
    assertTrue(r.err().contains("OpenSearch at http://127.0.0.1:" + port + "/ did not answer HEAD /docs after 3 attempt(s)")
        && r.err().contains("connection refused"), r.err());
    assertEquals(2, r.err().lines().filter(l -> l.contains("; retry ")).count(), r.err());
    // the retry count above is the real check; this only guards against waiting without end
    assertTrue(r.seconds() < 120, "retries are bounded: " + r.seconds() + " s");

    r = Main0.run("reindex", "--from", url, "--to", tmp.resolve("o").toString(), "--max-retries", "1",
        "--retry-backoff-ms", "50");
    assertEquals(1, r.code());
    assertTrue(r.err().contains("did not answer GET /docs/_mapping after 2 attempt(s)"), r.err());
  }
}
