package dev.matryoshka.eval;

import dev.matryoshka.codec.MatryoshkaPrefix;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.apache.lucene.index.VectorSimilarityFunction;
import org.apache.lucene.util.VectorUtil;

/**
 * Brute-force top-k search over an in-memory document matrix: the ground truth that the HNSW
 * prefix index is measured against, and the "exact" mode of the quality evaluation.
 *
 * <p>With {@code dims} below the vectors' dimension, queries and documents are both cut to their
 * first {@code dims} components and renormalised with {@link MatryoshkaPrefix#prefix} (as for cosine), so the
 * numbers describe exactly what a prefix index sees. At full dimension {@link
 * Similarity#COSINE} normalises and {@link Similarity#DOT_PRODUCT} uses the raw vectors. Ties are
 * broken by the lower document index, so results are deterministic.
 *
 * <p>For cosine or a prefix the instance keeps its own normalised copy of the documents (about
 * {@code 4 * docs * dims} bytes), so the caller's matrix is never modified.
 *
 * <pre>{@code
 * ExactRetrieval exact = new ExactRetrieval(docVecs, ExactRetrieval.Similarity.COSINE, 64);
 * ExactRetrieval.Hits[] top = exact.search(queryVecs, ExactRetrieval.DEFAULT_K);
 * }</pre>
 */
public final class ExactRetrieval {
  /** How a query and a document are compared. */
  public enum Similarity {
    /** Dot product of the vectors as given (or of the renormalised prefixes). */
    DOT_PRODUCT,
    /** Cosine: vectors are normalised once, then compared by dot product. */
    COSINE
  }

  /** Default number of hits per query: enough for recall@100. */
  public static final int DEFAULT_K = 100;

  /**
   * The top hits of one query, best first.
   *
   * @param docs document indices (rows of the document matrix)
   * @param scores their similarities, non-increasing
   */
  public record Hits(int[] docs, float[] scores) {}

  private final float[][] docs;
  private final Similarity similarity;
  private final int fullDims;
  private final int dims;
  private final int threads;

  /** Full-dimension search with one thread per available core. */
  public ExactRetrieval(float[][] docs, Similarity similarity) {
    this(docs, similarity, dimension(docs), Runtime.getRuntime().availableProcessors());
  }

  /** Search on {@code dims}-prefixes with one thread per available core. */
  public ExactRetrieval(float[][] docs, Similarity similarity, int dims) {
    this(docs, similarity, dims, Runtime.getRuntime().availableProcessors());
  }

  /**
   * Prepares the document matrix once (truncated and/or normalised as needed).
   *
   * @param docs one row per document, all the same dimension
   * @param similarity how to compare
   * @param dims prefix length, {@code 1..dimension}; the full dimension means no truncation
   * @param threads worker threads for {@link #search}, at least 1
   * @throws IllegalArgumentException on ragged rows, non-finite values, or out-of-range arguments
   */
  public ExactRetrieval(float[][] docs, Similarity similarity, int dims, int threads) {
    Objects.requireNonNull(similarity, "similarity");
    this.fullDims = dimension(docs);
    if (dims < 1 || dims > fullDims) {
      throw new IllegalArgumentException(
          "dims must be in 1.." + fullDims + " (the vectors' dimension); got=" + dims);
    }
    if (threads < 1) {
      throw new IllegalArgumentException("threads must be >= 1; got=" + threads);
    }
    this.similarity = similarity;
    this.dims = dims;
    this.threads = threads;
    this.docs = prepare(docs, "document");
  }

  /** Number of documents searched. */
  public int size() {
    return docs.length;
  }

  /** The prefix length compared. */
  public int dims() {
    return dims;
  }

