package dev.matryoshka.eval;

import dev.matryoshka.adapt.Adapter;
import dev.matryoshka.encode.EncoderOptions;
import dev.matryoshka.encode.Models;
import dev.matryoshka.encode.TextEncoder;
import dev.matryoshka.index.IndexSettings;
import dev.matryoshka.index.MatryoshkaSearcher;
import dev.matryoshka.index.MatryoshkaWriter;
import dev.matryoshka.index.SimilarityName;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Stream;

/**
 * Runs {@code matryoshka eval}: encodes a BEIR or STS dataset once (cached), then reports exact
 * search at full and truncated dims, with and without adapters, and the index path (prefix HNSW
 * + full rerank) at the default oversample and along an oversample curve.
 *
 * <pre>{@code
 * EvalRunner.Result r = EvalRunner.run(Path.of("../shared/data/scifact"), EvalRunner.Options.defaults(), log);
 * System.out.println(r.report().toTable());
 * }</pre>
 */
public final class EvalRunner {

  /**
   * @param model model name or folder
   * @param encoder encoder threads and batch size
   * @param split BEIR split to evaluate
   * @param prefixDims prefix dims of the index path; 0 = what {@code index} picks for the model
   *     ({@link dev.matryoshka.index.IndexSettings#defaultPrefixDims(int, boolean)})
   * @param dims truncated dims for exact rows (those below the model's dims are used)
   * @param adapters adapters to compare ("none" first)
   * @param oversample oversample of the index row; NaN: calibrate it as {@code index} does
   * @param curve oversample values for the index curve (empty: none)
   * @param calibrateWith calibration queries when the oversample is NaN: {@code pseudo} or
   *     {@code split:NAME}
   * @param targetRecall the calibration's target recall@10 against exact search
   * @param queryInstruction how BEIR queries are encoded: {@code on} (the model's query
   *     instruction), {@code off} (as documents: the model's document prefix, empty for the bundled
   *     models) or {@code auto} ({@link #instructQueries})
   * @param keepSelfHits keep a hit whose id equals the query's (BEIR's plain behaviour); false,
   *     the default, drops it as MTEB does ({@link BeirDataset#dropsSelfHits()})
   */
  public record Options(String model, EncoderOptions encoder, String split, int prefixDims,
      int[] dims, List<String> adapters, float oversample, float[] curve, List<String> modes,
      String calibrateWith, double targetRecall, String queryInstruction, boolean keepSelfHits) {
    public Options {
      if (!List.of("on", "off", "auto").contains(queryInstruction)) {
        throw new IllegalArgumentException("query instruction must be on, off or auto; got=" + queryInstruction);
      }
    }

    /** bge-small-en-v1.5, test split, the index's default prefix, dims 32..256, none + auto adapters, calibrated oversample, vector rows. */
    public static Options defaults() {
      return new Options(Models.DEFAULT_MODEL, EncoderOptions.defaults(), "test", 0,
          new int[] {32, 64, 128, 256}, List.of("none", "auto"), Float.NaN, new float[0], List.of("vector"),
          EvalCalibration.SEGMENTS, dev.matryoshka.search.MatryoshkaKnnQuery.DEFAULT_TARGET_RECALL, "auto", false);
    }

    /** These options with the prefix of the index path resolved for a model. */
    Options resolvedFor(TextEncoder enc) {
      if (prefixDims > 0) {
        return this;
      }
      int p = dev.matryoshka.index.IndexSettings.defaultPrefixDims(enc.info().dims(),
          enc.info().config().trainedForTruncation());
      return new Options(model, encoder, split, p, dims, adapters, oversample, curve, modes, calibrateWith,
          targetRecall, queryInstruction, keepSelfHits);
    }

    boolean wants(String mode) {
      return modes.contains(mode) || modes.contains("all");
    }
  }

  /** One point of the index-path curve. */
  public record CurvePoint(String adapter, float oversample, double ndcgAt10, double recallAt100, double mrrAt10) {}

