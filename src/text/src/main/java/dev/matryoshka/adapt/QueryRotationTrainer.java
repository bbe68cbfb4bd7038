package dev.matryoshka.adapt;

import static dev.matryoshka.adapt.OrthonormalFrames.completeToRotation;
import static dev.matryoshka.adapt.OrthonormalFrames.copy;
import static dev.matryoshka.adapt.OrthonormalFrames.dot;
import static dev.matryoshka.adapt.OrthonormalFrames.exactDot;
import static dev.matryoshka.adapt.OrthonormalFrames.orthonormalize;
import static dev.matryoshka.adapt.OrthonormalFrames.project;
import static dev.matryoshka.adapt.OrthonormalFrames.tangent;
import static dev.matryoshka.adapt.OrthonormalFrames.toFloat;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.apache.lucene.util.hnsw.NeighborQueue;

/**
 * Trains an orthogonal rotation on example queries so that short prefixes rank documents the way
 * the full vectors do for such queries, while the full-dimension dot products stay exactly those
 * of the model. Two modes: {@link #train} on (query, relevant document) pairs (supervised), and
 * {@link #distill} on query texts alone, with no relevance judgments (a query log), where the
 * target is the full-dimension ranking itself.
 *
 * <p>The covariance PCA of {@link RotationAdapter#fit} orders directions by how much documents
 * vary along them, which is not how queries tell documents apart; a model not trained for
 * truncation keeps query-relevant signal in low-variance directions. This trainer starts from the
 * centred PCA and moves the first {@code p} rows (p = the largest nested prefix, 128 for 384-d
 * models) over the set of orthonormal frames (Riemannian gradient descent with momentum and a
 * Gram-Schmidt retraction), minimising a nested contrastive loss: for each training query and
 * each prefix length m in 32, 64, 128, a softmax over the query's relevant documents and its
 * hardest {@value #DEFAULT_CANDIDATES} documents of the pool at the current prefix, scored by the
 * m-dim prefix dot product; when distilling, the target of that softmax is the softmax of the
 * full-dimension scores (temperature {@code targetTemperature}) over the query's
 * {@value #DISTILL_TOP} best documents at full dimension plus those hardest ones. The remaining
 * rows are the centred PCA of what the prefix leaves out,
 * so longer prefixes keep the most document variance. Because the result is a rotation, a
 * full-dimension rerank scores exactly as without it.
 *
 * <p>Every tenth query (in input order) is held out; training stops when the held-out score,
 * averaged over the prefix lengths, has not improved for {@code patience} iterations, and the
 * best frame is kept: the held-out loss is 1 - nDCG@10 of the relevant documents (supervised), or
 * the distillation loss itself (distilled; the overlap of prefix and full top-10 lists did not
 * follow the gains on SciFact). There is no randomness: the same inputs give the same bytes.
 *
 * <pre>{@code
 * RotationAdapter r = new QueryRotationTrainer(QueryRotationTrainer.Options.forModel(fp), listener)
 *     .train(docs, pairQueries, pairDocs);
 * }</pre>
 */
public final class QueryRotationTrainer {

  /** Pool documents per query in the softmax (plus its relevant ones). */
  public static final int DEFAULT_CANDIDATES = 200;

  /** Full-dimension best documents per query whose softmax is the distillation target. */
  public static final int DISTILL_TOP = 20;

  /** The fewest distinct training queries accepted: a tenth is held out for early stopping. */
  public static final int MIN_QUERIES = 20;

  private static final int REFRESH_EVERY = 5;
  private static final int HELD_OUT_EVERY = 10;
  private static final double MOMENTUM = 0.8;

  /**
   * Settings.
   *
   * @param modelFingerprint stored in the adapter and checked on read
   * @param temperature softmax temperature of the prefix dot products
   * @param learningRate step length on the frame per iteration (decays linearly to half)
   * @param maxIterations upper bound on iterations (each one pass over all training queries)
   * @param patience iterations without held-out improvement before stopping
   * @param candidates hardest pool documents per query in the softmax
   * @param targetTemperature temperature of the full-dimension scores' softmax when distilling
   */
  public record Options(String modelFingerprint, double temperature, double learningRate,
      int maxIterations, int patience, int candidates, double targetTemperature) {

    /** Checks the arguments. */
    public Options {
      Objects.requireNonNull(modelFingerprint, "modelFingerprint");
      if (!(temperature > 0) || !(learningRate > 0) || maxIterations < 1 || patience < 1 || candidates < 1
          || !(targetTemperature > 0)) {
        throw new IllegalArgumentException("rotation training options out of range: temperature=" + temperature
            + ", learningRate=" + learningRate + ", maxIterations=" + maxIterations + ", patience=" + patience
            + ", candidates=" + candidates + ", targetTemperature=" + targetTemperature);
      }
    }

    /** Defaults (tuned on SciFact's train split with a held-out tenth; see README). */
    public static Options forModel(String modelFingerprint) {
      return new Options(modelFingerprint, 0.05, 0.02, 150, 30, DEFAULT_CANDIDATES, 0.02);
    }
  }

