package dev.matryoshka.index;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import java.io.BufferedInputStream;
import java.io.BufferedReader;
import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.zip.GZIPInputStream;

/**
 * Reads documents from JSON Lines, one object per line, UTF-8 (a leading byte-order mark is
 * skipped). A file is gunzipped when its name ends in {@code .gz}; a stream (standard input)
 * when it starts with gzip's magic bytes. Accepted shapes:
 *
 * <ul>
 *   <li>precomputed: {@code {"id": "...", "vector": [floats], ...}}
 *   <li>BEIR corpus: {@code {"_id": "...", "title": "...", "text": "..."}} — text to encode is
 *       {@link DocumentText#of} (title + " " + text), as MTEB does
 *   <li>any object with the text in {@code --text-field}
 * </ul>
 *
 * Every other string (or number/boolean) member is stored. Blank lines are skipped. The input is
 * read once, front to back. A line that cannot become a document raises {@link BadLineException}
 * naming the input, the line and the problem, e.g. {@code corpus.jsonl line 7: not valid JSON:
 * unexpected character 'x' at column 12 (...)}.
 *
 * <pre>{@code
 * try (var docs = new JsonlDocuments(Path.of("corpus.jsonl"), null, null, null)) {
 *   for (SourceDocument d; (d = docs.next()) != null; ) { ... }
 * }
 * }</pre>
 */
public final class JsonlDocuments implements Closeable {

  /** The name errors give to standard input. */
  public static final String STDIN_NAME = "<stdin>";

  /** What is wrong with a line. */
  public enum Problem {
    /** Not parseable as JSON. */
    NOT_JSON,
    /** Valid JSON, but not an object. */
    NOT_AN_OBJECT,
    /** No usable id. */
    NO_ID,
    /** The vector member is null, not an array, empty, or holds something other than finite numbers. */
    BAD_VECTOR,
    /** Nothing to index: no vector, or no text either (raised by callers, see {@link #problem}). */
    NO_CONTENT
  }

  /** A line that cannot become a document. */
  public static final class BadLineException extends IllegalArgumentException {
    private final long line;
    private final Problem problem;

    BadLineException(String source, long line, Problem problem, String why, Throwable cause) {
      super(source + " line " + line + ": " + why, cause);
      this.line = line;
      this.problem = problem;
    }

    /** 1-based line number. */
    public long line() {
      return line;
    }

    /** What kind of problem it is. */
    public Problem problem() {
      return problem;
    }
  }

  // the source is never put in a location (its text could be a user's data), and a second value
  // after the object is an error rather than silently dropped
  private static final ObjectMapper JSON = JsonMapper.builder(
          JsonFactory.builder().disable(StreamReadFeature.INCLUDE_SOURCE_IN_LOCATION).build())
      .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
      .build();

  private final String name;
  private final BufferedReader in;
  private final String idField;
  private final String textField;
  private final String vectorField;
  private final CountingStream counter;
  private final long totalBytes;
  private long line;

  /**
   * Reads a file.
   *
   * @param idField id member; null = "id", else "_id"
   * @param textField member holding the text; null = BEIR title+text, else "text"
   * @param vectorField member holding a precomputed vector; null = "vector"
   * @throws IllegalArgumentException when the file is missing, unreadable, or not UTF-8 text
   */
  public JsonlDocuments(Path file, String idField, String textField, String vectorField)
      throws IOException {
    this(file.toString(), checked(file), file.getFileName().toString().endsWith(".gz"), Files.size(file),
        idField, textField, vectorField);
  }

  /**
   * Reads a stream, such as standard input, once; gzip is recognised by its magic bytes. The
   * stream is closed by {@link #close}.
   *
   * @param name what errors call the input, e.g. {@link #STDIN_NAME}
   * @throws IllegalArgumentException when the stream is not UTF-8 text
   */
  public JsonlDocuments(InputStream stream, String name, String idField, String textField, String vectorField)
      throws IOException {
    this(name, stream, null, -1, idField, textField, vectorField);
  }

