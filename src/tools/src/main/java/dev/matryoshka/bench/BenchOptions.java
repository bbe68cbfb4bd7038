package dev.matryoshka.bench;

import java.util.List;

/**
 * Everything one benchmark run needs, as given on the command line (and passed as JSON to the
 * memory-capped search process).
 *
 * @param regime label of the regime in reports, e.g. {@code in-memory-768d}
 * @param dataset {@code synthetic}, {@code scifact}, a BEIR folder, or a {@code .fvecs}/JSONL file
 * @param docs documents to index (synthetic: generated; file: first N)
 * @param dims dimensions of synthetic vectors
 * @param queries number of queries (synthetic, file); BEIR uses its own test queries
 * @param k hits per query; recall is measured at k
 * @param threads threads for the concurrent QPS figure (1 = single-thread only)
 * @param passes timed passes per setting; the median is reported
 * @param segments segments flushed while building; forceMerge(1) then merges them
 * @param prefixDims prefix lengths of the matryoshka-prefix indexes
 * @param oversample oversample factors for matryoshka-prefix
 * @param kPrime candidate list sizes (k' ≥ k) for lucene-hnsw-float32
 * @param quantOversample oversample factors for the quantized + rescore systems
 * @param funnelDims middle stage of matryoshka-funnel (0 = no funnel)
 * @param systems system labels to run ({@link BenchSystem#label()})
 * @param memoryLimit bytes the search process may use (0 = no cap)
 * @param searchHeap heap of the capped search process, e.g. {@code 160m}
 * @param workDir where indexes are built
 * @param cacheDir where generated and encoded vectors are cached
 * @param model encoder for BEIR datasets
 * @param adapter adapter applied to documents and queries before any index is built: {@code none},
 *     {@code rotation}, {@code rotation-centered} (fitted on the documents) or an adapter file
 * @param seed seed of synthetic data
 * @param clusters clusters of synthetic data
 * @param maxConn HNSW fan-out for every system
 * @param beamWidth HNSW construction beam for every system
 * @param prefixQuantization prefix encodings of the matryoshka-prefix indexes: {@code none}
 *     (float32) and/or {@code int8}; one index per prefix length and encoding
 * @param trainQueries query texts encoded for adapters that train on queries ({@code
 *     rotation-distilled}): a text corpus's paragraphs after the test queries, a BEIR folder's
 *     train-split queries; 0 = none
 * @param rerankDepth extra matryoshka-prefix settings that rerank only this many of the
 *     candidates (the best by prefix score) at full dimension; empty = none
 * @param lucenePrefixBits bits per prefix dimension of the {@code lucene-sq-prefix-rescore}
 *     indexes (8 and/or 4; null or empty = both); one index per prefix length and width
 * @param decodedGraphMaxBytes heap budget of the decoded prefix graphs in the searching JVM
 *     ({@code DecodedGraphBudget.shared()}); 0 = always Lucene's off-heap graph (the "before" of
 *     the decoded-graph A/B); -1 = the library default, a share of that JVM's heap
 */
