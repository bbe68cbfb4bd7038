package dev.matryoshka.eval;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.matryoshka.codec.MatryoshkaPrefix;
import java.util.Comparator;
import java.util.Random;
import java.util.stream.IntStream;
import org.apache.lucene.index.VectorSimilarityFunction;
import org.junit.jupiter.api.Test;

class ExactRetrievalTest {
  private static float[][] random(Random r, int n, int d) {
    float[][] m = new float[n][d];
    for (float[] row : m) {
      for (int i = 0; i < d; i++) {
        row[i] = (float) r.nextGaussian();
      }
    }
    return m;
  }

  /** Reference: score everything, sort by score desc then doc asc. */
  private static int[] naive(float[] q, float[][] docs, int k) {
    double[] s = new double[docs.length];
    for (int d = 0; d < docs.length; d++) {
      float acc = 0;
      for (int i = 0; i < q.length; i++) {
        acc += q[i] * docs[d][i];
      }
      s[d] = acc;
    }
    return IntStream.range(0, docs.length).boxed()
        .sorted(Comparator.<Integer>comparingDouble(d -> -s[d]).thenComparingInt(d -> d))
        .limit(k).mapToInt(Integer::intValue).toArray();
  }

  @Test
  void matchesBruteForceOnPrefixesWithSeveralThreads() {
    Random r = new Random(42);
    float[][] docs = random(r, 500, 48);
    float[][] queries = random(r, 37, 48);
    int dims = 16;
    ExactRetrieval exact = new ExactRetrieval(docs, ExactRetrieval.Similarity.COSINE, dims, 3);
    ExactRetrieval.Hits[] hits = exact.search(queries, 20);
    float[][] pd = prefixes(docs, dims);
    float[][] pq = prefixes(queries, dims);
    for (int q = 0; q < queries.length; q++) {
      int[] expected = naive(pq[q], pd, 20);
      // float summation order differs (SIMD), so compare score sets rather than demand exact ids
      float[] expectedScores = new float[20];
      for (int i = 0; i < 20; i++) {
        expectedScores[i] = dot(pq[q], pd[expected[i]]);
      }
      assertArrayEquals(expectedScores, hits[q].scores(), 1e-5f, "query " + q);
      assertEquals(expected[0], hits[q].docs()[0], "query " + q);
      for (int i = 1; i < 20; i++) {
        assertEquals(true, hits[q].scores()[i - 1] >= hits[q].scores()[i]);
      }
    }
  }

  @Test
  void dotProductAtFullDimensionUsesRawVectors() {
    float[][] docs = {{1, 0}, {10, 0}, {0, 5}};
    ExactRetrieval.Hits h = new ExactRetrieval(docs, ExactRetrieval.Similarity.DOT_PRODUCT)
        .search(new float[][] {{1, 0.1f}}, 3)[0];
    // scores 1, 10, 0.5: the long vector wins under dot product
    assertArrayEquals(new int[] {1, 0, 2}, h.docs());
    assertArrayEquals(new float[] {10f, 1f, 0.5f}, h.scores(), 1e-6f);
    // cosine ignores the length: docs 0 and 1 tie, the lower index wins
    ExactRetrieval.Hits c = new ExactRetrieval(docs, ExactRetrieval.Similarity.COSINE)
        .search(new float[][] {{1, 0.1f}}, 3)[0];
    assertArrayEquals(new int[] {0, 1, 2}, c.docs());
  }

  @Test
  void kLargerThanCorpusReturnsEverything() {
    float[][] docs = {{1, 0}, {0, 1}};
    ExactRetrieval.Hits h = new ExactRetrieval(docs, ExactRetrieval.Similarity.COSINE)
        .search(new float[][] {{0, 1}}, ExactRetrieval.DEFAULT_K)[0];
    assertArrayEquals(new int[] {1, 0}, h.docs());
  }

  @Test
  void rejectsBadInput() {
    float[][] docs = {{1, 0}, {0, 1}};
    assertThrows(IllegalArgumentException.class,
        () -> new ExactRetrieval(docs, ExactRetrieval.Similarity.COSINE, 3));
    assertThrows(IllegalArgumentException.class,
        () -> new ExactRetrieval(new float[][] {{1, 0}, {1}}, ExactRetrieval.Similarity.COSINE));
    assertThrows(IllegalArgumentException.class,
        () -> new ExactRetrieval(new float[][] {{1, Float.NaN}}, ExactRetrieval.Similarity.DOT_PRODUCT));
    IllegalArgumentException nan = assertThrows(IllegalArgumentException.class,
        () -> new ExactRetrieval(new float[][] {{1, 2, 3}, {1, Float.POSITIVE_INFINITY, 0}}, ExactRetrieval.Similarity.COSINE, 2));
    assertTrue(nan.getMessage().contains("document 1"), nan.getMessage());
    ExactRetrieval e = new ExactRetrieval(docs, ExactRetrieval.Similarity.COSINE);
    assertThrows(IllegalArgumentException.class, () -> e.search(new float[][] {{1, 0, 0}}, 1));
    assertThrows(IllegalArgumentException.class, () -> e.search(new float[][] {{1, 0}}, 0));
    assertEquals(0, e.search(new float[0][], 5).length);
  }

  private static float[][] prefixes(float[][] rows, int dims) {
    float[][] out = new float[rows.length][];
    for (int i = 0; i < rows.length; i++) {
      out[i] = MatryoshkaPrefix.prefix(rows[i], dims, VectorSimilarityFunction.COSINE);
    }
    return out;
  }

  private static float dot(float[] a, float[] b) {
    float s = 0;
    for (int i = 0; i < a.length; i++) {
      s += a[i] * b[i];
    }
    return s;
  }
}