  /** @param gzip true/false, or null to look at the first bytes */
  private JsonlDocuments(String name, InputStream stream, Boolean gzip, long totalBytes, String idField,
      String textField, String vectorField) throws IOException {
    this.name = name;
    this.idField = idField;
    this.textField = textField;
    this.vectorField = vectorField == null ? "vector" : vectorField;
    this.totalBytes = totalBytes;
    this.counter = new CountingStream(stream);
    try {
      BufferedInputStream raw = new BufferedInputStream(counter, 1 << 16);
      boolean gz = gzip != null ? gzip : startsWith(raw, 0x1f, 0x8b);
      BufferedInputStream text = gz ? new BufferedInputStream(new GZIPInputStream(raw, 1 << 16), 1 << 16) : raw;
      skipByteOrderMark(text);
      this.in = new BufferedReader(new InputStreamReader(text, StandardCharsets.UTF_8), 1 << 16);
    } catch (java.util.zip.ZipException e) {
      counter.close();
      throw new IllegalArgumentException(name + " is not valid gzip data: " + e.getMessage(), e);
    } catch (IOException | RuntimeException e) {
      counter.close();
      throw e;
    }
  }

  private static InputStream checked(Path file) throws IOException {
    if (!Files.isRegularFile(file)) {
      throw new IllegalArgumentException("input file does not exist or is not a file: " + file);
    }
    if (!Files.isReadable(file)) {
      throw new IllegalArgumentException("input file is not readable: " + file);
    }
    return Files.newInputStream(file);
  }

  private static boolean startsWith(BufferedInputStream in, int... bytes) throws IOException {
    in.mark(bytes.length);
    try {
      for (int b : bytes) {
        if (in.read() != b) {
          return false;
        }
      }
      return true;
    } finally {
      in.reset();
    }
  }

  /** Skips a UTF-8 byte-order mark; refuses UTF-16, whose mark says the text is not UTF-8. */
  private void skipByteOrderMark(BufferedInputStream in) throws IOException {
    if (startsWith(in, 0xef, 0xbb, 0xbf)) {
      in.skipNBytes(3);
    } else if (startsWith(in, 0xfe, 0xff) || startsWith(in, 0xff, 0xfe)) {
      throw new IllegalArgumentException(name + " is UTF-16 text (it starts with a UTF-16 byte-order mark); "
          + "JSON Lines must be UTF-8: convert it, e.g. iconv -f UTF-16 -t UTF-8");
    }
  }

  /** What errors call this input: the file as given, or the stream's name. */
  public String name() {
    return name;
  }

  /**
   * Fraction of the input read so far (compressed bytes for .gz), for progress; -1 for a stream,
   * whose size is not known.
   */
  public double fractionRead() {
    if (totalBytes < 0) {
      return -1;
    }
    return totalBytes == 0 ? 1 : Math.min(1.0, counter.count / (double) totalBytes);
  }

  /** Line number of the last line returned. */
  public long line() {
    return line;
  }

  /**
   * An error about the line last returned, in the reader's own form ({@code NAME line N: why}),
   * for checks the caller makes (e.g. a document with neither vector nor text).
   */
  public BadLineException problem(Problem problem, String why) {
    return new BadLineException(name, line, problem, why, null);
  }

  /** Next document, or null at the end of the input. */
  public SourceDocument next() throws IOException {
    String s;
    while ((s = readLine()) != null) {
      line++;
      if (!s.isBlank()) {
        return parse(s);
      }
    }
    return null;
  }

  private String readLine() throws IOException {
    try {
      return in.readLine();
    } catch (IOException e) {
      // a truncated .gz, a pipe that broke: say where, keep the cause
      throw new IOException(String.format(Locale.ROOT, "%s line %d: cannot read: %s", name, line + 1,
          e.getMessage()), e);
    }
  }

  private BadLineException bad(Problem problem, String why, Throwable cause) {
    return new BadLineException(name, line, problem, why, cause);
  }

