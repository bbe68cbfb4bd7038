package dev.matryoshka.bench;

import java.util.concurrent.atomic.LongAdder;
import org.apache.lucene.search.KnnFloatVectorQuery;
import org.apache.lucene.search.TopDocs;

/**
 * A plain approximate k-NN query that adds the number of graph nodes it scored (Lucene reports
 * the visited count as each leaf's total hits) to a counter. Run untimed beside the measured
 * queries to report how many vectors a system reads from its graph per query.
 */
final class VisitCountingQuery extends KnnFloatVectorQuery {
  private final LongAdder visited;

  VisitCountingQuery(String field, float[] target, int k, LongAdder visited) {
    super(field, target, k);
    this.visited = visited;
  }

  @Override
  protected TopDocs mergeLeafResults(TopDocs[] perLeafResults) {
    for (TopDocs td : perLeafResults) {
      visited.add(td.totalHits.value());
    }
    return super.mergeLeafResults(perLeafResults);
  }
}
