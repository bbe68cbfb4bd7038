package dev.matryoshka.training;

import dev.matryoshka.adapt.LearnedOptions;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;

/**
 * The training objective as a DJL graph (the Matryoshka-Adaptor idea, Yoon et al. 2024). For each
 * nested prefix dim m with weight w_m, on the renormalised m-prefix of the adapter output:
 *
 * <ul>
 *   <li>pairwise: mean |cos_m(i,j) - cos(i,j)| over all pairs of the batch, where cos is the
 *       cosine of the original full embeddings;
 *   <li>top-k: the same difference averaged over each vector's k nearest in-batch neighbours
 *       only (those decide retrieval, so they get their own term);
 *   <li>contrastive (only with query/document pairs): in-batch InfoNCE with temperature t, the
 *       i-th document being the positive of the i-th query;
 * </ul>
 *
 * plus, once, reconstruction: mean ||f(x) - A0 x||^2 over the batch, where A0 is the orthogonal
 * starting map (identity or rotation). Anchoring to A0 rather than to x lets a rotation start
 * count as "no change", and since A0 is exact at full dimension this keeps full-dimension quality.
 *
 * <p>Prefixes are renormalised with the same row L2 normalisation the index uses.
 */
final class NestedLoss {

  private final int dims;
  private final int hidden;
  private final int[] prefixDims;
  private final float[] dimWeights;
  private final LearnedOptions options;
  private final float[] anchor; // A0, dims x dims row-major

  NestedLoss(int dims, int hidden, int[] prefixDims, float[] dimWeights, LearnedOptions options, float[] anchor) {
    this.dims = dims;
    this.hidden = hidden;
    this.prefixDims = prefixDims;
    this.dimWeights = dimWeights;
    this.options = options;
    this.anchor = anchor;
  }

  /** Parameter shapes, in the order of {@link AdapterTrainer}'s arrays: W, b, then V, c, U. */
  Shape[] shapes() {
    if (hidden == 0) {
      return new Shape[] {new Shape(dims, dims), new Shape(dims)};
    }
    return new Shape[] {
      new Shape(dims, dims), new Shape(dims), new Shape(hidden, dims), new Shape(hidden), new Shape(dims, hidden)
    };
  }

  NDArray forward(NDArray x, NDArray[] p) {
    NDArray y = x.matMul(p[0].transpose()).add(p[1]);
    if (hidden > 0) {
      NDArray h = Activation.relu(x.matMul(p[2].transpose()).add(p[3]));
      y = y.add(h.matMul(p[4].transpose()));
    }
    return y;
  }

  /**
   * A 0-d tensor {@code v} in libtorch's own memory, in {@code like}'s manager.
   *
   * <p>Never {@code array.mul(float)} and friends here: DJL implements them with a scalar tensor
   * made from a Java direct buffer ({@code from_blob}) and closes it right after the operation,
   * but autograd keeps that scalar for the backward pass (the gradient of {@code a * s} needs
   * {@code s}). When the garbage collector frees the buffer before {@code backward}, the
   * gradients read freed memory: training then diverged to NaN at a different epoch in every
   * JVM, and never with the collector switched off (Epsilon GC). Arrays from {@code
   * manager.create(float[])} are safe: the array object that holds their buffer stays in the
   * manager until after {@code backward}.
   */
  static NDArray scalar(NDArray like, float v) {
    return like.getManager().full(new Shape(), v);
  }

  static NDArray normalizeRows(NDArray z) {
    // The epsilon keeps the gradient finite for an all-zero row.
    return z.div(z.square().sum(new int[] {1}, true).add(scalar(z, 1e-12f)).sqrt());
  }

  private NDArray prefix(NDArray y, int m) {
    return m == dims ? y : y.get(new NDIndex(":, :{}", m));
  }

  /** Pairwise + top-k + reconstruction loss of one batch of document vectors (rows of xs). */
  NDArray unsupervised(NDManager manager, float[] xs, int rows, NDArray[] p) {
    NDArray x = manager.create(xs, new Shape(rows, dims));
    NDArray xn = normalizeRows(x);
    NDArray target = xn.matMul(xn.transpose());
    int k = Math.min(options.topK(), rows - 1);
    NDArray mask = manager.create(topKMask(target.toFloatArray(), rows, k), new Shape(rows, rows));
    NDArray y = forward(x, p);
    NDArray total = null;
    for (int i = 0; i < prefixDims.length; i++) {
      if (dimWeights[i] == 0) {
        continue;
      }
      NDArray ym = normalizeRows(prefix(y, prefixDims[i]));
      NDArray diff = ym.matMul(ym.transpose()).sub(target).abs();
      NDArray term =
          diff.mean()
              .mul(scalar(diff, (float) options.pairWeight()))
              .add(diff.mul(mask).sum().div(scalar(diff, (float) rows * k)).mul(scalar(diff, (float) options.topKWeight())))
              .mul(scalar(diff, dimWeights[i]));
      total = total == null ? term : total.add(term);
    }
    NDArray a0 = manager.create(anchor, new Shape(dims, dims));
    NDArray reconstruction =
        y.sub(x.matMul(a0.transpose())).square().sum(new int[] {1}).mean()
            .mul(scalar(y, (float) options.reconstructionWeight()));
    return total == null ? reconstruction : total.add(reconstruction);
  }

  /** In-batch InfoNCE of query rows against their relevant document rows, at every prefix dim. */
  NDArray contrastive(NDManager manager, float[] qs, float[] ds, int rows, NDArray[] p) {
    NDArray q = forward(manager.create(qs, new Shape(rows, dims)), p);
    NDArray d = forward(manager.create(ds, new Shape(rows, dims)), p);
    NDArray eye = manager.eye(rows);
    NDArray total = null;
    for (int i = 0; i < prefixDims.length; i++) {
      if (dimWeights[i] == 0) {
        continue;
      }
      int m = prefixDims[i];
      NDArray logits =
          normalizeRows(prefix(q, m)).matMul(normalizeRows(prefix(d, m)).transpose())
              .div(scalar(q, (float) options.temperature()));
      NDArray ce = logits.logSoftmax(1).mul(eye).sum().div(scalar(q, (float) -rows));
      NDArray term = ce.mul(scalar(q, (float) (options.contrastiveWeight() * dimWeights[i])));
      total = total == null ? term : total.add(term);
    }
    return total == null ? manager.create(0f) : total;
  }

  /**
   * 1 at each row's k most similar other rows, 0 elsewhere; ties go to the lower index so the
   * mask is deterministic.
   */
  static float[] topKMask(float[] sims, int rows, int k) {
    float[] mask = new float[rows * rows];
    int[] best = new int[k];
    for (int i = 0; i < rows; i++) {
      int filled = 0;
      for (int j = 0; j < rows; j++) {
        if (j == i) {
          continue;
        }
        float s = sims[i * rows + j];
        if (filled < k) {
          best[filled++] = j;
        } else if (s > sims[i * rows + best[k - 1]]) {
          best[k - 1] = j;
        } else {
          continue;
        }
        // Insertion step keeps best[] sorted by decreasing similarity.
        for (int t = filled - 1; t > 0 && sims[i * rows + best[t]] > sims[i * rows + best[t - 1]]; t--) {
          int tmp = best[t];
          best[t] = best[t - 1];
          best[t - 1] = tmp;
        }
      }
      for (int t = 0; t < filled; t++) {
        mask[i * rows + best[t]] = 1;
      }
    }
    return mask;
  }
}
