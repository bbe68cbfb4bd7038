package dev.matryoshka.index;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.apache.lucene.index.VectorSimilarityFunction;
import org.junit.jupiter.api.Test;

class SimilarityNameTest {
  @Test
  void everyLuceneFunctionHasOneEntryWithEveryName() {
    for (VectorSimilarityFunction f : VectorSimilarityFunction.values()) {
      SimilarityName s = SimilarityName.of(f);
      assertEquals(f, s.function());
      assertEquals(s, SimilarityName.parse(s.label()));
      assertEquals(s, SimilarityName.parse(s.openSearchName()));
      assertEquals(s, SimilarityName.parse(f.name()));
      assertEquals(s, SimilarityName.fromOpenSearchName(s.openSearchName()));
    }
  }

  @Test
  void openSearchNamesAreTheMappingSpellingsWithCosineFirst() {
    assertArrayEquals(
        new String[] {"cosine", "dot_product", "l2", "max_inner_product"}, SimilarityName.openSearchNames());
  }

  @Test
  void unknownNamesAreRejectedWithTheValueAndTheChoices() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> SimilarityName.parse("hamming"));
    assertTrue(e.getMessage().contains("hamming") && e.getMessage().contains("cosine"), e.getMessage());
    // a mapping takes only the OpenSearch spellings, as OpenSearch's own vector fields do
    e = assertThrows(IllegalArgumentException.class, () -> SimilarityName.fromOpenSearchName("dot"));
    assertTrue(e.getMessage().contains("dot") && e.getMessage().contains("dot_product"), e.getMessage());
  }
}