  private SourceDocument parse(String s) {
    JsonNode node;
    try {
      node = JSON.readTree(s);
    } catch (JsonProcessingException e) {
      throw bad(Problem.NOT_JSON, "not valid JSON: " + JsonErrors.describe(e), e);
    } catch (IOException e) {
      throw bad(Problem.NOT_JSON, "not valid JSON: " + e.getClass().getSimpleName(), e);
    }
    if (node == null || !node.isObject()) {
      throw bad(Problem.NOT_AN_OBJECT, "expected a JSON object, got "
          + (node == null ? "nothing" : node.getNodeType().toString().toLowerCase(Locale.ROOT)), null);
    }
    String id = id(node);
    float[] vector = null;
    JsonNode v = node.get(vectorField);
    if (v != null) {
      if (v.isNull()) {
        throw bad(Problem.BAD_VECTOR, "\"" + vectorField + "\" is null", null);
      }
      vector = vector(v);
    }
    Map<String, String> stored = new LinkedHashMap<>();
    var it = node.fields();
    while (it.hasNext()) {
      var e = it.next();
      JsonNode val = e.getValue();
      if (e.getKey().equals(vectorField) || val.isContainerNode() || val.isNull()) {
        continue;
      }
      stored.put(e.getKey().equals("_id") ? "id" : e.getKey(), val.asText());
    }
    String text = text(node);
    return new SourceDocument(id, vector, text, stored);
  }

  private String id(JsonNode node) {
    JsonNode n;
    if (idField != null) {
      n = node.get(idField);
      if (n == null || n.isNull() || n.isContainerNode() || n.asText().isEmpty()) {
        throw bad(Problem.NO_ID, "missing or empty id field \"" + idField + "\"", null);
      }
    } else {
      n = node.get("id");
      if (n == null || n.isNull()) {
        n = node.get("_id");
      }
      if (n == null || n.isNull() || n.isContainerNode() || n.asText().isEmpty()) {
        throw bad(Problem.NO_ID, "missing or empty id (expected \"id\" or \"_id\")", null);
      }
    }
    return n.asText();
  }

  private String text(JsonNode node) {
    if (textField != null) {
      JsonNode t = node.get(textField);
      return t == null || t.isNull() ? null : t.asText();
    }
    JsonNode title = node.get("title");
    JsonNode body = node.get("text");
    String a = title == null || title.isNull() ? "" : title.asText();
    String b = body == null || body.isNull() ? "" : body.asText();
    if (title == null && body == null) {
      return null;
    }
    return DocumentText.of(a, b);
  }

  private float[] vector(JsonNode v) {
    if (!v.isArray()) {
      throw bad(Problem.BAD_VECTOR, "\"" + vectorField + "\" must be an array of numbers", null);
    }
    ArrayNode a = (ArrayNode) v;
    float[] out = new float[a.size()];
    for (int i = 0; i < out.length; i++) {
      JsonNode x = a.get(i);
      if (!x.isNumber()) {
        throw bad(Problem.BAD_VECTOR,
            "\"" + vectorField + "\"[" + i + "] = " + x + " is not a number", null);
      }
      out[i] = (float) x.asDouble();
      if (!Float.isFinite(out[i])) {
        throw bad(Problem.BAD_VECTOR,
            "\"" + vectorField + "\"[" + i + "] = " + x + " is not a finite float", null);
      }
    }
    if (out.length == 0) {
      throw bad(Problem.BAD_VECTOR, "\"" + vectorField + "\" is empty", null);
    }
    return out;
  }

  /** Parses a JSON array of numbers (e.g. a query vector given on the command line). */
  public static float[] parseVector(String json, String what) {
    JsonNode n;
    try {
      n = JSON.readTree(json);
    } catch (JsonProcessingException e) {
      throw new IllegalArgumentException(what + ": not valid JSON: " + JsonErrors.describe(e), e);
    } catch (IOException e) {
      throw new IllegalArgumentException(what + ": not valid JSON: " + e.getClass().getSimpleName(), e);
    }
    if (n == null || !n.isArray() || n.isEmpty()) {
      throw new IllegalArgumentException(what + ": expected a non-empty JSON array of numbers");
    }
    float[] out = new float[n.size()];
    for (int i = 0; i < out.length; i++) {
      if (!n.get(i).isNumber()) {
        throw new IllegalArgumentException(what + "[" + i + "] = " + n.get(i) + " is not a number");
      }
      out[i] = (float) n.get(i).asDouble();
    }
    return out;
  }

  @Override
  public void close() throws IOException {
    in.close();
  }

  /** Counts bytes read from the input, for progress on compressed input. */
  private static final class CountingStream extends java.io.FilterInputStream {
    volatile long count;

    CountingStream(InputStream in) {
      super(in);
    }

    @Override
    public int read() throws IOException {
      int b = super.read();
      if (b >= 0) count++;
      return b;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
      int n = super.read(b, off, len);
      if (n > 0) count += n;
      return n;
    }
  }
}
