package dev.matryoshka.eval;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class MetricsTest {
  private static final double EPS = 1e-12;

  @Test
  void ndcgOfThreeDocRankingWithGradedRelevance() {
    // DCG  = 3/log2(2) + 2/log2(3) + 3/log2(4) = 3 + 1.261860 + 1.5 = 5.761860
    // IDCG = 3/log2(2) + 3/log2(3) + 2/log2(4) = 3 + 1.892789 + 1.0 = 5.892789
    List<String> ranking = List.of("a", "b", "c");
    Map<String, Integer> rel = Map.of("a", 3, "b", 2, "c", 3);
    assertEquals(0.9777813616305049, Metrics.ndcgAtK(ranking, rel, 10), EPS);
    // cut at 2: (3 + 2/log2 3) / (3 + 3/log2 3)
    assertEquals(0.8710490642551529, Metrics.ndcgAtK(ranking, rel, 2), EPS);
    assertEquals(1.0, Metrics.ndcgAtK(List.of("a", "c", "b"), rel, 10), EPS);
  }

  @Test
  void idealCountsJudgedDocsThatWereNotRetrieved() {
    // a (rel 1) at rank 2, b (rel 2) at rank 4: DCG = 1/log2 3 + 2/log2 5; IDCG = 2 + 1/log2 3
    List<String> ranking = List.of("x", "a", "y", "b");
    Map<String, Integer> rel = Map.of("a", 1, "b", 2);
    assertEquals(0.5672074169568709, Metrics.ndcgAtK(ranking, rel, 10), EPS);
    // only "a" retrieved of two relevant, and a third judged doc "z" never retrieved
    Map<String, Integer> rel3 = Map.of("a", 1, "z", 1);
    double expected = (1 / log2(3)) / (1 + 1 / log2(3));
    assertEquals(expected, Metrics.ndcgAtK(List.of("x", "a"), rel3, 10), EPS);
    assertEquals(0.5, Metrics.recallAtK(List.of("x", "a"), rel3, 10), EPS);
  }

  @Test
  void zeroRelevanceJudgmentsAreNotRelevant() {
    Map<String, Integer> rel = Map.of("a", 0, "b", 1);
    assertEquals(0.5, Metrics.mrrAtK(List.of("a", "b"), rel, 10), EPS);
    assertEquals(1.0, Metrics.recallAtK(List.of("a", "b"), rel, 10), EPS);
    assertEquals(1 / log2(3), Metrics.ndcgAtK(List.of("a", "b"), rel, 10), EPS);
  }

  @Test
  void queryWithNoRelevantDocRetrievedScoresZero() {
    Map<String, Integer> rel = Map.of("r", 2);
    List<String> ranking = List.of("x", "y", "z");
    assertEquals(0, Metrics.ndcgAtK(ranking, rel, 10));
    assertEquals(0, Metrics.recallAtK(ranking, rel, 100));
    assertEquals(0, Metrics.mrrAtK(ranking, rel, 10));
    // relevant doc just past the cut-off does not count
    assertEquals(0, Metrics.mrrAtK(List.of("x", "r"), rel, 1));
    assertEquals(0, Metrics.recallAtK(List.of("x", "r"), rel, 1));
  }

  @Test
  void queryWithoutAnyRelevantJudgmentScoresZeroLikeTrecEval() {
    Map<String, Integer> rel = Map.of("a", 0);
    assertEquals(0, Metrics.ndcgAtK(List.of("a"), rel, 10));
    assertEquals(0, Metrics.recallAtK(List.of("a"), rel, 10));
    assertEquals(0, Metrics.mrrAtK(List.of("a"), rel, 10));
  }

  @Test
  void kLargerThanRankingUsesWholeRanking() {
    Map<String, Integer> rel = Map.of("a", 1, "b", 1, "c", 1);
    List<String> ranking = List.of("x", "b");
    assertEquals(1.0 / 3, Metrics.recallAtK(ranking, rel, 1000), EPS);
    assertEquals(0.5, Metrics.mrrAtK(ranking, rel, 1000), EPS);
    double idcg = 1 + 1 / log2(3) + 1 / log2(4);
    assertEquals((1 / log2(3)) / idcg, Metrics.ndcgAtK(ranking, rel, 1000), EPS);
    assertEquals(0, Metrics.ndcgAtK(List.of(), rel, 10));
  }

  @Test
  void mrrIsReciprocalRankOfFirstRelevant() {
    Map<String, Integer> rel = Map.of("c", 1, "e", 1);
    assertEquals(1.0 / 3, Metrics.mrrAtK(List.of("a", "b", "c", "d", "e"), rel, 10), EPS);
    assertEquals(1.0, Metrics.mrrAtK(List.of("e", "c"), rel, 10), EPS);
  }

  @Test
  void evaluateAveragesOverJudgedQueriesAndCountsMissingRunsAsZero() {
    Map<String, Map<String, Integer>> qrels = new LinkedHashMap<>();
    qrels.put("q1", Map.of("a", 1));
    qrels.put("q2", Map.of("b", 1));
    qrels.put("q3", Map.of("c", 1)); // no run at all
    Map<String, List<String>> runs = Map.of(
        "q1", List.of("a"),
        "q2", List.of("x", "b"),
        "unjudged", List.of("a"));
    RetrievalScores s = Metrics.evaluate(runs, qrels);
    assertEquals(3, s.queries());
    assertEquals((1 + 1 / log2(3) + 0) / 3, s.ndcgAt10(), EPS);
    assertEquals((1 + 0.5 + 0) / 3, s.mrrAt10(), EPS);
    assertEquals(2.0 / 3, s.recallAt100(), EPS);
  }

  @Test
  void rejectsBadArguments() {
    Map<String, Integer> rel = Map.of("a", 1);
    assertThrows(IllegalArgumentException.class, () -> Metrics.ndcgAtK(List.of("a"), rel, 0));
    IllegalArgumentException dup = assertThrows(IllegalArgumentException.class,
        () -> Metrics.recallAtK(List.of("a", "b", "a"), rel, 10));
    assertTrue(dup.getMessage().contains("'a'"), dup.getMessage());
    assertThrows(IllegalArgumentException.class, () -> Metrics.evaluate(Map.of(), Map.of()));
  }

  @Test
  void spearmanPerfectAndReversedMonotone() {
    double[] x = {1, 2, 3, 4, 5};
    assertEquals(1.0, Metrics.spearman(x, new double[] {1, 4, 9, 16, 25}), EPS);
    assertEquals(-1.0, Metrics.spearman(x, new double[] {10, 5, 0, -5, -100}), EPS);
  }

  @Test
  void spearmanAveragesTiedRanks() {
    // ranks x = [1, 2.5, 2.5, 4], y = [1, 3, 2, 4]; deviations from 2.5:
    // sxy = 2.25 + 0 + 0 + 2.25 = 4.5, sxx = 4.5, syy = 5 -> 4.5 / sqrt(22.5)
    double rho = Metrics.spearman(new double[] {1, 2, 2, 3}, new double[] {1, 3, 2, 4});
    assertEquals(4.5 / Math.sqrt(22.5), rho, EPS);
    assertEquals(0.9486832980505138, rho, 1e-12);
    double[] ranks = Metrics.averageRanks(new double[] {5, 1, 5, 5, 0});
    assertEquals(List.of(4.0, 2.0, 4.0, 4.0, 1.0), java.util.Arrays.stream(ranks).boxed().toList());
  }

  @Test
  void spearmanOfConstantSampleIsNaNAndBadInputFails() {
    assertTrue(Double.isNaN(Metrics.spearman(new double[] {1, 1, 1}, new double[] {1, 2, 3})));
    assertThrows(IllegalArgumentException.class,
        () -> Metrics.spearman(new double[] {1, 2}, new double[] {1}));
    assertThrows(IllegalArgumentException.class,
        () -> Metrics.spearman(new double[] {1}, new double[] {1}));
    assertThrows(IllegalArgumentException.class,
        () -> Metrics.spearman(new double[] {1, Double.NaN}, new double[] {1, 2}));
  }

  private static double log2(double x) {
    return Math.log(x) / Math.log(2);
  }
}
