package dev.matryoshka.encode;

import java.util.Objects;

/**
 * What an open encoder is: enough to record in an index and to check on reopen that queries are
 * encoded by the same model that encoded the documents.
 *
 * <pre>{@code
 * ModelInfo info = encoder.info();
 * if (!info.fingerprint().equals(storedFingerprint)) throw new IllegalStateException("model changed");
 * }</pre>
 *
 * @param name the model's name ({@code bge-small-en-v1.5}, or the folder's config name)
 * @param dims the length of every vector the encoder returns
 * @param fingerprint SHA-256 of the {@code model.onnx} bytes, lower-case hex
 * @param config the configuration in force, with {@code dims} filled in from the model
 * @param source where the model came from ({@code classpath:/...} or an absolute folder path)
 */
public record ModelInfo(
    String name, int dims, String fingerprint, ModelConfig config, String source) {

  /** Checks the arguments. */
  public ModelInfo {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(fingerprint, "fingerprint");
    Objects.requireNonNull(config, "config");
    Objects.requireNonNull(source, "source");
    if (dims < 1) {
      throw new IllegalArgumentException("dims must be >= 1; got=" + dims);
    }
  }
}
