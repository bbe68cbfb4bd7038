package dev.matryoshka.opensearch;

/**
 * Turns {@code query_text} into a query vector with a model's query prefix; implemented by the
 * node's shared encoders.
 */
@FunctionalInterface
interface QueryTextEncoder {
  /**
   * @param model model name or folder from the field mapping, null for the default model
   * @param text the query text
   * @throws IllegalArgumentException when the model is unknown (answered as HTTP 400)
   */
  float[] encodeQuery(String model, String text);
}
