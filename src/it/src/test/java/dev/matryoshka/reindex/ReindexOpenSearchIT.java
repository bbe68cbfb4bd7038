package dev.matryoshka.reindex;

import static org.junit.jupiter.api.Assertions.*;

import dev.matryoshka.document.SyntheticVectors;
import dev.matryoshka.index.IndexSettings;
import dev.matryoshka.opensearch.TestCluster;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Matryoshka index → a real OpenSearch node with our plugin → Matryoshka index: every id and
 * vector survives bit for bit, and a rerun resumes instead of reading again.
 */
class ReindexOpenSearchIT {

  @TempDir Path tmp;

  @Test
  void roundTripThroughARealNodeKeepsEveryIdAndVector() throws Exception {
    float[][] v = SyntheticVectors.generate(300, 32, 8, 5L);
    List<String> lines = new ArrayList<>();
    for (int i = 0; i < v.length; i++) {
      var o = TestData.JSON.createObjectNode().put("id", String.format("doc-%04d", i)).put("title", "title " + i);
      var a = o.putArray("vector");
      for (float x : v[i]) a.add(x);
      lines.add(o.toString());
    }
    Path file = tmp.resolve("v.jsonl");
    Files.write(file, lines, StandardCharsets.UTF_8);
    ReindexOptions opts = new ReindexOptions().batch(50).commitEvery(100).maxRetries(3).backoff(Duration.ofMillis(50));
    Path src = tmp.resolve("src");
    new Reindexer(opts.prefixDims(8), LuceneSourceTest.FORBIDDEN, null).run(file.toString(), src.toString());
    Map<String, float[]> want = TestData.vectorsById(src, IndexSettings.DEFAULT_FIELD);

    try (TestCluster cluster = TestCluster.start("reindex-it", 1)) {
      String url = cluster.httpUrl(0) + "/vectors";
      var up = new Reindexer(new ReindexOptions().batch(50).commitEvery(100).maxRetries(3)
          .backoff(Duration.ofMillis(50)), LuceneSourceTest.FORBIDDEN, null).run(src.toString(), url);
      assertEquals(300, up.totals().written());

      Path back = tmp.resolve("back");
      var down = new Reindexer(new ReindexOptions().batch(50).commitEvery(100).maxRetries(3)
          .backoff(Duration.ofMillis(50)), LuceneSourceTest.FORBIDDEN, null).run(url, back.toString());
      assertFalse(down.encoderLoaded());
      assertEquals(8, down.settings().prefixDims(), "prefix dims read from the node's mapping");
      Map<String, float[]> got = TestData.vectorsById(back, IndexSettings.DEFAULT_FIELD);
      assertEquals(want.keySet(), got.keySet());
      for (var e : want.entrySet()) {
        assertTrue(TestData.sameBits(e.getValue(), got.get(e.getKey())), "vector of " + e.getKey());
      }
      var again = new Reindexer(new ReindexOptions().batch(50).commitEvery(100).maxRetries(3)
          .backoff(Duration.ofMillis(50)), LuceneSourceTest.FORBIDDEN, null).run(url, back.toString());
      assertEquals(0, again.readThisRun(), "a rerun resumes after the last committed id");
    }
  }
}
