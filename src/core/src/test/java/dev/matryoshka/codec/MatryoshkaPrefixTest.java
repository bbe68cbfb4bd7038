package dev.matryoshka.codec;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.apache.lucene.index.VectorSimilarityFunction;
import org.junit.jupiter.api.Test;

/** The one truncate-and-renormalise function that indexing, search, eval and training share. */
class MatryoshkaPrefixTest {
  @Test
  void truncatesAndRenormalisesForCosineAndDotWithoutTouchingTheInput() {
    float[] v = {3, 4, 100, -7};
    for (VectorSimilarityFunction f : new VectorSimilarityFunction[] {
        VectorSimilarityFunction.COSINE, VectorSimilarityFunction.DOT_PRODUCT}) {
      assertArrayEquals(new float[] {0.6f, 0.8f}, MatryoshkaPrefix.prefix(v, 2, f), 1e-7f, f.toString());
    }
    assertEquals(3, v[0], "input must not be modified");
    assertArrayEquals(new float[] {1, 0, 0}, MatryoshkaPrefix.prefix(new float[] {2, 0, 0}, 3, VectorSimilarityFunction.COSINE), 0f);
  }

  @Test
  void euclideanAndMipPrefixesKeepTheirLength() {
    float[] v = {3, 4, 100};
    assertArrayEquals(new float[] {3, 4}, MatryoshkaPrefix.prefix(v, 2, VectorSimilarityFunction.EUCLIDEAN), 0f);
    assertArrayEquals(new float[] {3, 4}, MatryoshkaPrefix.prefix(v, 2, VectorSimilarityFunction.MAXIMUM_INNER_PRODUCT), 0f);
  }

  @Test
  void aZeroPrefixBecomesTheFirstBasisVectorInsteadOfNaN() {
    float[] p = MatryoshkaPrefix.prefix(new float[] {0, 0, 1}, 2, VectorSimilarityFunction.COSINE);
    assertArrayEquals(new float[] {1, 0}, p, 0f);
  }

  @Test
  void hugeAndSubnormalPrefixesRenormaliseLikeOrdinaryOnes() {
    float[] v = {0.3f, -0.2f, 0.5f, 0.1f, -0.7f, 0.25f};
    for (VectorSimilarityFunction f : new VectorSimilarityFunction[] {
        VectorSimilarityFunction.COSINE, VectorSimilarityFunction.DOT_PRODUCT}) {
      float[] want = MatryoshkaPrefix.prefix(v, 4, f);
      for (float factor : new float[] {1e37f, 1e-40f}) {
        float[] s = new float[v.length];
        for (int i = 0; i < v.length; i++) s[i] = v[i] * factor;
        // subnormal values keep ~13 bits, so their direction is v's to ~1e-4
        assertArrayEquals(want, MatryoshkaPrefix.prefix(s, 4, f), factor < 1e-37f ? 1e-4f : 2e-7f, f + " scaled by " + factor);
      }
      float[] constants = new float[8];
      java.util.Arrays.fill(constants, 1e38f);
      for (float x : MatryoshkaPrefix.prefix(constants, 4, f)) assertEquals(0.5f, x, 1e-7f, f.toString());
    }
  }

  @Test
  void rejectsDimsOutsideTheVector() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> MatryoshkaPrefix.prefix(new float[3], 0, VectorSimilarityFunction.COSINE));
    assertTrue(e.getMessage().contains("got=0"), e.getMessage());
    assertThrows(IllegalArgumentException.class, () -> MatryoshkaPrefix.prefix(new float[3], 4, VectorSimilarityFunction.COSINE));
  }
}
