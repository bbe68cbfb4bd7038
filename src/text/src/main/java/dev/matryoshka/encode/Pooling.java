package dev.matryoshka.encode;

import java.util.Locale;

/**
 * How token vectors of the last hidden layer become one text vector.
 *
 * <pre>{@code
 * Pooling p = Pooling.parse("mean");   // Pooling.MEAN
 * String json = p.jsonName();          // "mean"
 * }</pre>
 */
public enum Pooling {
  /** The vector of the first token ({@code [CLS]}), as BGE models are trained. */
  CLS,
  /** The average of all real (attention mask = 1) token vectors, as sentence-transformers do. */
  MEAN;

  /** The lower-case spelling used in {@code matryoshka-model.json}. */
  public String jsonName() {
    return name().toLowerCase(Locale.ROOT);
  }

  /**
   * Parses {@code "cls"} or {@code "mean"} (any case).
   *
   * @throws IllegalArgumentException naming the accepted values
   */
  public static Pooling parse(String value) {
    if (value != null) {
      for (Pooling p : values()) {
        if (p.name().equalsIgnoreCase(value.trim())) {
          return p;
        }
      }
    }
    throw new IllegalArgumentException("pooling must be \"cls\" or \"mean\"; got=" + value);
  }
}
