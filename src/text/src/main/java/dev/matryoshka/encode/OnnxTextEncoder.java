package dev.matryoshka.encode;

import ai.djl.huggingface.tokenizers.Encoding;
import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import ai.onnxruntime.NodeInfo;
import ai.onnxruntime.OnnxJavaType;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import ai.onnxruntime.TensorInfo;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.FloatBuffer;
import java.nio.LongBuffer;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.ReentrantReadWriteLock;

/**
 * A {@link TextEncoder} running an ONNX transformer with ONNX Runtime, tokenised by the Hugging
 * Face tokenizers library (through DJL), both in process. Open one with {@link Models#open}.
 *
 * <pre>{@code
 * try (TextEncoder enc = Models.open("all-MiniLM-L6-v2", EncoderOptions.defaults())) {
 *   float[][] v = enc.encodeDocuments(List.of("first text", "second text"));
 * }
 * }</pre>
 *
 * <p>Per call: texts are tokenised (cut at {@link ModelConfig#maxTokens()}), sorted by token
 * count so each batch holds texts of similar length, padded only to the longest text of their
 * batch, run through the model, pooled ({@link Pooling}), optionally layer-normed and
 * L2-normalised, and returned in input order. Padding never changes a vector beyond float noise
 * because padded positions are masked out both in attention and in mean pooling.
 *
 * <p>Thread-safe: ONNX Runtime sessions and the Rust tokenizer allow concurrent calls; {@link
 * #close()} waits for calls in flight.
 */
public final class OnnxTextEncoder implements TextEncoder {

  private static final String INPUT_IDS = "input_ids";
  private static final String ATTENTION_MASK = "attention_mask";
  /** Fed only when the model declares it (BERT exports do, some others do not). */
  private static final String TOKEN_TYPE_IDS = "token_type_ids";
  private static final String PREFERRED_OUTPUT = "last_hidden_state";
  /** Tokenise this many batches at a time: enough to sort well, bounded memory for huge lists. */
  private static final int BATCHES_PER_WINDOW = 32;

  private final OrtEnvironment env;
  private final OrtSession session;
  private final HuggingFaceTokenizer tokenizer;
  private final ModelInfo info;
  private final EncoderOptions options;
  private final boolean feedTokenTypes;
  private final String outputName;
  private final LongAdder textsEncoded = new LongAdder();
  private final LongAdder inputsTruncated = new LongAdder();
  private final ReentrantReadWriteLock lock = new ReentrantReadWriteLock();

  /**
   * Padded tokens per batch. Long texts go in smaller batches: attention cost grows with length,
   * and one 512-token text would otherwise pad a whole batch.
   */
  private static final int TOKENS_PER_BATCH = 1024;

  /**
   * Batches run concurrently, each on one ONNX Runtime thread: data parallelism over batches
   * scales better on a few cores than intra-op threads inside one small graph run, and idle
   * intra-op threads do not spin on a busy machine.
   */
  private final java.util.concurrent.ExecutorService workers;
  private boolean closed; // guarded by lock

  private OnnxTextEncoder(
      OrtEnvironment env,
      OrtSession session,
      HuggingFaceTokenizer tokenizer,
      ModelInfo info,
      EncoderOptions options,
      boolean feedTokenTypes,
      String outputName) {
    this.env = env;
    this.session = session;
    this.tokenizer = tokenizer;
    this.info = info;
    this.options = options;
    this.feedTokenTypes = feedTokenTypes;
    this.outputName = outputName;
    int threads = options.intraOpThreads();
    this.workers = threads <= 1 ? null : java.util.concurrent.Executors.newFixedThreadPool(threads, r -> {
      Thread t = new Thread(r, "matryoshka-onnx-" + info.name());
      t.setDaemon(true);
      return t;
    });
  }

