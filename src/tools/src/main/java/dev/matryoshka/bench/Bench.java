package dev.matryoshka.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.matryoshka.codec.DecodedGraphBudget;
import java.io.IOException;
import java.io.PrintWriter;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * Runs one benchmark: loads (or generates) the vectors, computes the exact top-k, builds one
 * index per system from the same vectors, searches each over its settings — in this JVM, or in a
 * memory-capped child JVM when {@link BenchOptions#memoryLimit()} is set — and returns the rows.
 *
 * <pre>{@code
 * BenchReport r = Bench.run(options, new PrintWriter(System.err, true));
 * r.writeJson(Path.of("bench.json"));
 * }</pre>
 */
public final class Bench {
  private Bench() {}

  /** Loads the dataset named by the options. */
  public static BenchData load(BenchOptions o, PrintWriter err) throws IOException {
    Path cache = Path.of(o.cacheDir());
    String ds = o.dataset();
    if (ds.equals("synthetic")) {
      return noTrainQueries(o, BenchData.synthetic(cache, o.docs(), o.dims(), o.queries(), o.clusters(), o.seed()));
    }
    Path p = switch (ds) {
      case "scifact" -> sharedData("scifact");
      case "wikipedia" -> sharedData("wikipedia-en-paragraphs").resolve("corpus.jsonl.gz");
      default -> Path.of(ds);
    };
    if (Files.isDirectory(p)) {
      return BenchData.beir(p, "test", o.trainQueries(), o.model(), false, err);
    }
    if (Files.isRegularFile(p)) {
      return BenchData.isTextCorpus(p)
          ? BenchData.texts(p, o.docs(), o.queries(), o.trainQueries(), o.model(), false, err)
          : noTrainQueries(o, BenchData.file(p, o.docs(), o.queries()));
    }
    throw new IllegalArgumentException("--dataset must be synthetic, scifact, wikipedia, a BEIR folder, "
        + "a .fvecs/JSONL vector file or a JSONL(.gz) text corpus; not found: " + p);
  }

  private static BenchData noTrainQueries(BenchOptions o, BenchData d) {
    if (o.trainQueries() > 0) {
      throw new IllegalArgumentException("--train-queries " + o.trainQueries() + ": dataset " + o.dataset()
          + " has no query texts to train on (only scifact, wikipedia, BEIR folders and text corpora do)");
    }
    return d;
  }

  private static Path sharedData(String name) {
    String home = System.getProperty("matryoshka.home", ".");
    for (Path p : List.of(Path.of(home, "..", "shared", "data", name),
        Path.of("..", "shared", "data", name), Path.of("/work/shared/data", name))) {
      if (Files.isDirectory(p)) {
        return p.normalize();
      }
    }
    throw new IllegalArgumentException(name + " not found beside the checkout (../shared/data/" + name + ")");
  }

  /** Documents an adapter is fitted on: the default of {@code index --adapter-sample}. */
  static final int ADAPTER_SAMPLE = 10_000;

  /**
   * Applies {@code --adapter} to documents and queries alike (fitted on the first {@link
   * #ADAPTER_SAMPLE} documents, as {@code index} does), so every
   * system, Lucene's included, sees the same vectors; a rotation leaves their full-dimension
   * neighbours as they were, so only the prefix systems change.
   */
  static BenchData adapted(BenchData data, BenchOptions o, PrintWriter err) throws IOException {
    if (o.adapter() == null || o.adapter().equals("none")) {
      return data;
    }
    if (dev.matryoshka.index.AdapterBuilder.supervised(o.adapter())) {
      throw new IllegalArgumentException("--adapter " + o.adapter()
          + " trains on relevance judgments; train it with train-adapter and pass the file");
    }
    boolean distilled = dev.matryoshka.index.AdapterBuilder.needsQueries(o.adapter());
    if (distilled && data.trainQueries().length == 0) {
      throw new IllegalArgumentException("--adapter " + o.adapter()
          + " trains on query texts: give --train-queries N (e.g. 1000)");
    }
    long t0 = System.nanoTime();
    String fp = o.dataset().equals("synthetic") ? "synthetic" : dev.matryoshka.encode.Models.fingerprint(o.model());
    // fitted on the head of the corpus, as index --adapter-sample does by default
    float[][] sample = java.util.Arrays.copyOf(data.docs(), Math.min(data.docs().length, ADAPTER_SAMPLE));
    var a = dev.matryoshka.index.AdapterBuilder.build(o.adapter(), sample,
        distilled ? data.trainQueries() : null, null, fp, o.seed(), null);
    float[][] d = a.applyAll(data.docs());
    float[][] q = a.applyAll(data.queries());
    err.printf(java.util.Locale.ROOT, "bench: adapter %s fitted and applied in %.1f s%n", a.label(),
        (System.nanoTime() - t0) / 1e9);
    return new BenchData(data.name() + "+" + a.label(), d, q);
  }

  /** Runs the benchmark; progress goes to {@code err}. */
  public static BenchReport run(BenchOptions o, PrintWriter err)
      throws IOException, InterruptedException {
    BenchData data = adapted(load(o, err), o, err);
    float[][] docs = data.docs();
    float[][] queries = data.queries();
    int dims = data.dims();
    err.printf("bench: %s: %,d docs × %d dims, %d queries, k=%d%n",
        data.name(), docs.length, dims, queries.length, o.k());
    err.flush();
    Map<String, Object> meta = new LinkedHashMap<>();
    meta.put("regime", o.regime());
    meta.put("dataset", data.name());
    meta.put("adapter", o.adapter());
    meta.put("train_queries", o.trainQueries());
    meta.put("docs", docs.length);
    meta.put("dims", dims);
    meta.put("queries", queries.length);
    meta.put("k", o.k());
    meta.put("threads", o.threads());
    meta.put("jvm", Runtime.version().toString());
    meta.put("jvm_flags", ManagementFactory.getRuntimeMXBean().getInputArguments());
    meta.put("simd", vectorization());
    meta.put("cpus", Runtime.getRuntime().availableProcessors());
    meta.put("max_heap_bytes", Runtime.getRuntime().maxMemory());
    meta.put("decoded_graph_max_bytes", o.decodedGraphMaxBytes() >= 0 ? o.decodedGraphMaxBytes()
        : "default (" + DecodedGraphBudget.DEFAULT_HEAP_PERCENT + "% of the searching JVM's heap)");

    List<BenchReport.Row> rows = new ArrayList<>();
    long[] lat = new long[queries.length];
    long t0 = System.nanoTime();
    long cpu0 = java.lang.management.ManagementFactory.getThreadMXBean().getCurrentThreadCpuTime();
    int[][] truth = exact(docs, queries, o.k(), lat);
    double exactSecs = (System.nanoTime() - t0) / 1e9;
    double exactCpu = (java.lang.management.ManagementFactory.getThreadMXBean()
        .getCurrentThreadCpuTime() - cpu0) / 1e9;
    java.util.Arrays.sort(lat);
    if (o.runs(BenchSystem.EXACT)) {
      // under --memory-limit the brute force still runs here, in the uncapped build JVM: say so,
      // and the summary leaves it out of the capped comparison
      rows.add(new BenchReport.Row(o.regime(), "exact", o.memoryLimit() > 0 ? BenchReport.UNCAPPED_EXACT : "brute force", 1.0,
          queries.length / exactSecs, queries.length / exactCpu, Double.NaN, SearchPhase.percentile(lat, 0.5) / 1e6,
          SearchPhase.percentile(lat, 0.99) / 1e6, 0, 0, (long) docs.length * dims * 4,
          (long) dims * 4, docs.length, docs.length, Map.of()));
    }

    Path work = Path.of(o.workDir());
    List<BuiltIndex> built = new ArrayList<>();
    for (BenchSystem s : List.of(BenchSystem.LUCENE_HNSW_FLOAT32,
        BenchSystem.LUCENE_HNSW_INT8_RESCORE, BenchSystem.LUCENE_HNSW_INT4_RESCORE,
        BenchSystem.LUCENE_HNSW_1BIT_RESCORE)) {
      if (o.runs(s)) {
        built.add(IndexBuilder.build(o, s, 0, docs, work.resolve(IndexBuilder.key(s, 0)), err));
      }
    }
    if (o.runs(BenchSystem.MATRYOSHKA_PREFIX) || o.runs(BenchSystem.MATRYOSHKA_FUNNEL)) {
      for (int p : o.prefixDims()) {
        if (p >= dims) {
          continue;
        }
        if (!o.runs(BenchSystem.MATRYOSHKA_PREFIX) && p != SearchPhase.funnelPrefix(o)) {
          continue;
        }
        for (String q : o.prefixQuantization()) {
          var enc = dev.matryoshka.codec.MatryoshkaPrefix.Encoding.parse(q);
          boolean codes = enc != dev.matryoshka.codec.MatryoshkaPrefix.Encoding.FLOAT32;
          if (codes && !o.runs(BenchSystem.MATRYOSHKA_PREFIX)) {
            continue; // the funnel runs on the float prefix index
          }
          built.add(IndexBuilder.build(o, BenchSystem.MATRYOSHKA_PREFIX, p, enc, docs,
              work.resolve(IndexBuilder.key(BenchSystem.MATRYOSHKA_PREFIX, p) + (codes ? "-" + enc.wireName() : "")), err));
        }
      }
    }
    if (o.runs(BenchSystem.LUCENE_SQ_PREFIX_RESCORE)) {
      for (int p : o.prefixDims()) {
        if (p >= dims) {
          continue;
        }
        for (int bits : o.lucenePrefixBits()) {
          built.add(IndexBuilder.buildLuceneSqPrefix(o, p, bits, docs,
              work.resolve(IndexBuilder.luceneSqKey(p, bits)), err));
        }
      }
    }
    List<SearchPhase.Result> results;
    if (o.memoryLimit() > 0) {
      results = searchCapped(o, built, queries, truth, meta, err);
      if (results == null) {
        return new BenchReport(meta, rows);
      }
    } else {
      results = SearchPhase.run(o, built, queries, truth, err);
    }
    for (SearchPhase.Result r : results) {
      BuiltIndex idx = built.stream().filter(b -> b.key().equals(r.setting().index()))
          .findFirst().orElseThrow();
      if (!o.runs(BenchSystem.of(r.setting().system()))) {
        continue;
      }
      rows.add(new BenchReport.Row(o.regime(), r.setting().system(), r.setting().label(),
          r.recall(), r.qps(), r.cpuQps(), r.qpsThreads(), r.p50Ms(), r.p99Ms(), idx.buildSeconds(),
          idx.mergeSeconds(), idx.indexBytes(), idx.hotBytesPerVector(), r.visitedPerQuery(),
          r.fullReadsPerQuery(), idx.bytesByKind()));
    }
    return new BenchReport(meta, rows);
  }

  /** Exact top-k ordinals by dot product (unit vectors: cosine); per-query nanos into lat. */
  static int[][] exact(float[][] docs, float[][] queries, int k, long[] lat) {
    // eval's brute force, one query at a time on one thread so each query can be timed
    var brute = new dev.matryoshka.eval.ExactRetrieval(
        docs, dev.matryoshka.eval.ExactRetrieval.Similarity.DOT_PRODUCT, docs[0].length, 1);
    int[][] out = new int[queries.length][];
    for (int qi = 0; qi < queries.length; qi++) {
      long t0 = System.nanoTime();
      out[qi] = brute.search(new float[][] {queries[qi]}, k)[0].docs();
      lat[qi] = System.nanoTime() - t0;
    }
    return out;
  }

  private static List<SearchPhase.Result> searchCapped(
      BenchOptions o, List<BuiltIndex> built, float[][] queries, int[][] truth,
      Map<String, Object> meta, PrintWriter err) throws IOException, InterruptedException {
    MemoryCgroup group;
    try {
      group = MemoryCgroup.create(o.memoryLimit());
    } catch (UnsupportedOperationException e) {
      err.println("bench: --memory-limit skipped: " + e.getMessage());
      meta.put("memory_limit_skipped", e.getMessage());
      return null;
    }
    try (group) {
      Path work = Path.of(o.workDir());
      Path qFile = work.resolve("queries.mbv");
      BenchData.writeCache(qFile, queries);
      Path plan = work.resolve("plan.json");
      Path out = work.resolve("results.json");
      Files.deleteIfExists(out);
      new ObjectMapper().writeValue(plan.toFile(),
          new SearchWorker.Plan(o, built, qFile.toString(), truth));
      for (BuiltIndex b : built) {
        try (Stream<Path> files = Files.list(Path.of(b.path()))) {
          for (Path f : (Iterable<Path>) files::iterator) {
            MemoryCgroup.evictFromPageCache(f);
          }
        }
      }
      List<String> cmd = JvmLauncher.childCommand(o.searchHeap(),
          SearchWorker.class.getName(), List.of(plan.toString(), out.toString()));
      meta.put("memory_limit_bytes", o.memoryLimit());
      meta.put("memory_cgroup", group.version());
      meta.put("search_jvm_flags", cmd.subList(1, cmd.indexOf("-cp")));
      err.printf("bench: search phase in a child JVM capped at %,d bytes (cgroup %s)%n",
          o.memoryLimit(), group.version());
      err.flush();
      Process p = group.wrap(cmd).redirectOutput(ProcessBuilder.Redirect.INHERIT)
          .redirectError(ProcessBuilder.Redirect.INHERIT).start();
      int rc = p.waitFor();
      meta.put("search_peak_bytes", group.peakBytes());
      if (rc != 0 || !Files.exists(out)) {
        throw new IOException("capped search process failed (exit " + rc + "); if it was killed"
            + " (137) the cap is below heap + JVM overhead: raise --memory-limit or lower"
            + " --search-heap");
      }
      return SearchWorker.readResults(out);
    }
  }

  /**
   * Whether SIMD is on: Lucene uses its Panama vector implementation when the
   * {@code jdk.incubator.vector} module is in the boot layer (it logs "Java vector incubator API
   * enabled" on first use).
   */
  public static String vectorization() {
    boolean on = ModuleLayer.boot().findModule("jdk.incubator.vector").isPresent();
    return on ? "on (jdk.incubator.vector loaded: Lucene's Panama vector implementation)"
        : "off (jdk.incubator.vector not loaded: scalar fallback)";
  }
}
