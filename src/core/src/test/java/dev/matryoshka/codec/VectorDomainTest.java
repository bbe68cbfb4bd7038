package dev.matryoshka.codec;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.apache.lucene.index.VectorSimilarityFunction;
import org.junit.jupiter.api.Test;

/** The rule of which float32 vectors each similarity can rank, at the edges of float. */
class VectorDomainTest {
  private static final VectorSimilarityFunction COSINE = VectorSimilarityFunction.COSINE;
  private static final VectorSimilarityFunction[] MAGNITUDE = {
    VectorSimilarityFunction.DOT_PRODUCT, VectorSimilarityFunction.MAXIMUM_INNER_PRODUCT, VectorSimilarityFunction.EUCLIDEAN
  };

  private static float[] scaled(float[] v, float factor) {
    float[] out = new float[v.length];
    for (int i = 0; i < v.length; i++) out[i] = v[i] * factor;
    return out;
  }

  private static final float[] V = {0.3f, -0.2f, 0.5f, 0.1f, -0.7f, 0.25f};

  private static float[] unit(float[] v) {
    double n = 0;
    for (float x : v) n += (double) x * x;
    float[] out = new float[v.length];
    for (int i = 0; i < v.length; i++) out[i] = (float) (v[i] / Math.sqrt(n));
    return out;
  }

  @Test
  void cosineKeepsOrdinaryVectorsBitForBit() {
    assertSame(V, VectorDomain.document("emb", V, COSINE));
    assertSame(V, VectorDomain.query("emb", V, COSINE));
    float[] small = scaled(V, 1e-9f); // norm ~1e-9: float32 cosine is still exact enough
    assertSame(small, VectorDomain.query("emb", small, COSINE));
  }

  @Test
  void cosineTurnsHugeAndSubnormalVectorsIntoTheirUnitVector() {
    for (float factor : new float[] {1e37f, 1e-40f, 1e-20f, 3e20f}) {
      float[] v = scaled(V, factor);
      float[] u = VectorDomain.query("emb", v, COSINE);
      // the direction of v itself, to float32's last bit
      assertArrayEquals(unit(v), u, 1e-7f, "scaled by " + factor);
      assertEquals(1.0, VectorDomain.norm(u, u.length), 1e-6, "unit length, scaled by " + factor);
      // which is V's: exactly for normal floats, to ~1e-4 for subnormal ones (they keep fewer bits)
      float tolerance = factor < 1e-37f ? 1e-4f : 2e-7f;
      assertArrayEquals(unit(V), u, tolerance, "scaled by " + factor);
      // so the cosine Lucene computes in float32 is the unscaled one, not NaN, 0.5 or Infinity
      assertEquals(COSINE.compare(V, V), COSINE.compare(u, V), tolerance, "scaled by " + factor);
    }
    float[] constants = new float[384];
    java.util.Arrays.fill(constants, 1e38f);
    float[] u = VectorDomain.document("emb", constants, COSINE);
    for (float x : u) assertEquals(1 / Math.sqrt(384), x, 1e-7);
    // a single subnormal component has a direction too
    float[] tiny = new float[8];
    tiny[3] = Float.MIN_VALUE;
    assertArrayEquals(new float[] {0, 0, 0, 1, 0, 0, 0, 0}, VectorDomain.query("emb", tiny, COSINE), 0f);
  }

  @Test
  void cosineRefusesTheZeroVectorNamingTheField() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> VectorDomain.query("emb", new float[4], COSINE));
    assertTrue(e.getMessage().contains("\"emb\"") && e.getMessage().contains("query vector is the zero vector"), e.getMessage());
    // 1e-46 is below float32's smallest subnormal: it arrives as 0, and the vector has no direction
    IllegalArgumentException d = assertThrows(IllegalArgumentException.class,
        () -> VectorDomain.document("emb", new float[] {(float) 1e-46, 0f}, COSINE));
    assertTrue(d.getMessage().contains("vector is the zero vector"), d.getMessage());
  }

  @Test
  void everySimilarityRefusesNonFiniteComponentsNamingFieldAndPosition() {
    for (VectorSimilarityFunction sim : VectorSimilarityFunction.values()) {
      float[] v = V.clone();
      v[2] = Float.NaN;
      IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> VectorDomain.document("emb", v, sim));
      assertTrue(e.getMessage().contains("field \"emb\": vector[2] = NaN is not a finite number"), e.getMessage());
      v[2] = Float.NEGATIVE_INFINITY;
      e = assertThrows(IllegalArgumentException.class, () -> VectorDomain.query("emb", v, sim));
      assertTrue(e.getMessage().contains("query vector[2] = -Infinity"), e.getMessage());
    }
  }

  @Test
  void magnitudeSimilaritiesRefuseNormsWhoseScoresWouldOverflow() {
    float[] constants = new float[384];
    java.util.Arrays.fill(constants, 1e38f);
    for (VectorSimilarityFunction sim : MAGNITUDE) {
      for (float[] v : new float[][] {scaled(V, 1e37f), constants, scaled(V, 1e19f)}) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> VectorDomain.query("emb", v, sim));
        assertTrue(e.getMessage().contains("field \"emb\": query vector norm must be at most 2^62")
            && e.getMessage().contains(sim.toString()) && e.getMessage().contains("got="), e.getMessage());
      }
      // at the bound: kept as given, and the worst pair of accepted vectors still scores finitely
      float[] edge = {VectorDomain.MAX_NORM, 0f};
      float[] opposite = {-VectorDomain.MAX_NORM, 0f};
      assertSame(edge, VectorDomain.document("emb", edge, sim));
      assertTrue(Float.isFinite(sim.compare(edge, edge)) && Float.isFinite(sim.compare(edge, opposite)), sim.toString());
    }
  }

  @Test
  void magnitudeSimilaritiesKeepTinyAndZeroVectorsWithFiniteScores() {
    for (VectorSimilarityFunction sim : MAGNITUDE) {
      float[] tiny = scaled(V, 1e-40f);
      assertSame(tiny, VectorDomain.query("emb", tiny, sim));
      float[] zero = new float[V.length];
      assertSame(zero, VectorDomain.document("emb", zero, sim));
      assertTrue(Float.isFinite(sim.compare(tiny, V)) && Float.isFinite(sim.compare(tiny, zero)), sim.toString());
    }
  }
}