  /** The report, the curve, and how long things took. */
  public record Result(EvalReport report, List<CurvePoint> curve, Map<String, Double> seconds,
      Map<String, dev.matryoshka.search.Calibration> calibrations, String defaultAdapter, int prefixDims) {}

  private EvalRunner() {}

  /** True when {@code dir} looks like a BEIR folder (else it is treated as STS). */
  public static boolean isBeir(Path dir) {
    return Files.isRegularFile(dir.resolve("corpus.jsonl")) || Files.isRegularFile(dir.resolve("corpus.jsonl.gz"));
  }

  /** Runs the evaluation; progress goes to {@code log}. */
  public static Result run(Path dir, Options o, PrintWriter log) throws IOException {
    if (!Files.isDirectory(dir) && !Files.isRegularFile(dir)) {
      throw new IllegalArgumentException("dataset not found: " + dir);
    }
    Map<String, Double> seconds = new LinkedHashMap<>();
    long t0 = System.nanoTime();
    try (TextEncoder enc = Models.open(o.model(), o.encoder())) {
      seconds.put("model_load", (System.nanoTime() - t0) / 1e9);
      Options resolved = o.resolvedFor(enc);
      return isBeir(dir) ? beir(dir, resolved, enc, log, seconds) : sts(dir, resolved, enc, log, seconds);
    }
  }

  /** Cache role of queries encoded as documents (no query instruction). */
  static final String PLAIN_QUERY_ROLE = "plain-query";

  /**
   * Whether a BEIR dataset's queries get the model's query instruction: {@code on}/{@code off} as
   * given; {@code auto} instructs them unless the queries are themselves corpus documents
   * (ArguAna: an argument searching for its counter-argument is a symmetric, document-to-document
   * task). Which of the two reproduces MTEB's ArguAna figure for bge-small-en-v1.5 is measured in
   * docs/quality.md; the default stays {@code on}.
   */
  public static boolean instructQueries(String queryInstruction, BeirDataset ds) {
    return switch (queryInstruction) {
      case "on" -> true;
      case "off" -> false;
      default -> ds.queriesInCorpus() == 0;
    };
  }

  private static float[][] encode(EmbeddingCache cache, TextEncoder enc, String role, List<String> texts,
      PrintWriter log, Map<String, Double> seconds) throws IOException {
    long t0 = System.nanoTime();
    log.printf(Locale.ROOT, "encoding %,d %s texts with %s (cached by model fingerprint) ...%n",
        texts.size(), role, enc.info().name());
    log.flush();
    float[][] v = cache.get(enc.info().fingerprint(), role, texts,
        role.startsWith("query") ? enc::encodeQueries : enc::encodeDocuments);
    seconds.merge("encode_" + role, (System.nanoTime() - t0) / 1e9, Double::sum);
    return v;
  }

