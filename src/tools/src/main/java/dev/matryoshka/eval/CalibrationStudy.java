package dev.matryoshka.eval;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.matryoshka.adapt.Adapter;
import dev.matryoshka.codec.CalibrationQueries;
import dev.matryoshka.encode.Models;
import dev.matryoshka.encode.TextEncoder;
import dev.matryoshka.index.AdapterBuilder;
import dev.matryoshka.index.IndexCalibration;
import dev.matryoshka.index.IndexSettings;
import dev.matryoshka.index.MatryoshkaSearcher;
import dev.matryoshka.index.MatryoshkaWriter;
import dev.matryoshka.index.SimilarityName;
import dev.matryoshka.search.OversampleCalibrator;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;
import org.apache.lucene.index.VectorSimilarityFunction;

/**
 * {@code eval --calibration-study}: how well each kind of calibration query predicts the recall
 * that real queries get. On one dataset it builds the default index path ({@code auto} adapter,
 * the model's default prefix, one segment after {@code forceMerge(1)}), then measures recall@10 of
 * prefix graph + full rerank against exact full-dimension search at every oversample of {@link
 * OversampleCalibrator#GRID} for: the dataset's real test queries (encoded as queries, adapted),
 * today's text pseudo-queries ({@code index}'s snippets, encoded as queries) and every {@link
 * CalibrationQueries.Kind} generated from the adapted document vectors. A query that is a corpus
 * document (ArguAna, STS-B as retrieval) and a generated query that excludes its anchor are
 * measured without that document, in the truth and in the results.
 *
 * <p>Across datasets ({@link #crossCheck}) it fits, per generator, the smallest miss margin m
 * (calibrate on {@code 1 - recall <= (1 - target) / m}) for which real-query recall reaches every
 * target, and checks it leave-one-corpus-out.
 */
public final class CalibrationStudy {
  private CalibrationStudy() {}

  /** Targets reported. */
  public static final double[] TARGETS = {0.90, 0.95, 0.97, 0.99};

  /** Margins tried by the fit, smallest first. */
  public static final double[] MARGINS = {1, 1.25, 1.5, 2, 2.5, 3, 4, 5, 6, 8, 10};

  static final String REAL = "real";
  static final String PSEUDO = "pseudo-text";

  /** Queries in the index's space and, per query, the document ordinal to leave out (-1: none). */
  record QuerySet(String name, float[][] vectors, int[] excluded) {}

  /**
   * One query set's curve.
   *
   * @param top1 mean cosine of each query to its nearest (not excluded) document
   * @param prefixShare mean share of the query's squared norm in the prefix dims
   * @param recall recall@10 against exact search at each grid oversample
   */
  public record Curve(String name, int queries, double top1, double prefixShare, double[] recall) {
    /** The smallest grid oversample whose recall reaches {@code need}, or NaN. */
    public float pick(List<Float> grid, double need) {
      for (int i = 0; i < recall.length; i++) {
        if (recall[i] >= need - 1e-12) return grid.get(i);
      }
      return Float.NaN;
    }

    /** Recall at a grid oversample (NaN: none picked). */
    public double at(List<Float> grid, float os) {
      int i = grid.indexOf(os);
      return i < 0 ? Double.NaN : recall[i];
    }
  }

  /** One dataset's study. */
  public record Result(String dataset, String adapter, int prefixDims, int docs, double docPrefixShare,
      List<Float> grid, List<Curve> curves) {
    Curve curve(String name) {
      return curves.stream().filter(c -> c.name().equals(name)).findFirst().orElseThrow();
    }
  }

