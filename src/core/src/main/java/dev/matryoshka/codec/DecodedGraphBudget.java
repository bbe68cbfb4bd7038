package dev.matryoshka.codec;

import java.util.concurrent.atomic.AtomicLong;

/**
 * A byte limit on the heap that decoded prefix graphs may hold, shared by every segment reader
 * that uses it. A segment whose graph would not fit in what is left is searched through Lucene's
 * off-heap graph instead: same walk, same hits, same scores, only slower per visited node. The
 * bytes of a decoded graph return to the budget when its segment reader closes.
 *
 * <p>Which budget a segment uses: Lucene opens every segment's vectors through the
 * SPI-registered instance of {@link MatryoshkaHnswVectorsFormat} (its per-field vectors format
 * looks the format up by name, and so does {@code Codec.forName} for a codec), and that instance
 * can only know a process-wide object. So the budget that counts for an application is {@link
 * #shared()}; its limit is set with {@link #setMaxBytes(long)} at start-up (the OpenSearch plugin
 * sets it from the node setting {@code matryoshka.decoded_graph.max_bytes}). A format built with
 * its own budget uses that one only for segments it opens itself, i.e. when it is a codec's
 * vectors format unwrapped rather than behind Lucene's per-field format.
 *
 * <pre>{@code
 * DecodedGraphBudget.shared().setMaxBytes(512L << 20); // 512 MB of decoded graphs per JVM
 * DecodedGraphBudget.shared().setMaxBytes(0);          // always search the off-heap graph
 * }</pre>
 *
 * <p>Changing the limit applies to graphs decoded afterwards: graphs already on the heap stay
 * until their segment closes (after a refresh or merge replaces it). Thread-safe.
 */
public final class DecodedGraphBudget {

  /** Share of the maximum heap the {@link #shared()} budget allows by default. */
  public static final int DEFAULT_HEAP_PERCENT = 10;

  private static final DecodedGraphBudget SHARED = new DecodedGraphBudget(defaultMaxBytes());

  private final AtomicLong usedBytes = new AtomicLong();
  private volatile long maxBytes;

  /**
   * @param maxBytes heap the decoded graphs of the segments using this budget may hold together;
   *     0 = never decode (always Lucene's off-heap graph)
   */
  public DecodedGraphBudget(long maxBytes) {
    setMaxBytes(maxBytes);
  }

  /**
   * The process-wide budget of every segment opened through SPI; its limit starts at {@link
   * #DEFAULT_HEAP_PERCENT} % of the maximum heap.
   */
  public static DecodedGraphBudget shared() {
    return SHARED;
  }

  /** {@link #DEFAULT_HEAP_PERCENT} % of this JVM's maximum heap. */
  public static long defaultMaxBytes() {
    return Runtime.getRuntime().maxMemory() / 100 * DEFAULT_HEAP_PERCENT;
  }

  /** The limit in bytes (0 = always off-heap). */
  public long maxBytes() {
    return maxBytes;
  }

  /**
   * Sets the limit for graphs decoded from now on; graphs already held are not evicted, so {@link
   * #usedBytes()} may stay above a lowered limit until their segments close.
   *
   * @param maxBytes at least 0; 0 = always search the off-heap graph
   */
  public void setMaxBytes(long maxBytes) {
    if (maxBytes < 0) {
      throw new IllegalArgumentException("maxBytes must be >= 0 (0 = always off-heap); got=" + maxBytes);
    }
    this.maxBytes = maxBytes;
  }

  /** Heap held by the decoded graphs of open segments, plus graphs being decoded right now. */
  public long usedBytes() {
    return usedBytes.get();
  }

  /** True when {@code bytes} would fit now (a cheap check before the work of decoding). */
  boolean fits(long bytes) {
    return bytes <= maxBytes - usedBytes.get();
  }

  /** Takes {@code bytes} from the budget if they fit; the caller {@link #release}s them later. */
  boolean tryReserve(long bytes) {
    if (bytes < 0) {
      throw new IllegalArgumentException("bytes must be >= 0; got=" + bytes);
    }
    while (true) {
      long used = usedBytes.get();
      if (bytes > maxBytes - used) {
        return false;
      }
      if (usedBytes.compareAndSet(used, used + bytes)) {
        return true;
      }
    }
  }

  /** Gives back bytes taken by {@link #tryReserve}. */
  void release(long bytes) {
    long left = usedBytes.addAndGet(-bytes);
    assert left >= 0 : "released more than was reserved: " + left;
  }

  @Override
  public String toString() {
    return (this == SHARED ? "shared " : "") + "DecodedGraphBudget(maxBytes=" + maxBytes
        + ", usedBytes=" + usedBytes.get() + ")";
  }
}
