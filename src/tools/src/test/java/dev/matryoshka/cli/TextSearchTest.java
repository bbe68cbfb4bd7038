package dev.matryoshka.cli;

import static org.junit.jupiter.api.Assertions.*;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Text in, text queries out, through the CLI, on the project's own test-corpus. */
class TextSearchTest {

  @TempDir static Path tmp;
  static Path idx;

  @BeforeAll
  static void indexTestCorpus() throws Exception {
    idx = tmp.resolve("tc");
    var r = CliTest.run("index", "--input", dev.matryoshka.eval.TestCorpus.dir().resolve("corpus.jsonl").toString(), "--index", idx.toString());
    assertEquals(0, r.code(), r.err());
    assertTrue(r.err().contains("indexed 240 documents") && r.err().contains("bge-small-en-v1.5"), r.err());
  }

  @Test
  void paraphrasedQueryFindsItsPassage() throws Exception {
    var r = CliTest.run("search", "--index", idx.toString(), "--query",
        "why do stars seem to flicker when I look at the night sky", "--k", "3", "--json");
    assertEquals(0, r.code(), r.err());
    JsonNode hits = new ObjectMapper().readTree(r.out()).get("hits");
    assertEquals("p001", hits.get(0).get("id").asText(), r.out());
    assertTrue(hits.get(0).get("score").asDouble() > hits.get(2).get("score").asDouble());
  }

  @Test
  void otherModelIsRefusedWithBothFingerprints() {
    var r = CliTest.run("search", "--index", idx.toString(), "--query", "coffee", "--model", "all-MiniLM-L6-v2");
    assertEquals(1, r.code());
    assertTrue(r.err().contains("was built with model bge-small-en-v1.5") && r.err().contains("all-MiniLM-L6-v2")
        && r.err().contains("sha256:"), r.err());
  }

  @Test
  void inspectShowsModel() throws Exception {
    var r = CliTest.run("inspect", "--index", idx.toString(), "--json");
    JsonNode s = new ObjectMapper().readTree(r.out()).get("settings");
    assertEquals("bge-small-en-v1.5", s.get("model").asText());
    assertEquals(64, s.get("model_fingerprint").asText().length());
    assertEquals(384, s.get("dims").asInt());
  }

  @Test
  void emptyTextsAreSkippedAndCountedNotIndexed() throws Exception {
    Path f = tmp.resolve("few.jsonl");
    Files.write(f, List.of(
        "{\"_id\": \"a\", \"title\": \"Bees\", \"text\": \"Honeybees make honey from nectar.\"}",
        "{\"_id\": \"b\", \"title\": \"\", \"text\": \"   \"}",
        "{\"_id\": \"c\", \"title\": \"Coffee\", \"text\": \"Espresso is brewed under pressure.\"}"));
    var r = CliTest.run("index", "--input", f.toString(), "--index", tmp.resolve("few").toString());
    assertEquals(0, r.code(), r.err());
    assertTrue(r.err().contains("indexed 2 documents") && r.err().contains("empty text=1"), r.err());
  }
}