  /** Runs the study on one BEIR or STS folder with the default model and adapter. */
  public static Result run(Path dir, EvalRunner.Options o, PrintWriter log) throws IOException {
    try (TextEncoder enc = Models.open(o.model(), o.encoder())) {
      int prefix = o.prefixDims() > 0 ? o.prefixDims()
          : IndexSettings.defaultPrefixDims(enc.info().dims(), enc.info().config().trainedForTruncation());
      EmbeddingCache cache = EmbeddingCache.defaultCache();
      String fp = enc.info().fingerprint();
      float[][] docs;
      float[][] real;
      int[] realExcluded;
      List<String> texts;
      String name;
      if (EvalRunner.isBeir(dir)) {
        BeirDataset ds = BeirDataset.load(dir, o.split());
        name = ds.name();
        log.printf(Locale.ROOT, "%s: %,d documents, %,d %s queries%n", name, ds.docs().size(), ds.queries().size(), o.split());
        log.flush();
        docs = cache.get(fp, "document", ds.docTexts(), enc::encodeDocuments);
        real = EvalRunner.instructQueries(o.queryInstruction(), ds)
            ? cache.get(fp, "query", ds.queryTexts(), enc::encodeQueries)
            : cache.get(fp, EvalRunner.PLAIN_QUERY_ROLE, ds.queryTexts(), enc::encodeDocuments);
        Map<String, Integer> ord = new LinkedHashMap<>();
        for (int i = 0; i < ds.docs().size(); i++) ord.put(ds.docs().get(i).id(), i);
        realExcluded = new int[real.length];
        for (int i = 0; i < real.length; i++) {
          realExcluded[i] = ord.getOrDefault(ds.queries().get(i).id(), -1);
        }
        texts = ds.docs().stream().map(BeirDataset.Document::text).toList();
      } else {
        // STS-B as retrieval, as StsRetrieval builds it: distinct sentences are documents (encoded
        // as documents), the first sentence of each pair scored >= 4 is a query, without itself
        StsDataset ds = StsDataset.load(dir);
        name = ds.name();
        float[][] e1 = cache.get(fp, "sts1", ds.sentences1(), enc::encodeDocuments);
        float[][] e2 = cache.get(fp, "sts2", ds.sentences2(), enc::encodeDocuments);
        Map<String, Integer> docOf = new LinkedHashMap<>();
        List<float[]> dl = new ArrayList<>();
        for (int side = 0; side < 2; side++) {
          List<String> s = side == 0 ? ds.sentences1() : ds.sentences2();
          for (int i = 0; i < s.size(); i++) {
            if (docOf.putIfAbsent(s.get(i), dl.size()) == null) dl.add((side == 0 ? e1 : e2)[i]);
          }
        }
        docs = dl.toArray(float[][]::new);
        texts = List.copyOf(docOf.keySet());
        List<float[]> ql = new ArrayList<>();
        List<Integer> qe = new ArrayList<>();
        for (int i = 0; i < ds.size(); i++) {
          if (ds.pairs().get(i).score() >= StsRetrieval.MIN_GOLD) {
            ql.add(e1[i]);
            qe.add(docOf.get(ds.sentences1().get(i)));
          }
        }
        real = ql.toArray(float[][]::new);
        realExcluded = qe.stream().mapToInt(Integer::intValue).toArray();
        log.printf(Locale.ROOT, "%s as retrieval: %,d documents, %,d queries%n", name, docs.length, real.length);
      }
      String spec = EvalCalibration.resolve(AdapterBuilder.AUTO, enc, docs.length);
      Adapter a = EvalAdapters.build(spec, docs, null, fp, log);
      float[][] d = EvalAdapters.apply(a, docs);
      List<QuerySet> sets = new ArrayList<>();
      sets.add(new QuerySet(REAL, EvalAdapters.apply(a, real), realExcluded));
      // today's pseudo-queries, exactly as index/eval make them (no exclusion, as today)
      List<String> bodies = new ArrayList<>();
      for (int i : IndexCalibration.sample(texts.size(), OversampleCalibrator.DEFAULT_QUERIES, EvalCalibration.SEED)) {
        bodies.add(texts.get(i));
      }
      float[][] pseudo = cache.get(fp, "query-pseudo", IndexCalibration.snippets(bodies, EvalCalibration.SEED),
          enc::encodeQueries);
      sets.add(new QuerySet(PSEUDO, EvalAdapters.apply(a, pseudo), filled(pseudo.length)));
      for (CalibrationQueries.Kind k : CalibrationQueries.Kind.values()) {
        var q = CalibrationQueries.generate(k, d, VectorSimilarityFunction.COSINE,
            CalibrationQueries.DEFAULT_COUNT, CalibrationQueries.DEFAULT_SEED);
        sets.add(new QuerySet(k.label(), q.vectors(), q.excluded()));
      }
      return measure(name, EvalAdapters.label(spec), d, prefix, sets, log);
    }
  }

  private static int[] filled(int n) {
    int[] e = new int[n];
    java.util.Arrays.fill(e, -1);
    return e;
  }

