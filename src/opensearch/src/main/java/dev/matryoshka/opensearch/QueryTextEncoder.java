package dev.matryoshka.opensearch;

import org.opensearch.action.IndicesRequest;
import org.opensearch.core.action.ActionListener;

/**
 * Turns {@code query_text} into a query vector with a model's query prefix; implemented for the
 * node by {@link NodeQueryEncoder} over the node's shared {@link Encoders}.
 *
 * <p>{@link MatryoshkaKnnQueryBuilder} encodes once per search on the coordinating node ({@link
 * #modelForSearch}, {@link #encodeQueryAsync}); a shard encodes ({@link #encodeQuery}) only when
 * no coordinating node did.
 */
interface QueryTextEncoder {
  /**
   * Encodes on the calling thread.
   *
   * @param model model name from the field mapping, null for the default model
   * @param text the query text
   * @throws IllegalArgumentException when the model is unknown (answered as HTTP 400)
   */
  float[] encodeQuery(String model, String text);

  /**
   * The model key ({@link Encoders#key}) that every index the search targets maps {@code field}
   * with, or null when that cannot be known here (no such field, indices that disagree, an
   * unresolvable index expression); the shards then encode for themselves.
   */
  default String modelForSearch(String field, IndicesRequest request) {
    return null;
  }

  /** Encodes off the calling thread (a network thread must not run a model) and answers {@code listener}. */
  default void encodeQueryAsync(String model, String text, ActionListener<float[]> listener) {
    ActionListener.completeWith(listener, () -> encodeQuery(model, text));
  }

  /** Notes that a shard encoded a query text itself. */
  default void countShardEncode() {}
}
