package dev.matryoshka.eval;

import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * The standard retrieval metrics and Spearman correlation, defined as trec_eval and pytrec_eval
 * (hence BEIR and MTEB) define them, so numbers are comparable with published ones.
 *
 * <ul>
 *   <li>nDCG@k: gain = graded relevance, discount {@code log2(rank + 1)} with ranks from 1; the
 *       ideal ranking is built from every judged relevant document of the query, retrieved or not.
 *   <li>recall@k: relevant documents in the top k divided by all documents with relevance &gt; 0.
 *   <li>MRR@k: {@code 1 / rank} of the first relevant document within the top k, else 0.
 * </ul>
 *
 * <p>A query with no relevant documents scores 0 on every metric, as trec_eval does. A ranking is
 * taken in list order (best first); documents it lists that have no judgment count as not
 * relevant. Duplicates in a ranking are rejected because trec_eval rejects them too.
 *
 * <pre>{@code
 * double n = Metrics.ndcgAtK(List.of("d3", "d1"), Map.of("d1", 1), 10); // 1 / log2(3)
 * RetrievalScores s = Metrics.evaluate(runs, qrels);
 * }</pre>
 */
public final class Metrics {
  private Metrics() {}

  /** nDCG@k of one ranking against one query's judgments (document id to relevance). */
  public static double ndcgAtK(List<String> ranking, Map<String, Integer> judged, int k) {
    checkArgs(ranking, judged, k);
    int n = Math.min(k, ranking.size());
    double dcg = 0;
    for (int i = 0; i < n; i++) {
      int rel = judged.getOrDefault(ranking.get(i), 0);
      if (rel > 0) {
        dcg += rel / log2(i + 2);
      }
    }
    int[] ideal = judged.values().stream().mapToInt(Integer::intValue).filter(r -> r > 0).toArray();
    Arrays.sort(ideal);
    double idcg = 0;
    for (int i = 0; i < Math.min(k, ideal.length); i++) {
      idcg += ideal[ideal.length - 1 - i] / log2(i + 2);
    }
    return idcg == 0 ? 0 : dcg / idcg;
  }

  /** Recall@k: relevant documents in the top k over all documents judged with relevance &gt; 0. */
  public static double recallAtK(List<String> ranking, Map<String, Integer> judged, int k) {
    checkArgs(ranking, judged, k);
    long relevant = judged.values().stream().filter(r -> r > 0).count();
    if (relevant == 0) {
      return 0;
    }
    int n = Math.min(k, ranking.size());
    int found = 0;
    for (int i = 0; i < n; i++) {
      if (judged.getOrDefault(ranking.get(i), 0) > 0) {
        found++;
      }
    }
    return (double) found / relevant;
  }

  /** Reciprocal rank of the first relevant document within the top k, or 0 if there is none. */
  public static double mrrAtK(List<String> ranking, Map<String, Integer> judged, int k) {
    checkArgs(ranking, judged, k);
    int n = Math.min(k, ranking.size());
    for (int i = 0; i < n; i++) {
      if (judged.getOrDefault(ranking.get(i), 0) > 0) {
        return 1.0 / (i + 1);
      }
    }
    return 0;
  }

  /**
   * Averages nDCG@10, recall@100 and MRR@10 over every query in {@code qrels}. A query that has
   * judgments but no run scores 0, so a system cannot look better by skipping hard queries; runs
   * for queries without judgments are ignored, as BEIR evaluates only judged queries.
   *
   * @param runs query id to ranked document ids, best first
   * @param qrels query id to (document id to relevance)
   */
  public static RetrievalScores evaluate(
      Map<String, List<String>> runs, Map<String, Map<String, Integer>> qrels) {
    Objects.requireNonNull(runs, "runs");
    Objects.requireNonNull(qrels, "qrels");
    if (qrels.isEmpty()) {
      throw new IllegalArgumentException("qrels is empty: there is no query to evaluate");
    }
    double ndcg = 0;
    double recall = 0;
    double mrr = 0;
    for (Map.Entry<String, Map<String, Integer>> q : qrels.entrySet()) {
      List<String> ranking = runs.getOrDefault(q.getKey(), List.of());
      ndcg += ndcgAtK(ranking, q.getValue(), 10);
      recall += recallAtK(ranking, q.getValue(), 100);
      mrr += mrrAtK(ranking, q.getValue(), 10);
    }
    int n = qrels.size();
    return new RetrievalScores(ndcg / n, recall / n, mrr / n, n);
  }

  /**
   * Spearman rank correlation: the Pearson correlation of the two samples' ranks, tied values
   * getting the average of the ranks they span (as scipy's {@code spearmanr}). Returns NaN when
   * one sample is constant, because the correlation is undefined there.
   *
   * @throws IllegalArgumentException if lengths differ, there are fewer than 2 values, or a value
   *     is NaN
   */
  public static double spearman(double[] x, double[] y) {
    Objects.requireNonNull(x, "x");
    Objects.requireNonNull(y, "y");
    if (x.length != y.length) {
      throw new IllegalArgumentException(
          "samples must have the same length; got " + x.length + " and " + y.length);
    }
    if (x.length < 2) {
      throw new IllegalArgumentException("need at least 2 values; got=" + x.length);
    }
    return pearson(averageRanks(x), averageRanks(y));
  }

  /** Pearson correlation; NaN if either sample has zero variance. */
  static double pearson(double[] x, double[] y) {
    int n = x.length;
    double mx = 0;
    double my = 0;
    for (int i = 0; i < n; i++) {
      mx += x[i];
      my += y[i];
    }
    mx /= n;
    my /= n;
    double sxy = 0;
    double sxx = 0;
    double syy = 0;
    for (int i = 0; i < n; i++) {
      double dx = x[i] - mx;
      double dy = y[i] - my;
      sxy += dx * dy;
      sxx += dx * dx;
      syy += dy * dy;
    }
    if (sxx == 0 || syy == 0) {
      return Double.NaN;
    }
    return sxy / Math.sqrt(sxx * syy);
  }

  /** 1-based ranks in ascending order of value; ties share the mean of the ranks they occupy. */
  static double[] averageRanks(double[] v) {
    int n = v.length;
    Integer[] order = new Integer[n];
    for (int i = 0; i < n; i++) {
      if (Double.isNaN(v[i])) {
        throw new IllegalArgumentException("value " + i + " is NaN");
      }
      order[i] = i;
    }
    Arrays.sort(order, (a, b) -> Double.compare(v[a], v[b]));
    double[] ranks = new double[n];
    int i = 0;
    while (i < n) {
      int j = i;
      // Double.compare would split -0.0 from 0.0; numerically they are one tie group
      while (j + 1 < n && v[order[j + 1]] == v[order[i]]) {
        j++;
      }
      double rank = (i + j) / 2.0 + 1;
      for (int t = i; t <= j; t++) {
        ranks[order[t]] = rank;
      }
      i = j + 1;
    }
    return ranks;
  }

  private static void checkArgs(List<String> ranking, Map<String, Integer> judged, int k) {
    Objects.requireNonNull(ranking, "ranking");
    Objects.requireNonNull(judged, "judged");
    if (k < 1) {
      throw new IllegalArgumentException("k must be >= 1; got=" + k);
    }
    Set<String> seen = new HashSet<>();
    for (String id : ranking) {
      if (!seen.add(id)) {
        throw new IllegalArgumentException("ranking lists document '" + id + "' twice");
      }
    }
  }

  private static double log2(int x) {
    return Math.log(x) / Math.log(2);
  }
}
