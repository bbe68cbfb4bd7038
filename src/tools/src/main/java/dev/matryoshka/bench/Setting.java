package dev.matryoshka.bench;

import dev.matryoshka.search.MatryoshkaKnnQuery;
import dev.matryoshka.search.Rerank;
import org.apache.lucene.search.KnnFloatVectorQuery;
import org.apache.lucene.search.Query;
import org.apache.lucene.search.RescoreTopNQuery;

/**
 * One point on a system's recall/QPS curve: how many graph candidates to collect and how to
 * rescore them.
 *
 * @param system system label
 * @param index key of the {@link BuiltIndex} searched
 * @param label setting as shown in reports
 * @param candidates graph candidates (k' for float32, k × oversample for the others)
 * @param oversample oversample factor (float32: k'/k)
 * @param funnelDims funnel middle stage (0 = none)
 * @param funnelKeep candidates kept after the funnel stage; for matryoshka-prefix, the rerank
 *     depth (0 = every candidate)
 * @param prefixDims prefix length searched by {@code lucene-sq-prefix-rescore}, else 0
 * @param targetRecall for matryoshka-prefix, the recall the query asks for (each segment picks
 *     its own oversample from its calibration; {@code candidates} is then the widest segment's),
 *     else NaN
 */
public record Setting(
    String system, String index, String label, int candidates, float oversample, int funnelDims,
    int funnelKeep, int prefixDims, double targetRecall) {

  /** A setting with an explicit candidate count. */
  public Setting(String system, String index, String label, int candidates, float oversample,
      int funnelDims, int funnelKeep, int prefixDims) {
    this(system, index, label, candidates, oversample, funnelDims, funnelKeep, prefixDims, Double.NaN);
  }

  /** Label suffix of a matryoshka-prefix setting whose rerank does not prefetch. */
  static final String NO_PREFETCH = " no-prefetch";

  /** Label suffix of a matryoshka-prefix setting walked by Lucene's HnswGraphSearcher. */
  static final String LUCENE_WALK = " lucene-walk";

  /** The label suffix of int8 settings searched with {@code scorer} (none for the default). */
  static String int8ScorerSuffix(String scorer) {
    return scorer.isEmpty() || scorer.equals("asymmetric") ? "" : " " + scorer;
  }

  /**
   * Sets the library's A/B switches (system properties the codec and the rerank read at every
   * search) for this setting; called once before each pass over the queries, not per query.
   */
  void applySwitches() {
    if (BenchSystem.of(system) != BenchSystem.MATRYOSHKA_PREFIX) {
      return;
    }
    System.setProperty(dev.matryoshka.search.FullVectorRescorer.PREFETCH_PROPERTY,
        label.contains(NO_PREFETCH) ? "false" : "true");
    System.setProperty("matryoshka.search.lean", label.endsWith(LUCENE_WALK) ? "false" : "true");
    System.setProperty("matryoshka.int8.scorer", label.contains(" int8 symmetric") ? "symmetric" : "asymmetric");
  }

  /** The query this setting runs for one query vector. */
  Query query(float[] q, int k) {
    String f = BenchSystem.FIELD;
    return switch (BenchSystem.of(system)) {
      case LUCENE_HNSW_FLOAT32 -> new KnnFloatVectorQuery(f, q, candidates);
      case LUCENE_HNSW_INT8_RESCORE, LUCENE_HNSW_INT4_RESCORE, LUCENE_HNSW_1BIT_RESCORE ->
          RescoreTopNQuery.createFullPrecisionRescorerQuery(
              new KnnFloatVectorQuery(f, q, candidates), q, f, k);
      case MATRYOSHKA_PREFIX, MATRYOSHKA_FUNNEL -> Double.isNaN(targetRecall)
          ? new MatryoshkaKnnQuery(f, q, k).oversample(oversample).rerank(rerank())
          : new MatryoshkaKnnQuery(f, q, k).targetRecall(targetRecall).rerank(rerank());
      case LUCENE_SQ_PREFIX_RESCORE -> new PrefixRescoreQuery(BenchSystem.PREFIX_FIELD,
          IndexBuilder.prefix(q, prefixDims), candidates, f, q, k);
      case EXACT -> throw new IllegalStateException("exact is not a Lucene query");
    };
  }

  /**
   * The rerank strategy of a Matryoshka setting: a funnel when {@code funnelDims > 0}, else a
   * rerank depth when {@code funnelKeep > 0}, else every candidate.
   */
  Rerank rerank() {
    if (funnelDims > 0) {
      return Rerank.funnel(funnelDims, funnelKeep);
    }
    return funnelKeep > 0 ? Rerank.depth(funnelKeep) : Rerank.FULL;
  }

  /**
   * A plain approximate search of the graph this setting walks, for {@code candidates} hits,
   * counting the nodes it scores into {@code visited}.
   */
  Query visitCountingQuery(float[] q, java.util.concurrent.atomic.LongAdder visited) {
    if (BenchSystem.of(system) == BenchSystem.LUCENE_SQ_PREFIX_RESCORE) {
      return new VisitCountingQuery(BenchSystem.PREFIX_FIELD, IndexBuilder.prefix(q, prefixDims),
          candidates, visited);
    }
    return new VisitCountingQuery(BenchSystem.FIELD, q, candidates, visited);
  }

  /**
   * Full-dimension vectors read per query: every scored node for float32 HNSW, the rescored
   * candidates for the others (the funnel stage reads full vectors too, and truncates them).
   */
  double fullReads(double visitedPerQuery) {
    BenchSystem s = BenchSystem.of(system);
    if (s == BenchSystem.LUCENE_HNSW_FLOAT32) {
      return visitedPerQuery;
    }
    // a prefix setting with a rerank depth reads only that many (the funnel reads all candidates)
    return s == BenchSystem.MATRYOSHKA_PREFIX && funnelKeep > 0 ? Math.min(funnelKeep, candidates) : candidates;
  }
}
