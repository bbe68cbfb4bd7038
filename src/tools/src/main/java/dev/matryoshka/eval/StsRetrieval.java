package dev.matryoshka.eval;

import dev.matryoshka.adapt.Adapter;
import dev.matryoshka.encode.TextEncoder;
import dev.matryoshka.index.IndexSettings;
import dev.matryoshka.index.MatryoshkaSearcher;
import dev.matryoshka.index.MatryoshkaWriter;
import dev.matryoshka.index.SimilarityName;
import dev.matryoshka.search.Calibration;
import dev.matryoshka.search.MatryoshkaKnnQuery;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * STS Benchmark as a retrieval task, so the index path can be judged on it: every distinct
 * sentence is a document; each pair scored at least {@value #MIN_GOLD} of 5 is a query (its first
 * sentence) with one relevant document (its second). nDCG@10 of exact full-dimension search and of
 * the index path at the calibrated oversample are compared. Both sides are encoded as documents,
 * as STS is symmetric (and as the Spearman rows do).
 *
 * <p>A query's own sentence is a document too, and it would always be the top hit (cosine 1). As
 * MTEB does for BEIR datasets whose queries are corpus documents (ArguAna), that self-hit is
 * dropped from every ranking, one more hit being fetched so the top 10 stay 10, unless self-hits
 * are kept ({@code --keep-self-hits}).
 */
final class StsRetrieval {
  private StsRetrieval() {}

  /** Smallest gold similarity for a pair to count as a (query, relevant document) pair. */
  static final double MIN_GOLD = 4.0;

  /** The exact and index rows for one adapter; the calibration lands in {@code calibrations}. */
  static List<EvalReport.Row> rows(StsDataset ds, float[][] e1, float[][] e2, Adapter adapter,
      String label, int prefixDims, float oversample, String calibrateWith, double target,
      TextEncoder enc, EmbeddingCache cache, Map<String, Calibration> calibrations, boolean keepSelfHits,
      PrintWriter log) throws IOException {
    Map<String, Integer> docOf = new LinkedHashMap<>();
    List<float[]> docs = new ArrayList<>();
    List<String> texts = new ArrayList<>();
    for (int side = 0; side < 2; side++) {
      List<String> sentences = side == 0 ? ds.sentences1() : ds.sentences2();
      float[][] vecs = side == 0 ? e1 : e2;
      for (int i = 0; i < sentences.size(); i++) {
        if (docOf.putIfAbsent(sentences.get(i), docs.size()) == null) {
          docs.add(EvalAdapters.apply(adapter, new float[][] {vecs[i]})[0]);
          texts.add(sentences.get(i));
        }
      }
    }
    List<float[]> queries = new ArrayList<>();
    Map<String, Map<String, Integer>> qrels = new HashMap<>();
    for (int i = 0; i < ds.size(); i++) {
      if (ds.pairs().get(i).score() >= MIN_GOLD) {
        String qid = "q" + i;
        queries.add(EvalAdapters.apply(adapter, new float[][] {e1[i]})[0]);
        qrels.put(qid, Map.of("d" + docOf.get(ds.sentences2().get(i)), 1));
      }
    }
    int dims = e1[0].length;
    Path tmp = Files.createTempDirectory("matryoshka-sts");
    try {
      try (MatryoshkaWriter w = MatryoshkaWriter.open(tmp,
          IndexSettings.forVectors(dims, prefixDims, SimilarityName.COSINE), true)) {
        for (int i = 0; i < docs.size(); i++) {
          w.add("d" + i, docs.get(i), Map.of("text", texts.get(i)));
        }
        w.commit(Map.of());
      }
      try (MatryoshkaSearcher s = MatryoshkaSearcher.open(tmp)) {
        float os = oversample;
        if (Float.isNaN(os) && !calibrateWith.equals(EvalCalibration.SEGMENTS)) {
          if (!calibrateWith.equals(EvalCalibration.PSEUDO)) {
            throw new IllegalArgumentException("STS has no query splits: --calibrate-with must be segments or pseudo");
          }
          Calibration c = EvalCalibration.pseudo(s, texts, adapter, enc, cache, target, log);
          calibrations.put(label, c);
          os = c.oversample();
        }
        float chosen = os;
        Map<String, List<String>> exact10 = new HashMap<>();
        Map<String, List<String>> exact100 = new HashMap<>();
        Map<String, List<String>> index10 = new HashMap<>();
        Map<String, List<String>> index100 = new HashMap<>();
        int qi = 0;
        for (int i = 0; i < ds.size(); i++) {
          if (ds.pairs().get(i).score() < MIN_GOLD) {
            continue;
          }
          float[] q = queries.get(qi++);
          String qid = "q" + i;
          String self = keepSelfHits ? null : "d" + docOf.get(ds.sentences1().get(i));
          int extra = self == null ? 0 : 1;
          // exact search ranks by full-dim score alone, so its top 10 is the head of its top 100
          List<String> exact = drop(self, ids(s, s.indexSearcher().search(exactQuery(s, q, 100 + extra), 100 + extra)), 100);
          exact10.put(qid, exact.subList(0, Math.min(10, exact.size())));
          exact100.put(qid, exact);
          index10.put(qid, drop(self, s.search(q, 10 + extra, chosen, target, null).stream().map(MatryoshkaSearcher.Hit::id).toList(), 10));
          index100.put(qid, drop(self, s.search(q, 100 + extra, chosen, target, null).stream().map(MatryoshkaSearcher.Hit::id).toList(), 100));
        }
        return List.of(row("exact", dims, label, exact10, exact100, qrels),
            row("index", prefixDims, label, index10, index100, qrels));
      }
    } finally {
      try (var walk = Files.walk(tmp)) {
        for (Path p : walk.sorted(java.util.Comparator.reverseOrder()).toList()) Files.deleteIfExists(p);
      }
    }
  }

  /** {@code ranked} without {@code self} (null: nothing dropped), cut to {@code k}. */
  static List<String> drop(String self, List<String> ranked, int k) {
    List<String> out = new ArrayList<>(k);
    for (String id : ranked) {
      if (out.size() == k) break;
      if (!id.equals(self)) out.add(id);
    }
    return out;
  }

  private static MatryoshkaKnnQuery exactQuery(MatryoshkaSearcher s, float[] q, int k) {
    return new MatryoshkaKnnQuery(s.settings().field(), q, k).exactSearchThreshold(Integer.MAX_VALUE);
  }

  private static List<String> ids(MatryoshkaSearcher s, org.apache.lucene.search.TopDocs td) throws IOException {
    return s.hits(td).stream().map(MatryoshkaSearcher.Hit::id).toList();
  }

  private static EvalReport.Row row(String mode, int dims, String label, Map<String, List<String>> at10,
      Map<String, List<String>> at100, Map<String, Map<String, Integer>> qrels) {
    RetrievalScores a = Metrics.evaluate(at10, qrels);
    RetrievalScores b = Metrics.evaluate(at100, qrels);
    return EvalReport.Row.retrieval(mode, dims, label, a.ndcgAt10(), b.recallAt100(), a.mrrAt10());
  }
}
