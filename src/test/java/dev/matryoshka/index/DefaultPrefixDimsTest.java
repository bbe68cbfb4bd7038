package dev.matryoshka.index;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

/** The default prefix: narrow for informative prefixes, a third of the dims for other models. */
class DefaultPrefixDimsTest {
  @Test
  void modelsTrainedForTruncationAndVectorsKeepTheNarrowPrefix() {
    assertEquals(64, IndexSettings.defaultPrefixDims(384));
    assertEquals(64, IndexSettings.defaultPrefixDims(768, true));
    assertEquals(32, IndexSettings.defaultPrefixDims(64, true));
  }

  @Test
  void otherModelsGetAThirdRoundedUpTo32() {
    assertEquals(128, IndexSettings.defaultPrefixDims(384, false)); // bge-small, MiniLM
    assertEquals(256, IndexSettings.defaultPrefixDims(768, false));
    assertEquals(352, IndexSettings.defaultPrefixDims(1024, false));
    // small vectors: a third is not wider than the narrow rule, which stays
    assertEquals(64, IndexSettings.defaultPrefixDims(128, false));
    assertEquals(32, IndexSettings.defaultPrefixDims(64, false));
    assertEquals(4, IndexSettings.defaultPrefixDims(8, false));
  }
}