  private final Options options;
  private final TrainingListener listener;

  /** A trainer reporting one line per iteration to {@code listener} (null: none). */
  public QueryRotationTrainer(Options options, TrainingListener listener) {
    this.options = Objects.requireNonNull(options, "options");
    this.listener = listener == null ? TrainingListener.NONE : listener;
  }

  /** The nested prefix lengths trained for vectors of {@code dims} dimensions. */
  static int[] levels(int dims) {
    int[] l = Arrays.stream(new int[] {32, 64, 128}).filter(x -> x < dims).toArray();
    return l.length > 0 ? l : new int[] {Math.max(1, dims / 2)};
  }

  /**
   * Trains the rotation.
   *
   * @param pool document vectors: the PCA start, and the negatives each query is ranked against
   * @param queries query vectors of the pairs; pairs of one query carry equal vectors
   * @param relevant the relevant document vector of each pair
   * @throws IllegalArgumentException on mismatched or non-finite input, a pool smaller than the
   *     dimension, or fewer than {@link #MIN_QUERIES} distinct queries
   * @throws TrainingDivergedException if the loss stops being finite
   */
  public RotationAdapter train(float[][] pool, float[][] queries, float[][] relevant) {
    int n = poolDims(pool);
    if (queries == null || relevant == null || queries.length != relevant.length) {
      throw new IllegalArgumentException("supervised rotation needs as many relevant documents as queries; got queries="
          + (queries == null ? "none" : queries.length) + ", relevant=" + (relevant == null ? "none" : relevant.length));
    }
    checkRows("pair query", queries, n);
    checkRows("pair document", relevant, n);
    List<Group> groups = group(queries, relevant);
    checkCount(groups);
    markPoolDuplicates(pool, groups);
    return run(pool, groups);
  }

  /**
   * Trains the rotation from query vectors alone (no relevance judgments): the prefixes learn to
   * rank the pool as the full vectors rank it for these queries.
   *
   * @param pool document vectors: the PCA start, and what each query ranks
   * @param queries sample query vectors (duplicates count once)
   * @throws IllegalArgumentException on non-finite input, a pool smaller than the dimension, or
   *     fewer than {@link #MIN_QUERIES} distinct queries
   * @throws TrainingDivergedException if the loss stops being finite
   */
  public RotationAdapter distill(float[][] pool, float[][] queries) {
    int n = poolDims(pool);
    if (queries == null) {
      throw new IllegalArgumentException("distilled rotation needs sample queries");
    }
    checkRows("query", queries, n);
    List<Group> groups = group(queries, new float[queries.length][]);
    checkCount(groups);
    for (Group g : groups) {
      g.duplicates = new boolean[pool.length];
      float[] full = new float[pool.length];
      for (int i = 0; i < pool.length; i++) {
        full[i] = exactDot(g.query, pool[i]);
      }
      g.fullScores = full;
      g.fullTop = top(full, Math.min(DISTILL_TOP, pool.length));
    }
    return run(pool, groups);
  }

  private static int poolDims(float[][] pool) {
    if (pool == null || pool.length == 0 || pool[0] == null || pool[0].length == 0) {
      throw new IllegalArgumentException("rotation training needs a non-empty document sample");
    }
    return pool[0].length;
  }

  private static void checkCount(List<Group> groups) {
    if (groups.size() < MIN_QUERIES) {
      throw new IllegalArgumentException("rotation training needs at least " + MIN_QUERIES
          + " distinct training queries (a tenth is held out for early stopping); got " + groups.size());
    }
  }

