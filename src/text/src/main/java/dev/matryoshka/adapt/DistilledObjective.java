package dev.matryoshka.adapt;

import static dev.matryoshka.adapt.OrthonormalFrames.exactDot;

import java.util.Arrays;
import java.util.List;
import java.util.stream.IntStream;
import org.apache.lucene.util.hnsw.NeighborQueue;

/**
 * Rotation training on query vectors alone (a query log, no relevance judgments): the target of
 * each prefix softmax is the softmax of the full-dimension scores (temperature {@code
 * targetTemperature}) over the query's {@value QueryRotationTrainer#DISTILL_TOP} best documents at
 * full dimension plus its hardest at the current prefix, and the loss is the cross-entropy
 * between the two. The held-out loss is that loss itself on the held-out queries, with candidates
 * chosen the same way (the overlap of prefix and full top-10 lists did not follow the gains on
 * SciFact).
 */
final class DistilledObjective extends NestedSoftmaxObjective {

  private final double targetTemperature;

  DistilledObjective(float[][] pool, List<Group> groups, int[] levels, QueryRotationTrainer.Options options) {
    super(pool, groups, levels, options.temperature(), options.candidates());
    this.targetTemperature = options.targetTemperature();
    for (Group g : groups) {
      g.duplicates = new boolean[pool.length];
      float[] full = new float[pool.length];
      for (int i = 0; i < pool.length; i++) {
        full[i] = exactDot(g.query, pool[i]);
      }
      g.fullScores = full;
      g.fullTop = top(full, Math.min(QueryRotationTrainer.DISTILL_TOP, pool.length));
    }
  }

  /** Its hardest at the prefix plus its best at full dimension; the target follows them. */
  @Override
  void pickCandidates(Group g, Frame at) {
    super.pickCandidates(g, at);
    g.candidates = union(g.candidates, g.fullTop);
    g.target = softmax(g.fullScores, g.candidates, targetTemperature);
  }

  @Override
  double addLevelLoss(Group g, double[] e, double z, double loss, double[] dLogit) {
    for (int c = 0; c < e.length; c++) {
      if (g.target[c] > 0) {
        loss -= g.target[c] * Math.log(Math.max(e[c] / z, Double.MIN_NORMAL)); // cross-entropy
      }
    }
    if (dLogit != null) {
      for (int c = 0; c < e.length; c++) {
        dLogit[c] = e[c] / z - g.target[c]; // model probability minus target probability
      }
    }
    return loss;
  }

  @Override
  public double heldOutLoss(Frame at) {
    double loss = 0;
    for (Group g : heldOut) {
      pickCandidates(g, at);
      loss += accumulate(g, at, null);
    }
    return loss / ((double) heldOut.size() * levels.length);
  }

  @Override
  public RotationAdapter.Fit fit() {
    return RotationAdapter.Fit.DISTILLED;
  }

  /** The {@code k} indices of the largest scores, best first. */
  private static int[] top(float[] scores, int k) {
    NeighborQueue q = new NeighborQueue(k, false);
    for (int i = 0; i < scores.length; i++) {
      q.insertWithOverflow(i, scores[i]);
    }
    int[] out = new int[q.size()];
    for (int i = out.length - 1; i >= 0; i--) {
      out[i] = q.pop(); // the min-heap pops the worst first
    }
    return out;
  }

  /** Sorted union of two index sets. */
  private static int[] union(int[] a, int[] b) {
    return IntStream.concat(Arrays.stream(a), Arrays.stream(b)).distinct().sorted().toArray();
  }

  /** softmax(scores[idx] / t) in the order of {@code idx}. */
  private static double[] softmax(float[] scores, int[] idx, double t) {
    double max = Double.NEGATIVE_INFINITY;
    for (int i : idx) {
      max = Math.max(max, scores[i] / t);
    }
    double[] out = new double[idx.length];
    double z = 0;
    for (int c = 0; c < idx.length; c++) {
      out[c] = Math.exp(scores[idx[c]] / t - max);
      z += out[c];
    }
    for (int c = 0; c < idx.length; c++) {
      out[c] /= z;
    }
    return out;
  }
}