  /**
   * Top {@code min(k, size())} documents for every query, in query order. Queries are spread over
   * the worker threads; each thread scans all documents for its queries.
   *
   * @param queries one row per query, same dimension as the documents
   * @param k hits per query, at least 1
   */
  public Hits[] search(float[][] queries, int k) {
    if (k < 1) {
      throw new IllegalArgumentException("k must be >= 1; got=" + k);
    }
    if (Objects.requireNonNull(queries, "queries").length == 0) {
      return new Hits[0];
    }
    int qd = dimension(queries);
    if (qd != fullDims) {
      throw new IllegalArgumentException(
          "query dimension " + qd + " differs from document dimension " + fullDims);
    }
    float[][] q = prepare(queries, "query");
    Hits[] out = new Hits[q.length];
    int workers = Math.min(threads, q.length);
    if (workers <= 1) {
      for (int i = 0; i < q.length; i++) {
        out[i] = topK(q[i], k);
      }
      return out;
    }
    ExecutorService pool = Executors.newFixedThreadPool(workers, r -> {
      Thread t = new Thread(r, "exact-retrieval");
      t.setDaemon(true);
      return t;
    });
    try {
      List<Future<?>> futures = new ArrayList<>(workers);
      for (int w = 0; w < workers; w++) {
        final int first = w;
        // strided split: neighbouring queries often have similar lengths, striding evens the load
        futures.add(pool.submit(() -> {
          for (int i = first; i < q.length; i += workers) {
            out[i] = topK(q[i], k);
          }
        }));
      }
      for (Future<?> f : futures) {
        f.get();
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted during exact search", e);
    } catch (ExecutionException e) {
      throw new IllegalStateException("exact search failed", e.getCause());
    } finally {
      pool.shutdownNow();
    }
    return out;
  }

  private float[][] prepare(float[][] rows, String what) {
    boolean normalise = dims < fullDims || similarity == Similarity.COSINE;
    float[][] out = new float[rows.length][];
    for (int r = 0; r < rows.length; r++) {
      float[] v = rows[r];
      for (int i = 0; i < v.length; i++) {
        if (!Float.isFinite(v[i])) {
          throw new IllegalArgumentException(what + " " + r + ": component " + i + " is not finite");
        }
      }
      // the codec's prefix function, so evaluation truncates exactly as indexing and search do
      out[r] = normalise ? MatryoshkaPrefix.prefix(v, dims, VectorSimilarityFunction.COSINE) : v;
    }
    return out;
  }

  /** Bounded min-heap of (score, doc): the root is the weakest hit kept so far. */
  private Hits topK(float[] query, int k) {
    int n = Math.min(k, docs.length);
    float[] hs = new float[n];
    int[] hd = new int[n];
    int size = 0;
    for (int d = 0; d < docs.length; d++) {
      float s = VectorUtil.dotProduct(query, docs[d]);
      if (size < n) {
        hs[size] = s;
        hd[size] = d;
        siftUp(hs, hd, size++);
      } else if (better(s, d, hs[0], hd[0])) {
        hs[0] = s;
        hd[0] = d;
        siftDown(hs, hd, size);
      }
    }
    // pop weakest first, filling from the back, so the arrays end best-first
    int[] docsOut = new int[size];
    float[] scoresOut = new float[size];
    for (int i = size - 1; i >= 0; i--) {
      docsOut[i] = hd[0];
      scoresOut[i] = hs[0];
      hs[0] = hs[i];
      hd[0] = hd[i];
      siftDown(hs, hd, i);
    }
    return new Hits(docsOut, scoresOut);
  }

  private static boolean better(float s1, int d1, float s2, int d2) {
    return s1 > s2 || (s1 == s2 && d1 < d2);
  }

  private static void siftUp(float[] hs, int[] hd, int i) {
    while (i > 0) {
      int p = (i - 1) >>> 1;
      if (!better(hs[p], hd[p], hs[i], hd[i])) {
        break;
      }
      swap(hs, hd, i, p);
      i = p;
    }
  }

  private static void siftDown(float[] hs, int[] hd, int size) {
    int i = 0;
    while (true) {
      int l = 2 * i + 1;
      if (l >= size) {
        return;
      }
      int r = l + 1;
      int weak = r < size && better(hs[l], hd[l], hs[r], hd[r]) ? r : l;
      if (!better(hs[i], hd[i], hs[weak], hd[weak])) {
        return;
      }
      swap(hs, hd, i, weak);
      i = weak;
    }
  }

  private static void swap(float[] hs, int[] hd, int a, int b) {
    float ts = hs[a];
    hs[a] = hs[b];
    hs[b] = ts;
    int td = hd[a];
    hd[a] = hd[b];
    hd[b] = td;
  }

  private static int dimension(float[][] rows) {
    Objects.requireNonNull(rows, "vectors");
    if (rows.length == 0) {
      throw new IllegalArgumentException("no vectors");
    }
    int d = Objects.requireNonNull(rows[0], "row 0").length;
    if (d == 0) {
      throw new IllegalArgumentException("vectors have dimension 0");
    }
    for (int r = 1; r < rows.length; r++) {
      int dr = Objects.requireNonNull(rows[r], "row " + r).length;
      if (dr != d) {
        throw new IllegalArgumentException(
            "row " + r + " has dimension " + dr + "; row 0 has " + d);
      }
    }
    return d;
  }
}
