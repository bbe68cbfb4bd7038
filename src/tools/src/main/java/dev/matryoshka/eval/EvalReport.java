package dev.matryoshka.eval;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.io.JsonStringEncoder;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;

/**
 * The result of one {@code eval} run: a dataset, a model and one row per (mode, dims, adapter).
 *
 * <p>JSON (the CLI contract):
 *
 * <pre>{@code
 * {"dataset": "scifact", "model": "bge-small-en-v1.5", "rows": [
 *   {"mode": "exact", "dims": 64, "adapter": "none",
 *    "ndcg_at_10": 0.61, "recall_at_100": 0.92, "mrr_at_10": 0.57}]}
 * }</pre>
 *
 * STS rows carry {@code "spearman"} instead of the three retrieval metrics. A metric that is
 * undefined (NaN, e.g. Spearman of a constant sample) is written as {@code null}, because JSON
 * has no NaN.
 */
public final class EvalReport {
  /** JSON key of nDCG@10. */
  public static final String NDCG_AT_10 = "ndcg_at_10";

  /** JSON key of recall@100. */
  public static final String RECALL_AT_100 = "recall_at_100";

  /** JSON key of MRR@10. */
  public static final String MRR_AT_10 = "mrr_at_10";

  /** JSON key of the STS Spearman correlation. */
  public static final String SPEARMAN = "spearman";

  private static final List<String> METRICS = List.of(NDCG_AT_10, RECALL_AT_100, MRR_AT_10, SPEARMAN);
  private static final ObjectMapper JSON = new ObjectMapper();

  /**
   * One line of the report. Retrieval rows have the three retrieval metrics and a null {@code
   * spearman}; STS rows the reverse. Use the factories.
   *
   * @param mode how results were produced, e.g. {@code exact} or {@code index}
   * @param dims prefix length compared
   * @param adapter adapter name, {@code none} without one
   * @param ndcgAt10 mean nDCG@10, or null for an STS row
   * @param recallAt100 mean recall@100, or null for an STS row
   * @param mrrAt10 mean MRR@10, or null for an STS row
   * @param spearman Spearman correlation (NaN if undefined), or null for a retrieval row
   */
  public record Row(
      String mode,
      int dims,
      String adapter,
      Double ndcgAt10,
      Double recallAt100,
      Double mrrAt10,
      Double spearman) {
    /** Checks the row is exactly one of the two kinds. */
    public Row {
      Objects.requireNonNull(mode, "mode");
      Objects.requireNonNull(adapter, "adapter");
      if (dims < 0) {
        // 0 marks rows without vectors (BM25)
        throw new IllegalArgumentException("dims must be >= 0; got=" + dims);
      }
      boolean retrieval = ndcgAt10 != null && recallAt100 != null && mrrAt10 != null;
      boolean none = ndcgAt10 == null && recallAt100 == null && mrrAt10 == null;
      if (!(retrieval && spearman == null) && !(none && spearman != null)) {
        throw new IllegalArgumentException(
            "a row has either ndcg_at_10, recall_at_100 and mrr_at_10, or spearman alone");
      }
    }

    /** A retrieval row. */
    public static Row retrieval(String mode, int dims, String adapter, RetrievalScores s) {
      return new Row(mode, dims, adapter, s.ndcgAt10(), s.recallAt100(), s.mrrAt10(), null);
    }

    /** A retrieval row from the three values. */
    public static Row retrieval(
        String mode, int dims, String adapter, double ndcgAt10, double recallAt100, double mrrAt10) {
      return new Row(mode, dims, adapter, ndcgAt10, recallAt100, mrrAt10, null);
    }

    /** An STS row. */
    public static Row sts(String mode, int dims, String adapter, double spearman) {
      return new Row(mode, dims, adapter, null, null, null, spearman);
    }

    /** True for an STS row. */
    public boolean isSts() {
      return spearman != null;
    }

    /** The metric under its JSON key, or null if this kind of row has none. */
    public Double metric(String key) {
      return switch (key) {
        case NDCG_AT_10 -> ndcgAt10;
        case RECALL_AT_100 -> recallAt100;
        case MRR_AT_10 -> mrrAt10;
        case SPEARMAN -> spearman;
        default -> throw new IllegalArgumentException(
            "unknown metric '" + key + "'; known: " + METRICS);
      };
    }
  }

  private final String dataset;
  private final String model;
  private final List<Row> rows;

  /** A report; the rows are copied. */
  public EvalReport(String dataset, String model, List<Row> rows) {
    this.dataset = Objects.requireNonNull(dataset, "dataset");
    this.model = Objects.requireNonNull(model, "model");
    this.rows = List.copyOf(rows);
  }

  /** Dataset name. */
  public String dataset() {
    return dataset;
  }

  /** Model name. */
  public String model() {
    return model;
  }

  /** Rows in the order added. */
  public List<Row> rows() {
    return rows;
  }

