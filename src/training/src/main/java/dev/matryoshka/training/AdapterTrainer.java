package dev.matryoshka.training;

import dev.matryoshka.adapt.LearnedAdapter;
import dev.matryoshka.adapt.LearnedOptions;
import dev.matryoshka.adapt.TrainingListener;
import dev.matryoshka.adapt.TrainingDivergedException;
import dev.matryoshka.adapt.RotationAdapter;
import dev.matryoshka.adapt.RotationOptions;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import java.util.Objects;
import java.util.Random;

/**
 * Trains a {@link LearnedAdapter} in the JVM with DJL's PyTorch engine (CPU, offline; see {@link
 * LearnedOptions} for the objective's settings and {@code NestedLoss} for its terms).
 *
 * <pre>{@code
 * AdapterTrainer trainer = new AdapterTrainer(LearnedOptions.forModel(fingerprint), listener);
 * LearnedAdapter adapter = trainer.train(docVectors);                   // unsupervised
 * LearnedAdapter tuned = trainer.train(docVectors, queries, relevant);  // + contrastive pairs
 * }</pre>
 *
 * <p>How it runs: a seeded {@link Random} splits off the held-out part and shuffles every epoch;
 * each step builds the loss on a batch with the current weights (kept as Java arrays), collects
 * gradients with DJL, and applies an Adam update in Java. After each epoch the held-out loss is
 * measured; the best epoch's weights are kept and training stops after {@code patience} epochs
 * without improvement. The same inputs, options and seed give the same adapter bytes (on the same
 * machine and thread count, as PyTorch's CPU kernels are deterministic for a fixed thread count).
 *
 * <p>A NaN or infinite input is refused up front; a NaN or infinite loss stops training with
 * {@link TrainingDivergedException}. In both cases no adapter is produced, so nothing is written.
 */
public final class AdapterTrainer {

  /** Fewest document vectors accepted: below this the held-out part is too small to trust. */
  public static final int MIN_DOCS = 20;

  /** Fewest query/document pairs accepted when pairs are given. */
  public static final int MIN_PAIRS = 10;

  private static final double BETA1 = 0.9;
  private static final double BETA2 = 0.999;
  private static final double ADAM_EPS = 1e-8;

  private final LearnedOptions options;
  private final TrainingListener listener;

  /** A trainer with the given options and progress listener. */
  public AdapterTrainer(LearnedOptions options, TrainingListener listener) {
    this.options = Objects.requireNonNull(options, "options");
    this.listener = Objects.requireNonNull(listener, "listener");
  }

  /** A trainer that reports nothing. */
  public AdapterTrainer(LearnedOptions options) {
    this(options, TrainingListener.NONE);
  }

  /** Unsupervised training on document vectors. */
  public LearnedAdapter train(float[][] docs) {
    return train(docs, null, null);
  }

