package dev.matryoshka.index;

import static org.junit.jupiter.api.Assertions.*;

import dev.matryoshka.adapt.LearnedOptions;
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
}
