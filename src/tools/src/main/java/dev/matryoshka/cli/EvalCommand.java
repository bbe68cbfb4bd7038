package dev.matryoshka.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.matryoshka.eval.EvalReport;
import dev.matryoshka.eval.EvalRunner;
import dev.matryoshka.eval.Plot;
import dev.matryoshka.search.MatryoshkaKnnQuery;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import dev.matryoshka.search.Calibration;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** {@code matryoshka eval}: quality numbers on a named dataset. */
@Command(
    name = "eval",
    mixinStandardHelpOptions = true,
    showDefaultValues = true,
    description = {
      "Evaluate on a BEIR folder (corpus.jsonl, queries.jsonl, qrels/<split>.tsv: nDCG@10, recall@100, MRR@10)",
      "or an STS folder (score<TAB>sentence1<TAB>sentence2: Spearman).",
      "Rows: exact search at full and truncated dims, per adapter, and the index path",
      "(prefix HNSW + full rerank). Encoded vectors are cached by model fingerprint."
    })
public final class EvalCommand implements Callable<Integer> {

  @Spec CommandSpec spec;

  @Option(names = "--dataset", required = true, paramLabel = "DIR", description = "BEIR or STS folder.")
  Path dataset;

  @Option(names = "--split", defaultValue = "test", description = "BEIR qrels split.")
  String split;

  @Mixin ModelOptions modelOptions;

  // not TargetIndexOptions: eval builds its index row in memory, with the prefix index would pick
  @Option(names = "--prefix-dims", paramLabel = "N",
      description = "Prefix dims of the index path (default: what index picks for the model: half its dims, "
          + "rounded up to 32, for a model not trained for truncation, else 64).")
  Integer prefixDims;

  @Option(names = "--dims", split = ",", defaultValue = "32,64,128,256", description = "Truncated dims for exact rows.")
  int[] dims;

  @Option(names = "--adapter", split = ",", defaultValue = "auto",
      description = "Adapters to compare besides none: auto (what 'index' picks for the model: rotation-centered unless it was trained for truncation; for fewer documents than dims, a bundled model's model-rotation), rotation, rotation-centered, model-rotation (the bundled model's shipped rotation), rotation-supervised, rotation-distilled (train-split query texts only), learned, learned-supervised, or an adapter FILE (repeat or comma-separate).")
  List<String> adapters;

  @Option(names = "--oversample", paramLabel = "F",
      description = "Oversample of the index row (default: calibrated on the index as 'index' does, see --calibrate-with).")
  Float oversample;

  @Option(names = "--calibrate-with", defaultValue = "pseudo", paramLabel = "pseudo|split:NAME",
      description = "Calibration queries for the index row: pseudo-queries from the corpus, or a BEIR split's "
          + "query texts (never the evaluated split), e.g. split:train.")
  String calibrateWith;

  @Option(names = "--target-recall", defaultValue = "" + dev.matryoshka.search.OversampleCalibrator.DEFAULT_TARGET_RECALL,
      paramLabel = "R", description = "Calibration target: recall@10 against exact full-dimension search, in (0, 1].")
  double targetRecall;

  @Option(names = "--oversample-curve", split = ",", paramLabel = "F,...",
      description = "Also evaluate the index path at these oversamples (e.g. 1,2,3,5,10,20).")
  float[] curve;

  @Option(names = "--mode", split = ",", defaultValue = "vector",
      description = "Rows to compute: vector (exact + index), bm25, hybrid, or all.")
  List<String> modes;

  @Option(names = "--json", paramLabel = "OUT", description = "Write the JSON report here ('-' = stdout).")
  String json;

  @Option(names = "--plot", paramLabel = "OUT.png|svg", description = "Plot quality against dims (and the oversample curve beside it).")
  Path plot;

