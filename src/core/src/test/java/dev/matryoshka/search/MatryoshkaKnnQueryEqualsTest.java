package dev.matryoshka.search;

import java.util.List;
import org.apache.lucene.index.Term;
import org.apache.lucene.search.KnnFloatVectorQuery;
import org.apache.lucene.search.Query;
import org.apache.lucene.search.TermQuery;
import org.apache.lucene.tests.search.QueryUtils;
import org.junit.jupiter.api.Test;

/**
 * equals/hashCode of {@link MatryoshkaKnnQuery} through Lucene's own {@link QueryUtils}: the query
 * cache keys on them, so two queries that would return different hits must never be equal.
 */
class MatryoshkaKnnQueryEqualsTest {
  private static float[] vector(int dims, float first) {
    float[] v = new float[dims];
    for (int i = 0; i < dims; i++) v[i] = (i + 1) / (float) dims;
    v[0] = first;
    return v;
  }

  @Test
  void sameParametersAreEqualWithTheSameHash() {
    MatryoshkaKnnQuery q = new MatryoshkaKnnQuery("emb", vector(128, 1f), 10);
    QueryUtils.check(q); // reflexive, stable hash, unequal to a foreign query
    QueryUtils.checkEqual(q, new MatryoshkaKnnQuery("emb", vector(128, 1f), 10));
    Query filter = new TermQuery(new Term("lang", "en"));
    QueryUtils.checkEqual(
        q.oversample(2.5f).filter(filter).funnel(64, 20).exactSearchThreshold(0),
        new MatryoshkaKnnQuery("emb", vector(128, 1f), 10)
            .oversample(2.5f).filter(new TermQuery(new Term("lang", "en"))).funnel(64, 20).exactSearchThreshold(0));
  }

  @Test
  void everyParameterThatChangesTheHitsMakesTheQueriesUnequal() {
    MatryoshkaKnnQuery q = new MatryoshkaKnnQuery("emb", vector(128, 1f), 10);
    List<Query> others = List.of(
        new MatryoshkaKnnQuery("other", vector(128, 1f), 10),
        new MatryoshkaKnnQuery("emb", vector(128, 0.5f), 10),
        new MatryoshkaKnnQuery("emb", vector(128, 1f), 11),
        // same candidate count (40) as k=10 × 4, but a different number of hits
        new MatryoshkaKnnQuery("emb", vector(128, 1f), 20).oversample(2f),
        // same candidate count (41) as oversample 4.1, but another oversample
        q.oversample(4.01f),
        q.oversample(8f),
        q.filter(new TermQuery(new Term("lang", "en"))),
        q.funnel(64, 20),
        q.rerankDepth(20),
        q.exactSearchThreshold(0),
        // Lucene's plain query with the same field, vector and candidate count
        new KnnFloatVectorQuery("emb", vector(128, 1f), 40));
    for (Query other : others) {
      QueryUtils.checkUnequal(q, other);
    }
    QueryUtils.checkUnequal(q.oversample(4.1f), q.oversample(4.01f));
    QueryUtils.checkUnequal(q.funnel(64, 20), q.funnel(32, 20));
    QueryUtils.checkUnequal(q.funnel(64, 20), q.funnel(64, 30));
    QueryUtils.checkUnequal(q.rerankDepth(20), q.rerankDepth(30));
    QueryUtils.checkUnequal(q.rerankDepth(20), q.funnel(64, 20));
  }
}
