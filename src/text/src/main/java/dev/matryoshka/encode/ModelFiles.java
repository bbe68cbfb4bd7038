package dev.matryoshka.encode;

import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import java.io.IOException;
import java.util.Objects;

/**
 * A model as {@link Models} finds it, before anything native is opened: its config, fingerprint,
 * ONNX graph and tokenizer. {@link Models#open} builds encoders from it; a caller that runs the
 * graph itself (the encoder benchmark's plain ONNX Runtime baseline) opens its own session and
 * tokenizer here, owns them and closes them. An encoder never shares its own.
 *
 * <pre>{@code
 * ModelFiles f = Models.files("bge-small-en-v1.5");
 * try (OrtSession.SessionOptions so = new OrtSession.SessionOptions();
 *     OrtSession s = f.openSession(OrtEnvironment.getEnvironment(), so);
 *     HuggingFaceTokenizer t = f.openTokenizer()) { ... }
 * }</pre>
 *
 * <p>A bundled model's graph is held in memory (as {@link Models#open} reads it), so keep an
 * instance only as long as sessions are still to be opened from it.
 */
public final class ModelFiles {

  /** Opens an ONNX Runtime session: from the bytes of a bundled model, from a folder's file. */
  @FunctionalInterface
  interface SessionOpener {
    OrtSession open(OrtEnvironment env, OrtSession.SessionOptions options) throws OrtException;
  }

  private final SessionOpener opener;
  private final String where;
  private final byte[] tokenizerJson;
  private final String tokenizerWhere;
  private final ModelConfig config;
  private final String fingerprint;
  private final String source;

  /**
   * @param where names the model file in error messages
   * @param tokenizerWhere names the tokenizer file in error messages
   * @param source where the model came from, recorded in {@link ModelInfo#source()}
   */
  ModelFiles(SessionOpener opener, String where, byte[] tokenizerJson, String tokenizerWhere,
      ModelConfig config, String fingerprint, String source) {
    this.opener = Objects.requireNonNull(opener, "opener");
    this.where = where;
    this.tokenizerJson = tokenizerJson;
    this.tokenizerWhere = tokenizerWhere;
    this.config = config;
    this.fingerprint = fingerprint;
    this.source = source;
  }

  /**
   * The config as declared. Its {@link ModelConfig#dims()} is 0 for a folder model that does not
   * state it: an encoder reads the dimension from the graph when it opens.
   */
  public ModelConfig config() {
    return config;
  }

  /** SHA-256 (hex) of {@code model.onnx}, as {@link Models#fingerprint} gives it. */
  public String fingerprint() {
    return fingerprint;
  }

  /**
   * Opens a new session with the encoder's settings: one intra-op thread without spinning (an
   * encoder gets its parallelism from running batches concurrently), one inter-op thread,
   * sequential execution, every graph optimisation. The caller closes it.
   *
   * @throws IOException naming the model file if ONNX Runtime cannot load it
   */
  public OrtSession openEncoderSession(OrtEnvironment env) throws IOException {
    try (OrtSession.SessionOptions so = new OrtSession.SessionOptions()) {
      so.setIntraOpNumThreads(1);
      so.addConfigEntry("session.intra_op.allow_spinning", "0");
      // one graph per call: inter-op threads would only compete with intra-op ones
      so.setInterOpNumThreads(1);
      so.setExecutionMode(OrtSession.SessionOptions.ExecutionMode.SEQUENTIAL);
      so.setOptimizationLevel(OrtSession.SessionOptions.OptLevel.ALL_OPT);
      return openSession(env, so);
    } catch (OrtException e) { // from the options
      throw new IOException("cannot load ONNX model " + where + ": " + e.getMessage(), e);
    }
  }

  /**
   * Opens a new session on the model with the caller's options; the caller closes it.
   *
   * @throws IOException naming the model file if ONNX Runtime cannot load it
   */
  public OrtSession openSession(OrtEnvironment env, OrtSession.SessionOptions options)
      throws IOException {
    try {
      return opener.open(env, options);
    } catch (OrtException e) {
      throw new IOException("cannot load ONNX model " + where + ": " + e.getMessage(), e);
    }
  }

  /**
   * Opens a new tokenizer set up as encoders use it: special tokens added, no padding, cut at
   * {@link ModelConfig#maxTokens()}. The caller closes it.
   *
   * @throws IOException naming the tokenizer file if it cannot be loaded
   */
  public HuggingFaceTokenizer openTokenizer() throws IOException {
    return OnnxTextEncoder.newTokenizer(tokenizerJson, tokenizerWhere, config.maxTokens());
  }

  /** Names the model file in error messages. */
  String where() {
    return where;
  }

  /** Where the model came from: a class path resource or a folder. */
  String source() {
    return source;
  }

  @Override
  public String toString() {
    return "ModelFiles(" + config.name() + ", " + where + ")";
  }
}