  private RotationAdapter run(float[][] pool, List<Group> groups) {
    int n = pool[0].length;
    // the PCA start checks the pool (size >= dims, finite values)
    RotationAdapter pca = RotationAdapter.fit(pool, RotationOptions.forModel(options.modelFingerprint()).withCentered(true));
    double[][] cov = RotationAdapter.secondMoment(pool, n, true);
    int[] levels = levels(n);
    int p = levels[levels.length - 1];
    double[][] frame = new double[p][n];
    float[] m0 = pca.matrixRef();
    for (int r = 0; r < p; r++) {
      for (int j = 0; j < n; j++) {
        frame[r][j] = m0[r * n + j];
      }
    }
    List<Group> train = new ArrayList<>();
    List<Group> heldOut = new ArrayList<>();
    for (int i = 0; i < groups.size(); i++) {
      (i % HELD_OUT_EVERY == HELD_OUT_EVERY - 1 ? heldOut : train).add(groups.get(i));
    }

    // the frame's projections are computed once per frame: after each step they serve the
    // held-out check and then the next iteration
    float[][] frameF = toFloat(frame);
    float[][] poolP = project(pool, frameF);
    double best = heldOutLoss(frame, frameF, poolP, pool, heldOut, levels);
    double[][] bestFrame = copy(frame);
    listener.onEpoch(new TrainingListener.EpochReport(0, Double.NaN, best, true, 0));
    double[][] velocity = new double[p][n];
    int sinceBest = 0;
    for (int it = 1; it <= options.maxIterations(); it++) {
      long t0 = System.nanoTime();
      if ((it - 1) % REFRESH_EVERY == 0) {
        int mid = levels[levels.length / 2];
        for (Group g : train) {
          g.candidates = hardest(project(g.query, frameF), poolP, g.duplicates, mid, options.candidates());
          if (g.fullTop != null) {
            g.candidates = union(g.candidates, g.fullTop);
            g.target = softmax(g.fullScores, g.candidates, options.targetTemperature());
          }
        }
      }
      double[][] grad = new double[p][n];
      double loss = 0;
      for (Group g : train) {
        loss += accumulate(g, frame, frameF, poolP, pool, levels, grad);
      }
      loss /= (double) train.size() * levels.length;
      if (!Double.isFinite(loss)) {
        throw new TrainingDivergedException("rotation training loss became " + loss + " in iteration " + it
            + "; nothing was written", it);
      }
      for (double[] row : grad) {
        for (int j = 0; j < n; j++) {
          row[j] /= options.temperature() * train.size();
        }
      }
      tangent(grad, frame);
      double norm = 0;
      for (double[] row : grad) {
        norm += dot(row, row);
      }
      norm = Math.sqrt(norm);
      if (norm > 0) {
        double step = options.learningRate() * (1 - 0.5 * (it - 1) / options.maxIterations());
        for (int r = 0; r < p; r++) {
          for (int j = 0; j < n; j++) {
            velocity[r][j] = MOMENTUM * velocity[r][j] + grad[r][j] / norm;
            frame[r][j] -= step * velocity[r][j];
          }
        }
        orthonormalize(frame);
        frameF = toFloat(frame);
        poolP = project(pool, frameF);
      }
      double heldOutLoss = heldOutLoss(frame, frameF, poolP, pool, heldOut, levels);
      boolean improved = heldOutLoss < best - 1e-4;
      if (improved) {
        best = heldOutLoss;
        bestFrame = copy(frame);
        sinceBest = 0;
      } else {
        sinceBest++;
      }
      listener.onEpoch(new TrainingListener.EpochReport(it, loss, heldOutLoss, improved, (System.nanoTime() - t0) / 1e9));
      if (sinceBest >= options.patience()) {
        break;
      }
    }
    RotationAdapter.Fit fit = groups.get(0).fullTop != null ? RotationAdapter.Fit.DISTILLED : RotationAdapter.Fit.SUPERVISED;
    return completeToRotation(bestFrame, cov, options.modelFingerprint(), fit);
  }

  /**
   * A training query, its relevant documents (supervised) or its full-dimension scores
   * (distilled), and its current candidates.
   */
  private static final class Group {
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
  }