  /** Builds the one-segment index of {@code docs} and measures every set's curve. */
  static Result measure(String dataset, String adapter, float[][] docs, int prefix, List<QuerySet> sets,
      PrintWriter log) throws IOException {
    int dims = docs[0].length;
    int k = OversampleCalibrator.DEFAULT_K;
    List<Float> grid = OversampleCalibrator.GRID;
    ExactRetrieval exact = new ExactRetrieval(docs, ExactRetrieval.Similarity.COSINE);
    Path tmp = Files.createTempDirectory("matryoshka-calstudy");
    try {
      try (MatryoshkaWriter w = MatryoshkaWriter.open(tmp, IndexSettings.forVectors(dims, prefix, SimilarityName.COSINE), true)) {
        for (int i = 0; i < docs.length; i++) w.add(Integer.toString(i), docs[i], null);
        w.indexWriter().forceMerge(1);
        w.commit(Map.of());
      }
      List<Curve> curves = new ArrayList<>();
      try (MatryoshkaSearcher s = MatryoshkaSearcher.open(tmp)) {
        for (QuerySet qs : sets) {
          long t0 = System.nanoTime();
          int n = qs.vectors().length;
          ExactRetrieval.Hits[] top = exact.search(qs.vectors(), k + 1);
          List<Set<Integer>> truth = new ArrayList<>(n);
          double top1 = 0;
          double share = 0;
          for (int i = 0; i < n; i++) {
            Set<Integer> t = new HashSet<>();
            boolean first = true;
            for (int j = 0; j < top[i].docs().length && t.size() < k; j++) {
              if (top[i].docs()[j] == qs.excluded()[i]) continue;
              if (first) {
                top1 += top[i].scores()[j];
                first = false;
              }
              t.add(top[i].docs()[j]);
            }
            truth.add(t);
            share += prefixShare(qs.vectors()[i], prefix);
          }
          double[] recall = new double[grid.size()];
          for (int g = 0; g < grid.size(); g++) {
            double sum = 0;
            for (int i = 0; i < n; i++) {
              int ex = qs.excluded()[i];
              int got = 0;
              int kept = 0;
              for (MatryoshkaSearcher.Hit h : s.search(qs.vectors()[i], ex >= 0 ? k + 1 : k, grid.get(g), null)) {
                int doc = Integer.parseInt(h.id());
                if (doc == ex || kept == k) continue;
                kept++;
                if (truth.get(i).contains(doc)) got++;
              }
              sum += truth.get(i).isEmpty() ? 1 : got / (double) truth.get(i).size();
            }
            recall[g] = sum / n;
          }
          curves.add(new Curve(qs.name(), n, top1 / n, share / n, recall));
          log.printf(Locale.ROOT, "  %-12s %,5d queries: %.1f s%n", qs.name(), n, (System.nanoTime() - t0) / 1e9);
          log.flush();
        }
      }
      double docShare = 0;
      for (float[] v : docs) docShare += prefixShare(v, prefix);
      return new Result(dataset, adapter, prefix, docs.length, docShare / docs.length, grid, curves);
    } finally {
      try (Stream<Path> w = Files.walk(tmp)) {
        for (Path p : w.sorted(Comparator.reverseOrder()).toList()) Files.deleteIfExists(p);
      }
    }
  }

  private static double prefixShare(float[] v, int prefix) {
    double a = 0;
    double all = 0;
    for (int i = 0; i < v.length; i++) {
      double x = (double) v[i] * v[i];
      all += x;
      if (i < prefix) a += x;
    }
    return all == 0 ? 0 : a / all;
  }

  /** The smallest of {@link #MARGINS} with which {@code gen} keeps real recall >= every target on {@code r}, or NaN. */
  static double fitMargin(List<Result> rs, String gen) {
    for (double m : MARGINS) {
      if (holds(rs, gen, m)) return m;
    }
    return Double.NaN;
  }

  /** Whether calibrating on {@code gen} with margin {@code m} gives real recall >= target on every result and target. */
  static boolean holds(List<Result> rs, String gen, double m) {
    for (Result r : rs) {
      for (double t : TARGETS) {
        float os = r.curve(gen).pick(r.grid(), CalibrationQueries.requiredRecall(t, m));
        double realRecall = Float.isNaN(os) ? Double.NaN : r.curve(REAL).at(r.grid(), os);
        if (!(realRecall >= t - 1e-12)) return false;
      }
    }
    return true;
  }

