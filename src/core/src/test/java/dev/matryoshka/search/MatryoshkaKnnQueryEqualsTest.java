package dev.matryoshka.search;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.function.UnaryOperator;
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

  @Test
  void builderCallsGiveTheSameQueryInAnyOrder() {
    MatryoshkaKnnQuery q = new MatryoshkaKnnQuery("emb", vector(128, 1f), 10);
    Query filter = new TermQuery(new Term("lang", "en"));
    QueryUtils.checkEqual(q.oversample(3).rerankDepth(25).filter(filter), q.filter(filter).rerankDepth(25).oversample(3));
    QueryUtils.checkEqual(q.funnel(64, 30).oversample(3), q.oversample(3).funnel(64, 30));
    QueryUtils.checkEqual(q.rerankDepth(20), q.rerank(Rerank.depth(20)));
    QueryUtils.checkEqual(q.funnel(64, 20), q.rerank(Rerank.funnel(64, 20)));
    // the last strategy wins: one query has one strategy
    QueryUtils.checkEqual(q.funnel(64, 20).rerankDepth(30), q.rerankDepth(30));
    QueryUtils.checkEqual(q.rerankDepth(30).rerank(Rerank.FULL), q);
    assertEquals(Rerank.depth(30), q.funnel(64, 20).rerankDepth(30).getRerank());
  }

  @Test
  void aStrategyThatDoesNotFitIsRefusedWhateverTheCallOrder() {
    MatryoshkaKnnQuery q = new MatryoshkaKnnQuery("emb", vector(128, 1f), 10);
    // k = 10, oversample 2: 20 candidates; depth or keep 30 cannot be read from 20
    List<UnaryOperator<MatryoshkaKnnQuery>> before = List.of(
        x -> x.oversample(2).rerankDepth(30), x -> x.oversample(2).funnel(64, 30));
    List<UnaryOperator<MatryoshkaKnnQuery>> after = List.of(
        x -> x.rerankDepth(30).oversample(2), x -> x.funnel(64, 30).oversample(2));
    for (int i = 0; i < before.size(); i++) {
      int c = i;
      IllegalArgumentException a = assertThrows(IllegalArgumentException.class, () -> before.get(c).apply(q));
      IllegalArgumentException b = assertThrows(IllegalArgumentException.class, () -> after.get(c).apply(q));
      assertEquals(a.getMessage(), b.getMessage());
      assertTrue(a.getMessage().contains("[10, 20]") && a.getMessage().contains("got=30"), a.getMessage());
    }
    // a depth below k, a funnel as long as the vector, non-positive numbers, no strategy
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> q.oversample(4).rerankDepth(5));
    assertTrue(e.getMessage().startsWith("rerank depth must be in [k, candidates] = [10, 40]; got=5"), e.getMessage());
    // asking for a recall, each segment has its own candidate count: only k bounds the depth here
    e = assertThrows(IllegalArgumentException.class, () -> q.rerankDepth(5));
    assertTrue(e.getMessage().startsWith("rerank depth must be in [k, candidates] = [10, per segment]; got=5"), e.getMessage());
    e = assertThrows(IllegalArgumentException.class, () -> q.funnel(128, 20));
    assertTrue(e.getMessage().contains("funnel dims must be in [1, 128); got=128"), e.getMessage());
    e = assertThrows(IllegalArgumentException.class, () -> Rerank.funnel(0, 20));
    assertTrue(e.getMessage().contains("funnel dims must be >= 1; got=0"), e.getMessage());
    e = assertThrows(IllegalArgumentException.class, () -> Rerank.depth(-1));
    assertTrue(e.getMessage().contains("got=-1"), e.getMessage());
    e = assertThrows(IllegalArgumentException.class, () -> q.rerank(null));
    assertTrue(e.getMessage().contains("rerank must not be null"), e.getMessage());
    e = assertThrows(IllegalArgumentException.class, () -> q.exactSearchThreshold(-1));
    assertTrue(e.getMessage().contains("exactSearchThreshold must be >= 0; got=-1"), e.getMessage());
    // a strategy that fits is kept when other parameters still fit it
    assertEquals(Rerank.depth(20), q.rerankDepth(20).oversample(2).getRerank());
  }

  @Test
  void getKIsTheNumberOfHitsAsForLucenesQuery() {
    MatryoshkaKnnQuery q = new MatryoshkaKnnQuery("emb", vector(128, 1f), 10).oversample(4.5f);
    assertEquals(10, q.getK(), "getK: the max number of results, as KnnFloatVectorQuery documents it");
    assertEquals(10, q.topK());
    assertEquals(45, q.getCandidates());
    assertEquals(10, ((KnnFloatVectorQuery) q).getK());
    assertEquals(new KnnFloatVectorQuery("emb", vector(128, 1f), 10).getK(), q.getK());
    assertEquals(10, q.rerankDepth(20).funnel(64, 30).filter(null).exactSearchThreshold(0).getK());
    assertEquals(Rerank.FULL, q.getRerank());
  }
}