  private static Result beir(Path dir, Options o, TextEncoder enc, PrintWriter log,
      Map<String, Double> seconds) throws IOException {
    BeirDataset ds = BeirDataset.load(dir, o.split());
    if (o.keepSelfHits()) {
      ds = ds.keepingSelfHits();
    }
    if (ds.queriesInCorpus() > 0) {
      log.printf(Locale.ROOT, "%,d of %,d queries are corpus documents: their own document is %s%n",
          ds.queriesInCorpus(), ds.queries().size(),
          ds.dropsSelfHits() ? "dropped from every ranking (MTEB's rule; --keep-self-hits keeps it)" : "kept (--keep-self-hits)");
    }
    EmbeddingCache cache = EmbeddingCache.defaultCache();
    float[][] docs = encode(cache, enc, "document", ds.docTexts(), log, seconds);
    boolean instruct = instructQueries(o.queryInstruction(), ds);
    if (!instruct) {
      log.println("queries encoded as documents, without the query instruction (--query-instruction "
          + o.queryInstruction() + ")");
    }
    float[][] queries = instruct ? encode(cache, enc, "query", ds.queryTexts(), log, seconds)
        : encode(cache, enc, PLAIN_QUERY_ROLE, ds.queryTexts(), log, seconds);
    int full = enc.info().dims();
    String fp = enc.info().fingerprint();
    EvalAdapters.Pairs pairs = o.adapters().stream().anyMatch(dev.matryoshka.index.AdapterBuilder::needsQueries) ? trainPairs(dir, ds, docs, cache, enc, log, seconds) : null;
    List<EvalReport.Row> rows = new ArrayList<>();
    List<CurvePoint> curve = new ArrayList<>();
    Map<String, dev.matryoshka.search.Calibration> calibrations = new LinkedHashMap<>();
    String defaultAdapter = null;
    boolean bm25Done = false;
    List<String> done = new ArrayList<>();
    for (String asked : o.adapters()) {
      String spec = EvalCalibration.resolve(asked, enc, docs.length);
      if (asked.equals(dev.matryoshka.index.AdapterBuilder.AUTO)) {
        defaultAdapter = EvalAdapters.label(spec);
        log.printf(Locale.ROOT, "default adapter for %s (auto): %s%n", enc.info().name(), spec);
      }
      if (done.contains(spec)) {
        continue;
      }
      done.add(spec);
      long ta = System.nanoTime();
      Adapter a = EvalAdapters.build(spec, docs, pairs, fp, log);
      seconds.put("adapter_" + spec, (System.nanoTime() - ta) / 1e9);
      String label = EvalAdapters.label(spec);
      float[][] d = EvalAdapters.apply(a, docs);
      float[][] q = EvalAdapters.apply(a, queries);
      if (o.wants("vector")) {
        for (int dims : dimsFor(o.dims(), full)) {
          rows.add(EvalReport.Row.retrieval("exact", dims, label,
              RetrievalEvaluator.exact(ds, q, d, ExactRetrieval.Similarity.COSINE, dims)));
        }
      }
      Path tmp = Files.createTempDirectory("matryoshka-eval");
      try {
        long tb = System.nanoTime();
        buildIndex(tmp, ds, d, full, o.prefixDims());
        seconds.put("index_build_" + spec, (System.nanoTime() - tb) / 1e9);
        try (MatryoshkaSearcher s = MatryoshkaSearcher.open(tmp)) {
          float os = o.oversample();
          if (Float.isNaN(os) && !o.calibrateWith().equals(EvalCalibration.SEGMENTS)) {
            long tc = System.nanoTime();
            var c = EvalCalibration.calibrate(s, dir, ds, o.calibrateWith(), a, enc, cache, o.targetRecall(), log);
            seconds.put("calibration_" + spec, (System.nanoTime() - tc) / 1e9);
            calibrations.put(label, c);
            os = c.oversample();
          }
          if (o.wants("bm25") && !bm25Done) {
            long tq = System.nanoTime();
            rows.add(EvalReport.Row.retrieval("bm25", 0, "none", bm25Scores(s, ds)));
            seconds.put("bm25_queries", (System.nanoTime() - tq) / 1e9);
            bm25Done = true;
          }
          if (o.wants("hybrid")) {
            long tq = System.nanoTime();
            rows.add(EvalReport.Row.retrieval("hybrid", o.prefixDims(), label, hybridScores(s, ds, q, os)));
            seconds.put("hybrid_queries_" + spec, (System.nanoTime() - tq) / 1e9);
          }
          long tv = System.nanoTime();
          RetrievalScores main = indexScores(s, ds, q, os, o.targetRecall());
          seconds.put("index_queries_" + spec, (System.nanoTime() - tv) / 1e9);
          if (o.wants("vector")) {
            rows.add(EvalReport.Row.retrieval("index", o.prefixDims(), label, main));
          }
          for (float cos : o.curve()) {
            RetrievalScores r = indexScores(s, ds, q, cos);
            curve.add(new CurvePoint(label, cos, r.ndcgAt10(), r.recallAt100(), r.mrrAt10()));
          }
        }
      } finally {
        deleteTree(tmp);
      }
      log.printf(Locale.ROOT, "adapter %s evaluated%n", label);
      log.flush();
    }
    return new Result(new EvalReport(ds.name(), enc.info().name(), rows), curve, seconds, calibrations,
        defaultAdapter, o.prefixDims());
  }

