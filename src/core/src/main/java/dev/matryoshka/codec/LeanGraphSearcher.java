package dev.matryoshka.codec;

import java.io.IOException;
import org.apache.lucene.search.KnnCollector;
import org.apache.lucene.search.TopKnnCollector;
import org.apache.lucene.util.BitSet;
import org.apache.lucene.util.FixedBitSet;
import org.apache.lucene.util.SparseFixedBitSet;
import org.apache.lucene.util.hnsw.HnswGraphSearcher;
import org.apache.lucene.util.hnsw.NeighborQueue;
import org.apache.lucene.util.hnsw.RandomVectorScorer;

/**
 * Lucene's HNSW search, step for step, specialised to a {@link DecodedHnswGraph} and a plain
 * top-k collector with no filter and no visit limit — the case of every unfiltered Matryoshka
 * query. It visits the same nodes in the same order, scores them with the same scorer in the same
 * groups, and keeps the same candidates and results with the same heaps and tie-breaks ({@link
 * NeighborQueue}), so it returns what {@code HnswGraphSearcher} returns; what it leaves out is
 * the per-neighbour bookkeeping that case does not need: the graph cursor's virtual calls (it
 * reads the decoded arrays directly), the collector's early-termination checks and its
 * ordinal-to-document decorator (results are translated once, at the end), and the clearing of
 * a whole visited set between the upper levels and level 0.
 *
 * <p>{@link #search} returns false, having done nothing, when the case does not apply; the
 * caller then runs Lucene's searcher. The system property {@value #PROPERTY}{@code =false} turns
 * it off (A/B benchmarks).
 */
final class LeanGraphSearcher {
  static final String PROPERTY = "matryoshka.search.lean";

  private LeanGraphSearcher() {}

  /** Whether this searcher can run {@code collector}'s search (read at every search). */
  static boolean applies(KnnCollector collector) {
    return collector.getClass() == TopKnnCollector.class
        && collector.visitLimit() == Integer.MAX_VALUE
        && (collector.getSearchStrategy() == null
            || collector.getSearchStrategy().getClass() == org.apache.lucene.search.knn.KnnSearchStrategy.Hnsw.class)
        && !"false".equals(System.getProperty(PROPERTY));
  }

  /**
   * Searches {@code graph} for {@code collector}'s top k of {@code scorer}'s query; every
   * ordinal is accepted. Collects documents ({@code scorer.ordToDoc}) and the visit count.
   *
   * @return false when {@link #applies} is false (nothing was done)
   */
  static boolean search(RandomVectorScorer scorer, DecodedHnswGraph graph, KnnCollector collector)
      throws IOException {
    if (!applies(collector)) {
      return false;
    }
    int size = graph.size();
    int ep = graph.entryNode();
    if (ep < 0 || size == 0) {
      return true;
    }
    int k = collector.k();
    // the visited set Lucene's searcher would pick: sparse when the walk touches a small share
    BitSet visited = HnswGraphSearcher.expectedVisitedNodes(k, size) < (size >>> 7)
        ? new SparseFixedBitSet(size) : new FixedBitSet(size);
    int[] bulkNodes = new int[Math.max(1, graph.maxListLength())];
    float[] bulkScores = new float[bulkNodes.length];
    long visitedCount = 0;

    // upper levels: greedy descent to the best entry point of level 0 (findBestEntryPoint)
    int current = ep;
    if (graph.numLevels() > 1) {
      float currentScore = scorer.score(current);
      visitedCount++;
      for (int level = graph.numLevels() - 1; level >= 1; level--) {
        visited.set(current);
        int[] edges = graph.edges(level);
        int[] offsets = graph.offsets(level);
        boolean better = true;
        while (better) {
          better = false;
          int index = graph.indexOn(level, current);
          int n = 0;
          for (int e = offsets[index], end = offsets[index + 1]; e < end; e++) {
            int friend = edges[e];
            if (!visited.getAndSet(friend)) {
              bulkNodes[n++] = friend;
            }
          }
          float max = n > 0 ? scorer.bulkScore(bulkNodes, bulkScores, n) : Float.NEGATIVE_INFINITY;
          visitedCount += n;
          if (max > currentScore) {
            for (int i = 0; i < n; i++) {
              if (bulkScores[i] > currentScore) {
                currentScore = bulkScores[i];
                current = bulkNodes[i];
                better = true;
              }
            }
          }
        }
      }
      visited.clear(); // level 0 starts afresh, as Lucene's searcher does
    }

    // level 0: best-first search with a beam of k (searchLevel)
    NeighborQueue candidates = new NeighborQueue(k, true);
    NeighborQueue results = new NeighborQueue(k, false);
    // the entry point is scored again through the bulk path, as Lucene's scoreEntryPoints does
    bulkNodes[0] = current;
    scorer.bulkScore(bulkNodes, bulkScores, 1);
    float epScore = bulkScores[0];
    visitedCount++;
    visited.set(current);
    candidates.add(current, epScore);
    results.insertWithOverflow(current, epScore);
    int[] edges = graph.edges(0);
    int[] offsets = graph.offsets(0);
    float minAccepted = Math.nextUp(minCompetitive(results, k));
    boolean exploreMinSim = true;
    while (candidates.size() > 0) {
      float top = candidates.topScore();
      if (top < minAccepted) {
        if (exploreMinSim && Math.nextUp(top) == minAccepted) {
          exploreMinSim = false;
        } else {
          break;
        }
      }
      int node = candidates.pop();
      int n = 0;
      for (int e = offsets[node], end = offsets[node + 1]; e < end; e++) {
        int friend = edges[e];
        if (!visited.getAndSet(friend)) {
          bulkNodes[n++] = friend;
        }
      }
      visitedCount += n;
      if (n > 0 && scorer.bulkScore(bulkNodes, bulkScores, n) > minCompetitive(results, k)) {
        for (int i = 0; i < n; i++) {
          float score = bulkScores[i];
          if (score >= minAccepted) {
            int friend = bulkNodes[i];
            candidates.add(friend, score);
            if (results.insertWithOverflow(friend, score)) {
              float old = minAccepted;
              minAccepted = Math.nextUp(minCompetitive(results, k));
              if (minAccepted > old) {
                exploreMinSim = true;
              }
            }
          }
        }
      }
    }
    collector.incVisitedCount((int) Math.min(Integer.MAX_VALUE, visitedCount));
    while (results.size() > 0) {
      float score = results.topScore();
      int ord = results.pop();
      collector.collect(scorer.ordToDoc(ord), score);
    }
    return true;
  }

  /** What {@link TopKnnCollector#minCompetitiveSimilarity()} says for a queue of size k. */
  private static float minCompetitive(NeighborQueue results, int k) {
    return results.size() >= k ? results.topScore() : Float.NEGATIVE_INFINITY;
  }
}
