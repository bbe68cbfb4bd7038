package dev.matryoshka.search;

import static org.junit.jupiter.api.Assertions.*;

import java.util.List;
import org.apache.lucene.search.ScoreDoc;
import org.junit.jupiter.api.Test;

class FusionTest {

  static List<ScoreDoc> ranked(int... docs) {
    ScoreDoc[] out = new ScoreDoc[docs.length];
    for (int i = 0; i < docs.length; i++) out[i] = new ScoreDoc(docs[i], 10f - i);
    return List.of(out);
  }

  @Test
  void rrfByHand() {
    // doc 2: 1/(60+2) + 1/(60+1); doc 1: 1/61; doc 3: 1/63 + 1/62 ... computed below
    ScoreDoc[] f = Fusion.rrf(3, 60, ranked(1, 2, 3), ranked(2, 3, 4));
    assertEquals(2, f[0].doc);
    assertEquals(1.0 / 62 + 1.0 / 61, f[0].score, 1e-7);
    assertEquals(3, f[1].doc);
    assertEquals(1.0 / 63 + 1.0 / 62, f[1].score, 1e-7);
    assertEquals(1, f[2].doc);
  }

  @Test
  void tiesBreakBySmallerDoc() {
    ScoreDoc[] f = Fusion.rrf(2, 60, ranked(7), ranked(5));
    assertEquals(5, f[0].doc);
    assertEquals(7, f[1].doc);
  }

  @Test
  void linearNormalisesEachList() {
    List<ScoreDoc> a = List.of(new ScoreDoc(1, 0.9f), new ScoreDoc(2, 0.5f));
    List<ScoreDoc> b = List.of(new ScoreDoc(2, 30f), new ScoreDoc(3, 10f));
    ScoreDoc[] f = Fusion.linear(3, 0.5, a, b);
    // doc 2: 0.5 * 0 + 0.5 * 1 = 0.5; doc 1: 0.5 * 1 = 0.5; doc 3: 0
    assertEquals(1, f[0].doc);
    assertEquals(0.5f, f[0].score, 1e-6);
    assertEquals(2, f[1].doc);
    assertEquals(3, f[2].doc);
    assertThrows(IllegalArgumentException.class, () -> Fusion.linear(3, 1.5, a, b));
    assertThrows(IllegalArgumentException.class, () -> Fusion.rrf(3, 0, a, b));
  }
}