  /**
   * Training on document vectors plus, if {@code queries} is not null, the contrastive term on
   * (queries[i], relevantDocs[i]) pairs.
   *
   * @throws IllegalArgumentException on too few vectors, mixed dims, non-finite values, or
   *     options that do not fit the data
   * @throws TrainingDivergedException if a loss becomes NaN or infinite
   */
  public LearnedAdapter train(float[][] docs, float[][] queries, float[][] relevantDocs) {
    int dims = checkVectors(docs, "document", -1, MIN_DOCS);
    boolean supervised = queries != null || relevantDocs != null;
    if (supervised) {
      if (queries == null || relevantDocs == null || queries.length != relevantDocs.length) {
        throw new IllegalArgumentException(
            "queries and relevantDocs must both be given and have equal lengths; got "
                + (queries == null ? "null" : queries.length)
                + " and "
                + (relevantDocs == null ? "null" : relevantDocs.length));
      }
      checkVectors(queries, "query", dims, MIN_PAIRS);
      checkVectors(relevantDocs, "relevant document", dims, MIN_PAIRS);
    }
    int[] prefixDims = options.prefixDimsFor(dims);
    float[] dimWeights = options.dimWeightsFor(prefixDims.length);
    int hidden = options.hiddenDims();
    Random random = new Random(options.seed());

    int[] docOrder = permutation(docs.length, random);
    int docHeld = heldOut(docs.length);
    int[] docVal = java.util.Arrays.copyOfRange(docOrder, 0, docHeld);
    int[] docTrain = java.util.Arrays.copyOfRange(docOrder, docHeld, docs.length);
    int[] pairVal = new int[0];
    int[] pairTrain = new int[0];
    if (supervised) {
      int[] pairOrder = permutation(queries.length, random);
      int pairHeld = heldOut(queries.length);
      pairVal = java.util.Arrays.copyOfRange(pairOrder, 0, pairHeld);
      pairTrain = java.util.Arrays.copyOfRange(pairOrder, pairHeld, queries.length);
    }

    float[] anchor = startingMap(docs, docTrain, dims);
    float[][] params = initialParams(anchor, dims, hidden, random);
    NestedLoss loss = new NestedLoss(dims, hidden, prefixDims, dimWeights, options, anchor);
    Shape[] shapes = loss.shapes();
    float[][] adamM = new float[params.length][];
    float[][] adamV = new float[params.length][];
    for (int i = 0; i < params.length; i++) {
      adamM[i] = new float[params[i].length];
      adamV[i] = new float[params[i].length];
    }

    Engine engine = DjlRuntime.pytorch();
    engine.setRandomSeed((int) options.seed());
    float[][] best = null;
    double bestLoss = Double.POSITIVE_INFINITY;
    int bestEpoch = 0;
    int epoch = 0;
    int stale = 0;
    long step = 0;
    int pairCursor = 0;
    try (NDManager base = engine.newBaseManager()) {
      // Epoch 0 is the starting map itself: training must beat it on held-out data to be kept,
      // so a rotation start can only be improved on, never made worse by the objective.
      long start0 = System.nanoTime();
      bestLoss = validate(base, loss, shapes, params, docs, docVal, queries, relevantDocs, pairVal, dims);
      checkFinite(bestLoss, "held-out", 0);
      best = deepCopy(params);
      listener.onEpoch(new TrainingListener.EpochReport(0, Double.NaN, bestLoss, true, (System.nanoTime() - start0) / 1e9));
      while (epoch < options.maxEpochs() && stale < options.patience()) {
        epoch++;
        long start = System.nanoTime();
        shuffle(docTrain, random);
        int[][] batches = chunks(docTrain, options.batchSize());
        int[][] pairBatches = supervised ? chunks(pairTrain, options.batchSize()) : new int[0][];
        double sum = 0;
        for (int[] batch : batches) {
          step++;
          double value;
          try (NDManager m = base.newSubManager()) {
            NDArray[] p = toArrays(m, params, shapes, true);
            NDArray total;
            try (GradientCollector collector = engine.newGradientCollector()) {
              total = loss.unsupervised(m, gather(docs, batch, dims), batch.length, p);
              if (supervised) {
                int[] pb = pairBatches[pairCursor++ % pairBatches.length];
                total = total.add(loss.contrastive(m, gather(queries, pb, dims), gather(relevantDocs, pb, dims), pb.length, p));
              }
              collector.backward(total);
            }
            value = total.getFloat();
            checkFinite(value, "training", epoch);
            for (int i = 0; i < params.length; i++) {
              adam(params[i], p[i].getGradient().toFloatArray(), adamM[i], adamV[i], step);
            }
          }
          sum += value;
        }
        double trainLoss = sum / batches.length;
        double validationLoss = validate(base, loss, shapes, params, docs, docVal, queries, relevantDocs, pairVal, dims);
        checkFinite(validationLoss, "held-out", epoch);
        boolean improved = validationLoss < bestLoss;
        if (improved) {
          bestLoss = validationLoss;
          bestEpoch = epoch;
          best = deepCopy(params);
          stale = 0;
        } else {
          stale++;
        }
        listener.onEpoch(
            new TrainingListener.EpochReport(epoch, trainLoss, validationLoss, improved, (System.nanoTime() - start) / 1e9));
      }
    }
    LearnedAdapter.Info info = new LearnedAdapter.Info(prefixDims, epoch, bestEpoch, bestLoss, options.seed());
    float[] empty = new float[0];
    return new LearnedAdapter(
        options.modelFingerprint(),
        dims,
        hidden,
        options.normalizeOutput(),
        best[0],
        best[1],
        hidden > 0 ? best[2] : empty,
        hidden > 0 ? best[3] : empty,
        hidden > 0 ? best[4] : empty,
        info);
  }

