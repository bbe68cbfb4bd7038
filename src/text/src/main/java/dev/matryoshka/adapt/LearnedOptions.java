package dev.matryoshka.adapt;

import java.util.Arrays;
import java.util.Objects;

/**
 * Settings of a learned adapter's training ({@link LearnedTraining}). Immutable; every {@code
 * withX} returns a checked copy.
 *
 * <pre>{@code
 * LearnedOptions options = LearnedOptions.forModel("bge-small-en-v1.5").withPrefixDims(32, 64, 384);
 * }</pre>
 *
 * <p>Defaults: prefix dims 32, 64, 128, 256 (those below the model's dims) plus the full dims, equal
 * weights; start from the rotation; linear (no MLP); at most 40 epochs, batch 256, Adam at 1e-4 (a
 * fine-tuning rate for the rotation start; from {@link Init#IDENTITY} use about 1e-2);
 * loss weights pairwise 1, top-10 neighbours 1, reconstruction 0.1, contrastive 1 at temperature
 * 0.05; 10% held out, early stop after 3 epochs without improvement; seed 42; output normalised.
 */
public final class LearnedOptions {

  /** How the linear map starts; the MLP (if any) always starts at zero. */
  public enum Init {
    /** W = I: the adapter starts as a no-op. */
    IDENTITY,
    /** W = the {@link RotationAdapter} fitted on the training vectors: a strong, exact start. */
    ROTATION
  }

  private static final int[] DEFAULT_NESTED = {32, 64, 128, 256};

  private String modelFingerprint;
  private int[] prefixDims; // null = defaults for the data's dims
  private float[] dimWeights; // null = all 1
  private Init init = Init.ROTATION;
  private int hiddenDims = 0;
  private int maxEpochs = 40;
  private int batchSize = 256;
  private double learningRate = 1e-4;
  private double pairWeight = 1;
  private double topKWeight = 1;
  private int topK = 10;
  private double reconstructionWeight = 0.1;
  private double contrastiveWeight = 1;
  private double temperature = 0.05;
  private double validationFraction = 0.1;
  private int patience = 3;
  private long seed = 42;
  private boolean normalizeOutput = true;

  private LearnedOptions() {}

  /** Defaults for vectors of the given model. */
  public static LearnedOptions forModel(String modelFingerprint) {
    Objects.requireNonNull(modelFingerprint, "modelFingerprint");
    if (modelFingerprint.isBlank()) {
      throw new IllegalArgumentException("modelFingerprint must not be blank");
    }
    LearnedOptions o = new LearnedOptions();
    o.modelFingerprint = modelFingerprint;
    return o;
  }

  private LearnedOptions copy() {
    LearnedOptions o = new LearnedOptions();
    o.modelFingerprint = modelFingerprint;
    o.prefixDims = prefixDims;
    o.dimWeights = dimWeights;
    o.init = init;
    o.hiddenDims = hiddenDims;
    o.maxEpochs = maxEpochs;
    o.batchSize = batchSize;
    o.learningRate = learningRate;
    o.pairWeight = pairWeight;
    o.topKWeight = topKWeight;
    o.topK = topK;
    o.reconstructionWeight = reconstructionWeight;
    o.contrastiveWeight = contrastiveWeight;
    o.temperature = temperature;
    o.validationFraction = validationFraction;
    o.patience = patience;
    o.seed = seed;
    o.normalizeOutput = normalizeOutput;
    return o;
  }

  /** Nested prefix dims of the objective: ascending, &gt; 0; checked against the data's dims. */
  public LearnedOptions withPrefixDims(int... dims) {
    if (dims.length == 0) {
      throw new IllegalArgumentException("prefixDims must not be empty");
    }
    for (int i = 0; i < dims.length; i++) {
      if (dims[i] <= 0) {
        throw new IllegalArgumentException("prefixDims must be > 0; got=" + Arrays.toString(dims));
      }
      if (i > 0 && dims[i] <= dims[i - 1]) {
        throw new IllegalArgumentException("prefixDims must be strictly ascending; got=" + Arrays.toString(dims));
      }
    }
    LearnedOptions o = copy();
    o.prefixDims = dims.clone();
    return o;
  }