public record BenchOptions(
    String regime,
    String dataset,
    int docs,
    int dims,
    int queries,
    int k,
    int threads,
    int passes,
    int segments,
    List<Integer> prefixDims,
    List<Float> oversample,
    List<Integer> kPrime,
    List<Float> quantOversample,
    int funnelDims,
    List<String> systems,
    long memoryLimit,
    String searchHeap,
    String workDir,
    String cacheDir,
    String model,
    String adapter,
    long seed,
    int clusters,
    int maxConn,
    int beamWidth,
    List<String> prefixQuantization,
    int trainQueries,
    List<Integer> rerankDepth,
    List<Integer> lucenePrefixBits,
    long decodedGraphMaxBytes,
    List<Double> targetRecall) {

  /** As the canonical constructor, with no target-recall settings. */
  public BenchOptions(String regime, String dataset, int docs, int dims, int queries, int k, int threads,
      int passes, int segments, List<Integer> prefixDims, List<Float> oversample, List<Integer> kPrime,
      List<Float> quantOversample, int funnelDims, List<String> systems, long memoryLimit, String searchHeap,
      String workDir, String cacheDir, String model, String adapter, long seed, int clusters, int maxConn,
      int beamWidth, List<String> prefixQuantization, int trainQueries, List<Integer> rerankDepth,
      List<Integer> lucenePrefixBits, long decodedGraphMaxBytes) {
    this(regime, dataset, docs, dims, queries, k, threads, passes, segments, prefixDims, oversample, kPrime,
        quantOversample, funnelDims, systems, memoryLimit, searchHeap, workDir, cacheDir, model, adapter, seed,
        clusters, maxConn, beamWidth, prefixQuantization, trainQueries, rerankDepth, lucenePrefixBits,
        decodedGraphMaxBytes, List.of());
  }

  /** As the canonical constructor, with the library's default decoded-graph budget. */
  public BenchOptions(String regime, String dataset, int docs, int dims, int queries, int k, int threads,
      int passes, int segments, List<Integer> prefixDims, List<Float> oversample, List<Integer> kPrime,
      List<Float> quantOversample, int funnelDims, List<String> systems, long memoryLimit, String searchHeap,
      String workDir, String cacheDir, String model, String adapter, long seed, int clusters, int maxConn,
      int beamWidth, List<String> prefixQuantization, int trainQueries, List<Integer> rerankDepth,
      List<Integer> lucenePrefixBits) {
    this(regime, dataset, docs, dims, queries, k, threads, passes, segments, prefixDims, oversample, kPrime,
        quantOversample, funnelDims, systems, memoryLimit, searchHeap, workDir, cacheDir, model, adapter, seed,
        clusters, maxConn, beamWidth, prefixQuantization, trainQueries, rerankDepth, lucenePrefixBits, -1);
  }

  /** Checks ranges; messages name the option. */
  public BenchOptions {
    targetRecall = targetRecall == null ? List.of() : List.copyOf(targetRecall);
    for (double t : targetRecall) {
      check(t > 0 && t <= 1, "--target-recall values must be in (0, 1]; got=" + t);
    }
    check(decodedGraphMaxBytes >= -1,
        "--decoded-graph-max-bytes must be >= 0 (0 = always off-heap); got=" + decodedGraphMaxBytes);
    check(trainQueries >= 0, "--train-queries must be >= 0; got=" + trainQueries);
    rerankDepth = rerankDepth == null ? List.of() : List.copyOf(rerankDepth);
    for (int d : rerankDepth) {
      check(d >= k, "--rerank-depth values must be >= k (" + k + "); got=" + d);
    }
    check(docs >= 0, "--docs must be >= 0; got=" + docs);
    check(dims > 0, "--dims must be > 0; got=" + dims);
    check(queries > 0, "--queries must be > 0; got=" + queries);
    check(k > 0, "--k must be > 0; got=" + k);
    check(threads > 0, "--threads must be > 0; got=" + threads);
    check(passes > 0, "--passes must be > 0; got=" + passes);
    check(segments > 0, "--segments must be > 0; got=" + segments);
    check(memoryLimit >= 0, "--memory-limit must be >= 0; got=" + memoryLimit);
    for (String s : systems) {
      BenchSystem.of(s);
    }
    for (float f : oversample) {
      check(f >= 1, "--oversample values must be >= 1; got=" + f);
    }
    for (float f : quantOversample) {
      check(f >= 1, "--quant-oversample values must be >= 1; got=" + f);
    }
    for (int kp : kPrime) {
      check(kp >= k, "--k-prime values must be >= k; got=" + kp);
    }
    systems = List.copyOf(systems);
    prefixDims = List.copyOf(prefixDims);
    oversample = List.copyOf(oversample);
    kPrime = List.copyOf(kPrime);
    quantOversample = List.copyOf(quantOversample);
    prefixQuantization = prefixQuantization == null || prefixQuantization.isEmpty()
        ? List.of("none") : List.copyOf(prefixQuantization);
    lucenePrefixBits = lucenePrefixBits == null || lucenePrefixBits.isEmpty()
        ? List.of(8, 4) : List.copyOf(lucenePrefixBits);
    for (int b : lucenePrefixBits) {
      check(b == 8 || b == 4, "--lucene-prefix-bits values must be 8 or 4; got=" + b);
    }
    for (String q : prefixQuantization) {
      dev.matryoshka.codec.MatryoshkaPrefix.Encoding.parse(q); // names the bad value
    }
  }

  private static void check(boolean ok, String message) {
    if (!ok) {
      throw new IllegalArgumentException(message);
    }
  }

  /** True when the system with this label is to be run. */
  public boolean runs(BenchSystem s) {
    return systems.contains(s.label());
  }
}
