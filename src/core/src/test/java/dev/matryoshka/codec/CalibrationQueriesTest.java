package dev.matryoshka.codec;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.matryoshka.codec.CalibrationQueries.Kind;
import dev.matryoshka.codec.CalibrationQueries.Queries;
import java.io.IOException;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import org.apache.lucene.index.FloatVectorValues;
import org.apache.lucene.index.VectorSimilarityFunction;
import org.junit.jupiter.api.Test;

class CalibrationQueriesTest {
  private static final int N = 300;
  private static final int DIMS = 24;

  /** Non-unit vectors with a positive common component, like a real embedding's mean. */
  private static float[][] docs(long seed) {
    Random r = new Random(seed);
    float[][] d = new float[N][DIMS];
    for (float[] v : d) {
      for (int x = 0; x < DIMS; x++) v[x] = (float) (r.nextGaussian() * (x < 4 ? 3 : 1) + 0.5);
    }
    return d;
  }

  private static double norm(float[] v) {
    double s = 0;
    for (float x : v) s += x * x;
    return Math.sqrt(s);
  }

  private static double cos(float[] a, float[] b) {
    double s = 0;
    for (int i = 0; i < a.length; i++) s += a[i] * b[i];
    return s / (norm(a) * norm(b));
  }

  @Test
  void everyKindIsDeterministicShapedAndUnitForCosineAndDot() throws IOException {
    float[][] d = docs(1);
    for (VectorSimilarityFunction sim : List.of(VectorSimilarityFunction.COSINE, VectorSimilarityFunction.DOT_PRODUCT)) {
      float[][] in = sim == VectorSimilarityFunction.COSINE ? d : unit(d);
      for (Kind k : Kind.values()) {
        Queries a = CalibrationQueries.generate(k, in, sim, 50, 7);
        Queries b = CalibrationQueries.generate(k, in, sim, 50, 7);
        // the reader overload reads the same vectors by ordinal and must agree exactly
        Queries c = CalibrationQueries.generate(k, FloatVectorValues.fromFloats(Arrays.asList(in), DIMS), sim, 50, 7);
        assertEquals(k, a.kind());
        assertEquals(50, a.size());
        assertArrayEquals(a.excluded(), b.excluded());
        assertArrayEquals(a.excluded(), c.excluded());
        for (int i = 0; i < 50; i++) {
          assertArrayEquals(a.vectors()[i], b.vectors()[i], k + " query " + i);
          assertArrayEquals(a.vectors()[i], c.vectors()[i], k + " query " + i + " via FloatVectorValues");
          assertEquals(DIMS, a.vectors()[i].length);
          assertEquals(1.0, norm(a.vectors()[i]), 1e-5, k + " " + sim + " query " + i);
        }
        Queries other = CalibrationQueries.generate(k, in, sim, 50, 8);
        assertFalse(Arrays.equals(a.excluded(), other.excluded()) && Arrays.deepEquals(a.vectors(), other.vectors()),
            k + ": another seed must give other queries");
      }
    }
  }

  @Test
  void exclusionsNameTheAnchorAndAnchorsAreDistinct() {
    float[][] d = docs(2);
    for (Kind k : Kind.values()) {
      Queries q = CalibrationQueries.generate(k, d, VectorSimilarityFunction.COSINE, 200, 3);
      Set<Integer> anchors = new HashSet<>();
      for (int i = 0; i < q.size(); i++) {
        int e = q.excluded()[i];
        if (!k.excludesAnchor()) {
          assertEquals(-1, e, k.label());
          continue;
        }
        assertTrue(e >= 0 && e < N);
        assertTrue(anchors.add(e), k + ": anchor " + e + " twice");
        // the query is built around the excluded document: it is its nearest document
        double self = cos(q.vectors()[i], d[e]);
        if (k == Kind.DOCUMENT) {
          assertEquals(1.0, self, 1e-6);
        } else {
          assertTrue(self < 0.9999, k + ": query " + i + " must not be its anchor (cos " + self + ")");
        }
      }
    }
  }

  @Test
  void noiseKindsMoveTheQueryOffItsAnchorByTheirWeight() {
    float[][] d = docs(3);
    // cos(q, d_i) = 1 / sqrt(1 + w^2) in expectation for a random direction nearly orthogonal to d_i
    for (var e : List.of(new Object[] {Kind.NOISE_HALF, 0.894}, new Object[] {Kind.NOISE_ONE, 0.707})) {
      Kind k = (Kind) e[0];
      Queries q = CalibrationQueries.generate(k, d, VectorSimilarityFunction.COSINE, 200, 5);
      double sum = 0;
      for (int i = 0; i < q.size(); i++) sum += cos(q.vectors()[i], d[q.excluded()[i]]);
      assertEquals((double) e[1], sum / q.size(), 0.03, k.label());
    }
  }

  @Test
  void euclideanKeepsTheDocumentsScale() {
    float[][] d = docs(4);
    Queries mid = CalibrationQueries.generate(Kind.MIDPOINT, d, VectorSimilarityFunction.EUCLIDEAN, 10, 1);
    double docNorm = Arrays.stream(d).mapToDouble(CalibrationQueriesTest::norm).average().orElseThrow();
    double qNorm = Arrays.stream(mid.vectors()).mapToDouble(CalibrationQueriesTest::norm).average().orElseThrow();
    assertNotEquals(1.0, qNorm, 0.5);
    assertTrue(qNorm > docNorm * 0.5 && qNorm < docNorm * 1.5, qNorm + " vs " + docNorm);
  }

  @Test
  void countIsCappedBySizeAndBadInputIsRefused() {
    float[][] d = docs(5);
    assertEquals(N, CalibrationQueries.generate(Kind.DOCUMENT, d, VectorSimilarityFunction.COSINE, 10_000, 1).size());
    assertThrows(IllegalArgumentException.class,
        () -> CalibrationQueries.generate(Kind.DOCUMENT, new float[][] {{1, 0}}, VectorSimilarityFunction.COSINE, 5, 1));
    assertThrows(IllegalArgumentException.class,
        () -> CalibrationQueries.generate(Kind.DOCUMENT, d, VectorSimilarityFunction.COSINE, 0, 1));
    assertEquals(Kind.NOISE_HALF, Kind.parse("noise-0.5"));
    assertEquals(Kind.MIDPOINT, Kind.parse("midpoint"));
    assertThrows(IllegalArgumentException.class, () -> Kind.parse("nope"));
  }

  @Test
  void requiredRecallDividesTheMissRateByTheMargin() {
    assertEquals(0.985, CalibrationQueries.requiredRecall(0.97, 2.0), 1e-12);
    assertEquals(0.97, CalibrationQueries.requiredRecall(0.97, 1.0), 1e-12);
    assertEquals(1 - 0.03 / CalibrationQueries.MISS_MARGIN, CalibrationQueries.requiredRecall(0.97), 1e-12);
    assertTrue(CalibrationQueries.MISS_MARGIN >= 1);
    assertThrows(IllegalArgumentException.class, () -> CalibrationQueries.requiredRecall(0.97, 0.5));
    assertThrows(IllegalArgumentException.class, () -> CalibrationQueries.requiredRecall(1.5, 2));
  }

  private static float[][] unit(float[][] d) {
    float[][] u = new float[d.length][];
    for (int i = 0; i < d.length; i++) {
      double n = norm(d[i]);
      u[i] = new float[d[i].length];
      for (int x = 0; x < d[i].length; x++) u[i][x] = (float) (d[i][x] / n);
    }
    return u;
  }
}