  /**
   * Builds an encoder on its own session and tokenizer; on failure every native handle opened so
   * far is closed.
   *
   * @throws IOException if the model or tokenizer cannot be loaded, or does not fit the config
   */
  static OnnxTextEncoder open(ModelFiles files, EncoderOptions options) throws IOException {
    String where = files.where();
    ModelConfig config = files.config();
    String fingerprint = files.fingerprint();
    String source = files.source();
    DjlOffline.ensure();
    OrtEnvironment env = OrtEnvironment.getEnvironment();
    OrtSession session = files.openEncoderSession(env);
    HuggingFaceTokenizer tokenizer = null;
    try {
      tokenizer = files.openTokenizer();
      Map<String, NodeInfo> inputs = session.getInputInfo();
      checkInputs(inputs, where);
      String output = pickOutput(session.getOutputInfo(), where);
      ModelInfo probeInfo =
          new ModelInfo(config.name(), 1, fingerprint, config, source); // dims filled below
      OnnxTextEncoder enc =
          new OnnxTextEncoder(
              env, session, tokenizer, probeInfo, options, inputs.containsKey(TOKEN_TYPE_IDS),
              output);
      int dims = enc.discoverDims();
      if (config.dims() != 0 && config.dims() != dims) {
        throw new IOException(
            "model " + where + " gives " + dims + "-dim vectors but its config says dims="
                + config.dims());
      }
      ModelConfig filled = config.withDims(dims);
      if (enc.workers != null) {
        enc.workers.shutdown(); // the probe instance only found the dims
      }
      return new OnnxTextEncoder(
          env, session, tokenizer,
          new ModelInfo(config.name(), dims, fingerprint, filled, source),
          options, enc.feedTokenTypes, output);
    } catch (IOException | RuntimeException e) {
      closeQuietly(session, tokenizer, e);
      throw e;
    } catch (OrtException e) {
      closeQuietly(session, tokenizer, e);
      throw new IOException("cannot run ONNX model " + where + ": " + e.getMessage(), e);
    }
  }

  /**
   * The tokenizer.json's own padding and truncation are replaced: MiniLM's file pads and cuts
   * every text at 128 tokens, which would both waste work and disagree with our limit. We pad
   * per batch ourselves and cut at {@code maxTokens}.
   */
  static HuggingFaceTokenizer newTokenizer(byte[] json, String where, int maxTokens)
      throws IOException {
    DjlOffline.ensure();
    Map<String, String> opts = new HashMap<>();
    opts.put("addSpecialTokens", "true");
    opts.put("withOverflowingTokens", "false");
    opts.put("padding", "false");
    opts.put("truncation", "true");
    opts.put("maxLength", Integer.toString(maxTokens));
    // DJL silently lowers maxLength to modelMaxLength (default 512) otherwise
    opts.put("modelMaxLength", Integer.toString(maxTokens));
    opts.put("stride", "0");
    try {
      return HuggingFaceTokenizer.newInstance(new ByteArrayInputStream(json), opts);
    } catch (IOException | RuntimeException e) {
      throw new IOException("cannot load tokenizer " + where + ": " + e.getMessage(), e);
    }
  }

  private static void checkInputs(Map<String, NodeInfo> inputs, String where) throws IOException {
    for (String required : List.of(INPUT_IDS, ATTENTION_MASK)) {
      if (!inputs.containsKey(required)) {
        throw new IOException(
            "model " + where + " has no input '" + required + "'; inputs=" + inputs.keySet());
      }
    }
    for (Map.Entry<String, NodeInfo> e : inputs.entrySet()) {
      String name = e.getKey();
      if (!name.equals(INPUT_IDS) && !name.equals(ATTENTION_MASK)
          && !name.equals(TOKEN_TYPE_IDS)) {
        throw new IOException(
            "model " + where + " needs input '" + name + "', which this encoder cannot feed"
                + " (supported: input_ids, attention_mask, token_type_ids)");
      }
      if (!(e.getValue().getInfo() instanceof TensorInfo ti) || ti.type != OnnxJavaType.INT64) {
        throw new IOException(
            "model " + where + " input '" + name + "' must be an int64 tensor; got="
                + e.getValue().getInfo());
      }
    }
  }

  private static String pickOutput(Map<String, NodeInfo> outputs, String where)
      throws IOException {
    if (outputs.containsKey(PREFERRED_OUTPUT)) {
      return PREFERRED_OUTPUT;
    }
    for (Map.Entry<String, NodeInfo> e : outputs.entrySet()) {
      if (e.getValue().getInfo() instanceof TensorInfo ti
          && ti.type == OnnxJavaType.FLOAT
          && ti.getShape().length == 3) {
        return e.getKey();
      }
    }
    throw new IOException(
        "model " + where + " has no float [batch, tokens, hidden] output to pool; outputs="
            + outputs.keySet());
  }