  /**
   * The JSON form: keys in the documented order, {@code ": "} and {@code ", "} separators, one
   * row per line so reports diff and grep well.
   */
  public String toJson() {
    StringBuilder sb = new StringBuilder();
    sb.append("{\"dataset\": ").append(quote(dataset))
        .append(", \"model\": ").append(quote(model))
        .append(", \"rows\": [");
    for (int i = 0; i < rows.size(); i++) {
      Row r = rows.get(i);
      sb.append(i == 0 ? "\n  " : ",\n  ")
          .append("{\"mode\": ").append(quote(r.mode()))
          .append(", \"dims\": ").append(r.dims())
          .append(", \"adapter\": ").append(quote(r.adapter()));
      for (String key : METRICS) {
        Double v = r.metric(key);
        if (v != null) {
          sb.append(", ").append(quote(key)).append(": ")
              .append(Double.isFinite(v) ? Double.toString(v) : "null");
        }
      }
      sb.append('}');
    }
    sb.append(rows.isEmpty() ? "]}" : "\n]}");
    return sb.toString();
  }

  private static String quote(String s) {
    return "\"" + new String(JsonStringEncoder.getInstance().quoteAsString(s)) + "\"";
  }

  /** Writes {@link #toJson()} to a UTF-8 file, creating parent folders. */
  public void writeJson(Path file) throws IOException {
    Path parent = file.toAbsolutePath().getParent();
    if (parent != null) {
      Files.createDirectories(parent);
    }
    Files.writeString(file, toJson() + "\n", StandardCharsets.UTF_8);
  }

  /**
   * Parses the JSON form.
   *
   * @throws IOException if the JSON is malformed or lacks a required field; the message names it
   */
  public static EvalReport fromJson(String json) throws IOException {
    JsonNode root;
    try {
      root = JSON.readTree(json);
    } catch (JsonProcessingException e) {
      throw new IOException("eval report: malformed JSON: " + e.getOriginalMessage(), e);
    }
    if (root == null || !root.isObject()) {
      throw new IOException("eval report: expected a JSON object");
    }
    JsonNode rowsNode = root.get("rows");
    if (rowsNode == null || !rowsNode.isArray()) {
      throw new IOException("eval report: missing array \"rows\"");
    }
    List<Row> rows = new ArrayList<>();
    for (int i = 0; i < rowsNode.size(); i++) {
      JsonNode r = rowsNode.get(i);
      String where = "eval report rows[" + i + "]";
      if (!r.isObject() || !r.hasNonNull("mode") || !r.hasNonNull("adapter")
          || !r.path("dims").canConvertToInt()) {
        throw new IOException(where + ": needs \"mode\", integer \"dims\" and \"adapter\"");
      }
      Double[] m = new Double[METRICS.size()];
      for (int k = 0; k < m.length; k++) {
        JsonNode v = r.get(METRICS.get(k));
        if (v == null) {
          continue;
        }
        if (!v.isNull() && !v.isNumber()) {
          throw new IOException(where + ": \"" + METRICS.get(k) + "\" must be a number or null");
        }
        m[k] = v.isNull() ? Double.NaN : v.asDouble();
      }
      try {
        rows.add(new Row(r.get("mode").asText(), r.get("dims").asInt(), r.get("adapter").asText(),
            m[0], m[1], m[2], m[3]));
      } catch (IllegalArgumentException e) {
        throw new IOException(where + ": " + e.getMessage(), e);
      }
    }
    return new EvalReport(root.path("dataset").asText(""), root.path("model").asText(""), rows);
  }

  /** Reads a file written by {@link #writeJson}. */
  public static EvalReport readJson(Path file) throws IOException {
    try {
      return fromJson(Files.readString(file, StandardCharsets.UTF_8));
    } catch (IOException e) {
      throw new IOException(file + ": " + e.getMessage(), e);
    }
  }

  /**
   * A fixed-width table for the terminal: a title line, a header and one line per row. Metrics
   * that no row has are left out; a row without a metric shows {@code -}.
   */
  public String toTable() {
    List<String> metrics = METRICS.stream()
        .filter(k -> rows.stream().anyMatch(r -> r.metric(k) != null))
        .toList();
    List<String[]> cells = new ArrayList<>();
    List<String> header = new ArrayList<>(List.of("mode", "dims", "adapter"));
    metrics.forEach(k -> header.add(k.replace("_at_", "@")));
    cells.add(header.toArray(String[]::new));
    for (Row r : rows) {
      List<String> line = new ArrayList<>(List.of(r.mode(), Integer.toString(r.dims()), r.adapter()));
      for (String k : metrics) {
        Double v = r.metric(k);
        line.add(v == null ? "-" : Double.isNaN(v) ? "NaN" : String.format(Locale.ROOT, "%.4f", v));
      }
      cells.add(line.toArray(String[]::new));
    }
    int cols = header.size();
    int[] width = new int[cols];
    for (String[] line : cells) {
      for (int c = 0; c < cols; c++) {
        width[c] = Math.max(width[c], line[c].length());
      }
    }
    StringBuilder sb = new StringBuilder();
    sb.append("dataset: ").append(dataset).append("   model: ").append(model).append('\n');
    for (String[] line : cells) {
      for (int c = 0; c < cols; c++) {
        // text columns (mode, adapter) read best left-aligned, numbers right-aligned
        boolean left = c == 0 || c == 2;
        String fmt = "%" + (left ? "-" : "") + width[c] + "s";
        sb.append(c == 0 ? "" : "  ").append(String.format(Locale.ROOT, fmt, line[c]));
      }
      int end = sb.length();
      while (end > 0 && sb.charAt(end - 1) == ' ') {
        end--;
      }
      sb.setLength(end);
      sb.append('\n');
    }
    return sb.toString();
  }

  @Override
  public String toString() {
    return toTable();
  }
}
