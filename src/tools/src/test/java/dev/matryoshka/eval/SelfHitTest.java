package dev.matryoshka.eval;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * MTEB's rule for datasets whose queries are corpus documents (ArguAna): a hit whose id equals the
 * query's is dropped, and one more hit is fetched so the top 10 stay 10.
 */
class SelfHitTest {
  @TempDir Path dir;

  /**
   * Twelve documents d0..d11 on a quarter circle, d0 at angle 0 and each next one further away;
   * the query q is document d0 itself (same id, same vector), and the relevant document is d10,
   * eleventh in the raw ranking (d0 first).
   */
  private BeirDataset fixture(boolean queryIsDocument) throws IOException {
    StringBuilder corpus = new StringBuilder();
    for (int i = 0; i < 12; i++) {
      corpus.append("{\"_id\": \"d").append(i).append("\", \"text\": \"t").append(i).append("\"}\n");
    }
    Files.writeString(dir.resolve("corpus.jsonl"), corpus.toString());
    String qid = queryIsDocument ? "d0" : "q0";
    Files.writeString(dir.resolve("queries.jsonl"), "{\"_id\": \"" + qid + "\", \"text\": \"t0\"}\n");
    Files.createDirectories(dir.resolve("qrels"));
    Files.writeString(dir.resolve("qrels/test.tsv"), "query-id\tcorpus-id\tscore\n" + qid + "\td10\t1\n");
    return BeirDataset.load(dir, "test");
  }

  private static float[][] docs() {
    float[][] d = new float[12][];
    for (int i = 0; i < 12; i++) {
      double a = i * 0.1;
      d[i] = new float[] {(float) Math.cos(a), (float) Math.sin(a)};
    }
    return d;
  }

  @Test
  void selfHitIsDroppedAndTheTenthHitMovesUp() throws IOException {
    BeirDataset ds = fixture(true);
    assertEquals(1, ds.queriesInCorpus());
    assertTrue(ds.dropsSelfHits());
    assertEquals(11, ds.fetch(10));
    float[][] q = {docs()[0]};
    // d10 is 11th with d0 in the ranking; without d0 it is 10th: rank 10 -> 1/log2(11)
    RetrievalScores dropped = RetrievalEvaluator.exact(ds, q, docs(), ExactRetrieval.Similarity.COSINE, 2);
    assertEquals(1 / (Math.log(11) / Math.log(2)), dropped.ndcgAt10(), 1e-9);
    assertEquals(0.1, dropped.mrrAt10(), 1e-9);
    assertEquals(1.0, dropped.recallAt100(), 1e-12);

    // BEIR's plain behaviour: d0 takes rank 1 and pushes d10 out of the top 10
    BeirDataset kept = ds.keepingSelfHits();
    assertFalse(kept.dropsSelfHits());
    assertEquals(10, kept.fetch(10));
    RetrievalScores raw = RetrievalEvaluator.exact(kept, q, docs(), ExactRetrieval.Similarity.COSINE, 2);
    assertEquals(0.0, raw.ndcgAt10(), 1e-12);
    assertEquals(1.0, raw.recallAt100(), 1e-12);
  }

  @Test
  void rankerPathsFetchOneMoreAndDropTheQueryItself() throws IOException {
    BeirDataset ds = fixture(true);
    List<Integer> asked = new ArrayList<>();
    // a ranker (index, hybrid) returning d0..d(k-1): exactly what it was asked for
    RetrievalScores s = EvalRunner.scores(ds, (i, k) -> {
      asked.add(k);
      List<String> ids = new ArrayList<>();
      for (int d = 0; d < Math.min(k, 12); d++) ids.add("d" + d);
      return ids;
    });
    assertEquals(List.of(11, 101), asked);
    assertEquals(1 / (Math.log(11) / Math.log(2)), s.ndcgAt10(), 1e-9);

    // rankings given whole: the self-hit is removed wherever it sits
    RetrievalScores given = RetrievalEvaluator.evaluate(ds, List.of(List.of("d3", "d0", "d10")));
    assertEquals(0.5, given.mrrAt10(), 1e-12);
    assertEquals(List.of("d3", "d10"), ds.ranking("d0", List.of("d3", "d0", "d10", "d4"), 2));
  }

  @Test
  void datasetsWhoseQueryIdsAreNotDocumentIdsAreUntouched() throws IOException {
    BeirDataset ds = fixture(false);
    assertEquals(0, ds.queriesInCorpus());
    assertFalse(ds.dropsSelfHits());
    assertEquals(10, ds.fetch(10));
    RetrievalScores s = RetrievalEvaluator.exact(ds, new float[][] {docs()[0]}, docs(), ExactRetrieval.Similarity.COSINE, 2);
    assertEquals(0.0, s.ndcgAt10(), 1e-12); // d10 is 11th: out of the top 10, nothing dropped
    assertEquals(List.of("d0", "d1"), ds.ranking("d0", List.of("d0", "d1", "d2"), 2));
  }

  @Test
  void stsRetrievalDropsTheQuerySentence() {
    assertEquals(List.of("d2", "d3"), StsRetrieval.drop("d1", List.of("d1", "d2", "d3", "d4"), 2));
    assertEquals(List.of("d1", "d2"), StsRetrieval.drop(null, List.of("d1", "d2", "d3"), 2));
  }
}
