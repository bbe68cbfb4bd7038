package dev.matryoshka.index;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.apache.lucene.index.VectorSimilarityFunction;
import org.junit.jupiter.api.Test;

class SimilarityTest {
  @Test
  void everyLuceneFunctionHasOneEntryWithEveryName() {
    for (VectorSimilarityFunction f : VectorSimilarityFunction.values()) {
      Similarity s = Similarity.of(f);
      assertEquals(f, s.function());
      assertEquals(s, Similarity.parse(s.label()));
      assertEquals(s, Similarity.parse(s.openSearchName()));
      assertEquals(s, Similarity.parse(f.name()));
      assertEquals(s, Similarity.fromOpenSearchName(s.openSearchName()));
    }
  }

  @Test
  void openSearchNamesAreTheMappingSpellingsWithCosineFirst() {
    assertArrayEquals(
        new String[] {"cosine", "dot_product", "l2", "max_inner_product"}, Similarity.openSearchNames());
  }

  @Test
  void unknownNamesAreRejectedWithTheValueAndTheChoices() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Similarity.parse("hamming"));
    assertTrue(e.getMessage().contains("hamming") && e.getMessage().contains("cosine"), e.getMessage());
    // a mapping takes only the OpenSearch spellings, as OpenSearch's own vector fields do
    e = assertThrows(IllegalArgumentException.class, () -> Similarity.fromOpenSearchName("dot"));
    assertTrue(e.getMessage().contains("dot") && e.getMessage().contains("dot_product"), e.getMessage());
  }
}