  private static EvalAdapters.Pairs trainPairs(Path dir, BeirDataset test, float[][] docVecs,
      EmbeddingCache cache, TextEncoder enc, PrintWriter log, Map<String, Double> seconds) throws IOException {
    if (!Files.isRegularFile(dir.resolve("qrels").resolve("train.tsv"))) {
      return null;
    }
    // never the evaluated split: pairs come from qrels/train.tsv only
    BeirDataset train = BeirDataset.load(dir, "train");
    Map<String, Integer> docIndex = new HashMap<>();
    for (int i = 0; i < test.docs().size(); i++) docIndex.put(test.docs().get(i).id(), i);
    float[][] tq = encode(cache, enc, "query-train", train.queryTexts(), log, seconds);
    List<float[]> qs = new ArrayList<>();
    List<float[]> ds = new ArrayList<>();
    for (int i = 0; i < train.queries().size(); i++) {
      var judged = train.qrels().get(train.queries().get(i).id());
      for (var e : judged.entrySet()) {
        Integer di = docIndex.get(e.getKey());
        if (e.getValue() > 0 && di != null) {
          qs.add(tq[i]);
          ds.add(docVecs[di]);
        }
      }
    }
    return new EvalAdapters.Pairs(qs.toArray(float[][]::new), ds.toArray(float[][]::new));
  }

  static int[] dimsFor(int[] dims, int full) {
    return java.util.stream.IntStream.concat(
        java.util.Arrays.stream(dims).filter(x -> x > 0 && x < full), java.util.stream.IntStream.of(full))
        .distinct().sorted().toArray();
  }

  private static void buildIndex(Path dir, BeirDataset ds, float[][] vecs, int dims, int prefixDims)
      throws IOException {
    IndexSettings st = IndexSettings.forVectors(dims, prefixDims, SimilarityName.COSINE);
    try (MatryoshkaWriter w = MatryoshkaWriter.open(dir, st, true)) {
      for (int i = 0; i < vecs.length; i++) {
        w.add(ds.docs().get(i).id(), vecs[i], null, ds.docs().get(i).encodingText());
      }
      w.commit(Map.of());
    }
  }

  /** One query's top k: (query index, k) to ranked document ids. */
  @FunctionalInterface
  interface Ranker {
    List<String> top(int query, int k) throws IOException;
  }

  /** nDCG@10 and MRR@10 from a k=10 ranking, recall@100 from a k=100 ranking. */
  static RetrievalScores scores(BeirDataset ds, Ranker ranker) throws IOException {
    Map<String, List<String>> top10 = new HashMap<>();
    Map<String, List<String>> top100 = new HashMap<>();
    for (int i = 0; i < ds.queries().size(); i++) {
      String qid = ds.queries().get(i).id();
      // a query that is a corpus document drops itself (MTEB's rule): one more hit keeps 10 and 100
      top10.put(qid, ds.ranking(qid, ranker.top(i, ds.fetch(10)), 10));
      top100.put(qid, ds.ranking(qid, ranker.top(i, ds.fetch(100)), 100));
    }
    RetrievalScores a = Metrics.evaluate(top10, ds.qrels());
    RetrievalScores b = Metrics.evaluate(top100, ds.qrels());
    return new RetrievalScores(a.ndcgAt10(), b.recallAt100(), a.mrrAt10(), a.queries());
  }

  /** The index path (prefix graph + full rerank) at one oversample. */
  static RetrievalScores indexScores(MatryoshkaSearcher s, BeirDataset ds, float[][] q, float oversample)
      throws IOException {
    return scores(ds, (i, k) -> ids(s.search(q[i], k, oversample, null)));
  }

