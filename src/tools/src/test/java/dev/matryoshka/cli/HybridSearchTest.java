package dev.matryoshka.cli;

import static org.junit.jupiter.api.Assertions.*;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.matryoshka.document.SyntheticVectors;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** BM25 and hybrid through the CLI, on documents with precomputed vectors and text. */
class HybridSearchTest {

  @TempDir Path tmp;

  Path index(boolean withText, String... extra) throws Exception {
    float[][] v = SyntheticVectors.generate(300, 32, 4, 9L);
    List<String> lines = new ArrayList<>();
    String[] words = {"honey bees nectar", "espresso coffee pressure", "volcano magma eruption", "railway steam engine"};
    for (int i = 0; i < v.length; i++) {
      String line = CliTest.vectorLine("d" + i, v[i]);
      if (withText) {
        line = line.replace("\"title\":\"t d" + i + "\"", "\"title\":\"" + words[i % 4] + " number " + i + "\"");
      } else {
        line = line.replace(",\"title\":\"t d" + i + "\"", "");
      }
      lines.add(line);
    }
    Path f = tmp.resolve("h" + withText + ".jsonl");
    Files.write(f, lines);
    Path idx = tmp.resolve("idx" + withText);
    List<String> args = new ArrayList<>(List.of("index", "--input", f.toString(), "--index", idx.toString(), "--prefix-dims", "8"));
    args.addAll(List.of(extra));
    var r = CliTest.run(args.toArray(String[]::new));
    assertEquals(0, r.code(), r.err());
    return idx;
  }

  @Test
  void bm25FindsTheKeywordAndStemsIt() throws Exception {
    Path idx = index(true);
    var r = CliTest.run("search", "--index", idx.toString(), "--mode", "bm25", "--query", "volcanoes erupting", "--k", "5", "--json");
    assertEquals(0, r.code(), r.err());
    var hits = new ObjectMapper().readTree(r.out()).get("hits");
    assertEquals(5, hits.size());
    for (var h : hits) {
      int n = Integer.parseInt(h.get("id").asText().substring(1));
      assertEquals(2, n % 4, "stemmed match on the volcano passages: " + r.out());
    }
  }

  @Test
  void queryWithOnlyStopWordsSaysSo() throws Exception {
    Path idx = index(true);
    var r = CliTest.run("search", "--index", idx.toString(), "--mode", "bm25", "--query", "the and of", "--json");
    assertEquals(0, r.code(), r.err());
    assertTrue(r.err().contains("no searchable terms"), r.err());
  }

  @Test
  void bm25OnAnIndexWithoutTextIsAClearError() throws Exception {
    Path idx = index(false);
    var r = CliTest.run("search", "--index", idx.toString(), "--mode", "bm25", "--query", "coffee");
    assertEquals(1, r.code());
    assertTrue(r.err().contains("no analysed text"), r.err());
  }

  @Test
  void unknownAnalyzerIsRefusedBeforeAnyWork() throws Exception {
    Path f = tmp.resolve("one.jsonl");
    Files.write(f, List.of(CliTest.vectorLine("a", new float[] {1, 2, 3, 4})));
    var r = CliTest.run("index", "--input", f.toString(), "--index", tmp.resolve("z").toString(), "--analyzer", "klingon");
    assertEquals(1, r.code());
    assertTrue(r.err().contains("unknown analyzer \"klingon\"") && r.err().contains("english"), r.err());
  }
}
