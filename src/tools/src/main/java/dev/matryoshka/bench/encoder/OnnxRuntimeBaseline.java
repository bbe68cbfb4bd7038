package dev.matryoshka.bench.encoder;

import ai.djl.huggingface.tokenizers.Encoding;
import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import dev.matryoshka.encode.ModelFiles;
import java.io.IOException;
import java.nio.LongBuffer;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Benchmark baseline only: the model run the way a straightforward caller of ONNX Runtime would
 * run it. Texts are tokenised, padded to the longest of their batch in input order (no sorting by
 * length) and run; the hidden states are read but not pooled. It opens its own session and
 * tokenizer from the model's files, so the encoder under test keeps its own to itself.
 */
final class OnnxRuntimeBaseline implements AutoCloseable {
  // the input and output names of Hugging Face's ONNX exports
  private static final String INPUT_IDS = "input_ids";
  private static final String ATTENTION_MASK = "attention_mask";
  private static final String TOKEN_TYPE_IDS = "token_type_ids";
  private static final String HIDDEN_STATES = "last_hidden_state";

  private final OrtEnvironment env;
  private final OrtSession session;
  private final HuggingFaceTokenizer tokenizer;
  private final boolean feedTokenTypes;
  private final String output;

  private OnnxRuntimeBaseline(OrtEnvironment env, OrtSession session, HuggingFaceTokenizer tokenizer) {
    this.env = env;
    this.session = session;
    this.tokenizer = tokenizer;
    this.feedTokenTypes = session.getInputNames().contains(TOKEN_TYPE_IDS);
    Set<String> outputs = session.getOutputNames();
    this.output = outputs.contains(HIDDEN_STATES) ? HIDDEN_STATES : outputs.iterator().next();
  }

  /**
   * Opens a session with the encoder's session settings (one intra-op thread without spinning,
   * sequential, every graph optimisation), so the two differ only in what the encoder does around
   * the session: length sorting, batching, concurrent batches and pooling. Its tokenizer is the
   * encoder's too (no padding, cut at the model's token limit).
   */
  static OnnxRuntimeBaseline open(ModelFiles files) throws IOException {
    OrtEnvironment env = OrtEnvironment.getEnvironment();
    OrtSession session = files.openEncoderSession(env);
    HuggingFaceTokenizer tokenizer = null;
    try {
      tokenizer = files.openTokenizer();
      return new OnnxRuntimeBaseline(env, session, tokenizer);
    } catch (IOException | RuntimeException e) {
      if (tokenizer != null) {
        tokenizer.close();
      }
      try {
        session.close();
      } catch (OrtException suppressed) {
        e.addSuppressed(suppressed);
      }
      throw e;
    }
  }

  /** Runs every text of {@code docs} through the model, {@code batch} texts at a time. */
  void run(List<String> docs, int batch) throws OrtException {
    for (int from = 0; from < docs.size(); from += batch) {
      List<String> part = docs.subList(from, Math.min(docs.size(), from + batch));
      Encoding[] e = tokenizer.batchEncode(part);
      int len = 0;
      for (Encoding x : e) {
        len = Math.max(len, x.getIds().length);
      }
      long[] ids = new long[e.length * len];
      long[] mask = new long[e.length * len];
      for (int r = 0; r < e.length; r++) {
        System.arraycopy(e[r].getIds(), 0, ids, r * len, e[r].getIds().length);
        System.arraycopy(e[r].getAttentionMask(), 0, mask, r * len, e[r].getIds().length);
      }
      long[] shape = {e.length, len};
      try (OnnxTensor i = OnnxTensor.createTensor(env, LongBuffer.wrap(ids), shape);
          OnnxTensor m = OnnxTensor.createTensor(env, LongBuffer.wrap(mask), shape);
          OnnxTensor t = OnnxTensor.createTensor(env, LongBuffer.wrap(new long[ids.length]), shape)) {
        Map<String, OnnxTensor> feed = new HashMap<>();
        feed.put(INPUT_IDS, i);
        feed.put(ATTENTION_MASK, m);
        if (feedTokenTypes) {
          feed.put(TOKEN_TYPE_IDS, t);
        }
        try (OrtSession.Result out = session.run(feed, Set.of(output))) {
          ((OnnxTensor) out.get(0)).getFloatBuffer();
        }
      }
    }
  }

  @Override
  public void close() throws OrtException {
    try {
      tokenizer.close();
    } finally {
      session.close();
    }
  }
}