  private double validate(
      NDManager base,
      NestedLoss loss,
      Shape[] shapes,
      float[][] params,
      float[][] docs,
      int[] docVal,
      float[][] queries,
      float[][] relevantDocs,
      int[] pairVal,
      int dims) {
    double docLoss = 0;
    int[][] batches = chunks(docVal, options.batchSize());
    for (int[] batch : batches) {
      try (NDManager m = base.newSubManager()) {
        docLoss += loss.unsupervised(m, gather(docs, batch, dims), batch.length, toArrays(m, params, shapes, false)).getFloat();
      }
    }
    double total = docLoss / batches.length;
    if (pairVal.length > 0) {
      double pairLoss = 0;
      int[][] pairBatches = chunks(pairVal, options.batchSize());
      for (int[] pb : pairBatches) {
        try (NDManager m = base.newSubManager()) {
          NDArray[] p = toArrays(m, params, shapes, false);
          pairLoss += loss.contrastive(m, gather(queries, pb, dims), gather(relevantDocs, pb, dims), pb.length, p).getFloat();
        }
      }
      total += pairLoss / pairBatches.length;
    }
    return total;
  }

  /** The orthogonal map the weights start from and the reconstruction term anchors to. */
  private float[] startingMap(float[][] docs, int[] docTrain, int dims) {
    if (options.init() == LearnedOptions.Init.IDENTITY) {
      float[] identity = new float[dims * dims];
      for (int i = 0; i < dims; i++) {
        identity[i * dims + i] = 1;
      }
      return identity;
    }
    if (docTrain.length < RotationAdapter.minSamples(dims)) {
      throw new IllegalArgumentException(
          "starting from the rotation needs at least "
              + RotationAdapter.minSamples(dims)
              + " training vectors for "
              + dims
              + " dims; got "
              + docTrain.length
              + " after holding out the validation part (use Init.IDENTITY or more vectors)");
    }
    float[][] sample = new float[docTrain.length][];
    for (int i = 0; i < docTrain.length; i++) {
      sample[i] = docs[docTrain[i]];
    }
    return RotationAdapter.fit(sample, RotationOptions.forModel(options.modelFingerprint())).matrix();
  }

  private static float[][] initialParams(float[] anchor, int dims, int hidden, Random random) {
    if (hidden == 0) {
      return new float[][] {anchor.clone(), new float[dims]};
    }
    // V random, U zero: the MLP contributes nothing at first but still receives gradients.
    float[] v = new float[hidden * dims];
    double scale = 1 / Math.sqrt(dims);
    for (int i = 0; i < v.length; i++) {
      v[i] = (float) (random.nextGaussian() * scale);
    }
    return new float[][] {anchor.clone(), new float[dims], v, new float[hidden], new float[dims * hidden]};
  }

