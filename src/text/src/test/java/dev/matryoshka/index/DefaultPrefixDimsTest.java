package dev.matryoshka.index;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

/** The default prefix: narrow for informative prefixes, half the dims for other models. */
class DefaultPrefixDimsTest {
  @Test
  void modelsTrainedForTruncationAndVectorsKeepTheNarrowPrefix() {
    assertEquals(64, IndexSettings.defaultPrefixDims(384));
    assertEquals(64, IndexSettings.defaultPrefixDims(768, true));
    assertEquals(32, IndexSettings.defaultPrefixDims(64, true));
  }

  @Test
  void otherModelsGetHalfRoundedUpTo32() {
    assertEquals(192, IndexSettings.defaultPrefixDims(384, false)); // bge-small, MiniLM
    assertEquals(384, IndexSettings.defaultPrefixDims(768, false));
    assertEquals(512, IndexSettings.defaultPrefixDims(1024, false));
    assertEquals(160, IndexSettings.defaultPrefixDims(300, false));
    // small vectors: half is not wider than the narrow rule, which stays
    assertEquals(64, IndexSettings.defaultPrefixDims(128, false));
    assertEquals(32, IndexSettings.defaultPrefixDims(64, false));
    assertEquals(4, IndexSettings.defaultPrefixDims(8, false));
  }
}
