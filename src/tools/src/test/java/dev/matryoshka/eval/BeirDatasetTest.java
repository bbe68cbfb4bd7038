package dev.matryoshka.eval;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BeirDatasetTest {
  @TempDir Path dir;

  private void write(String corpus, String queries, String qrels) throws IOException {
    Files.writeString(dir.resolve("corpus.jsonl"), corpus);
    Files.writeString(dir.resolve("queries.jsonl"), queries);
    Files.createDirectories(dir.resolve("qrels"));
    Files.writeString(dir.resolve("qrels/test.tsv"), qrels);
  }

  private static final String CORPUS = """
      {"_id": "d1", "title": "Title one", "text": "Body one."}
      {"_id": "d2", "title": "", "text": "  Body two.  "}
      {"_id": 3, "text": "No title.", "metadata": {}}
      """;
  private static final String QUERIES = """
      {"_id": "q1", "text": "first?"}
      {"_id": "q2", "text": "second?"}
      {"_id": "q3", "text": "train only"}
      """;

  @Test
  void loadsSmallDatasetAndKeepsOnlyJudgedQueries() throws IOException {
    write(CORPUS, QUERIES, "query-id\tcorpus-id\tscore\nq2\td1\t2\nq1\td2\t1\r\nq2\t3\t0\n\n");
    BeirDataset ds = BeirDataset.load(dir, "test");
    assertEquals(3, ds.docs().size());
    assertEquals(List.of("Title one Body one.", "Body two.", "No title."), ds.docTexts());
    assertEquals("3", ds.docs().get(2).id());
    assertEquals(List.of("q2", "q1"), ds.queries().stream().map(BeirDataset.Query::id).toList());
    assertEquals(List.of("second?", "first?"), ds.queryTexts());
    assertEquals(Map.of("d1", 2, "3", 0), ds.qrels().get("q2"));
    assertEquals(Map.of("d2", 1), ds.qrels().get("q1"));
    assertEquals("test", ds.split());
  }

  @Test
  void readsGzippedCorpus() throws IOException {
    write(CORPUS, QUERIES, "q1\td1\t1\n");
    Files.delete(dir.resolve("corpus.jsonl"));
    try (OutputStream out = new GZIPOutputStream(Files.newOutputStream(dir.resolve("corpus.jsonl.gz")))) {
      out.write(CORPUS.getBytes(StandardCharsets.UTF_8));
    }
    assertEquals(3, BeirDataset.load(dir, "test").docs().size());
  }

  @Test
  void malformedLinesNameFileAndLine() throws IOException {
    write("{\"_id\": \"d1\", \"text\": \"x\"}\n{\"_id\": \"d2\", \"text\": \n", QUERIES, "q1\td1\t1\n");
    assertMessage("corpus.jsonl line 2: malformed JSON", () -> BeirDataset.load(dir, "test"));

    write("{\"_id\": \"d1\", \"text\": \"x\"}\n{\"title\": \"no id\"}\n", QUERIES, "q1\td1\t1\n");
    assertMessage("corpus.jsonl line 2: missing field \"_id\"", () -> BeirDataset.load(dir, "test"));

    write("{\"_id\": \"d1\", \"text\": \"x\"}\n{\"_id\": \"d1\", \"text\": \"y\"}\n", QUERIES, "q1\td1\t1\n");
    assertMessage("line 2: duplicate _id 'd1' (first on line 1)", () -> BeirDataset.load(dir, "test"));

    write(CORPUS, QUERIES, "query-id\tcorpus-id\tscore\nq1\td1\tone\n");
    assertMessage("test.tsv line 2: score is not an integer", () -> BeirDataset.load(dir, "test"));

    write(CORPUS, QUERIES, "q1\td1\t1\nq1 d2 1\n");
    assertMessage("test.tsv line 2: expected 3 tab-separated fields", () -> BeirDataset.load(dir, "test"));

    write(CORPUS, "{\"_id\": \"q1\"}\n", "q1\td1\t1\n");
    assertMessage("queries.jsonl line 1: missing field \"text\"", () -> BeirDataset.load(dir, "test"));

    write(CORPUS, QUERIES, "q9\td1\t1\n");
    assertMessage("query id 'q9' has judgments but is not in queries.jsonl",
        () -> BeirDataset.load(dir, "test"));

    write(CORPUS, QUERIES, "q1\td1\t1\n");
    Files.write(dir.resolve("queries.jsonl"), new byte[] {'{', (byte) 0xC3, '}', '\n'});
    assertMessage("queries.jsonl line 1: not valid UTF-8", () -> BeirDataset.load(dir, "test"));
  }

  @Test
  void missingSplitOrFolderIsAClearError() throws IOException {
    write(CORPUS, QUERIES, "q1\td1\t1\n");
    NoSuchFileException e = assertThrows(NoSuchFileException.class, () -> BeirDataset.load(dir, "dev"));
    assertTrue(e.getMessage().contains("dev.tsv") && e.getMessage().contains("no qrels for split 'dev'"),
        e.getMessage());
    assertThrows(NoSuchFileException.class, () -> BeirDataset.load(dir.resolve("nope"), "test"));
  }

  @Test
  void projectTestCorpusHasItsDocumentedCounts() throws IOException {
    // the counts test-corpus/README.md states, so the README and the files cannot drift apart
    BeirDataset ds = BeirDataset.load(TestCorpus.dir(), "test");
    assertEquals(TestCorpus.DOCS, ds.docs().size());
    assertEquals(TestCorpus.QUERIES, ds.queries().size());
    assertEquals(81, ds.qrels().values().stream().mapToInt(Map::size).sum());
    for (var e : ds.qrels().entrySet()) {
      long best = e.getValue().values().stream().filter(s -> s == 2).count();
      assertEquals(1, best, "query " + e.getKey() + " must have exactly one passage scored 2");
      assertTrue(e.getValue().size() <= 3, "query " + e.getKey() + ": " + e.getValue());
    }
    assertEquals("test-corpus", ds.name());
    assertTrue(ds.docTexts().stream().noneMatch(String::isBlank));
    BeirDataset.Document first = ds.docs().get(0);
    assertEquals("p001", first.id());
    assertEquals("Why stars twinkle", first.title());
    assertTrue(first.encodingText().startsWith("Why stars twinkle Stars appear to twinkle because"),
        first.encodingText());
    assertEquals("q01", ds.queries().get(0).id());
    assertThrows(NoSuchFileException.class, () -> BeirDataset.load(TestCorpus.dir(), "train"),
        "test-corpus has a test split only");
  }

  interface IoCall {
    void run() throws IOException;
  }

  static void assertMessage(String expected, IoCall call) {
    IOException e = assertThrows(IOException.class, call::run);
    assertTrue(e.getMessage().contains(expected), "expected '" + expected + "' in: " + e.getMessage());
  }
}
