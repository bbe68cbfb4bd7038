package dev.matryoshka.index;

import static org.junit.jupiter.api.Assertions.*;

import dev.matryoshka.document.SyntheticVectors;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Hybrid search at the library level: fusion, and the fallback when the text has no terms. */
class HybridFallbackTest {

  @TempDir Path tmp;

  @Test
  void stopWordQueryFallsBackToVectorAndSaysSo() throws Exception {
    float[][] v = SyntheticVectors.generate(400, 32, 4, 3L);
    String[] topics = {"honey bees nectar", "espresso coffee", "volcano magma", "steam railway"};
    try (MatryoshkaWriter w = MatryoshkaWriter.open(tmp, IndexSettings.forVectors(32, 8, SimilarityName.COSINE), true)) {
      for (int i = 0; i < v.length; i++) {
        w.add("d" + i, v[i], Map.of(), topics[i % 4] + " passage " + i);
      }
      w.commit(Map.of());
    }
    try (MatryoshkaSearcher s = MatryoshkaSearcher.open(tmp)) {
      var fallback = s.hybrid(v[7], "the of and", 10, 4f, null, "rrf", 0.5, 100);
      assertNotNull(fallback.note());
      assertTrue(fallback.note().contains("no searchable terms"), fallback.note());
      assertEquals(s.search(v[7], 10, 4f, null).stream().map(MatryoshkaSearcher.Hit::id).toList(),
          fallback.hits().stream().map(MatryoshkaSearcher.Hit::id).toList());

      var fused = s.hybrid(v[7], "volcano", 10, 4f, null, "rrf", 0.5, 100);
      assertNull(fused.note());
      assertEquals(10, fused.hits().size());
      // the vector's own document is first in both lists only if it matches the keyword; d7 is
      // a railway passage, so the fused top mixes volcano passages with vector neighbours
      assertTrue(fused.hits().stream().anyMatch(h -> Integer.parseInt(h.id().substring(1)) % 4 == 2));
      assertThrows(IllegalArgumentException.class,
          () -> s.hybrid(v[7], "volcano", 10, 4f, null, "borda", 0.5, 100));
    }
  }
}
