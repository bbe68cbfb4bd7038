package dev.matryoshka.eval;

import dev.matryoshka.codec.MatryoshkaPrefix;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.function.Function;
import org.apache.lucene.index.VectorSimilarityFunction;

/**
 * Spearman correlation between the cosine similarity of each pair's embeddings and the gold
 * scores, as MTEB's STS tasks report it (a fraction in {@code [-1, 1]}, not ×100).
 *
 * <pre>{@code
 * double rho = StsEvaluator.spearman(sts, emb1, emb2, 64);
 * List<EvalReport.Row> rows = StsEvaluator.evaluate(sts, encoder, new int[] {64, 128, 384}, "exact", "none");
 * }</pre>
 */
public final class StsEvaluator {
  private StsEvaluator() {}

  /**
   * Spearman of cosine(emb1[i], emb2[i]) against the gold scores.
   *
   * @param dims prefix length compared (renormalised with {@link MatryoshkaPrefix#prefix}, as for cosine);
   *     the full dimension means the whole vectors
   */
  public static double spearman(StsDataset ds, float[][] emb1, float[][] emb2, int dims) {
    Objects.requireNonNull(ds, "ds");
    double[] cos = cosines(emb1, emb2, dims, ds.size());
    return Metrics.spearman(cos, ds.scores());
  }

  /** Spearman on the full vectors. */
  public static double spearman(StsDataset ds, float[][] emb1, float[][] emb2) {
    Objects.requireNonNull(emb1, "emb1");
    if (emb1.length == 0) {
      throw new IllegalArgumentException("emb1 is empty");
    }
    return spearman(ds, emb1, emb2, emb1[0].length);
  }

  /**
   * Encodes both sides once and reports one row per prefix length.
   *
   * @param encoder texts to one embedding per text, same order
   * @param dims prefix lengths to report
   * @param mode report label, e.g. {@code exact}
   * @param adapter report label, e.g. {@code none}
   */
  public static List<EvalReport.Row> evaluate(
      StsDataset ds,
      Function<List<String>, float[][]> encoder,
      int[] dims,
      String mode,
      String adapter) {
    Objects.requireNonNull(encoder, "encoder");
    Objects.requireNonNull(dims, "dims");
    float[][] e1 = encoder.apply(ds.sentences1());
    float[][] e2 = encoder.apply(ds.sentences2());
    List<EvalReport.Row> rows = new ArrayList<>(dims.length);
    for (int d : dims) {
      rows.add(EvalReport.Row.sts(mode, d, adapter, spearman(ds, e1, e2, d)));
    }
    return rows;
  }

  private static double[] cosines(float[][] a, float[][] b, int dims, int expected) {
    Objects.requireNonNull(a, "emb1");
    Objects.requireNonNull(b, "emb2");
    if (a.length != expected || b.length != expected) {
      throw new IllegalArgumentException("need " + expected + " embeddings per side; got "
          + a.length + " and " + b.length);
    }
    double[] out = new double[expected];
    for (int i = 0; i < expected; i++) {
      if (a[i].length != b[i].length) {
        throw new IllegalArgumentException("pair " + i + ": dimensions differ, "
            + a[i].length + " vs " + b[i].length);
      }
      // normalising both sides makes the dot product the cosine, at every prefix length
      float[] x = normalisedPrefix(a[i], dims, "pair " + i + " sentence 1");
      float[] y = normalisedPrefix(b[i], dims, "pair " + i + " sentence 2");
      double dot = 0;
      for (int j = 0; x != null && y != null && j < dims; j++) {
        dot += (double) x[j] * y[j];
      }
      out[i] = dot;
    }
    return out;
  }

  /**
   * The codec's prefix (renormalised as for cosine), after a finiteness check naming the row; null
   * for an all-zero prefix, whose cosine with anything counts as 0 (the codec would substitute a
   * basis vector, which suits a graph but would invent a similarity here).
   */
  private static float[] normalisedPrefix(float[] v, int dims, String what) {
    boolean zero = true;
    for (int j = 0; j < v.length; j++) {
      if (!Float.isFinite(v[j])) {
        throw new IllegalArgumentException(what + ": component " + j + " is not finite");
      }
      zero &= j >= dims || v[j] == 0;
    }
    return zero ? null : MatryoshkaPrefix.prefix(v, dims, VectorSimilarityFunction.COSINE);
  }
}
