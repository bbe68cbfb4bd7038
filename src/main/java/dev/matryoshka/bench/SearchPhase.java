package dev.matryoshka.bench;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.LongAdder;
import org.apache.lucene.index.DirectoryReader;
import org.apache.lucene.index.LeafReaderContext;
import org.apache.lucene.index.NumericDocValues;
import org.apache.lucene.search.IndexSearcher;
import org.apache.lucene.search.ScoreDoc;
import org.apache.lucene.search.TopDocs;
import org.apache.lucene.store.Directory;
import org.apache.lucene.store.FSDirectory;

/**
 * The search half of a benchmark: for every index and setting, a warm-up pass (which also
 * measures recall), an untimed pass counting graph nodes scored, then timed passes single-thread
 * (latencies) and, with more than one thread, concurrent passes (throughput). The median pass is
 * reported. Runs in the benchmark JVM, or in a memory-capped child JVM ({@link SearchWorker}).
 */
public final class SearchPhase {

  /**
   * What one setting measured.
   *
   * @param setting the setting
   * @param recall mean recall@k against exact full-dimension top-k
   * @param qps median single-thread queries per second (wall clock)
   * @param cpuQps median single-thread queries per CPU second of the searching thread: steadier
   *     than wall-clock QPS on a shared machine, blind to I/O waits
   * @param qpsThreads median queries per second with all threads (NaN when threads = 1)
   * @param p50Ms median latency, single thread
   * @param p99Ms 99th percentile latency, single thread
   * @param visitedPerQuery graph nodes scored per query
   * @param fullReadsPerQuery full-dimension vectors read per query
   */
  public record Result(
      Setting setting, double recall, double qps, double cpuQps, double qpsThreads, double p50Ms,
      double p99Ms, double visitedPerQuery, double fullReadsPerQuery) {}

  /** Warm-up runs the queries again until at least this long has passed (JIT, page cache). */
  static final long WARM_UP_NANOS =
      Long.getLong("matryoshka.bench.warmupMillis", 1500L) * 1_000_000L;

  private static final java.lang.management.ThreadMXBean THREADS =
      java.lang.management.ManagementFactory.getThreadMXBean();

  private SearchPhase() {}

  /** The settings to run on one index. */
  static List<Setting> settings(BenchOptions o, BuiltIndex idx) {
    List<Setting> out = new ArrayList<>();
    int k = o.k();
    switch (BenchSystem.of(idx.system())) {
      case LUCENE_HNSW_FLOAT32 -> {
        for (int kp : o.kPrime()) {
          out.add(new Setting(idx.system(), idx.key(), "k'=" + kp, kp, kp / (float) k, 0, 0));
        }
      }
      case LUCENE_HNSW_INT8_RESCORE, LUCENE_HNSW_INT4_RESCORE, LUCENE_HNSW_1BIT_RESCORE -> {
        for (float os : o.quantOversample()) {
          int c = candidates(k, os);
          out.add(new Setting(idx.system(), idx.key(), "os=" + fmt(os), c, os, 0, 0));
        }
      }
      case MATRYOSHKA_PREFIX, MATRYOSHKA_FUNNEL -> {
        int p = idx.prefixDims();
        for (float os : o.oversample()) {
          int c = candidates(k, os);
          out.add(new Setting(BenchSystem.MATRYOSHKA_PREFIX.label(), idx.key(),
              "p=" + p + (idx.int8Prefix() ? " int8" : "") + " os=" + fmt(os), c, os, 0, 0));
        }
        if (o.runs(BenchSystem.MATRYOSHKA_FUNNEL) && p == funnelPrefix(o) && !idx.int8Prefix()
            && o.funnelDims() > p && o.funnelDims() < o.dims()) {
          for (float os : o.oversample()) {
            int c = candidates(k, os);
            for (int keep : new int[] {2 * k, 4 * k}) {
              if (os >= 4 && keep < c) {
                out.add(new Setting(BenchSystem.MATRYOSHKA_FUNNEL.label(), idx.key(),
                    p + "→" + o.funnelDims() + "→full os=" + fmt(os) + " keep=" + keep, c, os,
                    o.funnelDims(), keep));
              }
            }
          }
        }
      }
      case EXACT -> {}
    }
    return out;
  }

  /** The prefix index the funnel runs on: 64 if built, else the smallest. */
  static int funnelPrefix(BenchOptions o) {
    return o.prefixDims().contains(64) ? 64 : o.prefixDims().stream().min(Integer::compare).orElse(0);
  }

  private static int candidates(int k, float os) {
    return (int) Math.ceil(k * (double) os);
  }

  static String fmt(float f) {
    return f == Math.rint(f) ? Integer.toString((int) f) : Float.toString(f);
  }

