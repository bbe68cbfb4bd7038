package dev.matryoshka.index;

import java.util.Arrays;
import java.util.Locale;
import org.apache.lucene.index.VectorSimilarityFunction;

/** User-facing similarity names and their Lucene functions. */
public enum Similarity {
  /** Cosine of the angle; vectors need not be unit length. */
  COSINE("cosine", VectorSimilarityFunction.COSINE),
  /** Dot product of unit-length vectors. */
  DOT("dot", VectorSimilarityFunction.DOT_PRODUCT),
  /** Euclidean (L2) distance, scored as 1 / (1 + d²). */
  EUCLIDEAN("euclidean", VectorSimilarityFunction.EUCLIDEAN),
  /** Maximum inner product, for vectors that are not unit length. */
  MIP("mip", VectorSimilarityFunction.MAXIMUM_INNER_PRODUCT);

  private final String label;
  private final VectorSimilarityFunction function;

  Similarity(String label, VectorSimilarityFunction function) {
    this.label = label;
    this.function = function;
  }

  /** Lucene's function. */
  public VectorSimilarityFunction function() {
    return function;
  }

  /** The name used on the command line, in settings and in JSON. */
  public String label() {
    return label;
  }

  /** Parses a label (also accepts Lucene's names and the OpenSearch spellings). */
  public static Similarity parse(String s) {
    if (s == null) {
      throw new IllegalArgumentException("similarity must not be null");
    }
    String v = s.trim().toLowerCase(Locale.ROOT);
    for (Similarity sim : values()) {
      if (sim.label.equals(v) || sim.function.name().toLowerCase(Locale.ROOT).equals(v)) {
        return sim;
      }
    }
    switch (v) {
      case "dot_product", "dotproduct" -> { return DOT; }
      case "l2" -> { return EUCLIDEAN; }
      case "max_inner_product", "maximum_inner_product", "innerproduct" -> { return MIP; }
      default -> { }
    }
    throw new IllegalArgumentException(
        "unknown similarity \"" + s + "\"; expected one of "
            + Arrays.stream(values()).map(Similarity::label).toList());
  }

  /** Maps a Lucene function back to its label. */
  public static Similarity of(VectorSimilarityFunction f) {
    for (Similarity sim : values()) {
      if (sim.function == f) {
        return sim;
      }
    }
    throw new IllegalArgumentException("unsupported similarity: " + f);
  }

  @Override
  public String toString() {
    return label;
  }
}