  /** Weight of each prefix dim's loss; must match the prefix dims' count (checked at training). */
  public LearnedOptions withDimWeights(float... weights) {
    for (float w : weights) {
      if (!(w >= 0) || !Float.isFinite(w)) {
        throw new IllegalArgumentException("dimWeights must be finite and >= 0; got=" + Arrays.toString(weights));
      }
    }
    LearnedOptions o = copy();
    o.dimWeights = weights.clone();
    return o;
  }

  /** Starting point of the linear map. */
  public LearnedOptions withInit(Init value) {
    LearnedOptions o = copy();
    o.init = Objects.requireNonNull(value);
    return o;
  }

  /** Width of the residual MLP; 0 for a purely linear adapter. */
  public LearnedOptions withHiddenDims(int value) {
    check(value >= 0 && value <= AdapterIO.MAX_DIMS, "hiddenDims must be in [0, " + AdapterIO.MAX_DIMS + "]", value);
    LearnedOptions o = copy();
    o.hiddenDims = value;
    return o;
  }

  /** Upper bound on epochs; early stopping usually ends sooner. */
  public LearnedOptions withMaxEpochs(int value) {
    check(value >= 1, "maxEpochs must be >= 1", value);
    LearnedOptions o = copy();
    o.maxEpochs = value;
    return o;
  }

  /** Vectors per step; the in-batch neighbours and negatives come from the same batch. */
  public LearnedOptions withBatchSize(int value) {
    check(value >= 4, "batchSize must be >= 4", value);
    LearnedOptions o = copy();
    o.batchSize = value;
    return o;
  }

  /** Adam step size. */
  public LearnedOptions withLearningRate(double value) {
    check(value > 0 && Double.isFinite(value), "learningRate must be > 0", value);
    LearnedOptions o = copy();
    o.learningRate = value;
    return o;
  }

  /** Weights of the unsupervised terms: all pairs, top-k neighbours, reconstruction. */
  public LearnedOptions withLossWeights(double pair, double topKNeighbours, double reconstruction) {
    for (double w : new double[] {pair, topKNeighbours, reconstruction}) {
      check(w >= 0 && Double.isFinite(w), "loss weights must be finite and >= 0", w);
    }
    LearnedOptions o = copy();
    o.pairWeight = pair;
    o.topKWeight = topKNeighbours;
    o.reconstructionWeight = reconstruction;
    return o;
  }

  /** How many in-batch neighbours per vector the top-k term protects. */
  public LearnedOptions withTopK(int value) {
    check(value >= 1, "topK must be >= 1", value);
    LearnedOptions o = copy();
    o.topK = value;
    return o;
  }

  /** Weight and temperature of the supervised in-batch contrastive (InfoNCE) term. */
  public LearnedOptions withContrastive(double weight, double temperature) {
    check(weight >= 0 && Double.isFinite(weight), "contrastive weight must be finite and >= 0", weight);
    check(temperature > 0 && Double.isFinite(temperature), "temperature must be > 0", temperature);
    LearnedOptions o = copy();
    o.contrastiveWeight = weight;
    o.temperature = temperature;
    return o;
  }

  /** Part of the data held out for early stopping, in (0, 0.5]. */
  public LearnedOptions withValidationFraction(double value) {
    check(value > 0 && value <= 0.5, "validationFraction must be in (0, 0.5]", value);
    LearnedOptions o = copy();
    o.validationFraction = value;
    return o;
  }

  /** Epochs without a better held-out loss before stopping. */
  public LearnedOptions withPatience(int value) {
    check(value >= 1, "patience must be >= 1", value);
    LearnedOptions o = copy();
    o.patience = value;
    return o;
  }

  /** Seed of the split, the shuffles, the MLP start and the engine. */
  public LearnedOptions withSeed(long value) {
    LearnedOptions o = copy();
    o.seed = value;
    return o;
  }