  /** The per-dataset table: curves, diagnostics, picks. */
  public static String table(Result r) {
    StringBuilder sb = new StringBuilder();
    sb.append(String.format(Locale.ROOT, "calibration study: %s, %,d documents, adapter %s, prefix %d, one segment%n",
        r.dataset(), r.docs(), r.adapter(), r.prefixDims()));
    sb.append(String.format(Locale.ROOT, "documents' share of squared norm in the prefix: %.3f%n", r.docPrefixShare()));
    sb.append(String.format(Locale.ROOT, "%-12s %7s %6s %7s", "queries", "n", "top1", "prefix"));
    for (float os : r.grid()) sb.append(String.format(Locale.ROOT, " %6s", fmt(os)));
    sb.append('\n');
    for (Curve c : r.curves()) {
      sb.append(String.format(Locale.ROOT, "%-12s %7d %6.3f %7.3f", c.name(), c.queries(), c.top1(), c.prefixShare()));
      for (double x : c.recall()) sb.append(String.format(Locale.ROOT, " %6.3f", x));
      sb.append('\n');
    }
    sb.append("oversample each query set picks (real-query recall@10 at that oversample):\n");
    sb.append(String.format(Locale.ROOT, "%-12s", "target"));
    for (Curve c : r.curves()) sb.append(String.format(Locale.ROOT, " %16s", c.name()));
    sb.append('\n');
    Curve real = r.curve(REAL);
    for (double t : TARGETS) {
      sb.append(String.format(Locale.ROOT, "%-12.2f", t));
      for (Curve c : r.curves()) {
        float os = c.pick(r.grid(), t);
        sb.append(String.format(Locale.ROOT, " %16s", Float.isNaN(os) ? ">" + fmt(r.grid().get(r.grid().size() - 1))
            : fmt(os) + " (" + String.format(Locale.ROOT, "%.3f", real.at(r.grid(), os)) + ")"));
      }
      sb.append('\n');
    }
    sb.append("smallest miss margin m (of " + java.util.Arrays.toString(MARGINS)
        + ") keeping real recall >= target at every target:\n");
    for (Curve c : r.curves()) {
      if (c.name().equals(REAL)) continue;
      sb.append(String.format(Locale.ROOT, "  %-12s m = %s%n", c.name(), fmtM(fitMargin(List.of(r), c.name()))));
    }
    return sb.toString();
  }

  /**
   * Across datasets: per generator, the margin fitted on all of them, and leave-one-corpus-out
   * (fitted on the others, checked on the held-out one).
   */
  public static String crossCheck(List<Result> rs) {
    StringBuilder sb = new StringBuilder();
    sb.append("miss margin per generator: fitted on all datasets, and leave-one-corpus-out "
        + "(m fitted on the others -> does real recall reach every target on the held-out one?)\n");
    sb.append(String.format(Locale.ROOT, "%-12s %8s", "queries", "m (all)"));
    for (Result r : rs) sb.append(String.format(Locale.ROOT, " %26s", "hold out " + r.dataset()));
    sb.append('\n');
    for (Curve c : rs.get(0).curves()) {
      if (c.name().equals(REAL)) continue;
      sb.append(String.format(Locale.ROOT, "%-12s %8s", c.name(), fmtM(fitMargin(rs, c.name()))));
      for (Result held : rs) {
        List<Result> others = rs.stream().filter(x -> x != held).toList();
        double m = fitMargin(others, c.name());
        String cell = Double.isNaN(m) ? "no m fits" : "m=" + fmtM(m) + " -> " + (holds(List.of(held), c.name(), m) ? "ok" : "FAILS")
            + worst(held, c.name(), m);
        sb.append(String.format(Locale.ROOT, " %26s", cell));
      }
      sb.append('\n');
    }
    return sb.toString();
  }

  /** The held-out corpus's worst real-recall shortfall (real - target) at margin m, e.g. " -0.012". */
  private static String worst(Result r, String gen, double m) {
    double w = Double.POSITIVE_INFINITY;
    for (double t : TARGETS) {
      float os = r.curve(gen).pick(r.grid(), CalibrationQueries.requiredRecall(t, m));
      double rr = Float.isNaN(os) ? Double.NaN : r.curve(REAL).at(r.grid(), os);
      w = Math.min(w, Double.isNaN(rr) ? -t : rr - t);
    }
    return String.format(Locale.ROOT, " %+.3f", w);
  }

  /** JSON of the results (curves per dataset). */
  public static String json(List<Result> rs) throws IOException {
    ObjectMapper om = new ObjectMapper();
    ObjectNode root = om.createObjectNode();
    ArrayNode arr = root.putArray("studies");
    for (Result r : rs) {
      ObjectNode o = arr.addObject();
      o.put("dataset", r.dataset()).put("adapter", r.adapter()).put("prefix_dims", r.prefixDims())
          .put("docs", r.docs()).put("doc_prefix_share", r.docPrefixShare());
      ArrayNode g = o.putArray("oversample_grid");
      r.grid().forEach(g::add);
      ArrayNode cs = o.putArray("curves");
      for (Curve c : r.curves()) {
        ObjectNode co = cs.addObject().put("queries", c.name()).put("n", c.queries()).put("top1_cosine", c.top1())
            .put("prefix_share", c.prefixShare());
        ArrayNode rec = co.putArray("recall_at_10");
        for (double x : c.recall()) rec.add(x);
      }
    }
    return om.writerWithDefaultPrettyPrinter().writeValueAsString(root);
  }

  private static String fmt(float os) {
    return os == Math.rint(os) ? Integer.toString((int) os) : Float.toString(os);
  }

  private static String fmtM(double m) {
    return Double.isNaN(m) ? "none" : (m == Math.rint(m) ? Integer.toString((int) m) : Double.toString(m));
  }
}
