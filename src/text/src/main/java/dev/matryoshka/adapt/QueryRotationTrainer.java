package dev.matryoshka.adapt;

import dev.matryoshka.adapt.NestedSoftmaxObjective.Group;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;

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
 * models) over the set of orthonormal frames ({@link FrameOptimiser}), minimising a nested
 * contrastive loss: for each training query and each prefix length m in 32, 64, 128, a softmax
 * over the query's relevant documents and its hardest {@value #DEFAULT_CANDIDATES} documents of
 * the pool at the current prefix, scored by the m-dim prefix dot product ({@link
 * NestedSoftmaxObjective}). Supervised, the relevant documents together should win ({@link
 * SupervisedObjective}); distilled, the softmax should match that of the full-dimension scores
 * over the query's {@value #DISTILL_TOP} best documents plus those hardest ones ({@link
 * DistilledObjective}). The remaining rows are the centred PCA of what the prefix leaves out, so
 * longer prefixes keep the most document variance. Because the result is a rotation, a
 * full-dimension rerank scores exactly as without it.
 *
 * <p>Every tenth query (in input order) is held out; training stops when the held-out score,
 * averaged over the prefix lengths, has not improved for {@code patience} iterations, and the
 * best frame is kept: the held-out loss is 1 - nDCG@10 of the relevant documents (supervised), or
 * the distillation loss itself (distilled). There is no randomness: the same inputs give the same
 * bytes.
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
    List<Group> groups = Group.of(queries, relevant);
    checkCount(groups);
    int[] levels = levels(n);
    return new FrameOptimiser(options, listener, levels)
        .optimise(pool, new SupervisedObjective(pool, groups, levels, options));
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
    List<Group> groups = Group.of(queries, new float[queries.length][]);
    checkCount(groups);
    int[] levels = levels(n);
    return new FrameOptimiser(options, listener, levels)
        .optimise(pool, new DistilledObjective(pool, groups, levels, options));
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
}