  @Override
  public Integer call() throws Exception {
    if (!Files.exists(dataset)) {
      throw new CliException("dataset not found: " + dataset);
    }
    List<String> ads = new ArrayList<>();
    ads.add("none");
    for (String a : adapters) if (!ads.contains(a)) ads.add(a);
    float os = oversample == null ? Float.NaN : oversample;
    try {
      MatryoshkaKnnQuery.candidates(10, oversample == null ? 1f : oversample);
      dev.matryoshka.search.Calibration.checkTarget(targetRecall);
    } catch (IllegalArgumentException e) {
      throw new picocli.CommandLine.ParameterException(spec.commandLine(), e.getMessage());
    }
    var opts = new EvalRunner.Options(modelOptions.modelOr(dev.matryoshka.encode.Models.DEFAULT_MODEL),
        modelOptions.options(), split, prefixDims == null ? 0 : prefixDims, dims, ads, os, curve == null ? new float[0] : curve, modes,
        calibrateWith, targetRecall);
    for (String m : modes) {
      if (!List.of("vector", "bm25", "hybrid", "all").contains(m)) {
        throw new picocli.CommandLine.ParameterException(spec.commandLine(),
            "--mode must be vector, bm25, hybrid or all; got=" + m);
      }
    }
    var err = spec.commandLine().getErr();
    EvalRunner.Result r = EvalRunner.run(dataset, opts, err);
    var out = spec.commandLine().getOut();
    if (!"-".equals(json)) {
      out.println(r.report().toTable());
      r.calibrations().forEach((a, c) -> out.println("calibration, adapter " + a + ": " + c.summary()));
      printDefault(out, r);
      if (!r.curve().isEmpty()) {
        out.println("index path (prefix " + r.prefixDims() + " + full rerank) by oversample:");
        out.println("adapter              oversample  ndcg_at_10  recall_at_100  mrr_at_10");
        for (var p : r.curve()) {
          out.printf(Locale.ROOT, "%-20s %10.1f  %10.4f  %13.4f  %9.4f%n", p.adapter(), p.oversample(),
              p.ndcgAt10(), p.recallAt100(), p.mrrAt10());
        }
      }
      out.flush();
    }
    if (json != null) {
      ObjectMapper om = new ObjectMapper();
      ObjectNode root = (ObjectNode) om.readTree(r.report().toJson());
      if (oversample != null) {
        root.put("oversample", oversample);
      }
      if (r.defaultAdapter() != null) {
        root.put("default_adapter", r.defaultAdapter());
      }
      if (!r.calibrations().isEmpty()) {
        ObjectNode cals = root.putObject("calibration");
        r.calibrations().forEach((a, c) -> cals.set(a, dev.matryoshka.index.CalibrationJson.toJsonNode(c)));
      }
      root.put("prefix_dims", r.prefixDims());
      if (!r.curve().isEmpty()) {
        ArrayNode c = root.putArray("oversample_curve");
        for (var p : r.curve()) {
          c.addObject().put("mode", "index").put("dims", r.prefixDims()).put("adapter", p.adapter())
              .put("oversample", p.oversample()).put("ndcg_at_10", p.ndcgAt10())
              .put("recall_at_100", p.recallAt100()).put("mrr_at_10", p.mrrAt10());
        }
      }
      ObjectNode secs = root.putObject("seconds");
      r.seconds().forEach(secs::put);
      String text = om.writerWithDefaultPrettyPrinter().writeValueAsString(root);
      if ("-".equals(json)) {
        out.println(text);
        out.flush();
      } else {
        Files.writeString(Path.of(json), text + "\n");
        err.println("wrote " + json);
      }
    }
    if (plot != null) {
      EvalReport rep = r.report();
      boolean sts = rep.rows().stream().anyMatch(EvalReport.Row::isSts);
      // BM25 rows have no dims (0): they cannot sit on a dims axis
      EvalReport byDims = new EvalReport(rep.dataset(), rep.model(),
          rep.rows().stream().filter(row -> row.dims() > 0).toList());
      Plot.metricVsDims(plot, byDims, sts ? EvalReport.SPEARMAN : EvalReport.NDCG_AT_10);
      err.println("wrote " + plot);
      if (!r.curve().isEmpty() || !r.calibrations().isEmpty()) {
        Map<String, List<EvalRunner.CurvePoint>> by = new LinkedHashMap<>();
        for (var p : r.curve()) by.computeIfAbsent(p.adapter(), k -> new ArrayList<>()).add(p);
        List<Plot.Series> series = new ArrayList<>();
        by.forEach((a, pts) -> series.add(new Plot.Series("index, adapter " + a,
            pts.stream().mapToDouble(EvalRunner.CurvePoint::oversample).toArray(),
            pts.stream().mapToDouble(EvalRunner.CurvePoint::ndcgAt10).toArray())));
        // the calibration beside it: recall@10 against exact search, what picked the oversample
        r.calibrations().forEach((a, c) -> series.add(new Plot.Series(
            "calibration recall@" + c.k() + " vs exact, adapter " + a + " (chose " + Calibration.format(c.oversample()) + ")",
            c.curve().stream().mapToDouble(Calibration.Point::oversample).toArray(),
            c.curve().stream().mapToDouble(Calibration.Point::recall).toArray())));
        String name = plot.getFileName().toString();
        int dot = name.lastIndexOf('.');
        Path curvePlot = plot.resolveSibling(name.substring(0, dot) + "-oversample" + name.substring(dot));
        Plot.xy(curvePlot, rep.dataset() + ": index path vs oversample", "oversample",
            "nDCG@10 / calibration recall@10", Plot.Scale.LINEAR, series);
        err.println("wrote " + curvePlot);
      }
    }
    return 0;
  }

  /** One line per default path: the row a user gets with no flags, against exact full-dim search. */
  private static void printDefault(java.io.PrintWriter out, EvalRunner.Result r) {
    String a = r.defaultAdapter();
    Calibration c = a == null ? null : r.calibrations().get(a);
    if (c == null) {
      return;
    }
    Double exact = null;
    Double index = null;
    int full = r.report().rows().stream().mapToInt(EvalReport.Row::dims).max().orElse(0);
    for (EvalReport.Row row : r.report().rows()) {
      if (row.ndcgAt10() == null) {
        continue;
      }
      if (row.mode().equals("exact") && row.adapter().equals("none") && row.dims() == full) {
        exact = row.metric(EvalReport.NDCG_AT_10);
      }
      if (row.mode().equals("index") && row.adapter().equals(a)) {
        index = row.metric(EvalReport.NDCG_AT_10);
      }
    }
    if (exact != null && index != null) {
      out.printf(Locale.ROOT, "default path (adapter %s, calibrated oversample %s): nDCG@10 %.4f = %.3fx exact full-dim %.4f%n",
          a, Calibration.format(c.oversample()), index, index / exact, exact);
    }
  }
}
