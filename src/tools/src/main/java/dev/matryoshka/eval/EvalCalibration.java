package dev.matryoshka.eval;

import dev.matryoshka.adapt.Adapter;
import dev.matryoshka.encode.TextEncoder;
import dev.matryoshka.index.AdapterBuilder;
import dev.matryoshka.index.IndexCalibration;
import dev.matryoshka.index.MatryoshkaSearcher;
import dev.matryoshka.search.Calibration;
import dev.matryoshka.search.OversampleCalibrator;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The default path of {@code index} inside {@code eval}: {@code auto} resolved the way {@code
 * index} resolves it, and the index row's oversample calibrated the way {@code index} calibrates
 * (pseudo-queries from the corpus unless a query split is named), so the row labelled default is
 * what a user gets with no flags.
 */
final class EvalCalibration {
  private EvalCalibration() {}

  /** Where calibration queries come from: {@code pseudo} (default) or {@code split:NAME}. */
  static final String PSEUDO = "pseudo";
  /** The default: no index-wide calibration; each segment's own, measured by the codec. */
  static final String SEGMENTS = "segments";

  /** Seed shared with {@code index}/{@code tune}, so the same corpus gives the same snippets. */
  static final long SEED = 42;

  /** Resolves {@value AdapterBuilder#AUTO} for this model and corpus; other specs pass through. */
  static String resolve(String spec, TextEncoder enc, int docs) {
    if (!AdapterBuilder.AUTO.equals(spec)) {
      return spec;
    }
    return AdapterBuilder.auto(enc.info(), docs, enc.info().dims());
  }

  /**
   * Calibrates the eval index: {@code from} is {@value #PSEUDO} (snippets of the documents'
   * text, encoded as queries) or {@code split:NAME} (that BEIR split's query texts, which must not
   * be the evaluated split).
   */
  static Calibration calibrate(MatryoshkaSearcher s, Path dir, BeirDataset ds, String from,
      Adapter adapter, TextEncoder enc, EmbeddingCache cache, double target, PrintWriter log)
      throws IOException {
    List<String> texts;
    String source;
    String role;
    if (from.startsWith("split:")) {
      String split = from.substring("split:".length());
      if (split.equals(ds.split())) {
        throw new IllegalArgumentException("calibration split " + split + " is the evaluated split; "
            + "calibrate on another one (e.g. split:train)");
      }
      if (!Files.isRegularFile(dir.resolve("qrels").resolve(split + ".tsv"))) {
        throw new IllegalArgumentException("no qrels/" + split + ".tsv in " + dir + " for --calibrate-with " + from);
      }
      texts = BeirDataset.load(dir, split).queryTexts();
      texts = texts.subList(0, Math.min(texts.size(), OversampleCalibrator.DEFAULT_QUERIES));
      source = "queries-file";
      role = "query-" + split;
    } else if (from.equals(PSEUDO)) {
      return pseudo(s, ds.docs().stream().map(BeirDataset.Document::text).toList(), adapter, enc, cache, target, log);
    } else {
      throw new IllegalArgumentException("--calibrate-with must be pseudo or split:NAME; got=" + from);
    }
    return measure(s, texts, role, source, adapter, enc, cache, target, log);
  }

  /**
   * Calibrates on pseudo-queries made from {@code docTexts} as {@code index} makes them: a
   * seeded sample of the documents, one snippet each, encoded as queries, through the adapter.
   */
  static Calibration pseudo(MatryoshkaSearcher s, List<String> docTexts, Adapter adapter,
      TextEncoder enc, EmbeddingCache cache, double target, PrintWriter log) throws IOException {
    List<String> bodies = new ArrayList<>();
    for (int i : IndexCalibration.sample(docTexts.size(), OversampleCalibrator.DEFAULT_QUERIES, SEED)) {
      bodies.add(docTexts.get(i));
    }
    return measure(s, IndexCalibration.snippets(bodies, SEED), "query-pseudo", "pseudo-queries", adapter,
        enc, cache, target, log);
  }

  private static Calibration measure(MatryoshkaSearcher s, List<String> texts, String role,
      String source, Adapter adapter, TextEncoder enc, EmbeddingCache cache, double target,
      PrintWriter log) throws IOException {
    float[][] q = EvalAdapters.apply(adapter, cache.get(enc.info().fingerprint(), role, texts, enc::encodeQueries));
    Calibration c = IndexCalibration.measure(s, new IndexCalibration.Queries(q, source),
        OversampleCalibrator.DEFAULT_K, target);
    log.printf(Locale.ROOT, "calibrated: %s%n", c.summary());
    log.flush();
    return c;
  }
}
