package dev.matryoshka.adapt;

import static dev.matryoshka.adapt.OrthonormalFrames.dot;
import static dev.matryoshka.adapt.OrthonormalFrames.project;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.lucene.util.hnsw.NeighborQueue;

/**
 * The nested contrastive loss both rotation objectives share: for each training query and each
 * prefix length m, a softmax over the query's relevant documents (if any) and its hardest pool
 * documents at the current prefix, scored by the m-dim prefix dot product over a temperature.
 * What the softmax is compared with is the subclass's part ({@link #addLevelLoss}).
 *
 * <p>Every tenth query (in input order) is held out for early stopping. Sums run in a fixed order
 * (queries in input order, candidates in pool order), so the same inputs give the same bytes.
 */
abstract class NestedSoftmaxObjective implements RotationObjective {

  private static final int HELD_OUT_EVERY = 10;

  final float[][] pool;
  final int[] levels;
  final double temperature;
  final int candidates;
  final List<Group> train = new ArrayList<>();
  final List<Group> heldOut = new ArrayList<>();

  /**
   * @param groups the distinct training queries, in input order
   * @param levels the prefix lengths, ascending
   * @param temperature softmax temperature of the prefix dot products
   * @param candidates hardest pool documents per query in the softmax
   */
  NestedSoftmaxObjective(float[][] pool, List<Group> groups, int[] levels, double temperature, int candidates) {
    this.pool = pool;
    this.levels = levels;
    this.temperature = temperature;
    this.candidates = candidates;
    for (int i = 0; i < groups.size(); i++) {
      (i % HELD_OUT_EVERY == HELD_OUT_EVERY - 1 ? heldOut : train).add(groups.get(i));
    }
  }

  /**
   * A training query, its relevant documents (supervised) or its full-dimension scores
   * (distilled), and its current candidates.
   */
  static final class Group {
    final float[] query;
    final List<float[]> relevant = new ArrayList<>();
    boolean[] duplicates; // pool rows equal to a relevant document: never negatives
    int[] candidates;
    float[] fullScores; // distilled: q . x for every pool row
    int[] fullTop; // distilled: the best pool rows at full dimension, best first
    double[] target; // distilled: softmax of fullScores over candidates

    Group(float[] query) {
      this.query = query;
    }

    /** Groups pairs by query content; a null relevant document adds the query alone. */
    static List<Group> of(float[][] queries, float[][] relevant) {
      Map<Key, Group> byQuery = new LinkedHashMap<>();
      for (int i = 0; i < queries.length; i++) {
        float[] q = queries[i];
        Group g = byQuery.computeIfAbsent(new Key(q), k -> new Group(q));
        if (relevant[i] != null) {
          g.relevant.add(relevant[i]);
        }
      }
      return new ArrayList<>(byQuery.values());
    }
  }

  /** Vector identity by content, so pairs of one query group even when encoded separately. */
  record Key(float[] v) {
    @Override
    public boolean equals(Object o) {
      return o instanceof Key k && Arrays.equals(v, k.v);
    }

    @Override
    public int hashCode() {
      return Arrays.hashCode(v);
    }
  }

  /**
   * One query at one prefix length. {@code e[c]} is exp(logit_c - the largest logit) over the
   * query's relevant documents (first, as many as {@code g.relevant}) and then its candidates;
   * {@code z} is their sum. Returns {@code loss} minus the level's log-likelihood, subtracted term
   * by term into the running sum (the order of a floating-point sum is part of the result's
   * bytes); if {@code dLogit} is not null, writes d loss / d logit_c into it.
   */
  abstract double addLevelLoss(Group g, double[] e, double z, double loss, double[] dLogit);

  /** Chooses {@code g.candidates} at the frame: its hardest pool documents at the middle prefix. */
  void pickCandidates(Group g, Frame at) {
    int mid = levels[levels.length / 2];
    g.candidates = hardest(project(g.query, at.rowsF()), at.poolProjected(), g.duplicates, mid, candidates);
  }

  @Override
  public void refresh(Frame at) {
    for (Group g : train) {
      pickCandidates(g, at);
    }
  }

  @Override
  public double loss(Frame at, double[][] grad) {
    double loss = 0;
    for (Group g : train) {
      loss += accumulate(g, at, grad);
    }
    loss /= (double) train.size() * levels.length;
    for (double[] row : grad) {
      for (int j = 0; j < row.length; j++) {
        row[j] /= temperature * train.size();
      }
    }
    return loss;
  }

  /**
   * Adds one query's loss gradient (before the 1/(temperature·queries) factor) to {@code grad}, unless it is null;
   * returns its loss summed over the levels. With s_c = q^T P_m^T P_m x_c / t and softmax weights
   * w_c minus the target distribution over relevant documents, dL/dP_m = P_m (q u^T + u q^T) / t
   * where u = Σ_c (w_c - target_c) x_c.
   */
  double accumulate(Group g, Frame at, double[][] grad) {
    int n = g.query.length;
    float[] qp = project(g.query, at.rowsF());
    int rel = g.relevant.size();
    int count = rel + g.candidates.length;
    float[][] projected = new float[count][];
    float[][] vectors = new float[count][];
    for (int c = 0; c < count; c++) {
      if (c < rel) {
        vectors[c] = g.relevant.get(c);
        projected[c] = project(vectors[c], at.rowsF());
      } else {
        vectors[c] = pool[g.candidates[c - rel]];
        projected[c] = at.poolProjected()[g.candidates[c - rel]];
      }
    }
    double loss = 0;
    double[] s = new double[count];
    double[] w = grad == null ? null : new double[count];
    double[] u = new double[n];
    for (int m : levels) {
      double max = Double.NEGATIVE_INFINITY;
      for (int c = 0; c < count; c++) {
        s[c] = prefixDot(qp, projected[c], m) / temperature;
        max = Math.max(max, s[c]);
      }
      double z = 0;
      for (int c = 0; c < count; c++) {
        double e = Math.exp(s[c] - max);
        s[c] = e;
        z += e;
      }
      loss = addLevelLoss(g, s, z, loss, w);
      if (grad == null) {
        continue; // held-out evaluation: the loss only
      }
      Arrays.fill(u, 0);
      for (int c = 0; c < count; c++) {
        float[] x = vectors[c];
        for (int j = 0; j < n; j++) {
          u[j] += w[c] * x[j];
        }
      }
      double[][] frame = at.rows();
      for (int r = 0; r < m; r++) {
        double a = qp[r];
        double b = dot(frame[r], u);
        double[] gr = grad[r];
        for (int j = 0; j < n; j++) {
          gr[j] += a * u[j] + b * g.query[j];
        }
      }
    }
    return loss;
  }

  /** The {@code k} pool rows with the largest m-dim prefix dot product, duplicates excluded. */
  static int[] hardest(float[] qp, float[][] poolP, boolean[] duplicates, int m, int k) {
    NeighborQueue top = new NeighborQueue(Math.min(k, poolP.length), false); // min-heap of the best k
    for (int i = 0; i < poolP.length; i++) {
      if (!duplicates[i]) {
        top.insertWithOverflow(i, prefixDot(qp, poolP[i], m));
      }
    }
    int[] out = top.nodes();
    Arrays.sort(out); // pool order: a deterministic sum order in accumulate()
    return out;
  }

  static float prefixDot(float[] a, float[] b, int m) {
    float s = 0;
    for (int i = 0; i < m; i++) {
      s += a[i] * b[i];
    }
    return s;
  }
}
