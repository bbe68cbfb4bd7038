package dev.matryoshka.search;

import java.io.IOException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.apache.lucene.search.IndexSearcher;
import org.apache.lucene.search.ScoreDoc;
import org.apache.lucene.search.TopDocs;

/**
 * Measures the smallest oversample at which the index path finds what exact full-dimension
 * search finds. The right oversample depends on the model (how much of its ranking the prefix
 * keeps), the adapter and the corpus (how crowded the neighbourhoods are), so it is measured on
 * the index rather than fixed: each calibration query is searched exactly (every segment scanned
 * at full dimension) and through the prefix graph at each grid oversample; the mean recall@k of
 * the graph path against the exact top k gives the curve.
 *
 * <pre>{@code
 * Calibration c = OversampleCalibrator.calibrate(searcher, "embedding", queryVectors,
 *     "queries-file", 10, OversampleCalibrator.DEFAULT_TARGET_RECALL);
 * }</pre>
 */
public final class OversampleCalibrator {
  private OversampleCalibrator() {}

  /**
   * Default target: recall@10 of 0.97 against exact full-dimension search. Why 0.97: a miss
   * replaces one of the exact top 10 by the document just below it, and misses fall mostly in the
   * tail ranks, whose nDCG@10 weight (1/log2(rank+1), about 0.3 at ranks 8-10) is about a third
   * of the average over the ten; so 3 % of the top 10 missed costs about 1 % of nDCG@10 in the
   * worst case where the missed documents are relevant. Checked on held-out data in the README
   * (SciFact with pseudo-queries and with its train queries, STS-B, test-corpus).
   */
  public static final double DEFAULT_TARGET_RECALL = 0.97;

  /** Default k of the recall measure: the common page size. */
  public static final int DEFAULT_K = 10;

  /** Default number of calibration queries. */
  public static final int DEFAULT_QUERIES = 200;

  /**
   * Oversamples tried, in order; the last is {@link MatryoshkaKnnQuery#MAX_OVERSAMPLE}.
   * Unmodifiable: a caller cannot change what every later calibration tries.
   */
  public static final List<Float> GRID =
      List.of(1f, 1.5f, 2f, 3f, 4f, 5f, 6f, 8f, 10f, 12f, 15f, 20f, 25f, 30f, 40f, 50f, 60f, 80f, 100f);

  /**
   * Calibrates on {@code queries} (vectors in the index's space, i.e. after the adapter).
   *
   * @param source how the queries were made, recorded with the result
   * @throws IllegalArgumentException when there are no queries, a query has other dims than the
   *     field, or the index has fewer live documents with vectors than {@code k}
   */
  public static Calibration calibrate(IndexSearcher searcher, String field, float[][] queries,
      String source, int k, double target) throws IOException {
    Calibration.checkTarget(target);
    if (k < 1) {
      throw new IllegalArgumentException("calibration k must be >= 1; got=" + k);
    }
    if (queries == null || queries.length == 0) {
      throw new IllegalArgumentException("calibration needs at least one query; got none");
    }
    int docs = searcher.getIndexReader().numDocs();
    if (docs < k) {
      throw new IllegalArgumentException("the index has " + docs
          + " documents, fewer than the calibration's k=" + k + "; nothing to calibrate");
    }
    long t0 = System.nanoTime();
    List<Set<Integer>> truth = new ArrayList<>(queries.length);
    for (float[] q : queries) {
      TopDocs exact = searcher.search(new MatryoshkaKnnQuery(field, q, k)
          .oversample(1f).exactSearchThreshold(Integer.MAX_VALUE), k);
      Set<Integer> s = new HashSet<>();
      for (ScoreDoc sd : exact.scoreDocs) {
        s.add(sd.doc);
      }
      truth.add(s);
    }
    List<Calibration.Point> curve = new ArrayList<>();
    float chosen = GRID.get(GRID.size() - 1);
    boolean reached = false;
    for (float os : GRID) {
      double sum = 0;
      for (int i = 0; i < queries.length; i++) {
        Set<Integer> want = truth.get(i);
        if (want.isEmpty()) {
          sum += 1;
          continue;
        }
        TopDocs top = searcher.search(new MatryoshkaKnnQuery(field, queries[i], k).oversample(os), k);
        int hit = 0;
        for (ScoreDoc sd : top.scoreDocs) {
          if (want.contains(sd.doc)) {
            hit++;
          }
        }
        sum += hit / (double) want.size();
      }
      double recall = sum / queries.length;
      curve.add(new Calibration.Point(os, recall));
      if (!reached && recall >= target) {
        chosen = os;
        reached = true;
      }
      // two points past the chosen one show the plateau; a perfect point ends the curve
      if (recall >= 1.0 || (reached && curve.size() >= GRID.indexOf(chosen) + 3)) {
        break;
      }
    }
    return new Calibration(target, k, chosen, reached, queries.length, source, docs,
        (System.nanoTime() - t0) / 1e9, curve);
  }
}
