package dev.matryoshka.opensearch;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;

/** One search hit: document id and score. */
record Hit(String id, float score) {
  static final double SCORE_TOLERANCE = 1e-4;

  /** Same ids in the same order and scores within {@link #SCORE_TOLERANCE}, for every query. */
  static void assertSame(List<List<Hit>> expected, List<List<Hit>> actual, String what) {
    StringBuilder diffs = new StringBuilder();
    int bad = 0;
    for (int q = 0; q < expected.size(); q++) {
      List<Hit> e = expected.get(q);
      List<Hit> a = actual.get(q);
      boolean same = e.size() == a.size();
      for (int i = 0; same && i < e.size(); i++) {
        same = e.get(i).id().equals(a.get(i).id()) && Math.abs(e.get(i).score() - a.get(i).score()) <= SCORE_TOLERANCE;
      }
      if (!same) {
        bad++;
        diffs.append("query ").append(q).append(":\n  expected ").append(e).append("\n  actual   ").append(a).append('\n');
      }
    }
    assertTrue(bad == 0, what + ": " + bad + " of " + expected.size() + " queries differ\n" + diffs);
  }
}