  private int discoverDims() throws OrtException {
    TensorInfo ti = (TensorInfo) session.getOutputInfo().get(outputName).getInfo();
    long[] shape = ti.getShape();
    if (shape[2] > 0) {
      return Math.toIntExact(shape[2]);
    }
    // symbolic hidden size: ask the model itself
    Encoding e = tokenizer.encode("hello");
    return runBatch(new Encoding[] {e}, new int[] {0}, 0, 1)[0].length;
  }

  @Override
  public float[][] encodeDocuments(List<String> texts) {
    return encode(texts, info.config().documentPrefix());
  }

  @Override
  public float[][] encodeQueries(List<String> texts) {
    return encode(texts, info.config().queryPrefix());
  }

  @Override
  public ModelInfo info() {
    return info;
  }

  @Override
  public long textsEncoded() {
    return textsEncoded.sum();
  }

  @Override
  public long inputsTruncated() {
    return inputsTruncated.sum();
  }

  /**
   * For tests in this package only: the tokenizer is closed with the encoder, and a caller using
   * it outside an encode call's read lock could race with {@link #close()}.
   */
  HuggingFaceTokenizer tokenizer() {
    return tokenizer;
  }

  private float[][] encode(List<String> texts, String prefix) {
    int batchSize = options.batchSize();
    String[] prepared = prepare(texts, prefix);
    float[][] out = new float[prepared.length][];
    lock.readLock().lock();
    try {
      if (closed) {
        throw new IllegalStateException("encoder for " + info.name() + " is closed");
      }
      int window = batchSize * BATCHES_PER_WINDOW;
      for (int from = 0; from < prepared.length; from += window) {
        int to = Math.min(prepared.length, from + window);
        encodeWindow(Arrays.copyOfRange(prepared, from, to), out, from, batchSize);
      }
    } catch (OrtException e) {
      throw new IllegalStateException(
          "ONNX Runtime failed on model " + info.name() + ": " + e.getMessage(), e);
    } finally {
      lock.readLock().unlock();
    }
    textsEncoded.add(prepared.length);
    return out;
  }

  /** Checks and repairs all texts before any work, so a bad text fails the call up front. */
  private static String[] prepare(List<String> texts, String prefix) {
    Objects.requireNonNull(texts, "texts is null");
    String[] prepared = new String[texts.size()];
    for (int i = 0; i < prepared.length; i++) {
      String t = texts.get(i);
      if (t == null) {
        throw new NullPointerException("text at index " + i + " is null");
      }
      String clean = TextSanitizer.sanitize(t);
      if (clean.isBlank()) {
        throw new IllegalArgumentException(
            "text at index " + i + " is empty or whitespace-only (after removing control"
                + " characters); there is nothing to encode");
      }
      prepared[i] = prefix.isEmpty() ? clean : prefix + clean;
    }
    return prepared;
  }