  private static List<Group> group(float[][] queries, float[][] relevant) {
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

  /** Vector identity by content, so pairs of one query group even when encoded separately. */
  private record Key(float[] v) {
    @Override
    public boolean equals(Object o) {
      return o instanceof Key k && Arrays.equals(v, k.v);
    }

    @Override
    public int hashCode() {
      return Arrays.hashCode(v);
    }
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

  /**
   * Adds one query's loss gradient (before the 1/(temperature·queries) factor) to {@code grad}, unless it is null;
   * returns its loss summed over the levels. With s_c = q^T P_m^T P_m x_c / t and softmax weights
   * w_c minus the target distribution over relevant documents, dL/dP_m = P_m (q u^T + u q^T) / t
   * where u = Σ_c (w_c - target_c) x_c.
   */
  private double accumulate(Group g, double[][] frame, float[][] frameF, float[][] poolP, float[][] pool,
      int[] levels, double[][] grad) {
    int n = g.query.length;
    float[] qp = project(g.query, frameF);
    int rel = g.relevant.size();
    int count = rel + g.candidates.length;
    float[][] projected = new float[count][];
    float[][] vectors = new float[count][];
    for (int c = 0; c < count; c++) {
      if (c < rel) {
        vectors[c] = g.relevant.get(c);
        projected[c] = project(vectors[c], frameF);
      } else {
        vectors[c] = pool[g.candidates[c - rel]];
        projected[c] = poolP[g.candidates[c - rel]];
      }
    }
    double loss = 0;
    double[] s = new double[count];
    double[] u = new double[n];
    for (int m : levels) {
      double max = Double.NEGATIVE_INFINITY;
      for (int c = 0; c < count; c++) {
        s[c] = prefixDot(qp, projected[c], m) / options.temperature();
        max = Math.max(max, s[c]);
      }
      double z = 0;
      double zRel = 0;
      for (int c = 0; c < count; c++) {
        double e = Math.exp(s[c] - max);
        s[c] = e;
        z += e;
        if (c < rel) {
          zRel += e;
        }
      }
      if (g.target == null) {
        loss -= Math.log(zRel / z); // all relevant documents together above the rest
      } else {
        for (int c = 0; c < count; c++) {
          if (g.target[c] > 0) {
            loss -= g.target[c] * Math.log(Math.max(s[c] / z, Double.MIN_NORMAL)); // cross-entropy
          }
        }
      }
      if (grad == null) {
        continue; // held-out evaluation: the loss only
      }
      Arrays.fill(u, 0);
      for (int c = 0; c < count; c++) {
        // d loss / d logit: model probability minus target probability
        double w = s[c] / z - (g.target != null ? g.target[c] : c < rel ? s[c] / zRel : 0);
        float[] x = vectors[c];
        for (int j = 0; j < n; j++) {
          u[j] += w * x[j];
        }
      }
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

  /** What early stopping watches (lower is better): see the class comment. */
  private double heldOutLoss(double[][] frame, float[][] frameF, float[][] poolP, float[][] pool,
      List<Group> heldOut, int[] levels) {
    if (heldOut.get(0).fullTop == null) {
      return 1 - heldOutNdcg(frameF, poolP, heldOut, levels);
    }
    // distilled: the training loss itself on the held-out queries, with candidates chosen the
    // same way (their full-dimension best plus their hardest at the current prefix)
    int mid = levels[levels.length / 2];
    double loss = 0;
    for (Group g : heldOut) {
      g.candidates = union(hardest(project(g.query, frameF), poolP, g.duplicates, mid, options.candidates()), g.fullTop);
      g.target = softmax(g.fullScores, g.candidates, options.targetTemperature());
      loss += accumulate(g, frame, frameF, poolP, pool, levels, null);
    }
    return loss / ((double) heldOut.size() * levels.length);
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
    return java.util.stream.IntStream.concat(Arrays.stream(a), Arrays.stream(b)).distinct().sorted().toArray();
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

  /** The {@code k} pool rows with the largest m-dim prefix dot product, duplicates excluded. */
  private static int[] hardest(float[] qp, float[][] poolP, boolean[] duplicates, int m, int k) {
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

  private static void checkRows(String what, float[][] rows, int dims) {
    for (int i = 0; i < rows.length; i++) {
      if (rows[i] == null || rows[i].length != dims) {
        throw new IllegalArgumentException(what + " " + i + " has " + (rows[i] == null ? "no" : rows[i].length)
            + " dims, expected " + dims);
      }
      for (int j = 0; j < dims; j++) {
        if (!Float.isFinite(rows[i][j])) {
          throw new IllegalArgumentException(what + " " + i + " has a non-finite value at dim " + j);
        }
      }
    }
  }

  private static float prefixDot(float[] a, float[] b, int m) {
    float s = 0;
    for (int i = 0; i < m; i++) {
      s += a[i] * b[i];
    }
    return s;
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
