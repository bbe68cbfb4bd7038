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

  @Option(names = "--dataset", required = true, split = ",", paramLabel = "DIR",
      description = "BEIR or STS folder (several, comma-separated or repeated, only with --calibration-study).")
  List<Path> datasets;

  @Option(names = "--growth", paramLabel = "N",
      description = "Instead of the rows: index a tenth of the BEIR corpus, append the rest in N batches, "
          + "and print the default path's nDCG@10 against exact after every step (no tune).")
  Integer growth;

  @Option(names = "--calibration-study",
      description = "Instead of the quality rows: recall@10 against exact search of the default index path "
          + "(auto adapter, default prefix, one segment) at every calibration oversample, for the real test "
          + "queries, today's text pseudo-queries and each generator of queries from document vectors "
          + "(dev.matryoshka.codec.CalibrationQueries); the oversample each picks per target; with several "
          + "datasets, the miss margin each generator needs, checked leave-one-corpus-out. See docs/calibration.md.")
  boolean calibrationStudy;

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
      description = "Oversample of the index row (default: each segment's own for --target-recall, as searches do; see --calibrate-with).")
  Float oversample;

  @Option(names = "--calibrate-with", defaultValue = "segments", paramLabel = "segments|pseudo|split:NAME",
      description = "How the index row's oversample is chosen: segments (the default path: each segment's "
          + "calibration, measured by the codec), or an index-wide calibration as 'tune' makes it, on "
          + "pseudo-queries from the corpus or a BEIR split's query texts (never the evaluated split), e.g. split:train.")
  String calibrateWith;

  @Option(names = "--target-recall", defaultValue = "" + dev.matryoshka.search.MatryoshkaKnnQuery.DEFAULT_TARGET_RECALL,
      paramLabel = "R", description = "Recall@10 against exact full-dimension search the index row asks for, in (0, 1].")
  double targetRecall;

  @Option(names = "--oversample-curve", split = ",", paramLabel = "F,...",
      description = "Also evaluate the index path at these oversamples (e.g. 1,2,3,5,10,20).")
  float[] curve;

  @Option(names = "--mode", split = ",", defaultValue = "vector",
      description = "Rows to compute: vector (exact + index), bm25, hybrid, or all.")
  List<String> modes;

  @Option(names = "--query-instruction", defaultValue = "auto", paramLabel = "on|off|auto",
      description = "BEIR queries: on = encoded with the model's query instruction, off = encoded as documents "
          + "(no instruction); auto (default) = on, except when the queries are themselves corpus documents "
          + "(ArguAna: a symmetric task, as MTEB scores it). See docs/quality.md.")
  String queryInstruction;

  @Option(names = "--keep-self-hits",
      description = "BEIR: keep a hit whose id equals the query's id. By default it is dropped, as MTEB does "
          + "(ArguAna's queries are corpus documents; a no-op where no query id is a corpus id), and one more "
          + "hit is fetched so the top 10 stay 10.")
  boolean keepSelfHits;

  @Option(names = "--json", paramLabel = "OUT", description = "Write the JSON report here ('-' = stdout).")
  String json;

  @Option(names = "--plot", paramLabel = "OUT.png|svg", description = "Plot quality against dims (and the oversample curve beside it).")
  Path plot;

  @Override
  public Integer call() throws Exception {
    for (Path d : datasets) {
      if (!Files.exists(d)) {
        throw new CliException("dataset not found: " + d);
      }
    }
    if (datasets.size() > 1 && !calibrationStudy) {
      throw new picocli.CommandLine.ParameterException(spec.commandLine(),
          "one --dataset at a time (several only with --calibration-study); got " + datasets.size());
    }
    Path dataset = datasets.get(0);
    List<String> ads = new ArrayList<>();
    ads.add("none");
    for (String a : adapters) if (!ads.contains(a)) ads.add(a);
    float os = oversample == null ? Float.NaN : oversample;
    if (!List.of("auto", "on", "off").contains(queryInstruction)) {
      throw new picocli.CommandLine.ParameterException(spec.commandLine(),
          "--query-instruction must be auto, on or off; got=" + queryInstruction);
    }
    try {
      MatryoshkaKnnQuery.candidates(10, oversample == null ? 1f : oversample);
      dev.matryoshka.search.Calibration.checkTarget(targetRecall);
    } catch (IllegalArgumentException e) {
      throw new picocli.CommandLine.ParameterException(spec.commandLine(), e.getMessage());
    }
    var opts = new EvalRunner.Options(modelOptions.modelOr(dev.matryoshka.encode.Models.DEFAULT_MODEL),
        modelOptions.options(), split, prefixDims == null ? 0 : prefixDims, dims, ads, os, curve == null ? new float[0] : curve, modes,
        calibrateWith, targetRecall, queryInstruction, keepSelfHits);
    for (String m : modes) {
      if (!List.of("vector", "bm25", "hybrid", "all").contains(m)) {
        throw new picocli.CommandLine.ParameterException(spec.commandLine(),
            "--mode must be vector, bm25, hybrid or all; got=" + m);
      }
    }
    var err = spec.commandLine().getErr();
    if (calibrationStudy) {
      return study(opts, err);
    }
    if (growth != null) {
      if (!EvalRunner.isBeir(dataset)) {
        throw new picocli.CommandLine.ParameterException(spec.commandLine(),
            "--growth needs a BEIR folder (corpus.jsonl, queries.jsonl, qrels/); got " + dataset);
      }
      var out = spec.commandLine().getOut();
      var steps = dev.matryoshka.eval.GrowthEval.run(dataset, opts, growth, out, err);
      double worst = steps.stream().mapToDouble(dev.matryoshka.eval.GrowthEval.Step::ratio).min().orElse(Double.NaN);
      out.printf(Locale.ROOT, "worst step: %.3fx exact%n", worst);
      out.flush();
      return 0;
    }
    EvalRunner.Result r = EvalRunner.run(dataset, opts, err);
    var out = spec.commandLine().getOut();
    if (!"-".equals(json)) {
      out.println(r.report().toTable());
      r.calibrations().forEach((a, c) -> out.println("calibration, adapter " + a + ": " + c.summary()));
      printDefault(out, r, oversample, targetRecall);
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
      writeJson(om.writerWithDefaultPrettyPrinter().writeValueAsString(root), out, err);
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

  private int study(EvalRunner.Options opts, java.io.PrintWriter err) throws Exception {
    var out = spec.commandLine().getOut();
    List<dev.matryoshka.eval.CalibrationStudy.Result> rs = new ArrayList<>();
    for (Path d : datasets) {
      var r = dev.matryoshka.eval.CalibrationStudy.run(d, opts, err);
      rs.add(r);
      out.println(dev.matryoshka.eval.CalibrationStudy.table(r));
      out.flush();
    }
    if (rs.size() > 1) {
      out.println(dev.matryoshka.eval.CalibrationStudy.crossCheck(rs));
    }
    out.flush();
    if (json != null) {
      writeJson(dev.matryoshka.eval.CalibrationStudy.json(rs), out, err);
    }
    return 0;
  }

  /** One line per default path: the row a user gets with no flags, against exact full-dim search. */
  /** Writes a report to {@code --json}: stdout for "-", else the file (said on stderr). */
  private void writeJson(String text, java.io.PrintWriter out, java.io.PrintWriter err) throws java.io.IOException {
    if ("-".equals(json)) {
      out.println(text);
      out.flush();
    } else {
      Files.writeString(Path.of(json), text + "\n");
      err.println("wrote " + json);
    }
  }

  private static void printDefault(java.io.PrintWriter out, EvalRunner.Result r, Float oversample, double targetRecall) {
    String a = r.defaultAdapter();
    if (a == null) {
      return;
    }
    Calibration c = r.calibrations().get(a);
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
      String width = c != null ? "index-wide calibrated oversample " + Calibration.format(c.oversample())
          : oversample != null ? "oversample " + Calibration.format(oversample)
          : "each segment's calibrated oversample for recall@10 " + targetRecall;
      out.printf(Locale.ROOT, "default path (adapter %s, %s): nDCG@10 %.4f = %.3fx exact full-dim %.4f%n",
          a, width, index, index / exact, exact);
    }
  }
}
