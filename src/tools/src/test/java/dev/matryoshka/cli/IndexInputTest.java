package dev.matryoshka.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.matryoshka.cli.CliTest.Result;
import dev.matryoshka.document.SyntheticVectors;
import dev.matryoshka.index.Adapters;
import dev.matryoshka.index.MatryoshkaSearcher;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.GZIPOutputStream;
import org.apache.lucene.index.CheckIndex;
import org.apache.lucene.index.DirectoryReader;
import org.apache.lucene.store.FSDirectory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code index --input} as users have their input: a byte-order mark, standard input, and bad
 * lines or paths that get one clear message (input, line, problem) and exit 1, with nothing
 * already committed lost. Small 8-dim vectors, so no model is loaded.
 */
class IndexInputTest {

  @TempDir Path tmp;

  private static final int DIMS = 8;
  private static final float[][] VECTORS = SyntheticVectors.generate(60, DIMS, 4, 5L);

  /** {@code n} vector lines with ids {@code prefix0..}. */
  private static List<String> lines(String prefix, int n) {
    List<String> out = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      out.add(CliTest.vectorLine(prefix + i, VECTORS[i]));
    }
    return out;
  }

  private Path write(String name, List<String> lines) throws IOException {
    Path f = tmp.resolve(name);
    Files.write(f, lines, StandardCharsets.UTF_8);
    return f;
  }

  private static byte[] bytes(String bom, List<String> lines) {
    return (bom + String.join("\n", lines) + "\n").getBytes(StandardCharsets.UTF_8);
  }

  private static byte[] gzip(byte[] b) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (GZIPOutputStream gz = new GZIPOutputStream(out)) {
      gz.write(b);
    }
    return out.toByteArray();
  }

  private static int numDocs(Path idx) throws IOException {
    try (var dir = FSDirectory.open(idx); var reader = DirectoryReader.open(dir)) {
      return reader.numDocs();
    }
  }

  private static JsonNode search(Path idx, float[] q) throws IOException {
    Result s = CliTest.run("search", "--index", idx.toString(), "--vector-json", CliTest.json(q), "--k", "3", "--json");
    assertEquals(0, s.code(), s.err());
    return new ObjectMapper().readTree(s.out()).get("hits");
  }

  /** Parser internals that must never reach the user. */
  private static void assertNoParserInternals(String err) {
    for (String internal : List.of("Source", "REDACTED", "JsonReadFeature", "StreamReadFeature", "Exception",
        "caused by")) {
      assertFalse(err.contains(internal), "\"" + internal + "\" in: " + err);
    }
  }

  @Test
  void fileWithAByteOrderMarkIsIndexed() throws Exception {
    Path f = tmp.resolve("bom.jsonl");
    Files.write(f, bytes("\uFEFF", lines("d", 30)));
    Path idx = tmp.resolve("idx");
    Result r = CliTest.run("index", "--input", f.toString(), "--index", idx.toString(), "--no-calibrate");
    assertEquals(0, r.code(), r.err());
    assertTrue(r.err().contains("indexed 30 documents"), r.err());
    assertEquals("d0", search(idx, VECTORS[0]).get(0).get("id").asText(), "the first line's id is clean");
  }

  @Test
  void standardInputThroughDashPlainOrGzippedWithAByteOrderMark() throws Exception {
    Path plain = tmp.resolve("plain");
    Result r = CliTest.run(new ByteArrayInputStream(bytes("", lines("d", 30))),
        "index", "--input", "-", "--index", plain.toString(), "--no-calibrate");
    assertEquals(0, r.code(), r.err());
    assertTrue(r.err().contains("reading JSON Lines from standard input") && r.err().contains("indexed 30 documents"),
        r.err());
    assertEquals(30, numDocs(plain));

    Path zipped = tmp.resolve("zipped");
    r = CliTest.run(new ByteArrayInputStream(gzip(bytes("\uFEFF", lines("d", 40)))),
        "index", "--input", "-", "--index", zipped.toString(), "--no-calibrate");
    assertEquals(0, r.code(), r.err());
    assertEquals(40, numDocs(zipped));
    assertEquals("d7", search(zipped, VECTORS[7]).get(0).get("id").asText());
  }

  @Test
  void helpSaysStandardInputIsReadOnceWithTheSampleInMemory() {
    Result h = CliTest.run("index", "--help");
    assertEquals(0, h.code());
    String help = h.out().replaceAll("\\s+", " ");
    assertTrue(help.contains("or - for standard input") && help.contains("read once") && help.contains("--input -:")
        && help.contains("held in memory") && help.contains("byte-order mark"), help);
  }

  @Test
  void invalidJsonNamesFileLineAndProblemInItsOwnWords() throws Exception {
    List<String> lines = lines("d", 20);
    lines.set(6, "{\"id\": \"x\", x}");
    Path f = write("corpus.jsonl", lines);
    Path idx = tmp.resolve("idx");
    Result r = CliTest.run("index", "--input", f.toString(), "--index", idx.toString(), "--no-calibrate");
    assertEquals(1, r.code(), r.err());
    assertTrue(r.err().contains(f + " line 7: not valid JSON: unexpected character 'x' at column 13"), r.err());
    assertTrue(r.err().contains("the 6 documents before this line are committed"), r.err());
    assertNoParserInternals(r.err());
    assertEquals(6, numDocs(idx));

    // Jackson's own message for NaN ends with a JsonReadFeature hint
    lines.set(6, "{\"id\": \"x\", \"vector\": [NaN, 1, 1, 1, 1, 1, 1, 1]}");
    write("corpus.jsonl", lines);
    r = CliTest.run("index", "--input", f.toString(), "--index", tmp.resolve("nan").toString(), "--no-calibrate");
    assertEquals(1, r.code(), r.err());
    assertTrue(r.err().contains(f + " line 7: not valid JSON: non-standard token 'NaN'"), r.err());
    assertNoParserInternals(r.err());
  }

  @Test
  void invalidJsonOnStandardInputIsNamedStdin() throws Exception {
    List<String> lines = lines("d", 5);
    lines.set(2, "{\"id\": \"x\", \"vector\": [1, 2,");
    Result r = CliTest.run(new ByteArrayInputStream(bytes("", lines)),
        "index", "--input", "-", "--index", tmp.resolve("idx").toString(), "--no-calibrate");
    assertEquals(1, r.code(), r.err());
    assertTrue(r.err().contains("<stdin> line 3: not valid JSON: the text ends before the JSON value does "
        + "(an array is not closed)"), r.err());
    assertNoParserInternals(r.err());
  }

  @Test
  void indexPathThatIsAFileIsSaidInWords() throws Exception {
    Path input = write("corpus.jsonl", lines("d", 5));
    Path file = tmp.resolve("x.txt");
    Files.writeString(file, "keep me");
    Result r = CliTest.run("index", "--input", input.toString(), "--index", file.toString());
    assertEquals(1, r.code(), r.err());
    assertTrue(r.err().contains("--index " + file + " is a file, not a directory"), r.err());
    assertFalse(r.err().contains("FileAlreadyExists"), r.err());
    assertEquals("keep me", Files.readString(file));

    r = CliTest.run("index", "--input", input.toString(), "--index", file.resolve("idx").toString());
    assertEquals(1, r.code(), r.err());
    assertTrue(r.err().contains("--index " + file.resolve("idx") + ": " + file + " is a file, not a directory"), r.err());
  }

  @Test
  void nullVectorIsNamedBeforeAnyModelIsLoaded() throws Exception {
    List<String> lines = lines("d", 10);
    lines.set(0, "{\"id\": \"n\", \"title\": \"t\", \"vector\": null}");
    Path f = write("first.jsonl", lines);
    Result r = CliTest.run("index", "--input", f.toString(), "--index", tmp.resolve("a").toString(), "--no-calibrate");
    assertEquals(1, r.code(), r.err());
    assertTrue(r.err().contains(f + " line 1: \"vector\" is null"), r.err());
    assertFalse(r.err().contains("loading model") || r.err().contains("dims"), r.err());

    lines = lines("d", 10);
    lines.set(2, "{\"id\": \"n\", \"emb\": null}");
    f = write("third.jsonl", lines.stream().map(l -> l.replace("\"vector\"", "\"emb\"")).toList());
    Path idx = tmp.resolve("b");
    r = CliTest.run("index", "--input", f.toString(), "--index", idx.toString(), "--vector-field", "emb",
        "--no-calibrate");
    assertEquals(1, r.code(), r.err());
    assertTrue(r.err().contains(f + " line 3: \"emb\" is null — the 2 documents before this line are committed"),
        r.err());
    assertEquals(2, numDocs(idx));
  }

  @Test
  void lineWithNeitherVectorNorTextIsNamedBeforeAnyModelIsLoaded() throws Exception {
    List<String> lines = lines("d", 10);
    lines.set(0, "{\"id\": \"e\", \"note\": \"nothing to index\"}");
    Path f = write("first.jsonl", lines);
    Result r = CliTest.run("index", "--input", f.toString(), "--index", tmp.resolve("a").toString(), "--no-calibrate");
    assertEquals(1, r.code(), r.err());
    assertTrue(r.err().contains(f + " line 1: has neither \"vector\" nor text (\"title\"/\"text\", or --text-field)"),
        r.err());
    assertFalse(r.err().contains("loading model") || r.err().contains("dims"), r.err());

    lines = lines("d", 10);
    lines.set(2, "{\"id\": \"e\"}");
    f = write("third.jsonl", lines);
    Path idx = tmp.resolve("b");
    r = CliTest.run("index", "--input", f.toString(), "--index", idx.toString(), "--text-field", "body",
        "--no-calibrate");
    assertEquals(1, r.code(), r.err());
    assertTrue(r.err().contains(f + " line 3: has neither \"vector\" nor text (\"body\")"
        + " — the 2 documents before this line are committed"), r.err());
    assertEquals(2, numDocs(idx));

    // an input of vectors has no model: a later line with text only is refused, not encoded
    lines = lines("d", 10);
    lines.set(4, "{\"id\": \"t\", \"title\": \"text only\"}");
    f = write("mixed.jsonl", lines);
    r = CliTest.run("index", "--input", f.toString(), "--index", tmp.resolve("c").toString(), "--no-calibrate");
    assertEquals(1, r.code(), r.err());
    assertTrue(r.err().contains(f + " line 5: no \"vector\": the input holds precomputed vectors"), r.err());
  }

  @Test
  void usageErrorsExitTwo() {
    assertEquals(2, CliTest.run("index", "--index", tmp.resolve("i").toString()).code(), "no --input");
    assertEquals(2, CliTest.run("index", "--input", "-").code(), "no --index");
    Result r = CliTest.run("reindex", "--from", "-", "--to", tmp.resolve("r").toString());
    assertEquals(2, r.code(), r.err());
    assertTrue(r.err().contains("--from - (standard input) is not supported") && r.err().contains("index --input -"),
        r.err());
  }

  @Test
  void anIndexThatExistedStaysReadableAfterFailedRuns() throws Exception {
    Path idx = tmp.resolve("idx");
    Result r = CliTest.run("index", "--input", write("base.jsonl", lines("d", 40)).toString(),
        "--index", idx.toString(), "--adapter", "rotation", "--no-calibrate");
    assertEquals(0, r.code(), r.err());
    Path adapterFile = idx.resolve(Adapters.FILE_NAME);
    byte[] adapter = Files.readAllBytes(adapterFile);

    // appending: a bad third line keeps the index and the two lines before it
    List<String> more = lines("e", 10);
    more.set(2, "{\"id\": \"x\", x}");
    r = CliTest.run("index", "--input", write("more.jsonl", more).toString(), "--index", idx.toString(),
        "--no-calibrate");
    assertEquals(1, r.code(), r.err());
    assertEquals(42, numDocs(idx));
    JsonNode before = search(idx, VECTORS[3]);

    // replacing: a bad line inside the adapter sample stops the run before anything is touched
    List<String> other = lines("o", 20);
    other.set(4, "{\"id\": \"n\", \"vector\": null}");
    r = CliTest.run("index", "--input", write("other.jsonl", other).toString(), "--index", idx.toString(),
        "--overwrite", "--adapter", "rotation", "--no-calibrate");
    assertEquals(1, r.code(), r.err());
    assertTrue(r.err().contains("other.jsonl line 5: \"vector\" is null"), r.err());

    // replacing with an unknown analyser: refused before a new adapter is written over the old one
    r = CliTest.run("index", "--input", write("good.jsonl", lines("g", 20)).toString(), "--index", idx.toString(),
        "--overwrite", "--adapter", "rotation", "--analyzer", "klingon", "--no-calibrate");
    assertEquals(1, r.code(), r.err());
    assertTrue(r.err().contains("unknown analyzer \"klingon\""), r.err());

    assertArrayEquals(adapter, Files.readAllBytes(adapterFile), "the index's adapter is the one it was built with");
    try (var s = MatryoshkaSearcher.open(idx)) {
      Adapters.load(idx, s.settings()); // what a text search does first: throws when the adapter was replaced
    }
    assertEquals(42, numDocs(idx));
    assertEquals(before, search(idx, VECTORS[3]), "same answers as before the failed runs");
    try (var dir = FSDirectory.open(idx); CheckIndex ci = new CheckIndex(dir)) {
      assertTrue(ci.checkIndex().clean);
    }
  }

  @Test
  void reindexFromAFileReadsItTheSameWay() throws Exception {
    Path bom = tmp.resolve("bom.jsonl");
    Files.write(bom, bytes("\uFEFF", lines("d", 20)));
    Result r = CliTest.run("reindex", "--from", bom.toString(), "--to", tmp.resolve("r1").toString(), "--no-calibrate");
    assertEquals(0, r.code(), r.err());
    assertTrue(r.err().contains("written 20, skipped 0"), r.err());

    List<String> lines = lines("d", 20);
    lines.set(6, "{\"id\": \"x\", x}");
    Path bad = write("bad.jsonl", lines);
    r = CliTest.run("reindex", "--from", bad.toString(), "--to", tmp.resolve("r2").toString(), "--strict",
        "--no-calibrate");
    assertEquals(1, r.code(), r.err());
    assertTrue(r.err().contains("bad.jsonl line 7: not valid JSON: unexpected character 'x' at column 13"), r.err());
    assertNoParserInternals(r.err());
    r = CliTest.run("reindex", "--from", bad.toString(), "--to", tmp.resolve("r3").toString(), "--no-calibrate");
    assertEquals(0, r.code(), r.err());
    assertTrue(r.err().contains("skipped 1 {malformed JSON=1}"), r.err());

    Path file = tmp.resolve("x.txt");
    Files.writeString(file, "keep me");
    r = CliTest.run("reindex", "--from", bom.toString(), "--to", file.toString());
    assertEquals(1, r.code(), r.err());
    assertTrue(r.err().contains("--to " + file + " is a file, not a directory"), r.err());
    assertEquals("keep me", Files.readString(file));
  }
}
