package dev.matryoshka.index;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class JsonlDocumentsTest {

  @TempDir Path tmp;

  private static final String A = "{\"id\":\"a\",\"vector\":[1,2,3]}";
  private static final String B = "{\"id\":\"b\",\"title\":\"T\",\"text\":\"body\"}";

  private static byte[] utf8(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  private static byte[] gzip(byte[] b) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (GZIPOutputStream gz = new GZIPOutputStream(out)) {
      gz.write(b);
    }
    return out.toByteArray();
  }

  private static List<SourceDocument> readAll(JsonlDocuments docs) throws IOException {
    List<SourceDocument> out = new ArrayList<>();
    for (SourceDocument d; (d = docs.next()) != null; ) {
      out.add(d);
    }
    return out;
  }

  private static JsonlDocuments stream(byte[] bytes) throws IOException {
    return new JsonlDocuments(new ByteArrayInputStream(bytes), JsonlDocuments.STDIN_NAME, null, null, null);
  }

  @Test
  void utf8ByteOrderMarkIsSkippedInFilesGzipAndStreams() throws IOException {
    byte[] withBom = utf8("\uFEFF" + A + "\n" + B + "\n");
    Path plain = tmp.resolve("bom.jsonl");
    Files.write(plain, withBom);
    Path gz = tmp.resolve("bom.jsonl.gz");
    Files.write(gz, gzip(withBom));
    for (JsonlDocuments docs : List.of(new JsonlDocuments(plain, null, null, null),
        new JsonlDocuments(gz, null, null, null), stream(withBom), stream(gzip(withBom)))) {
      try (docs) {
        List<SourceDocument> all = readAll(docs);
        assertEquals(2, all.size(), docs.name());
        assertEquals("a", all.get(0).id(), "the mark is not part of the first line: " + docs.name());
        assertArrayEquals(new float[] {1, 2, 3}, all.get(0).vector());
        assertEquals("T body", all.get(1).text());
        assertEquals(2, docs.line());
      }
    }
  }

  @Test
  void aByteOrderMarkLaterInTheInputIsAnErrorNamedAsACodePoint() throws IOException {
    try (JsonlDocuments docs = stream(utf8(A + "\n\uFEFF" + B + "\n"))) {
      docs.next();
      var e = assertThrows(JsonlDocuments.BadLineException.class, docs::next);
      assertTrue(e.getMessage().startsWith("<stdin> line 2: not valid JSON: unexpected character U+FEFF at column 1"),
          e.getMessage());
    }
  }

  @Test
  void utf16IsRefusedWithHowToConvert() throws IOException {
    Path f = tmp.resolve("wide.jsonl");
    Files.write(f, (A + "\n").getBytes(StandardCharsets.UTF_16)); // Java writes a big-endian mark
    var e = assertThrows(IllegalArgumentException.class, () -> new JsonlDocuments(f, null, null, null));
    assertTrue(e.getMessage().contains(f + " is UTF-16") && e.getMessage().contains("iconv"), e.getMessage());
  }

  @Test
  void streamSizeIsUnknownAndFileProgressReachesOne() throws IOException {
    try (JsonlDocuments docs = stream(utf8(A + "\n"))) {
      readAll(docs);
      assertEquals(-1, docs.fractionRead());
      assertEquals("<stdin>", docs.name());
    }
    Path f = tmp.resolve("one.jsonl");
    Files.write(f, utf8(A + "\n"));
    try (JsonlDocuments docs = new JsonlDocuments(f, null, null, null)) {
      readAll(docs);
      assertEquals(1.0, docs.fractionRead());
    }
  }

  @ParameterizedTest
  @CsvSource(delimiter = '|', quoteCharacter = '^', value = {
      "{\"id\": \"a\", x}                  | unexpected character 'x' at column 13 (expected double-quote to start field name)",
      "{\"id\": \"a\", \"vector\": [1, 2,  | the text ends before the JSON value does (an array is not closed)",
      "{\"id\": \"a\"                      | the text ends before the JSON value does (an object is not closed",
      "{\"id\": \"a\", \"vector\": [NaN]}  | non-standard token 'NaN' at column 27 (JSON numbers are finite",
      "{\"id\": \"a\", \"vector\": [+1]}   | unexpected character '+' in numeric value at column 25",
      "{\"id\": \"a\", \"vector\": [01]}   | invalid numeric value at column 25 (leading zeroes not allowed)",
      "{'id': 'a'}                         | unexpected character ''' at column 2",
      "{\"id\": \"a\", \"t\": tru}         | unrecognized token 'tru' at column 18 (expected a string, number, array, object, true, false or null)",
      "{\"id\": \"a\"} {\"id\": \"b\"}     | more follows the JSON value at column 13 (one value per line)",
      "{\"id\": \"a\"},                    | unexpected character ',' at column 12 (expected a string, number, array, object, true, false or null)",
      "^{\"id\": \"a\", \"t\": \"x\ty\"}^  | control character U+0009 at column 20 inside a string",
  })
  void malformedJsonIsDescribedWithLineAndColumnWithoutParserInternals(String bad, String expected)
      throws IOException {
    Path f = tmp.resolve("corpus.jsonl");
    Files.write(f, utf8(A + "\n\n" + bad.strip() + "\n" + B + "\n"));
    try (JsonlDocuments docs = new JsonlDocuments(f, null, null, null)) {
      assertEquals("a", docs.next().id());
      var e = assertThrows(JsonlDocuments.BadLineException.class, docs::next);
      String m = e.getMessage();
      assertTrue(m.startsWith(f + " line 3: not valid JSON: " + expected), m);
      for (String internal : List.of("Source", "REDACTED", "JsonReadFeature", "StreamReadFeature", "`", "code ",
          "com.fasterxml", "\n")) {
        assertFalse(m.contains(internal), "\"" + internal + "\" in: " + m);
      }
      assertEquals(3, e.line(), "the blank line counts");
      assertSame(JsonlDocuments.Problem.NOT_JSON, e.problem());
      assertTrue(e.getCause() instanceof com.fasterxml.jackson.core.JsonProcessingException, "the parser's error is kept");
    }
  }

  @Test
  void nullOrBadVectorsAndMissingIdsAreNamedWithTheirKind() throws IOException {
    Path f = tmp.resolve("c.jsonl");
    Files.write(f, List.of("{\"id\":\"n\",\"vector\":null,\"text\":\"x\"}", "{\"id\":\"e\",\"vector\":[]}",
        "{\"id\":\"s\",\"vector\":[1,\"2\"]}", "{\"title\":\"no id\"}", "[1,2]"), StandardCharsets.UTF_8);
    List<String> messages = new ArrayList<>();
    List<JsonlDocuments.Problem> kinds = new ArrayList<>();
    try (JsonlDocuments docs = new JsonlDocuments(f, null, null, null)) {
      for (int i = 0; i < 5; i++) {
        var e = assertThrows(JsonlDocuments.BadLineException.class, docs::next);
        messages.add(e.getMessage());
        kinds.add(e.problem());
      }
      assertNull(docs.next(), "each bad line is consumed; the reader goes on");
    }
    assertEquals(List.of(
        f + " line 1: \"vector\" is null",
        f + " line 2: \"vector\" is empty",
        f + " line 3: \"vector\"[1] = \"2\" is not a number",
        f + " line 4: missing or empty id (expected \"id\" or \"_id\")",
        f + " line 5: expected a JSON object, got array"), messages);
    assertEquals(List.of(JsonlDocuments.Problem.BAD_VECTOR, JsonlDocuments.Problem.BAD_VECTOR,
        JsonlDocuments.Problem.BAD_VECTOR, JsonlDocuments.Problem.NO_ID, JsonlDocuments.Problem.NOT_AN_OBJECT), kinds);
  }

  @Test
  void callersReportTheirOwnProblemsAgainstTheLineLastRead() throws IOException {
    try (JsonlDocuments docs = stream(utf8(A + "\n\n{\"id\":\"c\"}\n"))) {
      docs.next();
      SourceDocument c = docs.next();
      assertNull(c.vector());
      assertNull(c.text());
      var e = docs.problem(JsonlDocuments.Problem.NO_CONTENT, "has neither \"vector\" nor text");
      assertEquals("<stdin> line 3: has neither \"vector\" nor text", e.getMessage());
      assertEquals(3, e.line());
    }
  }

  @Test
  void aFileNamedGzThatIsNotGzipIsNamed() throws IOException {
    Path f = tmp.resolve("plain.jsonl.gz");
    Files.write(f, utf8(A + "\n"));
    var e = assertThrows(IllegalArgumentException.class, () -> new JsonlDocuments(f, null, null, null));
    assertTrue(e.getMessage().startsWith(f + " is not valid gzip data"), e.getMessage());
  }

  @Test
  void vectorJsonErrorsReadTheSame() {
    var e = assertThrows(IllegalArgumentException.class, () -> JsonlDocuments.parseVector("[1, 2,", "--vector-json"));
    assertEquals("--vector-json: not valid JSON: the text ends before the JSON value does (an array is not closed)",
        e.getMessage());
  }
}
