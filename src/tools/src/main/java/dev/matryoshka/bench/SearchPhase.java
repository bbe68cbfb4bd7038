package dev.matryoshka.bench;

import dev.matryoshka.codec.DecodedGraphBudget;
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

  /** The longest warm-up of one setting: ten times the shortest unless set. */
  static final long WARM_UP_MAX_NANOS = Math.max(WARM_UP_NANOS,
      Long.getLong("matryoshka.bench.warmupMaxMillis", 10 * WARM_UP_NANOS / 1_000_000L) * 1_000_000L);

  private static final java.lang.management.ThreadMXBean THREADS =
      java.lang.management.ManagementFactory.getThreadMXBean();

  private SearchPhase() {}

  /**
   * The int8 prefix scorers to compare (system property {@code matryoshka.bench.int8Scorers}, a
   * comma list of {@code asymmetric} and {@code symmetric}; default {@code asymmetric}, the
   * library's scorer): each gets its own copy of the int8 settings, so both run in one bench.
   */
  static final List<String> INT8_SCORERS =
      List.of(System.getProperty("matryoshka.bench.int8Scorers", "asymmetric").split(","));

  /**
   * System property {@code matryoshka.bench.prefetchAB=true}: every matryoshka-prefix setting
   * runs twice, with and without the rerank's prefetch of full vectors (A/B in one run).
   */
  static final boolean PREFETCH_AB = Boolean.getBoolean("matryoshka.bench.prefetchAB");

  /**
   * System property {@code matryoshka.bench.leanAB=true}: every matryoshka-prefix setting runs
   * twice, walked by the codec's lean searcher and by Lucene's HnswGraphSearcher.
   */
  static final boolean LEAN_AB = Boolean.getBoolean("matryoshka.bench.leanAB");

  /** Adds a copy of every setting so far, its label ending in {@code suffix} (A/B in one run). */
  private static void addVariant(List<Setting> out, String suffix) {
    int n = out.size();
    for (int i = 0; i < n; i++) {
      Setting m = out.get(i);
      out.add(new Setting(m.system(), m.index(), m.label() + suffix, m.candidates(), m.oversample(),
          m.funnelDims(), m.funnelKeep(), m.prefixDims(), m.targetRecall()));
    }
  }

  /** The settings to run on one index. */
  static List<Setting> settings(BenchOptions o, BuiltIndex idx) {
    List<Setting> out = new ArrayList<>();
    int k = o.k();
    switch (BenchSystem.of(idx.system())) {
      case LUCENE_HNSW_FLOAT32 -> {
        for (int kp : o.kPrime()) {
          out.add(new Setting(idx.system(), idx.key(), "k'=" + kp, kp, kp / (float) k, 0, 0, 0));
        }
      }
      case LUCENE_HNSW_INT8_RESCORE, LUCENE_HNSW_INT4_RESCORE, LUCENE_HNSW_1BIT_RESCORE -> {
        for (float os : o.quantOversample()) {
          int c = candidates(k, os);
          out.add(new Setting(idx.system(), idx.key(), "os=" + fmt(os), c, os, 0, 0, 0));
        }
      }
      case MATRYOSHKA_PREFIX, MATRYOSHKA_FUNNEL -> {
        int p = idx.prefixDims();
        for (String scorer : idx.codesLabel().equals(" int8") ? INT8_SCORERS : List.of("")) {
        for (float os : o.oversample()) {
          int c = candidates(k, os);
          String label = "p=" + p + idx.codesLabel() + Setting.int8ScorerSuffix(scorer) + " os=" + fmt(os);
          out.add(new Setting(BenchSystem.MATRYOSHKA_PREFIX.label(), idx.key(), label, c, os, 0, 0, 0));
          for (int depth : o.rerankDepth()) {
            if (depth < c) {
              out.add(new Setting(BenchSystem.MATRYOSHKA_PREFIX.label(), idx.key(), label + " depth=" + depth, c,
                  os, 0, depth, 0));
            }
          }
        }
        }
        for (double t : o.targetRecall()) {
          float os = widestOversample(idx, t);
          int c = candidates(k, os);
          out.add(new Setting(BenchSystem.MATRYOSHKA_PREFIX.label(), idx.key(),
              "p=" + p + idx.codesLabel() + " target=" + t + " (os<=" + fmt(Math.round(os * 10) / 10f) + ")",
              c, os, 0, 0, 0, t));
        }
        if (o.runs(BenchSystem.MATRYOSHKA_FUNNEL) && p == funnelPrefix(o) && !idx.quantizedPrefix()
            && o.funnelDims() > p && o.funnelDims() < o.dims()) {
          for (float os : o.oversample()) {
            int c = candidates(k, os);
            for (int keep : new int[] {2 * k, 4 * k}) {
              if (os >= 4 && keep < c) {
                out.add(new Setting(BenchSystem.MATRYOSHKA_FUNNEL.label(), idx.key(),
                    p + "→" + o.funnelDims() + "→full os=" + fmt(os) + " keep=" + keep, c, os,
                    o.funnelDims(), keep, 0));
              }
            }
          }
        }
        if (PREFETCH_AB) {
          addVariant(out, Setting.NO_PREFETCH); // the rerank's prefetch off
        }
        if (LEAN_AB) {
          addVariant(out, Setting.LUCENE_WALK); // walked by Lucene's HnswGraphSearcher
        }
      }
      case LUCENE_SQ_PREFIX_RESCORE -> {
        int p = idx.prefixDims();
        for (float os : o.oversample()) {
          int c = candidates(k, os);
          out.add(new Setting(idx.system(), idx.key(),
              "p=" + p + " int" + idx.luceneBits() + " os=" + fmt(os), c, os, 0, 0, p));
        }
      }
      case EXACT -> {}
    }
    return out;
  }

  /**
   * The widest oversample any segment of the index picks for {@code target} from its calibration
   * (what a target-recall setting reads at most per segment).
   */
  static float widestOversample(BuiltIndex idx, double target) {
    try (var dir = org.apache.lucene.store.FSDirectory.open(java.nio.file.Path.of(idx.path()));
        var r = org.apache.lucene.index.DirectoryReader.open(dir)) {
      float widest = 1f;
      var q = new dev.matryoshka.search.MatryoshkaKnnQuery(BenchSystem.FIELD, new float[] {1f}, 10).targetRecall(target);
      for (var leaf : r.leaves()) {
        widest = Math.max(widest, q.oversampleFor(leaf.reader()));
      }
      return widest;
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
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

  /**
   * Runs every setting of every index. In memory (no cap) the timed passes are interleaved: pass
   * 1 of every setting, then pass 2 of every setting, and so on, so that a slow stretch of the
   * machine (this one is a shared VM whose speed drifts by 2x over minutes) lands on every
   * system alike and the ratios within a run hold; each setting's figure is the median of its
   * passes. Under a memory cap each index is measured alone, one after the other, so that one
   * system's reads do not evict another's hot set between its passes.
   */
  public static List<Result> run(
      BenchOptions o, List<BuiltIndex> indexes, float[][] queries, int[][] truth, PrintWriter err)
      throws IOException, InterruptedException {
    if (o.decodedGraphMaxBytes() >= 0) {
      // the readers below open segments through SPI: the shared budget is the one they use
      DecodedGraphBudget.shared().setMaxBytes(o.decodedGraphMaxBytes());
    }
    err.printf("bench: decoded prefix graphs within %s%n", DecodedGraphBudget.shared());
    ExecutorService pool = o.threads() > 1 ? Executors.newFixedThreadPool(o.threads()) : null;
    List<DirectoryReader> open = new ArrayList<>();
    List<Result> out = new ArrayList<>();
    try {
      boolean interleave = o.memoryLimit() == 0;
      List<Measurement> group = new ArrayList<>();
      for (BuiltIndex idx : indexes) {
        DirectoryReader reader = DirectoryReader.open(FSDirectory.open(Path.of(idx.path())));
        open.add(reader);
        IndexSearcher searcher = new IndexSearcher(reader);
        int[] ords = ords(reader);
        if (!interleave && COLD_PASSES) {
          reader.close();
          open.remove(reader);
          for (Setting s : settings(o, idx)) {
            // each setting on its own reader: coldPasses closes it to evict the files
            DirectoryReader own = DirectoryReader.open(FSDirectory.open(Path.of(idx.path())));
            Measurement m = prepare(o, new IndexSearcher(own), ords, s, queries, truth);
            out.add(coldPasses(o, idx, m, queries, err));
          }
          continue;
        }
        for (Setting s : settings(o, idx)) {
          group.add(prepare(o, searcher, ords, s, queries, truth));
        }
        if (!interleave) {
          out.addAll(timeAndReport(o, group, queries, pool, err));
          group.clear();
          reader.close();
          open.remove(reader);
        }
      }
      out.addAll(timeAndReport(o, group, queries, pool, err));
    } finally {
      for (DirectoryReader r : open) {
        Directory d = r.directory();
        r.close();
        d.close();
      }
      if (pool != null) {
        pool.shutdownNow();
      }
    }
    return out;
  }

  private static List<Result> timeAndReport(BenchOptions o, List<Measurement> group, float[][] queries,
      ExecutorService pool, PrintWriter err) throws IOException, InterruptedException {
    for (int p = 0; p < o.passes(); p++) {
      for (Measurement m : group) {
        m.timedPass(p, queries);
      }
    }
    if (pool != null) {
      for (int p = 0; p < o.passes(); p++) {
        for (Measurement m : group) {
          m.threadQps[p] = concurrentPass(o, m.searcher, m.setting, queries, pool);
        }
      }
    }
    List<Result> out = new ArrayList<>();
    for (Measurement m : group) {
      Result r = m.result(pool != null);
      err.printf("bench: %-26s %-34s recall %.4f  qps %,9.1f  cpu-qps %,9.1f  p50 %.3f ms  p99 %.3f ms"
              + "  visited %.0f%n", m.setting.system(), m.setting.label(), r.recall(), r.qps(), r.cpuQps(),
          r.p50Ms(), r.p99Ms(), r.visitedPerQuery());
      err.flush();
      out.add(r);
    }
    return out;
  }

  /**
   * Under a memory cap, whether each setting's timed passes start with the test queries' full
   * vectors out of the page cache (system property {@code matryoshka.bench.coldPasses}, default
   * true). Without it the recall and warm-up passes leave exactly the vectors the timed pass
   * reads in the cache (200 queries × a few dozen candidates fit in a few MB), and every setting
   * after the first is measured with warm candidates.
   */
  static final boolean COLD_PASSES =
      Boolean.parseBoolean(System.getProperty("matryoshka.bench.coldPasses", "true"));

  /** Random unit queries that bring an index's hot set (graph, codes) in before a cold pass. */
  static final int HOT_SET_WARM_QUERIES = 100;

  /**
   * The timed passes of one setting under a memory cap, each from a cold page cache for the
   * test queries' candidates: the index is closed, its files are evicted from the page cache,
   * every file but the vector data ({@code .vec} full vectors, {@code .mpv} prefixes) is read
   * back in (the graphs and quantized vectors: the hot set the cap is meant to hold), the index
   * is reopened and warmed with {@value #HOT_SET_WARM_QUERIES} random unit queries (which decode
   * our graph and codes, and read the full vectors of their own, unrelated candidates), then the
   * test queries are timed once. The JIT was warmed by the recall and warm-up passes.
   */
  private static Result coldPasses(BenchOptions o, BuiltIndex idx, Measurement m, float[][] queries,
      PrintWriter err) throws IOException, InterruptedException {
    java.util.Random r = new java.util.Random(1234);
    float[][] warm = new float[HOT_SET_WARM_QUERIES][];
    for (int i = 0; i < warm.length; i++) {
      float[] v = new float[queries[0].length];
      double n = 0;
      for (int j = 0; j < v.length; j++) {
        v[j] = (float) r.nextGaussian();
        n += v[j] * v[j];
      }
      for (int j = 0; j < v.length; j++) {
        v[j] /= (float) Math.sqrt(n);
      }
      warm[i] = v;
    }
    m.searcher.getIndexReader().close(); // the recall pass's reader: its mapped pages go too
    for (int p = 0; p < o.passes(); p++) {
      try (java.util.stream.Stream<Path> files = java.nio.file.Files.list(Path.of(idx.path()))) {
        for (Path f : (Iterable<Path>) files::iterator) {
          MemoryCgroup.evictFromPageCache(f);
        }
      }
      // the hot set in: every file but the vector data (full vectors, and our float prefixes,
      // whose int8/int4 codes a search decodes onto the heap itself), read front to back
      try (java.util.stream.Stream<Path> files = java.nio.file.Files.list(Path.of(idx.path()))) {
        for (Path f : (Iterable<Path>) files::iterator) {
          String name = f.getFileName().toString();
          if (!name.endsWith(".vec") && !name.endsWith(".mpv")) {
            try (var in = java.nio.file.Files.newInputStream(f)) {
              in.transferTo(java.io.OutputStream.nullOutputStream());
            }
          }
        }
      }
      try (DirectoryReader reader = DirectoryReader.open(FSDirectory.open(Path.of(idx.path())))) {
        m.searcher = new IndexSearcher(reader);
        m.setting.applySwitches();
        for (float[] q : warm) {
          m.searcher.search(m.setting.query(q, o.k()), o.k());
        }
        m.timedPass(p, queries);
      }
    }
    Result res = m.result(false);
    err.printf("bench: %-26s %-34s recall %.4f  qps %,9.1f  cpu-qps %,9.1f  p50 %.3f ms  p99 %.3f ms"
        + "  visited %.0f  (cold candidates)%n", m.setting.system(), m.setting.label(), res.recall(), res.qps(),
        res.cpuQps(), res.p50Ms(), res.p99Ms(), res.visitedPerQuery());
    err.flush();
    return res;
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

  /** One setting on one index: recall and visits measured, warmed up, timed pass by pass. */
  private static final class Measurement {
    final BenchOptions o;
    IndexSearcher searcher; // replaced by a fresh one before each cold pass (see coldPasses)
    final Setting setting;
    final double recall;
    final double visitedPerQuery;
    final double[] passQps;
    final double[] passCpuQps;
    final double[] threadQps;
    final long[] lat;

    Measurement(BenchOptions o, IndexSearcher searcher, Setting setting, double recall, double visitedPerQuery,
        int queries) {
      this.o = o;
      this.searcher = searcher;
      this.setting = setting;
      this.recall = recall;
      this.visitedPerQuery = visitedPerQuery;
      this.passQps = new double[o.passes()];
      this.passCpuQps = new double[o.passes()];
      this.threadQps = new double[o.passes()];
      this.lat = new long[o.passes() * queries];
    }

    void timedPass(int p, float[][] queries) throws IOException {
      setting.applySwitches();
      int k = o.k();
      long start = System.nanoTime();
      long cpu0 = THREADS.getCurrentThreadCpuTime();
      for (int i = 0; i < queries.length; i++) {
        long t0 = System.nanoTime();
        searcher.search(setting.query(queries[i], k), k);
        lat[p * queries.length + i] = System.nanoTime() - t0;
      }
      passQps[p] = queries.length / ((System.nanoTime() - start) / 1e9);
      passCpuQps[p] = queries.length / ((THREADS.getCurrentThreadCpuTime() - cpu0) / 1e9);
    }

    Result result(boolean threaded) {
      long[] sorted = lat.clone();
      Arrays.sort(sorted);
      return new Result(setting, recall, median(passQps), median(passCpuQps),
          threaded ? median(threadQps) : Double.NaN, percentile(sorted, 0.50) / 1e6,
          percentile(sorted, 0.99) / 1e6, visitedPerQuery, setting.fullReads(visitedPerQuery));
    }
  }

  private static Measurement prepare(
      BenchOptions o, IndexSearcher searcher, int[] ords, Setting s, float[][] queries,
      int[][] truth) throws IOException {
    int k = o.k();
    s.applySwitches();
    // warm-up pass, also the recall pass
    double recallSum = 0;
    for (int i = 0; i < queries.length; i++) {
      TopDocs td = searcher.search(s.query(queries[i], k), k);
      recallSum += recall(td, ords, truth[i], k);
    }
    // warm up for at least WARM_UP_NANOS, then until two passes in a row agree within 3 % (the
    // first settings of a JVM are still being compiled after a fixed 1.5 s: the Panama kernels
    // reach C2 late), at most WARM_UP_MAX_NANOS
    long warmStart = System.nanoTime();
    long previous = Long.MAX_VALUE;
    while (true) {
      long t0 = System.nanoTime();
      for (float[] q : queries) {
        searcher.search(s.query(q, k), k);
      }
      long pass = System.nanoTime() - t0;
      long spent = System.nanoTime() - warmStart;
      boolean steady = Math.abs(pass - previous) <= 0.03 * previous;
      if (spent >= WARM_UP_MAX_NANOS || (spent >= WARM_UP_NANOS && steady)) {
        break;
      }
      previous = pass;
    }
    LongAdder visited = new LongAdder();
    for (float[] q : queries) {
      searcher.search(s.visitCountingQuery(q, visited), k);
    }
    return new Measurement(o, searcher, s, recallSum / queries.length, visited.sum() / (double) queries.length,
        queries.length);
  }

  private static double concurrentPass(
      BenchOptions o, IndexSearcher searcher, Setting s, float[][] queries, ExecutorService pool)
      throws InterruptedException {
    int t = o.threads();
    s.applySwitches();
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
