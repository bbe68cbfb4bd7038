package dev.matryoshka.codec;

import java.io.Closeable;
import java.io.IOException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.lucene.util.Accountable;
import org.apache.lucene.util.IOSupplier;
import org.apache.lucene.util.hnsw.HnswGraph;

/**
 * The decoded graphs of one segment reader, one per field, within a {@link DecodedGraphBudget}.
 *
 * <p>A field's graph is decoded at most once, by the first search that asks for it; searches that
 * arrive while it is being decoded walk Lucene's off-heap graph instead of waiting (the results
 * are the same, so no query waits on another's work). A graph that does not fit in what is left
 * of the budget is not decoded, and its size is remembered: later searches decode it if room has
 * been freed since (a segment closed), at the cost of one comparison per search until then.
 * {@link #close()} gives every decoded graph's bytes back to the budget.
 *
 * <p>The fast path — a graph already decoded, or one the budget refused — reads two volatile
 * fields and takes no lock.
 */
final class DecodedGraphCache implements Closeable, Accountable {
  /** Not tried yet: the next search measures the graph. */
  private static final int NEW = 0;
  /** One search is measuring or decoding; the others search off-heap meanwhile. */
  private static final int BUSY = 1;
  /** Measured, but did not fit in the budget; {@link Slot#shape} says how much it needs. */
  private static final int REFUSED = 2;
  /** Decoded: {@link Slot#graph} is set. */
  private static final int DECODED = 3;
  /** Never decoded: no graph, a level too large for one array, or decoding failed. */
  private static final int OFF_HEAP = 4;

  private static final class Slot {
    final AtomicInteger state = new AtomicInteger(NEW);
    volatile DecodedHnswGraph graph;
    /** The field's int8 prefix codes on the heap, decoded with {@link #graph}; null for float prefixes. */
    volatile byte[] codes;
    /** Counts per level once measured (a few numbers), else null. Written before state leaves BUSY. */
    volatile DecodedHnswGraph.Shape shape;
    /** The decoded size, from {@link #shape}. */
    volatile long bytes;
  }

  private final DecodedGraphBudget budget;
  private final ConcurrentHashMap<String, Slot> slots = new ConcurrentHashMap<>();
  private final AtomicLong heldBytes = new AtomicLong();
  private final AtomicInteger decodes = new AtomicInteger();
  private boolean closed; // guarded by this

  DecodedGraphCache(DecodedGraphBudget budget) {
    if (budget == null) {
      throw new IllegalArgumentException("budget must not be null");
    }
    this.budget = budget;
  }

  /**
   * The field's decoded graph, or null when this search should walk the off-heap graph: the field
   * has none, it is being decoded by another search, or it does not fit in the budget.
   *
   * @param offHeap the field's stored graph (only asked for by the search that decodes it)
   */
  DecodedHnswGraph get(String field, IOSupplier<HnswGraph> offHeap) throws IOException {
    return get(field, offHeap, -1, null);
  }

  /**
   * As {@link #get(String, IOSupplier)}, for a field whose search reads int8 prefix codes: they
   * are loaded onto the heap with the graph, within the same budget, so that a visit reads the
   * neighbour list and the code from memory the JVM owns ({@link #codes}).
   *
   * @param codesBytes size of the codes, or -1 when the field has none
   * @param codes reads the codes (only called by the search that decodes the graph)
   */
  DecodedHnswGraph get(String field, IOSupplier<HnswGraph> offHeap, long codesBytes, IOSupplier<byte[]> codes)
      throws IOException {
    Slot slot = slots.get(field);
    if (slot == null) {
      if (budget.maxBytes() == 0) {
        return null; // nothing could fit: not even worth a slot (the limit may rise later)
      }
      slot = slots.computeIfAbsent(field, f -> new Slot());
    }
    switch (slot.state.get()) {
      case DECODED:
        return slot.graph;
      case NEW:
        if (budget.maxBytes() == 0 || !slot.state.compareAndSet(NEW, BUSY)) {
          return null;
        }
        return decode(slot, offHeap, codesBytes, codes);
      case REFUSED:
        if (!budget.fits(slot.bytes) || !slot.state.compareAndSet(REFUSED, BUSY)) {
          return null;
        }
        return decode(slot, offHeap, codesBytes, codes);
      default: // BUSY, OFF_HEAP
        return null;
    }
  }

  /** Runs in the one search that moved the slot to BUSY; always moves it on. */
  private DecodedHnswGraph decode(Slot slot, IOSupplier<HnswGraph> offHeap, long codesBytes,
      IOSupplier<byte[]> codes) throws IOException {
    int next = OFF_HEAP;
    boolean reserved = false;
    try {
      HnswGraph stored = offHeap.get();
      if (stored.size() == 0) {
        return null;
      }
      DecodedHnswGraph.Shape shape = slot.shape;
      if (shape == null) {
        shape = DecodedHnswGraph.measure(stored);
        if (!shape.fitsInArrays() || codesBytes > Integer.MAX_VALUE - 16) {
          return null;
        }
        slot.bytes = shape.ramBytes() + Math.max(0, codesBytes);
        slot.shape = shape;
      }
      long bytes = slot.bytes;
      if (!budget.tryReserve(bytes)) {
        next = REFUSED;
        return null;
      }
      reserved = true;
      decodes.incrementAndGet();
      DecodedHnswGraph graph = DecodedHnswGraph.decode(stored, shape);
      byte[] heapCodes = codesBytes >= 0 ? codes.get() : null;
      synchronized (this) {
        if (closed) {
          return graph; // this search may still use it; close() has settled the accounts
        }
        slot.codes = heapCodes;
        slot.graph = graph;
        heldBytes.addAndGet(bytes);
        reserved = false; // now owned by the slot, released by close()
        next = DECODED;
      }
      return graph;
    } finally {
      if (reserved) {
        budget.release(slot.bytes);
      }
      slot.state.set(next);
    }
  }

  /**
   * The int8 codes decoded with {@code field}'s graph, or null. Read after {@link #get} returned
   * the graph: a search that got the graph uses the codes of the same slot.
   */
  byte[] codes(String field) {
    Slot slot = slots.get(field);
    return slot == null ? null : slot.codes;
  }

  /** Graphs decoded by this reader so far (tests: at most one per field). */
  int decodeCount() {
    return decodes.get();
  }

  /** The budget this reader's graphs are counted against. */
  DecodedGraphBudget budget() {
    return budget;
  }

  /** Heap held by decoded graphs (0 until a field's first approximate search). */
  @Override
  public long ramBytesUsed() {
    return heldBytes.get();
  }

  @Override
  public synchronized void close() {
    if (closed) {
      return;
    }
    closed = true;
    for (Slot slot : slots.values()) {
      if (slot.graph != null) {
        slot.graph = null;
        slot.codes = null;
        slot.state.set(OFF_HEAP);
        budget.release(slot.bytes);
        heldBytes.addAndGet(-slot.bytes);
      }
    }
  }
}
