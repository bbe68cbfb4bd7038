package dev.matryoshka.index;

import java.io.Closeable;
import java.io.IOException;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.UnaryOperator;

/**
 * The indexing pipeline: documents in, batches of texts encoded on a worker thread while the
 * calling thread keeps reading input and writing finished batches, in input order, to the index.
 * Documents with a precomputed vector skip the encoder. Commits every {@code commitEvery}
 * documents and at {@link #finish}.
 *
 * <pre>{@code
 * try (Indexer ix = new Indexer(writer, encoder::encodeDocuments, adapter, 32, 50_000)) {
 *   for (SourceDocument d : docs) ix.add(d);
 *   ix.finish(Map.of());
 * }
 * }</pre>
 */
public final class Indexer implements Closeable {

  /** Encodes a batch of document texts into full vectors. */
  @FunctionalInterface
  public interface DocumentEncoder {
    /** One vector per text, in order. */
    float[][] encode(List<String> texts) throws Exception;
  }

  /** Counters of what happened. */
  public static final class Stats {
    /** Documents written. */
    public long written;
    /** Documents skipped, by reason. */
    public final Map<String, Long> skipped = new TreeMap<>();

    /** Total skipped. */
    public long skippedTotal() {
      return skipped.values().stream().mapToLong(Long::longValue).sum();
    }

    void skip(String reason) {
      skipped.merge(reason, 1L, Long::sum);
    }
  }

  private final MatryoshkaWriter writer;
  private final DocumentEncoder encoder;
  private final UnaryOperator<float[]> adapter;
  private final int batchSize;
  private final int commitEvery;
  private final ExecutorService pool;
  private final Deque<Future<Batch>> inFlight = new ArrayDeque<>();
  private final int maxInFlight = 2;
  private final Stats stats = new Stats();
  private List<SourceDocument> pending = new ArrayList<>();
  private long sinceCommit;

  /**
   * @param encoder text encoder, or null when every document carries a vector
   * @param adapter applied to every vector before it is written (identity when null)
   * @param batchSize texts per encoder call
   * @param commitEvery documents between commits (≤ 0: only at the end)
   */
  public Indexer(MatryoshkaWriter writer, DocumentEncoder encoder, UnaryOperator<float[]> adapter,
      int batchSize, int commitEvery) {
    if (batchSize < 1) {
      throw new IllegalArgumentException("batch size must be >= 1; got=" + batchSize);
    }
    this.writer = writer;
    this.encoder = encoder;
    this.adapter = adapter == null ? UnaryOperator.identity() : adapter;
    this.batchSize = batchSize;
    this.commitEvery = commitEvery;
    this.pool = encoder == null ? null : Executors.newSingleThreadExecutor(r -> {
      Thread t = new Thread(r, "matryoshka-encoder");
      t.setDaemon(true);
      return t;
    });
  }

  /** What has been written and skipped so far. */
  public Stats stats() {
    return stats;
  }

  /** Adds a document (buffered until its batch is full). */
  public void add(SourceDocument doc) throws IOException {
    if (doc.vector() != null) {
      // checked now, not when its batch is written, so the error points at this document and
      // nothing after it gets written
      writer.checkVector(doc.vector());
    } else {
      if (doc.text() == null || doc.text().isBlank()) {
        stats.skip(doc.text() == null ? "no text or vector" : "empty text");
        return;
      }
      if (encoder == null) {
        throw new IllegalArgumentException(
            "document \"" + doc.id() + "\" has text but no vector, and no model is configured");
      }
    }
    pending.add(doc);
    if (pending.size() >= batchSize) {
      submit();
    }
  }

  private void submit() throws IOException {
    if (pending.isEmpty()) {
      return;
    }
    List<SourceDocument> docs = pending;
    pending = new ArrayList<>(batchSize);
    if (pool == null) {
      write(new Batch(docs, null));
      return;
    }
    while (inFlight.size() >= maxInFlight) {
      write(await(inFlight.removeFirst()));
    }
    inFlight.addLast(pool.submit(() -> encode(docs)));
  }

  private Batch encode(List<SourceDocument> docs) throws Exception {
    List<String> texts = new ArrayList<>();
    for (SourceDocument d : docs) {
      if (d.vector() == null) texts.add(d.text());
    }
    float[][] vecs = texts.isEmpty() ? new float[0][] : encoder.encode(texts);
    if (vecs.length != texts.size()) {
      throw new IllegalStateException("encoder returned " + vecs.length + " vectors for " + texts.size() + " texts");
    }
    return new Batch(docs, vecs);
  }

  private static Batch await(Future<Batch> f) throws IOException {
    try {
      return f.get();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted while encoding", e);
    } catch (ExecutionException e) {
      Throwable c = e.getCause();
      if (c instanceof IOException io) throw io;
      if (c instanceof RuntimeException re) throw re;
      throw new IOException("encoding failed: " + c.getMessage(), c);
    }
  }

  private void write(Batch b) throws IOException {
    int vi = 0;
    for (SourceDocument d : b.docs) {
      float[] v = d.vector() != null ? d.vector() : b.encoded[vi++];
      writer.add(d.id(), adapter.apply(v), d.stored(), d.text());
      stats.written++;
      sinceCommit++;
    }
    if (commitEvery > 0 && sinceCommit >= commitEvery) {
      writer.commit(Map.of());
      sinceCommit = 0;
    }
  }

  /**
   * Writes everything buffered and in flight, then commits with {@code userData}. Call it also
   * before reporting an input error, so that the documents before the error are committed.
   */
  public void finish(Map<String, String> userData) throws IOException {
    submit();
    while (!inFlight.isEmpty()) {
      write(await(inFlight.removeFirst()));
    }
    writer.commit(userData);
    sinceCommit = 0;
  }

  @Override
  public void close() {
    if (pool != null) {
      pool.shutdownNow();
    }
  }

  private record Batch(List<SourceDocument> docs, float[][] encoded) {}
}
