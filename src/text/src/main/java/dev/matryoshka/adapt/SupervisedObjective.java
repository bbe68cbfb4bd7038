package dev.matryoshka.adapt;

import static dev.matryoshka.adapt.OrthonormalFrames.exactDot;
import static dev.matryoshka.adapt.OrthonormalFrames.project;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Rotation training on (query, relevant document) pairs: at each prefix length, the softmax
 * probability of all the query's relevant documents together, against its hardest pool documents,
 * is maximised (loss -log of it). Pool rows equal to a relevant document are never negatives. The
 * held-out loss is 1 - nDCG@10 of the relevant documents among the whole pool, averaged over the
 * prefix lengths.
 */
final class SupervisedObjective extends NestedSoftmaxObjective {

  SupervisedObjective(float[][] pool, List<Group> groups, int[] levels, QueryRotationTrainer.Options options) {
    super(pool, groups, levels, options.temperature(), options.candidates());
    markPoolDuplicates(pool, groups);
  }

  private static void markPoolDuplicates(float[][] pool, List<Group> groups) {
    Map<Key, List<Integer>> rows = new HashMap<>();
    for (int i = 0; i < pool.length; i++) {
      rows.computeIfAbsent(new Key(pool[i]), k -> new ArrayList<>()).add(i);
    }
    for (Group g : groups) {
      g.duplicates = new boolean[pool.length];
      for (float[] d : g.relevant) {
        for (int i : rows.getOrDefault(new Key(d), List.of())) {
          g.duplicates[i] = true;
        }
      }
    }
  }

  @Override
  double addLevelLoss(Group g, double[] e, double z, double loss, double[] dLogit) {
    int rel = g.relevant.size();
    double zRel = 0;
    for (int c = 0; c < rel; c++) {
      zRel += e[c];
    }
    loss -= Math.log(zRel / z); // all relevant documents together above the rest
    if (dLogit != null) {
      // model probability minus the target: the relevant documents' share of the model's mass
      for (int c = 0; c < e.length; c++) {
        dLogit[c] = c < rel ? e[c] / z - e[c] / zRel : e[c] / z;
      }
    }
    return loss;
  }

  @Override
  public double heldOutLoss(Frame at) {
    return 1 - heldOutNdcg(at.rowsF(), at.poolProjected(), heldOut, levels);
  }

  @Override
  public RotationAdapter.Fit fit() {
    return RotationAdapter.Fit.SUPERVISED;
  }

  /** Mean over levels and held-out queries of nDCG@10 (binary relevance) at the prefix. */
  private static double heldOutNdcg(float[][] frameF, float[][] poolP, List<Group> heldOut, int[] levels) {
    int poolSize = poolP.length;
    double total = 0;
    for (int m : levels) {
      float[][] poolM = new float[poolSize][];
      for (int i = 0; i < poolSize; i++) {
        poolM[i] = normalized(Arrays.copyOf(poolP[i], m));
      }
      for (Group g : heldOut) {
        float[] q = Arrays.copyOf(project(g.query, frameF), m);
        float[] scores = new float[poolSize];
        for (int i = 0; i < poolSize; i++) {
          scores[i] = g.duplicates[i] ? Float.NEGATIVE_INFINITY : exactDot(q, poolM[i]);
        }
        // rank of each relevant document among the pool (ties count against it)
        double dcg = 0;
        for (float[] d : g.relevant) {
          float sd = exactDot(q, normalized(Arrays.copyOf(project(d, frameF), m)));
          int above = 0;
          for (float sc : scores) {
            if (sc >= sd && ++above >= 10) {
              break;
            }
          }
          if (above < 10) {
            dcg += 1 / log2(above + 2);
          }
        }
        double ideal = 0;
        for (int r = 0; r < Math.min(10, g.relevant.size()); r++) {
          ideal += 1 / log2(r + 2);
        }
        total += dcg / ideal;
      }
    }
    return total / ((double) levels.length * heldOut.size());
  }

  private static float[] normalized(float[] v) {
    double norm = Math.sqrt(exactDot(v, v));
    if (norm > 0) {
      for (int i = 0; i < v.length; i++) {
        v[i] = (float) (v[i] / norm);
      }
    }
    return v;
  }

  private static double log2(int x) {
    return Math.log(x) / Math.log(2);
  }
}
