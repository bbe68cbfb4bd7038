package dev.matryoshka.index;

import com.fasterxml.jackson.core.JsonParseException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import java.io.BufferedReader;
import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.zip.GZIPInputStream;

/**
 * Reads documents from JSON Lines, one object per line (gzip when the name ends in {@code .gz}).
 * Accepted shapes:
 *
 * <ul>
 *   <li>precomputed: {@code {"id": "...", "vector": [floats], ...}}
 *   <li>BEIR corpus: {@code {"_id": "...", "title": "...", "text": "..."}} — text to encode is
 *       {@link DocumentText#of} (title + " " + text), as MTEB does
 *   <li>any object with the text in {@code --text-field}
 * </ul>
 *
 * Every other string (or number/boolean) member is stored. Blank lines are skipped. A malformed
 * line raises {@link BadLineException} with its line number.
 */
public final class JsonlDocuments implements Closeable {

  /** A line that cannot become a document. */
  public static final class BadLineException extends IllegalArgumentException {
    private final long line;

    BadLineException(Path file, long line, String why, Throwable cause) {
      super(file + ":" + line + ": " + why, cause);
      this.line = line;
    }

    /** 1-based line number. */
    public long line() {
      return line;
    }
  }

  private static final ObjectMapper JSON = new ObjectMapper();

  private final Path file;
  private final BufferedReader in;
  private final String idField;
  private final String textField;
  private final String vectorField;
  private final CountingStream counter;
  private final long totalBytes;
  private long line;

  /**
   * @param idField id member; null = "id", else "_id"
   * @param textField member holding the text; null = BEIR title+text, else "text"
   * @param vectorField member holding a precomputed vector; null = "vector"
   */
  public JsonlDocuments(Path file, String idField, String textField, String vectorField)
      throws IOException {
    if (!Files.isRegularFile(file)) {
      throw new IllegalArgumentException("input file does not exist or is not a file: " + file);
    }
    if (!Files.isReadable(file)) {
      throw new IllegalArgumentException("input file is not readable: " + file);
    }
    this.file = file;
    this.idField = idField;
    this.textField = textField;
    this.vectorField = vectorField == null ? "vector" : vectorField;
    this.totalBytes = Files.size(file);
    this.counter = new CountingStream(Files.newInputStream(file));
    InputStream raw = file.getFileName().toString().endsWith(".gz") ? new GZIPInputStream(counter, 1 << 16) : counter;
    this.in = new BufferedReader(new InputStreamReader(raw, StandardCharsets.UTF_8), 1 << 16);
  }

  /** Fraction of the input file read so far (compressed bytes for .gz), for progress. */
  public double fractionRead() {
    return totalBytes == 0 ? 1 : Math.min(1.0, counter.count / (double) totalBytes);
  }

  /** Line number of the last line returned. */
  public long line() {
    return line;
  }

  /** Next document, or null at the end of the file. */
  public SourceDocument next() throws IOException {
    String s;
    while ((s = in.readLine()) != null) {
      line++;
      if (!s.isBlank()) {
        return parse(s);
      }
    }
    return null;
  }

  private SourceDocument parse(String s) {
    JsonNode node;
    try {
      node = JSON.readTree(s);
    } catch (JsonParseException e) {
      throw new BadLineException(file, line, "malformed JSON: " + e.getOriginalMessage(), e);
    } catch (IOException e) {
      throw new BadLineException(file, line, "malformed JSON: " + e.getMessage(), e);
    }
    if (node == null || !node.isObject()) {
      throw new BadLineException(file, line, "expected a JSON object, got " + (node == null ? "nothing" : node.getNodeType()), null);
    }
    String id = id(node);
    float[] vector = null;
    JsonNode v = node.get(vectorField);
    if (v != null && !v.isNull()) {
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
        throw new BadLineException(file, line, "missing or empty id field \"" + idField + "\"", null);
      }
    } else {
      n = node.get("id");
      if (n == null || n.isNull()) {
        n = node.get("_id");
      }
      if (n == null || n.isNull() || n.isContainerNode() || n.asText().isEmpty()) {
        throw new BadLineException(file, line, "missing or empty id (expected \"id\" or \"_id\")", null);
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
      throw new BadLineException(file, line, "\"" + vectorField + "\" must be an array of numbers", null);
    }
    ArrayNode a = (ArrayNode) v;
    float[] out = new float[a.size()];
    for (int i = 0; i < out.length; i++) {
      JsonNode x = a.get(i);
      if (!x.isNumber()) {
        throw new BadLineException(file, line,
            "\"" + vectorField + "\"[" + i + "] = " + x + " is not a number", null);
      }
      out[i] = (float) x.asDouble();
      if (!Float.isFinite(out[i])) {
        throw new BadLineException(file, line,
            "\"" + vectorField + "\"[" + i + "] = " + x + " is not a finite float", null);
      }
    }
    if (out.length == 0) {
      throw new BadLineException(file, line, "\"" + vectorField + "\" is empty", null);
    }
    return out;
  }

  /** Parses a JSON array of numbers (e.g. a query vector given on the command line). */
  public static float[] parseVector(String json, String what) {
    JsonNode n;
    try {
      n = JSON.readTree(json);
    } catch (IOException e) {
      throw new IllegalArgumentException(what + ": malformed JSON: " + e.getMessage(), e);
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

  /** Counts bytes read from the file, for progress on compressed input. */
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