  private void encodeWindow(String[] texts, float[][] out, int outOffset, int batchSize)
      throws OrtException {
    Encoding[] enc = tokenizer.batchEncode(texts);
    Integer[] order = new Integer[enc.length];
    for (int i = 0; i < enc.length; i++) {
      order[i] = i;
      if (enc[i].exceedMaxLength()) {
        inputsTruncated.increment();
      }
    }
    // stable sort: equal lengths keep input order, so results are reproducible run to run
    Arrays.sort(order, (a, b) -> Integer.compare(enc[a].getIds().length, enc[b].getIds().length));
    int[] sorted = new int[order.length];
    for (int i = 0; i < order.length; i++) {
      sorted[i] = order[i];
    }
    java.util.List<int[]> ranges = new java.util.ArrayList<>();
    for (int from = 0; from < sorted.length; ) {
      int len = Math.max(1, enc[sorted[Math.min(sorted.length, from + batchSize) - 1]].getIds().length);
      int size = Math.max(1, Math.min(batchSize, TOKENS_PER_BATCH / len));
      int to = Math.min(sorted.length, from + size);
      ranges.add(new int[] {from, to});
      from = to;
    }
    if (workers == null || ranges.size() == 1) {
      for (int[] r : ranges) {
        store(runBatch(enc, sorted, r[0], r[1]), sorted, r, out, outOffset);
      }
      return;
    }
    java.util.List<java.util.concurrent.Future<float[][]>> futures = new java.util.ArrayList<>();
    for (int[] r : ranges) {
      futures.add(workers.submit(() -> runBatch(enc, sorted, r[0], r[1])));
    }
    try {
      for (int i = 0; i < ranges.size(); i++) {
        store(futures.get(i).get(), sorted, ranges.get(i), out, outOffset);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      futures.forEach(f -> f.cancel(true));
      throw new IllegalStateException("interrupted while encoding", e);
    } catch (java.util.concurrent.ExecutionException e) {
      futures.forEach(f -> f.cancel(true));
      if (e.getCause() instanceof OrtException oe) throw oe;
      if (e.getCause() instanceof RuntimeException re) throw re;
      throw new IllegalStateException(e.getCause());
    }
  }

  private static void store(float[][] vecs, int[] sorted, int[] range, float[][] out, int outOffset) {
    for (int i = range[0]; i < range[1]; i++) {
      out[outOffset + sorted[i]] = vecs[i - range[0]];
    }
  }

  /** Runs encodings {@code enc[idx[from..to)]} as one padded batch; returns finished vectors. */
  private float[][] runBatch(Encoding[] enc, int[] idx, int from, int to) throws OrtException {
    int b = to - from;
    int len = 0;
    for (int i = from; i < to; i++) {
      len = Math.max(len, enc[idx[i]].getIds().length);
    }
    long[] ids = new long[b * len];
    long[] mask = new long[b * len];
    long[] types = feedTokenTypes ? new long[b * len] : null;
    for (int r = 0; r < b; r++) {
      Encoding e = enc[idx[from + r]];
      long[] tokenIds = e.getIds();
      // pad id 0 is valid in every vocabulary and masked out, so its value never matters
      System.arraycopy(tokenIds, 0, ids, r * len, tokenIds.length);
      System.arraycopy(e.getAttentionMask(), 0, mask, r * len, tokenIds.length);
      if (types != null) {
        System.arraycopy(e.getTypeIds(), 0, types, r * len, tokenIds.length);
      }
    }
    long[] shape = {b, len};
    Map<String, OnnxTensor> feed = new HashMap<>();
    try (OnnxTensor tIds = OnnxTensor.createTensor(env, LongBuffer.wrap(ids), shape);
        OnnxTensor tMask = OnnxTensor.createTensor(env, LongBuffer.wrap(mask), shape);
        OnnxTensor tTypes =
            types == null ? null : OnnxTensor.createTensor(env, LongBuffer.wrap(types), shape)) {
      feed.put(INPUT_IDS, tIds);
      feed.put(ATTENTION_MASK, tMask);
      if (tTypes != null) {
        feed.put(TOKEN_TYPE_IDS, tTypes);
      }
      try (OrtSession.Result result = session.run(feed, java.util.Set.of(outputName))) {
        OnnxTensor hidden = (OnnxTensor) result.get(0);
        long[] hs = hidden.getInfo().getShape();
        int dims = Math.toIntExact(hs[2]);
        FloatBuffer fb = hidden.getFloatBuffer();
        float[][] vecs = new float[b][];
        for (int r = 0; r < b; r++) {
          vecs[r] = Pooler.finish(info.config(), Pooler.pool(info.config().pooling(), fb, r, len, dims, mask));
        }
        return vecs;
      }
    }
  }

  @Override
  public void close() {
    lock.writeLock().lock();
    try {
      if (closed) {
        return;
      }
      closed = true;
      if (workers != null) {
        workers.shutdownNow();
      }
      closeQuietly(session, tokenizer, null);
    } finally {
      lock.writeLock().unlock();
    }
  }

  private static void closeQuietly(
      OrtSession session, HuggingFaceTokenizer tokenizer, Throwable primary) {
    try {
      if (tokenizer != null) {
        tokenizer.close();
      }
    } finally {
      try {
        session.close();
      } catch (OrtException e) {
        if (primary != null) {
          primary.addSuppressed(e);
        } else {
          throw new IllegalStateException("cannot close ONNX session: " + e.getMessage(), e);
        }
      }
    }
  }

  @Override
  public String toString() {
    return "OnnxTextEncoder(model=" + info.name() + ", dims=" + info.dims() + ", pooling="
        + info.config().pooling().jsonName() + ", maxTokens=" + info.config().maxTokens()
        + ", intraOpThreads=" + options.intraOpThreads() + ", batchSize=" + options.batchSize()
        + ")";
  }
}