  /** Runs every setting of every index. */
  public static List<Result> run(
      BenchOptions o, List<BuiltIndex> indexes, float[][] queries, int[][] truth, PrintWriter err)
      throws IOException, InterruptedException {
    List<Result> out = new ArrayList<>();
    ExecutorService pool = o.threads() > 1 ? Executors.newFixedThreadPool(o.threads()) : null;
    try {
      for (BuiltIndex idx : indexes) {
        try (Directory dir = FSDirectory.open(Path.of(idx.path()));
            DirectoryReader reader = DirectoryReader.open(dir)) {
          IndexSearcher searcher = new IndexSearcher(reader);
          int[] ords = ords(reader);
          for (Setting s : settings(o, idx)) {
            Result r = measure(o, searcher, ords, s, queries, truth, pool);
            err.printf("bench: %-26s %-34s recall %.4f  qps %,9.1f  cpu-qps %,9.1f  p50 %.3f ms  p99 %.3f ms"
                    + "  visited %.0f%n", s.system(), s.label(), r.recall(), r.qps(), r.cpuQps(), r.p50Ms(),
                r.p99Ms(), r.visitedPerQuery());
            err.flush();
            out.add(r);
          }
        }
      }
    } finally {
      if (pool != null) {
        pool.shutdownNow();
      }
    }
    return out;
  }

  private static int[] ords(DirectoryReader reader) throws IOException {
    int[] ords = new int[reader.maxDoc()];
    for (LeafReaderContext ctx : reader.leaves()) {
      NumericDocValues dv = ctx.reader().getNumericDocValues(IndexBuilder.ORD_FIELD);
      for (int d = dv.nextDoc(); d != NumericDocValues.NO_MORE_DOCS; d = dv.nextDoc()) {
        ords[ctx.docBase + d] = (int) dv.longValue();
      }
    }
    return ords;
  }

  private static Result measure(
      BenchOptions o, IndexSearcher searcher, int[] ords, Setting s, float[][] queries,
      int[][] truth, ExecutorService pool) throws IOException, InterruptedException {
    int k = o.k();
    // warm-up pass, also the recall pass
    double recallSum = 0;
    for (int i = 0; i < queries.length; i++) {
      TopDocs td = searcher.search(s.query(queries[i], k), k);
      recallSum += recall(td, ords, truth[i], k);
    }
    long warmStart = System.nanoTime();
    while (System.nanoTime() - warmStart < WARM_UP_NANOS) {
      for (float[] q : queries) {
        searcher.search(s.query(q, k), k);
      }
    }
    LongAdder visited = new LongAdder();
    for (float[] q : queries) {
      searcher.search(new VisitCountingQuery(BenchSystem.FIELD, q, s.candidates(), visited), k);
    }
    double visitedPerQuery = visited.sum() / (double) queries.length;
    double[] passQps = new double[o.passes()];
    double[] passCpuQps = new double[o.passes()];
    long[] lat = new long[o.passes() * queries.length];
    for (int p = 0; p < o.passes(); p++) {
      long start = System.nanoTime();
      long cpu0 = THREADS.getCurrentThreadCpuTime();
      for (int i = 0; i < queries.length; i++) {
        long t0 = System.nanoTime();
        searcher.search(s.query(queries[i], k), k);
        lat[p * queries.length + i] = System.nanoTime() - t0;
      }
      passQps[p] = queries.length / ((System.nanoTime() - start) / 1e9);
      passCpuQps[p] = queries.length / ((THREADS.getCurrentThreadCpuTime() - cpu0) / 1e9);
    }
    double qpsThreads = Double.NaN;
    if (pool != null) {
      double[] tq = new double[o.passes()];
      for (int p = 0; p < o.passes(); p++) {
        tq[p] = concurrentPass(o, searcher, s, queries, pool);
      }
      qpsThreads = median(tq);
    }
    Arrays.sort(lat);
    return new Result(s, recallSum / queries.length, median(passQps), median(passCpuQps),
        qpsThreads,
        percentile(lat, 0.50) / 1e6, percentile(lat, 0.99) / 1e6, visitedPerQuery,
        s.fullReads(visitedPerQuery));
  }

  private static double concurrentPass(
      BenchOptions o, IndexSearcher searcher, Setting s, float[][] queries, ExecutorService pool)
      throws InterruptedException {
    int t = o.threads();
    List<Future<?>> fs = new ArrayList<>();
    long start = System.nanoTime();
    for (int j = 0; j < t; j++) {
      int first = j;
      fs.add(pool.submit(() -> {
        for (int i = first; i < queries.length; i += t) {
          searcher.search(s.query(queries[i], o.k()), o.k());
        }
        return null;
      }));
    }
    for (Future<?> f : fs) {
      try {
        f.get();
      } catch (java.util.concurrent.ExecutionException e) {
        throw new IllegalStateException("concurrent search failed: " + e.getCause(), e.getCause());
      }
    }
    return queries.length / ((System.nanoTime() - start) / 1e9);
  }

  static double recall(TopDocs td, int[] ords, int[] truth, int k) {
    int hits = 0;
    int n = Math.min(k, truth.length);
    for (ScoreDoc sd : td.scoreDocs) {
      int ord = ords[sd.doc];
      for (int j = 0; j < n; j++) {
        if (truth[j] == ord) {
          hits++;
          break;
        }
      }
    }
    return n == 0 ? 1 : hits / (double) n;
  }

  static double median(double[] v) {
    double[] c = v.clone();
    Arrays.sort(c);
    return c.length % 2 == 1 ? c[c.length / 2] : (c[c.length / 2 - 1] + c[c.length / 2]) / 2;
  }

  static double percentile(long[] sorted, double p) {
    if (sorted.length == 0) {
      return Double.NaN;
    }
    int i = (int) Math.ceil(p * sorted.length) - 1;
    return sorted[Math.max(0, Math.min(sorted.length - 1, i))];
  }
}
