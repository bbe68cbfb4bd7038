package dev.matryoshka.eval;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class PrefixTest {
  @Test
  void truncatesAndNormalises() {
    float[] v = {3, 4, 100, -7};
    float[] p = Prefix.truncateAndNormalize(v, 2);
    assertArrayEquals(new float[] {0.6f, 0.8f}, p, 1e-7f);
    assertEquals(3, v[0], "input must not be modified");
    float[] full = Prefix.truncateAndNormalize(new float[] {2, 0, 0}, 3);
    assertArrayEquals(new float[] {1, 0, 0}, full, 0f);
  }

  @Test
  void zeroPrefixStaysZeroInsteadOfNaN() {
    float[] p = Prefix.truncateAndNormalize(new float[] {0, 0, 1}, 2);
    assertArrayEquals(new float[] {0, 0}, p, 0f);
  }

  @Test
  void rejectsBadDimsAndNonFiniteValues() {
    assertThrows(IllegalArgumentException.class, () -> Prefix.truncateAndNormalize(new float[3], 0));
    assertThrows(IllegalArgumentException.class, () -> Prefix.truncateAndNormalize(new float[3], 4));
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> Prefix.truncateAndNormalize(new float[][] {{1, 2}, {Float.NaN, 1}}, 2));
    assertTrue(e.getMessage().contains("row 1"), e.getMessage());
  }
}
