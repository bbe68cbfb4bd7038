package dev.matryoshka.eval;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class StsEvaluatorTest {
  @TempDir Path dir;

  @Test
  void spearmanOfCosineWithAndWithoutTruncation() throws IOException {
    Files.writeString(dir.resolve("sts-test.tsv"), "score\ts1\ts2\n1\ta\tb\n3\tc\td\n5\te\tf\n");
    StsDataset sts = StsDataset.load(dir);
    float[][] e1 = {{1, 0, 0}, {1, 0, 0}, {1, 0, 0}};
    // full cosines 0.0, 0.6, 0.8 -> same order as gold; first-dim prefixes are all +1 or -1
    float[][] e2 = {{0, 1, 0}, {0.6f, 0.8f, 0}, {-0.8f, 0, 0.6f}};
    // cos = 0, .6, -.8 -> ranks 2, 3, 1 against gold ranks 1, 2, 3: sxy = -1, sxx = syy = 2
    assertEquals(-0.5, StsEvaluator.spearman(sts, e1, e2), 1e-12);
    float[][] e2b = {{0, 1, 0}, {0.6f, 0.8f, 0}, {0.8f, 0, 0.6f}};
    assertEquals(1.0, StsEvaluator.spearman(sts, e1, e2b), 1e-12);
    // prefix of 1 dim: cosines become 0 (zero prefix stays zero), 1, 1 -> ranks 1, 2.5, 2.5
    double rho = StsEvaluator.spearman(sts, e1, e2b, 1);
    assertEquals(Math.sqrt(0.75), rho, 1e-12);
    assertThrows(IllegalArgumentException.class, () -> StsEvaluator.spearman(sts, e1, new float[2][3], 3));
  }

  @Test
  void evaluateEncodesOnceAndReportsEachDims() throws IOException {
    Files.writeString(dir.resolve("sts-test.tsv"), "1\ta\tb\n3\tc\td\n5\te\tf\n");
    StsDataset sts = StsDataset.load(dir);
    Map<String, float[]> vecs = Map.of(
        "a", new float[] {1, 0}, "c", new float[] {1, 0}, "e", new float[] {1, 0},
        "b", new float[] {-1, 0}, "d", new float[] {0, 1}, "f", new float[] {1, 1});
    int[] calls = {0};
    List<EvalReport.Row> rows = StsEvaluator.evaluate(sts, texts -> {
      calls[0]++;
      return texts.stream().map(vecs::get).toArray(float[][]::new);
    }, new int[] {2}, "exact", "none");
    assertEquals(2, calls[0]);
    assertEquals(EvalReport.Row.sts("exact", 2, "none", 1.0), rows.get(0));
  }
}
