package dev.matryoshka.eval;

import static dev.matryoshka.eval.BeirDatasetTest.assertMessage;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class StsDatasetTest {
  @TempDir Path dir;

  @Test
  void splitsOnTabsOnlyAndKeepsQuotes() throws IOException {
    Path f = dir.resolve("sts-test.tsv");
    Files.writeString(f, "score\tsentence1\tsentence2\n"
        + "2.500\tA \"quoted, odd sentence.\tOther, with comma.\n"
        + "0\tx\ty\n");
    StsDataset sts = StsDataset.load(dir);
    assertEquals(2, sts.size());
    assertEquals("A \"quoted, odd sentence.", sts.pairs().get(0).sentence1());
    assertEquals("Other, with comma.", sts.pairs().get(0).sentence2());
    assertEquals(2.5, sts.scores()[0]);
    assertEquals(2, StsDataset.load(f).size(), "a file path works too");
  }

  @Test
  void acceptsOtherTsvNameAndUpstreamLayout() throws IOException {
    Files.writeString(dir.resolve("sts-dev.tsv"),
        "main-captions\tMSRvid\t2012test\t0001\t5.000\tA man.\tA man!\n"
            + "main-news\theadlines\t2016\t0002\t1.2\tB.\tC.\tsource\tlicence\n");
    StsDataset sts = StsDataset.load(dir);
    assertEquals(2, sts.size());
    assertEquals(new StsDataset.Pair(1.2, "B.", "C."), sts.pairs().get(1));
  }

  @Test
  void malformedLinesNameFileAndLine() throws IOException {
    Path f = dir.resolve("s.tsv");
    Files.writeString(f, "score\ts1\ts2\n1.0\ta\tb\n3.0\tonly two\n");
    assertMessage("s.tsv line 3: expected 3 tab-separated fields", () -> StsDataset.load(f));
    Files.writeString(f, "1.0\ta\tb\nhigh\ta\tb\n");
    assertMessage("s.tsv line 2: score is not a number: 'high'", () -> StsDataset.load(f));
    Files.writeString(f, "1.0\ta\tb\n5.5\ta\tb\n");
    assertMessage("s.tsv line 2: score must be in 0.0..5.0; got 5.5", () -> StsDataset.load(f));
    assertMessage("not found", () -> StsDataset.load(dir.resolve("missing.tsv")));
  }

  @Test
  void fixtureInBothLayoutsKeepsEveryPairAndQuote() throws Exception {
    // src/test/resources/sts-fixture: pairs written for this test, with unbalanced quotes early
    // on, so a quote-honouring reader would lose the lines after them
    Path fixture = Path.of(StsDatasetTest.class.getResource("/sts-fixture").toURI());
    StsDataset sts = StsDataset.load(fixture);
    assertEquals(12, sts.size());
    assertEquals("sts-fixture", sts.name());
    double[] s = sts.scores();
    assertEquals(0.0, Arrays.stream(s).min().orElseThrow());
    assertEquals(5.0, Arrays.stream(s).max().orElseThrow());
    assertEquals(new StsDataset.Pair(2.5, "A boy is painting a fence.", "A boy is painting a wall."),
        sts.pairs().get(0));
    assertEquals(new StsDataset.Pair(3.8, "She said \"wait for me at the corner.", "She asked him to wait at the corner."),
        sts.pairs().get(3));
    assertEquals("The word \"quote\" opens, and never closes", sts.pairs().get(9).sentence1());
    long withQuote = sts.pairs().stream()
        .filter(p -> p.sentence1().contains("\"") || p.sentence2().contains("\"")).count();
    assertEquals(4, withQuote, "quoted sentences must survive");
    assertEquals(new StsDataset.Pair(3.4, "The river flooded the low fields after the storm.",
        "After the storm, water covered the fields."), sts.pairs().get(11));

    // the upstream layout (some lines with trailing source fields) holds the same pairs in order
    StsDataset original = StsDataset.load(fixture.resolve("sts-test.original.csv"));
    assertEquals(sts.pairs(), original.pairs());
  }
}
