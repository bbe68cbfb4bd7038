package dev.matryoshka.index;

import java.util.Arrays;
import java.util.Locale;
import org.apache.lucene.index.VectorSimilarityFunction;

/**
 * The one table of similarity names: the label used on the command line, in settings and JSON,
 * the spelling of OpenSearch mappings, and Lucene's function. The plugin's mapper and the
 * OpenSearch reindex target read their names from here. (The codec keeps its own list of
 * similarity <em>wire numbers</em>: those are frozen by the on-disk format, not names.)
 */
public enum SimilarityName {
  /** Cosine of the angle; vectors need not be unit length. */
  COSINE("cosine", "cosine", VectorSimilarityFunction.COSINE),
  /** Dot product of unit-length vectors. */
  DOT("dot", "dot_product", VectorSimilarityFunction.DOT_PRODUCT),
  /** Euclidean (L2) distance, scored as 1 / (1 + d²). */
  EUCLIDEAN("euclidean", "l2", VectorSimilarityFunction.EUCLIDEAN),
  /** Maximum inner product, for vectors that are not unit length. */
  MIP("mip", "max_inner_product", VectorSimilarityFunction.MAXIMUM_INNER_PRODUCT);

  private final String label;
  private final String openSearchName;
  private final VectorSimilarityFunction function;

  SimilarityName(String label, String openSearchName, VectorSimilarityFunction function) {
    this.label = label;
    this.openSearchName = openSearchName;
    this.function = function;
  }

  /** The name in an OpenSearch mapping: {@code cosine}, {@code dot_product}, {@code l2}, {@code max_inner_product}. */
  public String openSearchName() {
    return openSearchName;
  }

  /** Every OpenSearch mapping name, {@link #COSINE}'s (the mapping default) first. */
  public static String[] openSearchNames() {
    return Arrays.stream(values()).map(SimilarityName::openSearchName).toArray(String[]::new);
  }

  /**
   * The similarity of an OpenSearch mapping name; only the four mapping spellings are accepted.
   *
   * @throws IllegalArgumentException naming the value and the choices
   */
  public static SimilarityName fromOpenSearchName(String name) {
    for (SimilarityName sim : values()) {
      if (sim.openSearchName.equals(name)) {
        return sim;
      }
    }
    throw new IllegalArgumentException(
        "unknown OpenSearch similarity \"" + name + "\"; expected one of " + Arrays.toString(openSearchNames()));
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
  public static SimilarityName parse(String s) {
    if (s == null) {
      throw new IllegalArgumentException("similarity must not be null");
    }
    String v = s.trim().toLowerCase(Locale.ROOT);
    for (SimilarityName sim : values()) {
      if (sim.label.equals(v) || sim.function.name().toLowerCase(Locale.ROOT).equals(v)) {
        return sim;
      }
    }
    for (SimilarityName sim : values()) {
      if (sim.openSearchName.equals(v)) {
        return sim;
      }
    }
    switch (v) {
      case "dotproduct" -> { return DOT; }
      case "maximum_inner_product", "innerproduct" -> { return MIP; }
      default -> { }
    }
    throw new IllegalArgumentException(
        "unknown similarity \"" + s + "\"; expected one of "
            + Arrays.stream(values()).map(SimilarityName::label).toList());
  }

  /** Maps a Lucene function back to its label. */
  public static SimilarityName of(VectorSimilarityFunction f) {
    for (SimilarityName sim : values()) {
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
