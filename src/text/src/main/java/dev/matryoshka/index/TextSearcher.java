package dev.matryoshka.index;

import dev.matryoshka.encode.EncoderOptions;
import dev.matryoshka.encode.Models;
import dev.matryoshka.encode.TextEncoder;
import java.io.Closeable;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.function.UnaryOperator;
import org.apache.lucene.search.Query;

/**
 * Text search over a Matryoshka index: the query is encoded with the index's model (query
 * prefix applied), passed through the index's adapter, and searched prefix-then-rerank.
 *
 * <pre>{@code
 * try (var s = TextSearcher.open(indexDir, null, EncoderOptions.defaults())) {
 *   s.search("how do vaccines train the immune system", 10, null); // the index's calibrated oversample
 * }
 * }</pre>
 */
public final class TextSearcher implements Closeable {

  private final MatryoshkaSearcher searcher;
  private final TextEncoder encoder;
  private final UnaryOperator<float[]> adapter;

  private TextSearcher(MatryoshkaSearcher searcher, TextEncoder encoder, UnaryOperator<float[]> adapter) {
    this.searcher = searcher;
    this.encoder = encoder;
    this.adapter = adapter;
  }

  /**
   * Opens the index and its model.
   *
   * @param model model name or folder; null uses the model recorded in the index
   * @throws IllegalArgumentException when the index has no model, or the model differs from the
   *     index's (both fingerprints named), or its dimension differs
   */
  public static TextSearcher open(Path index, String model, EncoderOptions options) throws IOException {
    MatryoshkaSearcher s = MatryoshkaSearcher.open(index);
    TextEncoder enc = null;
    try {
      IndexSettings st = s.settings();
      if (st.modelName() == null) {
        throw new IllegalArgumentException(
            "index " + index + " holds precomputed vectors (no model recorded); search it with a vector");
      }
      enc = Models.open(model != null ? model : st.modelName(), options);
      checkModel(st, enc, index);
      UnaryOperator<float[]> adapter = Adapters.load(index, st);
      return new TextSearcher(s, enc, adapter);
    } catch (Throwable t) {
      if (enc != null) enc.close();
      s.close();
      throw t;
    }
  }

  /** Refuses a model whose fingerprint or dimension differs from what the index was built with. */
  static void checkModel(IndexSettings st, TextEncoder enc, Path index) {
    var info = enc.info();
    if (info.dims() != st.dims()) {
      throw new IllegalArgumentException(
          "model " + info.name() + " outputs " + info.dims() + " dims but index " + index
              + " has " + st.dims() + " dims");
    }
    if (st.modelFingerprint() != null && !st.modelFingerprint().equals(info.fingerprint())) {
      throw new IllegalArgumentException(
          "index " + index + " was built with model " + st.modelName() + " (sha256:"
              + IndexSettings.shortFp(st.modelFingerprint()) + "), not with " + info.name()
              + " (sha256:" + IndexSettings.shortFp(info.fingerprint()) + "); search it with --model "
              + st.modelName());
    }
  }

  /** The full (adapted) vector for a query text. */
  public float[] queryVector(String text) {
    if (text == null || text.isBlank()) {
      throw new IllegalArgumentException("query text is empty");
    }
    return adapter.apply(encoder.encodeQuery(text));
  }

  /** Top k documents for a text query, at the index's default (calibrated) oversample. */
  public List<MatryoshkaSearcher.Hit> search(String text, int k, Query filter) throws IOException {
    return searcher.search(queryVector(text), k, filter);
  }

  /** Top k documents for a text query at an explicit oversample. */
  public List<MatryoshkaSearcher.Hit> search(String text, int k, float oversample, Query filter)
      throws IOException {
    return searcher.search(queryVector(text), k, oversample, filter);
  }

  /** Hybrid search (BM25 + vectors fused); see {@link MatryoshkaSearcher#hybrid}. */
  public MatryoshkaSearcher.HybridResult hybrid(String text, int k, float oversample, Query filter,
      String fusion, double weight, int depth) throws IOException {
    return searcher.hybrid(queryVector(text), text, k, oversample, filter, fusion, weight, depth);
  }

  /** The vector-level searcher. */
  public MatryoshkaSearcher vectors() {
    return searcher;
  }

  /** The query encoder. */
  public TextEncoder encoder() {
    return encoder;
  }

  @Override
  public void close() throws IOException {
    try {
      encoder.close();
    } finally {
      searcher.close();
    }
  }
}
