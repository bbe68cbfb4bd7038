package dev.matryoshka.search;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.lucene.search.ScoreDoc;

/**
 * Fuses ranked lists (doc ids with scores, best first) into one ranking.
 *
 * <ul>
 *   <li>{@link #rrf}: reciprocal rank fusion, score = Σ 1 / (k + rank), rank from 1 (Cormack et
 *       al. 2009; k = 60 by default)
 *   <li>{@link #linear}: scores min-max normalised per list to [0, 1], then weighted: w × first +
 *       (1 − w) × second; a document missing from a list gets 0 there
 * </ul>
 *
 * Ties are broken by smaller doc id, so fusion is deterministic.
 */
public final class Fusion {

  /** RRF's k when none is given. */
  public static final int DEFAULT_RRF_K = 60;

  private Fusion() {}

  /** Reciprocal rank fusion of any number of lists; returns the top {@code n}. */
  @SafeVarargs
  public static ScoreDoc[] rrf(int n, int k, List<ScoreDoc>... lists) {
    if (k < 1) {
      throw new IllegalArgumentException("rrf k must be >= 1; got=" + k);
    }
    Map<Integer, Double> score = new LinkedHashMap<>();
    for (List<ScoreDoc> list : lists) {
      for (int r = 0; r < list.size(); r++) {
        score.merge(list.get(r).doc, 1.0 / (k + r + 1), Double::sum);
      }
    }
    return top(score, n);
  }

  /** Weighted sum of min-max normalised scores; {@code weight} applies to {@code first}. */
  public static ScoreDoc[] linear(int n, double weight, List<ScoreDoc> first, List<ScoreDoc> second) {
    if (!(weight >= 0 && weight <= 1)) {
      throw new IllegalArgumentException("weight must be in [0, 1]; got=" + weight);
    }
    Map<Integer, Double> score = new HashMap<>();
    add(score, first, weight);
    add(score, second, 1 - weight);
    return top(score, n);
  }

  private static void add(Map<Integer, Double> score, List<ScoreDoc> list, double w) {
    if (list.isEmpty()) return;
    double min = Double.MAX_VALUE;
    double max = -Double.MAX_VALUE;
    for (ScoreDoc sd : list) {
      min = Math.min(min, sd.score);
      max = Math.max(max, sd.score);
    }
    double range = max - min;
    for (ScoreDoc sd : list) {
      double norm = range > 0 ? (sd.score - min) / range : 1.0;
      score.merge(sd.doc, w * norm, Double::sum);
    }
  }

  private static ScoreDoc[] top(Map<Integer, Double> score, int n) {
    List<Map.Entry<Integer, Double>> all = new ArrayList<>(score.entrySet());
    all.sort(Comparator.<Map.Entry<Integer, Double>>comparingDouble(Map.Entry::getValue).reversed()
        .thenComparing(Map.Entry::getKey));
    int m = Math.min(n, all.size());
    ScoreDoc[] out = new ScoreDoc[m];
    for (int i = 0; i < m; i++) {
      out[i] = new ScoreDoc(all.get(i).getKey(), all.get(i).getValue().floatValue());
    }
    return out;
  }
}
