package dev.matryoshka.adapt;

import java.util.Objects;

/**
 * A learned adapter: y = W x + b, plus optionally a residual MLP U relu(V x + c), then (by
 * default) L2 normalisation. It is trained through {@link LearnedTraining} with DJL PyTorch (the
 * {@code matryoshka-training} module), but holds its weights as plain float arrays, so applying
 * it, at indexing or search time, needs neither that module nor a native library.
 *
 * <pre>{@code
 * LearnedAdapter adapter = LearnedTraining.load()
 *     .train(LearnedOptions.forModel(fingerprint), TrainingListener.NONE, docs, null, null);
 * float[] y = adapter.apply(x);
 * }</pre>
 *
 * <p>Unlike a rotation it is not exact at full dimension; its training objective keeps the
 * full-dimension output close to an orthogonal map of the input, so full-dimension quality is
 * kept in practice. Instances are immutable.
 */
public final class LearnedAdapter implements Adapter {

  private final String modelFingerprint;
  private final int dims;
  private final int hidden;
  private final boolean normalizeOutput;
  final float[] w; // dims x dims, row-major
  final float[] b; // dims
  final float[] v; // hidden x dims, row-major (empty when hidden == 0)
  final float[] c; // hidden
  final float[] u; // dims x hidden, row-major
  private final Info info;

  /**
   * What the training run was: for {@code inspect} and for reproducing it.
   *
   * @param prefixDims the nested prefix dims the objective covered, ascending
   * @param epochs epochs trained (including those after the best one, before stopping)
   * @param bestEpoch the epoch whose weights were kept (0 = the starting map was not improved on)
   * @param validationLoss held-out loss at {@code bestEpoch}
   * @param seed the random seed
   */
  public record Info(int[] prefixDims, int epochs, int bestEpoch, double validationLoss, long seed) {
    /** Copies the array so the record stays immutable. */
    public Info {
      prefixDims = prefixDims.clone();
    }

    @Override
    public int[] prefixDims() {
      return prefixDims.clone();
    }
  }

  /** For trainers ({@code matryoshka-training}) and {@link AdapterIO}: the learned parameters as they are. */
  public LearnedAdapter(
      String modelFingerprint,
      int dims,
      int hidden,
      boolean normalizeOutput,
      float[] w,
      float[] b,
      float[] v,
      float[] c,
      float[] u,
      Info info) {
    this.modelFingerprint = Objects.requireNonNull(modelFingerprint);
    this.info = Objects.requireNonNull(info);
    if (dims <= 0 || hidden < 0) {
      throw new IllegalArgumentException("dims must be > 0 and hidden >= 0; got dims=" + dims + ", hidden=" + hidden);
    }
    if (w.length != dims * dims
        || b.length != dims
        || v.length != hidden * dims
        || c.length != hidden
        || u.length != dims * hidden) {
      throw new IllegalArgumentException("weight arrays do not match dims=" + dims + ", hidden=" + hidden);
    }
    this.dims = dims;
    this.hidden = hidden;
    this.normalizeOutput = normalizeOutput;
    this.w = w;
    this.b = b;
    this.v = v;
    this.c = c;
    this.u = u;
  }

  @Override
  public float[] apply(float[] x) {
    Adapter.checkInput(x, dims);
    double[] y = new double[dims];
    for (int i = 0; i < dims; i++) {
      y[i] = b[i] + dotRow(w, i * dims, x, dims);
    }
    if (hidden > 0) {
      for (int h = 0; h < hidden; h++) {
        double a = c[h] + dotRow(v, h * dims, x, dims);
        if (a <= 0) {
          continue; // relu
        }
        for (int i = 0; i < dims; i++) {
          y[i] += u[i * hidden + h] * a;
        }
      }
    }
    double scale = 1;
    if (normalizeOutput) {
      double norm = 0;
      for (double value : y) {
        norm += value * value;
      }
      // A zero output stays zero rather than becoming NaN; the caller's checks will see it.
      scale = norm > 0 ? 1 / Math.sqrt(norm) : 1;
    }
    float[] out = new float[dims];
    for (int i = 0; i < dims; i++) {
      out[i] = (float) (y[i] * scale);
    }
    return out;
  }

  private static double dotRow(float[] m, int base, float[] x, int n) {
    double s = 0;
    for (int j = 0; j < n; j++) {
      s += (double) m[base + j] * x[j];
    }
    return s;
  }

  /** Width of the residual MLP; 0 when the adapter is linear. */
  public int hiddenDims() {
    return hidden;
  }

  /** How it was trained. */
  public Info info() {
    return info;
  }

  @Override
  public int inputDims() {
    return dims;
  }

  @Override
  public int outputDims() {
    return dims;
  }

  @Override
  public String kind() {
    return KIND_LEARNED;
  }

  @Override
  public String modelFingerprint() {
    return modelFingerprint;
  }

  @Override
  public boolean normalizesOutput() {
    return normalizeOutput;
  }

  @Override
  public String toString() {
    return "LearnedAdapter(model="
        + modelFingerprint
        + ", dims="
        + dims
        + ", hidden="
        + hidden
        + ", normalizeOutput="
        + normalizeOutput
        + ", prefixDims="
        + java.util.Arrays.toString(info.prefixDims)
        + ", bestEpoch="
        + info.bestEpoch
        + ")";
  }
}
