package dev.matryoshka.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A gzipped JSONL text corpus (the shape of the shared Wikipedia paragraphs) as bench data. */
class BenchDataTest {
  @TempDir Path tmp;

  private Path corpus(int lines) throws IOException {
    Path f = tmp.resolve("paragraphs.jsonl.gz");
    try (OutputStream out = new GZIPOutputStream(Files.newOutputStream(f))) {
      for (int i = 0; i < lines; i++) {
        String line = "{\"_id\": \"" + i + "-1\", \"title\": \"Topic " + i + "\", \"text\": \"Paragraph number " + i
            + " talks about " + (i % 2 == 0 ? "rivers and lakes" : "stars and planets") + ".\"}\n";
        out.write(line.getBytes(StandardCharsets.UTF_8));
      }
    }
    return f;
  }

  @Test
  void firstDocsAreDocumentsAndTheNextAreQueries() throws Exception {
    Path f = corpus(30);
    assertTrue(BenchData.isTextCorpus(f));
    StringWriter log = new StringWriter();
    BenchData d = BenchData.texts(f, 24, 4, "all-MiniLM-L6-v2-q", false, new PrintWriter(log, true));
    assertEquals(24, d.docs().length);
    assertEquals(4, d.queries().length);
    assertEquals(384, d.dims());
    for (float[][] set : new float[][][] {d.docs(), d.queries()}) {
      for (float[] v : set) {
        double norm = 0;
        for (float x : v) norm += x * x;
        assertEquals(1.0, norm, 1e-4);
      }
    }
    assertTrue(d.name().startsWith("paragraphs-24-"), d.name());
  }

  @Test
  void trainQueriesAreTheParagraphsAfterTheTestQueries() throws Exception {
    Path f = corpus(31);
    BenchData d = BenchData.texts(f, 24, 4, 3, "all-MiniLM-L6-v2-q", false, new PrintWriter(new StringWriter()));
    assertEquals(4, d.queries().length);
    assertEquals(3, d.trainQueries().length);
    BenchData asQueries = BenchData.texts(f, 24, 7, "all-MiniLM-L6-v2-q", false, new PrintWriter(new StringWriter()));
    for (int i = 0; i < 3; i++) {
      // paragraph 28 + i encoded as a query, whichever list it lands in (the quantized model's
      // dynamic scales depend on the batch, so equal up to a cosine near 1)
      double same = dot(asQueries.queries()[4 + i], d.trainQueries()[i]);
      assertTrue(same > 0.98, "train query " + i + " vs paragraph " + (28 + i) + ": cosine " + same);
      for (float[] test : d.queries()) {
        assertTrue(dot(test, d.trainQueries()[i]) < same, "a train query is closer to a test query");
      }
    }
    IOException e = assertThrows(IOException.class,
        () -> BenchData.texts(f, 24, 4, 4, "all-MiniLM-L6-v2-q", false, new PrintWriter(new StringWriter())));
    assertTrue(e.getMessage().contains("--train-queries 4") && e.getMessage().contains("needs 32"), e.getMessage());
  }

  private static double dot(float[] a, float[] b) {
    double s = 0;
    for (int i = 0; i < a.length; i++) {
      s += a[i] * b[i];
    }
    return s;
  }

  @Test
  void tooShortACorpusNamesWhatWasAsked() throws Exception {
    Path f = corpus(10);
    IOException e = assertThrows(IOException.class,
        () -> BenchData.texts(f, 8, 4, "all-MiniLM-L6-v2-q", false, new PrintWriter(new StringWriter())));
    assertTrue(e.getMessage().contains("has 10 texts") && e.getMessage().contains("needs 12"), e.getMessage());
  }

  @Test
  void vectorFilesAreNotTextCorpora() throws Exception {
    Path f = tmp.resolve("v.jsonl");
    Files.writeString(f, "{\"id\": \"a\", \"vector\": [0.1, 0.2]}\n");
    assertFalse(BenchData.isTextCorpus(f));
  }
}
