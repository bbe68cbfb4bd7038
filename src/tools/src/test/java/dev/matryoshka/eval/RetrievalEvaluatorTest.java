package dev.matryoshka.eval;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RetrievalEvaluatorTest {
  private static final double NDCG_FLOOR = 0.15; // measured 0.257 (nDCG) and 0.246 (MRR)
  private static final int PREFIX = 16;

  @TempDir Path dir;

  @Test
  void exactSearchOnEmbeddingsGivesExpectedMetrics() throws IOException {
    Files.writeString(dir.resolve("corpus.jsonl"), """
        {"_id": "a", "text": "x"}
        {"_id": "b", "text": "y"}
        {"_id": "c", "text": "z"}
        """);
    Files.writeString(dir.resolve("queries.jsonl"), """
        {"_id": "q1", "text": "x?"}
        {"_id": "q2", "text": "z?"}
        """);
    Files.createDirectories(dir.resolve("qrels"));
    Files.writeString(dir.resolve("qrels/test.tsv"), "query-id\tcorpus-id\tscore\nq1\ta\t1\nq2\tc\t1\n");
    BeirDataset ds = BeirDataset.load(dir, "test");
    // the first dimension alone points q1 at a and q2 at b; the second dimension fixes q2
    float[][] docs = {{1, 0}, {0.9f, -0.1f}, {0.5f, 1}};
    float[][] queries = {{1, 0}, {0.5f, 1}};
    RetrievalScores full = RetrievalEvaluator.exact(ds, queries, docs, ExactRetrieval.Similarity.COSINE, 2);
    assertEquals(1.0, full.ndcgAt10(), 1e-12);
    assertEquals(1.0, full.mrrAt10(), 1e-12);
    assertEquals(2, full.queries());
    RetrievalScores one = RetrievalEvaluator.exact(ds, queries, docs, ExactRetrieval.Similarity.COSINE, 1);
    // at 1 dim every doc has prefix +1: all tie and come back a, b, c -> q2 finds c at rank 3
    assertEquals((1 + 1.0 / 3) / 2, one.mrrAt10(), 1e-12);
    assertEquals(1.0, one.recallAt100(), 1e-12);

    RetrievalScores given = RetrievalEvaluator.evaluate(ds, List.of(List.of("b", "a"), List.of()));
    assertEquals(0.25, given.mrrAt10(), 1e-12);
    assertThrows(IllegalArgumentException.class, () -> RetrievalEvaluator.evaluate(ds, List.of()));
    assertThrows(IllegalArgumentException.class,
        () -> RetrievalEvaluator.exact(ds, queries, new float[][] {{1, 0}}, ExactRetrieval.Similarity.COSINE, 2));
  }

  @Test
  void testCorpusOracleScoresOneAndHashedWordsBeatChance() throws IOException {
    BeirDataset ds = TestCorpus.load();
    List<List<String>> oracle = ds.queries().stream()
        .map(q -> List.copyOf(ds.qrels().get(q.id()).keySet())).toList();
    RetrievalScores perfect = RetrievalEvaluator.evaluate(ds, oracle);
    assertEquals(new RetrievalScores(1.0, 1.0, 1.0, TestCorpus.QUERIES), perfect);

    // a hashed bag of words is a crude lexical embedding: enough to prove the whole path
    // (texts -> matrices -> multi-threaded exact top-100 -> ids -> metrics) lines up. Chance
    // level on 240 passages is an nDCG@10 near 0.02; the queries paraphrase their answers, so
    // words alone do not get close to 1 either
    int dim = 512;
    float[][] docs = ds.docTexts().stream().map(t -> hashed(t, dim)).toArray(float[][]::new);
    float[][] queries = ds.queryTexts().stream().map(t -> hashed(t, dim)).toArray(float[][]::new);
    RetrievalScores s = RetrievalEvaluator.exact(ds, queries, docs, ExactRetrieval.Similarity.COSINE, dim);
    System.out.println("hashed words on test-corpus, 512 dims: " + s);
    assertEquals(TestCorpus.QUERIES, s.queries());
    assertTrue(s.ndcgAt10() > NDCG_FLOOR && s.recallAt100() > s.ndcgAt10() && s.mrrAt10() > NDCG_FLOOR, s.toString());
    RetrievalScores p16 = RetrievalEvaluator.exact(ds, queries, docs, ExactRetrieval.Similarity.COSINE, PREFIX);
    System.out.println("hashed words on test-corpus, " + PREFIX + "-dim prefix: " + p16);
    assertTrue(p16.ndcgAt10() < s.ndcgAt10(), "a " + PREFIX + "-dim hash prefix must lose information: " + p16);
  }

  private static float[] hashed(String text, int dim) {
    float[] v = new float[dim];
    for (String w : text.toLowerCase(Locale.ROOT).split("[^a-z0-9]+")) {
      if (w.length() > 2) {
        v[Math.floorMod(w.hashCode(), dim)] += 1;
      }
    }
    return v;
  }
}
