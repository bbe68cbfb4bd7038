package dev.matryoshka.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.matryoshka.encode.TextEncoder;
import dev.matryoshka.index.IndexCalibration;
import dev.matryoshka.index.JsonlDocuments;
import dev.matryoshka.index.MatryoshkaSearcher;
import dev.matryoshka.search.Calibration;
import dev.matryoshka.search.OversampleCalibrator;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.zip.GZIPInputStream;
import picocli.CommandLine.Option;

/**
 * Options of the index-wide oversample calibration, and the run itself: measure, print, store in
 * the index's commit. {@code tune} runs it (with pseudo-queries from the corpus, or the user's
 * {@code --queries}); {@code index} and {@code reindex} run it only when given {@code --queries},
 * since every segment carries its own calibration curve, measured by the codec.
 */
public final class CalibrationOptions {

  @Option(names = "--queries", paramLabel = "FILE",
      description = "Calibration queries, JSONL: {\"text\": ...} (BEIR queries.jsonl works) or {\"vector\": [...]}. "
          + "Given to index/reindex, the index-wide oversample measured on them is stored and used for every "
          + "segment; without it, each segment uses its own calibration (tune: pseudo-queries from the corpus).")
  Path queries;

  @Option(names = "--target-recall", defaultValue = "" + OversampleCalibrator.DEFAULT_TARGET_RECALL, paramLabel = "R",
      description = "Recall@k against exact full-dimension search that the calibrated oversample must reach, in (0, 1].")
  double targetRecall;

  @Option(names = "--calibration-queries", defaultValue = "200", paramLabel = "N",
      description = "Calibration queries used (sampled documents for pseudo-queries; the first N of --queries).")
  int count;

  @Option(names = "--calibration-k", defaultValue = "10", paramLabel = "K", description = "The k of the calibration's recall@k.")
  int k;

  @Option(names = "--no-calibrate", description = "Do not run the index-wide calibration of --queries.")
  boolean skip;

  /** Checks the values before any work is done. */
  void check() {
    Calibration.checkTarget(targetRecall);
    if (count < 1) {
      throw new IllegalArgumentException("--calibration-queries must be >= 1; got=" + count);
    }
    if (k < 1 || k > 1000) {
      throw new IllegalArgumentException("--calibration-k must be in [1, 1000]; got=" + k);
    }
    if (queries != null && !Files.isRegularFile(queries)) {
      throw new IllegalArgumentException("--queries file not found: " + queries);
    }
  }

  /**
   * Calibrates the index at {@code index} with the model it records (opened here; none for an
   * index of precomputed vectors) and stores the result.
   */
  Calibration runWithIndexModel(Path index, ModelOptions modelOptions, PrintWriter err,
      boolean smallIndexIsError) throws IOException {
    String recorded;
    try (MatryoshkaSearcher s = MatryoshkaSearcher.open(index)) {
      recorded = s.numDocs() >= k ? s.settings().modelName() : null;
    }
    if (recorded == null) {
      return run(index, null, err, smallIndexIsError);
    }
    String model = modelOptions.modelOr(recorded);
    err.println("loading model " + model + " for calibration queries ...");
    try (TextEncoder enc = dev.matryoshka.encode.Models.open(model, modelOptions.options())) {
      return run(index, enc, err, smallIndexIsError);
    }
  }

  /**
   * Calibrates the index at {@code index} and stores the result. {@code encoder} encodes text
   * queries and pseudo-queries (null for an index of precomputed vectors).
   *
   * @return the calibration, or null when the index is too small to calibrate (said on err)
   */
  Calibration run(Path index, TextEncoder encoder, PrintWriter err, boolean smallIndexIsError)
      throws IOException {
    long t0 = System.nanoTime();
    Calibration c;
    try (MatryoshkaSearcher s = MatryoshkaSearcher.open(index)) {
      if (s.numDocs() < k) {
        String msg = "the index has " + s.numDocs() + " documents, fewer than the calibration's k="
            + k + "; nothing to calibrate";
        if (smallIndexIsError) {
          throw new IllegalArgumentException(msg);
        }
        err.println("calibration skipped: " + msg + " (searches are exhaustive at this size)");
        return null;
      }
      IndexCalibration.Queries q = queries != null ? readQueries(s, index, encoder)
          : IndexCalibration.pseudoQueries(s, index, encoder, count, 42);
      err.printf(Locale.ROOT, "calibrating the oversample on %,d %s (target recall@%d %.3f) ...%n",
          q.vectors().length, q.source(), k, targetRecall);
      err.flush();
      c = IndexCalibration.measure(s, q, k, targetRecall);
    }
    IndexCalibration.store(index, c);
    err.printf(Locale.ROOT, "calibrated in %.1f s: %s%n", (System.nanoTime() - t0) / 1e9, c.summary());
    if (!c.reached()) {
      err.printf(Locale.ROOT, "warning: no oversample up to %s reached recall %.3f; searches use %s. "
          + "An adapter (see train-adapter) or more prefix dims would help.%n",
          Calibration.format(c.oversample()), targetRecall, Calibration.format(c.oversample()));
    }
    err.flush();
    return c;
  }

  private IndexCalibration.Queries readQueries(MatryoshkaSearcher s, Path index, TextEncoder encoder)
      throws IOException {
    List<String> texts = new ArrayList<>();
    List<float[]> vectors = new ArrayList<>();
    ObjectMapper om = new ObjectMapper();
    var in = Files.newInputStream(queries);
    if (queries.toString().endsWith(".gz")) {
      in = new GZIPInputStream(in);
    }
    try (BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
      String line;
      int n = 0;
      while ((line = r.readLine()) != null && texts.size() + vectors.size() < count) {
        n++;
        if (line.isBlank()) {
          continue;
        }
        JsonNode o;
        try {
          o = om.readTree(line);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
          throw new IllegalArgumentException(queries + " line " + n + ": not valid JSON: "
              + dev.matryoshka.index.JsonErrors.describe(e), e);
        }
        if (o != null && o.has("vector")) {
          vectors.add(JsonlDocuments.parseVector(o.get("vector").toString(), queries + ":" + n + " vector"));
        } else if (o != null && o.path("text").isTextual() && !o.path("text").asText().isBlank()) {
          texts.add(o.path("text").asText());
        } else if (o != null && o.path("query").isTextual() && !o.path("query").asText().isBlank()) {
          texts.add(o.path("query").asText());
        } else {
          throw new IllegalArgumentException(queries + ":" + n
              + ": a calibration query needs a non-empty \"text\" (or \"query\") or a \"vector\"");
        }
      }
    }
    if (!texts.isEmpty() && !vectors.isEmpty()) {
      throw new IllegalArgumentException("--queries " + queries + " mixes text and vector lines; use one kind");
    }
    if (!vectors.isEmpty()) {
      return IndexCalibration.fromVectors(s, index, vectors);
    }
    if (texts.isEmpty()) {
      throw new IllegalArgumentException("--queries " + queries + " has no queries");
    }
    if (encoder == null) {
      throw new IllegalArgumentException("--queries " + queries + " holds text, but index " + index
          + " has no model to encode it (built from precomputed vectors); give {\"vector\": [...]} lines");
    }
    return IndexCalibration.fromTexts(s, index, encoder, texts);
  }
}