  /** Whether the adapter L2-normalises its output (keep true for cosine / dot-product). */
  public LearnedOptions withNormalizeOutput(boolean value) {
    LearnedOptions o = copy();
    o.normalizeOutput = value;
    return o;
  }

  private static void check(boolean ok, String message, Object got) {
    if (!ok) {
      throw new IllegalArgumentException(message + "; got=" + got);
    }
  }

  /**
   * The prefix dims for vectors of {@code dims} dimensions: the configured list, checked to end at
   * or below {@code dims}, or the defaults below {@code dims} followed by {@code dims}.
   */
  public int[] prefixDimsFor(int dims) {
    if (prefixDims == null) {
      return java.util.stream.IntStream.concat(
              Arrays.stream(DEFAULT_NESTED).filter(d -> d < dims), java.util.stream.IntStream.of(dims))
          .toArray();
    }
    if (prefixDims[prefixDims.length - 1] > dims) {
      throw new IllegalArgumentException(
          "prefixDims must be <= the vectors' " + dims + " dims; got=" + Arrays.toString(prefixDims));
    }
    return prefixDims.clone();
  }

  /** The per-dim weights for {@code count} prefix dims. */
  public float[] dimWeightsFor(int count) {
    if (dimWeights == null) {
      float[] ones = new float[count];
      Arrays.fill(ones, 1f);
      return ones;
    }
    if (dimWeights.length != count) {
      throw new IllegalArgumentException(
          "dimWeights has " + dimWeights.length + " entries but there are " + count + " prefix dims");
    }
    return dimWeights.clone();
  }

  // Plain getters, named like the fields.

  /** The model the training vectors come from. */
  public String modelFingerprint() {
    return modelFingerprint;
  }

  /** See {@link #withInit}. */
  public Init init() {
    return init;
  }

  /** See {@link #withHiddenDims}. */
  public int hiddenDims() {
    return hiddenDims;
  }

  /** See {@link #withMaxEpochs}. */
  public int maxEpochs() {
    return maxEpochs;
  }

  /** See {@link #withBatchSize}. */
  public int batchSize() {
    return batchSize;
  }

  /** See {@link #withLearningRate}. */
  public double learningRate() {
    return learningRate;
  }

  /** See {@link #withLossWeights}. */
  public double pairWeight() {
    return pairWeight;
  }

  /** See {@link #withLossWeights}. */
  public double topKWeight() {
    return topKWeight;
  }

  /** See {@link #withTopK}. */
  public int topK() {
    return topK;
  }

  /** See {@link #withLossWeights}. */
  public double reconstructionWeight() {
    return reconstructionWeight;
  }

  /** See {@link #withContrastive}. */
  public double contrastiveWeight() {
    return contrastiveWeight;
  }

  /** See {@link #withContrastive}. */
  public double temperature() {
    return temperature;
  }

  /** See {@link #withValidationFraction}. */
  public double validationFraction() {
    return validationFraction;
  }

  /** See {@link #withPatience}. */
  public int patience() {
    return patience;
  }

  /** See {@link #withSeed}. */
  public long seed() {
    return seed;
  }

  /** See {@link #withNormalizeOutput}. */
  public boolean normalizeOutput() {
    return normalizeOutput;
  }

  @Override
  public String toString() {
    return "LearnedOptions(model=" + modelFingerprint + ", prefixDims=" + Arrays.toString(prefixDims)
        + ", dimWeights=" + Arrays.toString(dimWeights) + ", init=" + init + ", hiddenDims=" + hiddenDims
        + ", maxEpochs=" + maxEpochs + ", batchSize=" + batchSize + ", learningRate=" + learningRate
        + ", pairWeight=" + pairWeight + ", topKWeight=" + topKWeight + ", topK=" + topK
        + ", reconstructionWeight=" + reconstructionWeight + ", contrastiveWeight=" + contrastiveWeight
        + ", temperature=" + temperature + ", validationFraction=" + validationFraction
        + ", patience=" + patience + ", seed=" + seed + ", normalizeOutput=" + normalizeOutput + ")";
  }
}