  private void adam(float[] w, float[] g, float[] m, float[] v, long t) {
    double lr = options.learningRate() * Math.sqrt(1 - Math.pow(BETA2, t)) / (1 - Math.pow(BETA1, t));
    for (int i = 0; i < w.length; i++) {
      double gi = g[i];
      m[i] = (float) (BETA1 * m[i] + (1 - BETA1) * gi);
      v[i] = (float) (BETA2 * v[i] + (1 - BETA2) * gi * gi);
      w[i] -= (float) (lr * m[i] / (Math.sqrt(v[i]) + ADAM_EPS));
    }
  }

  private void checkFinite(double value, String which, int epoch) {
    if (!Double.isFinite(value)) {
      throw new TrainingDivergedException(
          "adapter training diverged: the "
              + which
              + " loss became "
              + value
              + " in epoch "
              + epoch
              + "; no adapter was produced (try a lower learning rate than "
              + options.learningRate()
              + ")",
          epoch);
    }
  }

  private static NDArray[] toArrays(NDManager m, float[][] params, Shape[] shapes, boolean grad) {
    NDArray[] arrays = new NDArray[params.length];
    for (int i = 0; i < params.length; i++) {
      arrays[i] = m.create(params[i], shapes[i]);
      if (grad) {
        arrays[i].setRequiresGradient(true);
      }
    }
    return arrays;
  }

  private static int checkVectors(float[][] vectors, String what, int dims, int min) {
    if (vectors == null || vectors.length < min) {
      throw new IllegalArgumentException(
          "adapter training needs at least " + min + " " + what + " vectors; got " + (vectors == null ? 0 : vectors.length));
    }
    int expected = dims > 0 ? dims : (vectors[0] == null ? 0 : vectors[0].length);
    if (expected == 0) {
      throw new IllegalArgumentException(what + " vector 0 is empty");
    }
    for (int r = 0; r < vectors.length; r++) {
      float[] v = vectors[r];
      if (v == null || v.length != expected) {
        throw new IllegalArgumentException(
            what + " vector " + r + " has " + (v == null ? "no" : v.length) + " dims, expected " + expected);
      }
      for (int j = 0; j < v.length; j++) {
        if (!Float.isFinite(v[j])) {
          throw new IllegalArgumentException(
              what + " vector " + r + " has a non-finite value (" + v[j] + ") at dim " + j + "; refusing to train");
        }
      }
    }
    return expected;
  }

  private int heldOut(int n) {
    // At least 2, so the held-out batch has an in-batch neighbour.
    return Math.max(2, (int) Math.round(n * options.validationFraction()));
  }

  private static int[] permutation(int n, Random random) {
    int[] order = new int[n];
    for (int i = 0; i < n; i++) {
      order[i] = i;
    }
    shuffle(order, random);
    return order;
  }

  private static void shuffle(int[] a, Random random) {
    for (int i = a.length - 1; i > 0; i--) {
      int j = random.nextInt(i + 1);
      int t = a[i];
      a[i] = a[j];
      a[j] = t;
    }
  }

  /**
   * Splits into floor(n / size) (at least 1) nearly equal chunks, so there is no tiny last batch
   * whose in-batch neighbours would be meaningless.
   */
  static int[][] chunks(int[] ids, int size) {
    int count = Math.max(1, ids.length / size);
    int[][] out = new int[count][];
    int from = 0;
    for (int c = 0; c < count; c++) {
      int to = (int) ((long) ids.length * (c + 1) / count);
      out[c] = java.util.Arrays.copyOfRange(ids, from, to);
      from = to;
    }
    return out;
  }

  private static float[] gather(float[][] vectors, int[] ids, int dims) {
    float[] flat = new float[ids.length * dims];
    for (int i = 0; i < ids.length; i++) {
      System.arraycopy(vectors[ids[i]], 0, flat, i * dims, dims);
    }
    return flat;
  }

  private static float[][] deepCopy(float[][] a) {
    float[][] out = new float[a.length][];
    for (int i = 0; i < a.length; i++) {
      out[i] = a[i].clone();
    }
    return out;
  }
}
