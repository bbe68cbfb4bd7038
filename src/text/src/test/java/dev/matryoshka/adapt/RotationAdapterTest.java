package dev.matryoshka.adapt;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class RotationAdapterTest {

  private static final int DIMS = 64;

  private static double energyFraction(float[][] vectors, int prefix) {
    double head = 0;
    double total = 0;
    for (float[] v : vectors) {
      head += Synthetic.dot(v, v, prefix);
      total += Synthetic.dot(v, v, v.length);
    }
    return head / total;
  }

  @Test
  void preservesFullDimensionDotProductsAndNorms() {
    float[][] sample = Synthetic.mixedDecaying(500, DIMS, 0.9, 1);
    float[][] unseen = Synthetic.mixedDecaying(50, DIMS, 0.9, 2);
    for (boolean centered : new boolean[] {false, true}) {
      RotationAdapter rotation =
          RotationAdapter.fit(sample, RotationOptions.forModel("m").withCentered(centered));
      float[][] rotated = rotation.applyAll(unseen);
      for (int i = 0; i < unseen.length; i++) {
        for (int j = 0; j < unseen.length; j++) {
          assertEquals(
              Synthetic.dot(unseen[i], unseen[j], DIMS), Synthetic.dot(rotated[i], rotated[j], DIMS), 1e-5);
        }
      }
    }
  }

  @Test
  void rowsAreOrthonormal() {
    RotationAdapter rotation =
        RotationAdapter.fit(Synthetic.mixedDecaying(300, DIMS, 0.9, 3), RotationOptions.forModel("m"));
    float[] q = rotation.matrixRef();
    for (int i = 0; i < DIMS; i++) {
      for (int j = 0; j < DIMS; j++) {
        double d = 0;
        for (int k = 0; k < DIMS; k++) {
          d += (double) q[i * DIMS + k] * q[j * DIMS + k];
        }
        assertEquals(i == j ? 1 : 0, d, 1e-6);
      }
    }
  }

  @Test
  void prefixCapturesMoreVarianceAndBetterNeighbours() {
    float[][] sample = Synthetic.mixedDecaying(2000, DIMS, 0.9, 4);
    RotationAdapter rotation = RotationAdapter.fit(sample, RotationOptions.forModel("m"));
    float[][] unseen = Synthetic.mixedDecaying(1000, DIMS, 0.9, 5);
    float[][] rotated = rotation.applyAll(unseen);
    double raw = energyFraction(unseen, 8);
    double adapted = energyFraction(rotated, 8);
    assertTrue(adapted > raw + 0.3, "raw " + raw + " adapted " + adapted);
    assertEquals(adapted, rotation.capturedFraction(8), 0.05);
    double rawRecall = Synthetic.prefixRecall(unseen, unseen, 8, 10, 100);
    double rotRecall = Synthetic.prefixRecall(unseen, rotated, 8, 10, 100);
    assertTrue(rotRecall > rawRecall + 0.2, "recall@10 raw " + rawRecall + " rotated " + rotRecall);
    float[] variances = rotation.variances();
    for (int i = 1; i < DIMS; i++) {
      assertTrue(variances[i] <= variances[i - 1]);
    }
  }

  @Test
  void fitIsDeterministic() {
    float[][] sample = Synthetic.mixedDecaying(200, DIMS, 0.95, 6);
    RotationAdapter a = RotationAdapter.fit(sample, RotationOptions.forModel("m"));
    RotationAdapter b = RotationAdapter.fit(sample, RotationOptions.forModel("m"));
    assertArrayEquals(a.matrixRef(), b.matrixRef());
  }

  @Test
  void tooFewSamplesNamesMinimumAndCount() {
    float[][] sample = Synthetic.mixedDecaying(DIMS - 1, DIMS, 0.9, 7);
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> RotationAdapter.fit(sample, RotationOptions.forModel("m")));
    assertTrue(e.getMessage().contains("at least " + DIMS), e.getMessage());
    assertTrue(e.getMessage().contains("got " + (DIMS - 1)), e.getMessage());
  }

  @Test
  void badVectorsAreRejected() {
    float[][] sample = Synthetic.mixedDecaying(DIMS, DIMS, 0.9, 8);
    sample[5][3] = Float.NaN;
    assertThrows(IllegalArgumentException.class, () -> RotationAdapter.fit(sample, RotationOptions.forModel("m")));
    RotationAdapter rotation =
        RotationAdapter.fit(Synthetic.mixedDecaying(DIMS, DIMS, 0.9, 9), RotationOptions.forModel("m"));
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> rotation.apply(new float[3]));
    assertTrue(e.getMessage().contains("3 dims"), e.getMessage());
    assertThrows(IllegalArgumentException.class, () -> RotationOptions.forModel(" "));
  }
}