  /** At {@code oversample}, or (NaN) each segment's own for {@code target}: the library's default path. */
  static RetrievalScores indexScores(MatryoshkaSearcher s, BeirDataset ds, float[][] q, float oversample,
      double target) throws IOException {
    return scores(ds, (i, k) -> ids(s.search(q[i], k, oversample, target, null)));
  }

  static RetrievalScores bm25Scores(MatryoshkaSearcher s, BeirDataset ds) throws IOException {
    Map<String, List<String>> runs = new HashMap<>();
    for (var q : ds.queries()) {
      runs.put(q.id(), ds.ranking(q.id(), ids(s.bm25(q.text(), ds.fetch(100), null)), 100));
    }
    return Metrics.evaluate(runs, ds.qrels());
  }

  static RetrievalScores hybridScores(MatryoshkaSearcher s, BeirDataset ds, float[][] q, float oversample)
      throws IOException {
    return scores(ds, (i, k) ->
        ids(s.hybrid(q[i], ds.queries().get(i).text(), k, oversample, null, "rrf", 0.5, 100).hits()));
  }

  private static List<String> ids(List<MatryoshkaSearcher.Hit> hits) {
    return hits.stream().map(MatryoshkaSearcher.Hit::id).toList();
  }

  private static Result sts(Path dir, Options o, TextEncoder enc, PrintWriter log,
      Map<String, Double> seconds) throws IOException {
    StsDataset ds = StsDataset.load(dir);
    EmbeddingCache cache = EmbeddingCache.defaultCache();
    // STS is symmetric: both sides are encoded as documents (no query instruction), as MTEB does
    float[][] e1 = encode(cache, enc, "sts1", ds.sentences1(), log, seconds);
    float[][] e2 = encode(cache, enc, "sts2", ds.sentences2(), log, seconds);
    float[][] all = Stream.concat(java.util.Arrays.stream(e1), java.util.Arrays.stream(e2)).toArray(float[][]::new);
    int full = enc.info().dims();
    List<EvalReport.Row> rows = new ArrayList<>();
    Map<String, dev.matryoshka.search.Calibration> calibrations = new LinkedHashMap<>();
    String defaultAdapter = null;
    List<String> done = new ArrayList<>();
    for (String asked : o.adapters()) {
      String spec = EvalCalibration.resolve(asked, enc, all.length);
      if (asked.equals(dev.matryoshka.index.AdapterBuilder.AUTO)) {
        defaultAdapter = EvalAdapters.label(spec);
      }
      if (done.contains(spec)) {
        continue;
      }
      done.add(spec);
      if (dev.matryoshka.index.AdapterBuilder.needsQueries(spec)) {
        log.println("skipping " + spec + " for STS: no query/document pairs");
        continue;
      }
      Adapter a = EvalAdapters.build(spec, all, null, enc.info().fingerprint(), log);
      float[][] a1 = EvalAdapters.apply(a, e1);
      float[][] a2 = EvalAdapters.apply(a, e2);
      for (int dims : dimsFor(o.dims(), full)) {
        rows.add(EvalReport.Row.sts("exact", dims, EvalAdapters.label(spec), StsEvaluator.spearman(ds, a1, a2, dims)));
      }
      if (o.wants("vector")) {
        long tv = System.nanoTime();
        rows.addAll(StsRetrieval.rows(ds, e1, e2, a, EvalAdapters.label(spec), o.prefixDims(), o.oversample(),
            o.calibrateWith(), o.targetRecall(), enc, cache, calibrations, o.keepSelfHits(), log));
        seconds.put("sts_retrieval_" + spec, (System.nanoTime() - tv) / 1e9);
      }
    }
    return new Result(new EvalReport(ds.name(), enc.info().name(), rows), List.of(), seconds, calibrations,
        defaultAdapter, o.prefixDims());
  }

  private static void deleteTree(Path p) throws IOException {
    if (!Files.exists(p)) return;
    try (Stream<Path> s = Files.walk(p)) {
      for (Path x : s.sorted(Comparator.reverseOrder()).toList()) Files.deleteIfExists(x);
    }
  }
}
