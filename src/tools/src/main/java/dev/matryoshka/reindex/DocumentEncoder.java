package dev.matryoshka.reindex;

import dev.matryoshka.encode.EncoderOptions;
import dev.matryoshka.encode.Models;
import dev.matryoshka.encode.TextEncoder;
import java.io.IOException;
import java.util.List;

/**
 * The slice of a text encoder a reindex needs. Opened through a {@link Factory} only when some
 * document must be encoded, so a reindex that reuses vectors never loads a model.
 *
 * <pre>{@code
 * DocumentEncoder.Factory f = DocumentEncoder.models("bge-small-en-v1.5", EncoderOptions.defaults());
 * try (DocumentEncoder enc = f.open()) { float[][] v = enc.encode(List.of("some text")); }
 * }</pre>
 */
public interface DocumentEncoder extends AutoCloseable {

  /** Opens an encoder; called at most once per reindex, and only when text must be encoded. */
  @FunctionalInterface
  interface Factory {
    /** Loads the model. */
    DocumentEncoder open() throws IOException;
  }

  /** Model name recorded in the target's settings. */
  String name();

  /** Model fingerprint recorded in the target's settings. */
  String fingerprint();

  /** Vector dimension. */
  int dims();

  /**
   * Whether the model was trained for truncation (its default prefix is then narrow); an encoder
   * that does not say is taken as trained.
   */
  default boolean trainedForTruncation() {
    return true;
  }

  /** One vector per text (document prefix applied), in order. */
  float[][] encode(List<String> texts);

  @Override
  void close();

  /** A factory over {@link Models#open(String, EncoderOptions)}. */
  static Factory models(String nameOrDir, EncoderOptions options) {
    return () -> wrap(Models.open(nameOrDir, options));
  }

  /** Adapts an open {@link TextEncoder}; closing the result closes it. */
  static DocumentEncoder wrap(TextEncoder enc) {
    return new DocumentEncoder() {
      @Override
      public String name() {
        return enc.info().name();
      }

      @Override
      public String fingerprint() {
        return enc.info().fingerprint();
      }

      @Override
      public int dims() {
        return enc.info().dims();
      }

      @Override
      public boolean trainedForTruncation() {
        return enc.info().config().trainedForTruncation();
      }

      @Override
      public float[][] encode(List<String> texts) {
        return enc.encodeDocuments(texts);
      }

      @Override
      public void close() {
        enc.close();
      }
    };
  }
}
