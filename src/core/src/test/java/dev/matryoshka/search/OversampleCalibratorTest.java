package dev.matryoshka.search;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.matryoshka.document.MatryoshkaVectorField;
import dev.matryoshka.document.SyntheticVectors;
import org.apache.lucene.document.FieldType;
import org.apache.lucene.index.DirectoryReader;
import org.apache.lucene.index.VectorSimilarityFunction;
import org.apache.lucene.search.IndexSearcher;
import org.apache.lucene.store.ByteBuffersDirectory;
import org.apache.lucene.store.Directory;
import org.junit.jupiter.api.Test;

class OversampleCalibratorTest {

  @Test
  void gridIsUnmodifiableAscendingAndEndsAtTheLargestOversample() {
    assertThrows(UnsupportedOperationException.class, () -> OversampleCalibrator.GRID.set(0, 50f));
    assertThrows(UnsupportedOperationException.class, () -> OversampleCalibrator.GRID.add(200f));
    assertEquals(1f, OversampleCalibrator.GRID.get(0));
    for (int i = 1; i < OversampleCalibrator.GRID.size(); i++) {
      assertTrue(OversampleCalibrator.GRID.get(i) > OversampleCalibrator.GRID.get(i - 1));
    }
    assertEquals(MatryoshkaKnnQuery.MAX_OVERSAMPLE,
        OversampleCalibrator.GRID.get(OversampleCalibrator.GRID.size() - 1));
  }

  @Test
  void curveFollowsTheGridAndStopsTwoPointsPastTheChosenOne() throws Exception {
    float[][] docs = SyntheticVectors.generate(2_000, 64, 16, 3L);
    float[][] queries = SyntheticVectors.generate(30, 64, 16, 4L);
    FieldType type = MatryoshkaVectorField.fieldType(64, 8, VectorSimilarityFunction.DOT_PRODUCT);
    try (Directory dir = new ByteBuffersDirectory()) {
      // one segment above the exact-search threshold, so the graph path is what is measured
      MatryoshkaKnnQueryTest.index(dir, docs, type, 0);
      try (DirectoryReader reader = DirectoryReader.open(dir)) {
        Calibration c = OversampleCalibrator.calibrate(
            new IndexSearcher(reader), "emb", queries, "test", 10, 0.9);
        for (int i = 0; i < c.curve().size(); i++) {
          assertEquals(OversampleCalibrator.GRID.get(i), c.curve().get(i).oversample());
        }
        assertTrue(c.reached(), c.summary());
        int chosen = OversampleCalibrator.GRID.indexOf(c.oversample());
        assertTrue(chosen >= 0, "chosen oversample " + c.oversample() + " is on the grid");
        assertTrue(c.curve().get(chosen).recall() >= 0.9, c.summary());
        for (int i = 0; i < chosen; i++) {
          assertTrue(c.curve().get(i).recall() < 0.9, c.summary());
        }
        double last = c.curve().get(c.curve().size() - 1).recall();
        assertTrue(last >= 1.0 || c.curve().size() == chosen + 3
            || c.curve().size() == OversampleCalibrator.GRID.size(), c.summary());
      }
    }
  }
}
