package dev.matryoshka.index;

import static org.junit.jupiter.api.Assertions.*;

import dev.matryoshka.adapt.Adapter;
import dev.matryoshka.adapt.LearnedOptions;
import dev.matryoshka.adapt.RotationAdapter;
import java.util.Random;
import org.junit.jupiter.api.Test;

class AdapterBuilderTest {

  @Test
  void tunedLearnedSpecsParseAndBadOnesNameTheKey() {
    LearnedOptions o = AdapterBuilder.tuned(LearnedOptions.forModel("m"), "hidden=64+epochs=80+lr=3e-4+recon=0.01");
    assertEquals(64, o.hiddenDims());
    assertEquals(80, o.maxEpochs());
    assertEquals(3e-4, o.learningRate(), 1e-12);
    assertEquals(0.01, o.reconstructionWeight(), 1e-12);
    assertEquals("learned:hidden=64", AdapterBuilder.label("learned:hidden=64"));
    var unknown = assertThrows(IllegalArgumentException.class, () -> AdapterBuilder.tuned(LearnedOptions.forModel("m"), "depth=3"));
    assertTrue(unknown.getMessage().contains("depth"), unknown.getMessage());
    var notNumber = assertThrows(IllegalArgumentException.class, () -> AdapterBuilder.tuned(LearnedOptions.forModel("m"), "epochs=many"));
    assertTrue(notNumber.getMessage().contains("epochs"), notNumber.getMessage());
  }

  @Test
  void supervisedRotationNeedsPairsAndIsARotation() throws Exception {
    Random rnd = new Random(3);
    float[][] docs = new float[200][24];
    for (float[] d : docs) {
      for (int j = 0; j < d.length; j++) d[j] = (float) rnd.nextGaussian();
    }
    var noPairs = assertThrows(IllegalArgumentException.class,
        () -> AdapterBuilder.build("rotation-supervised", docs, null, null, "m", 1, null));
    assertTrue(noPairs.getMessage().contains("--queries and --qrels"), noPairs.getMessage());
    float[][] q = new float[40][];
    float[][] rel = new float[40][];
    for (int i = 0; i < 40; i++) {
      q[i] = docs[i].clone();
      rel[i] = docs[i];
    }
    Adapter a = AdapterBuilder.build("rotation-supervised", docs, q, rel, "m", 1, null);
    assertTrue(a instanceof RotationAdapter r && r.fitKind() == RotationAdapter.Fit.SUPERVISED, String.valueOf(a));
    assertEquals("rotation-supervised", a.label());
    assertTrue(AdapterBuilder.supervised("rotation-supervised") && AdapterBuilder.supervised("learned-supervised"));
    assertFalse(AdapterBuilder.supervised("rotation-centered"));
    assertTrue(AdapterBuilder.needsQueries("rotation-distilled") && !AdapterBuilder.supervised("rotation-distilled"));
    var noQueries = assertThrows(IllegalArgumentException.class,
        () -> AdapterBuilder.build("rotation-distilled", docs, null, null, "m", 1, null));
    assertTrue(noQueries.getMessage().contains("--queries"), noQueries.getMessage());
    assertEquals("rotation-distilled", AdapterBuilder.build("rotation-distilled", docs, q, null, "m", 1, null).label());
  }
}
