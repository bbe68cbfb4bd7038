package dev.matryoshka.encode;

/**
 * Run-time knobs of an encoder that do not change its vectors.
 *
 * <pre>{@code
 * EncoderOptions opts = EncoderOptions.defaults().withIntraOpThreads(2).withBatchSize(64);
 * try (TextEncoder enc = Models.open("bge-small-en-v1.5", opts)) { ... }
 * }</pre>
 *
 * @param intraOpThreads encoder threads: batches run concurrently, one ONNX Runtime thread each
 * @param batchSize texts per inference call; larger batches amortise call overhead, smaller ones
 *     waste less on padding
 */
public record EncoderOptions(int intraOpThreads, int batchSize) {

  /** Upper bound on the batch size: beyond it memory grows with no speed-up on a CPU. */
  public static final int MAX_BATCH_SIZE = 4096;

  /** Default batch size: long enough to amortise per-call cost, short enough to limit padding. */
  public static final int DEFAULT_BATCH_SIZE = 32;

  /** Checks the arguments. */
  public EncoderOptions {
    if (intraOpThreads < 1) {
      throw new IllegalArgumentException("intraOpThreads must be >= 1; got=" + intraOpThreads);
    }
    if (batchSize < 1 || batchSize > MAX_BATCH_SIZE) {
      throw new IllegalArgumentException(
          "batchSize must be in [1, " + MAX_BATCH_SIZE + "]; got=" + batchSize);
    }
  }

  /** All available processors for intra-op threads, batch size {@value #DEFAULT_BATCH_SIZE}. */
  public static EncoderOptions defaults() {
    return new EncoderOptions(Runtime.getRuntime().availableProcessors(), DEFAULT_BATCH_SIZE);
  }

  /** A copy with another intra-op thread count. */
  public EncoderOptions withIntraOpThreads(int threads) {
    return new EncoderOptions(threads, batchSize);
  }

  /** A copy with another batch size. */
  public EncoderOptions withBatchSize(int size) {
    return new EncoderOptions(intraOpThreads, size);
  }
}
