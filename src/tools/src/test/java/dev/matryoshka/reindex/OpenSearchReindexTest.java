package dev.matryoshka.reindex;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.matryoshka.document.SyntheticVectors;
import dev.matryoshka.index.IndexSettings;
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
 * Matryoshka index → OpenSearch → Matryoshka index through the HTTP client, against {@link
 * FakeOpenSearch}, which can inject 429s; {@link ReindexOpenSearchIT} does the round trip on a real node.
 * Checks bulk batching, 429 back-off, the checkpoint in {@code _meta}, PIT + search_after paging,
 * resume, and that every id and vector survives the round trip bit for bit.
 */
class OpenSearchReindexTest {

  @TempDir Path tmp;

  static final DocumentEncoder.Factory FORBIDDEN = LuceneSourceTest.FORBIDDEN;

  Path vectorsFile(int n, int dims) throws Exception {
    float[][] v = SyntheticVectors.generate(n, dims, 8, 5L);
    List<String> lines = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      var o = TestData.JSON.createObjectNode().put("id", String.format("doc-%04d", i)).put("title", "title " + i);
      var a = o.putArray("vector");
      for (float x : v[i]) a.add(x);
      lines.add(o.toString());
    }
    Path f = tmp.resolve("v.jsonl");
    Files.write(f, lines, StandardCharsets.UTF_8);
    return f;
  }

  ReindexOptions fast() {
    return new ReindexOptions().batch(50).commitEvery(100).maxRetries(3).backoff(Duration.ofMillis(5));
  }

  @Test
  void roundTripKeepsEveryIdAndVector() throws Exception {
    Path src = tmp.resolve("src");
    new Reindexer(fast().prefixDims(8), FORBIDDEN, null).run(vectorsFile(300, 32).toString(), src.toString());
    Map<String, float[]> want = TestData.vectorsById(src, IndexSettings.DEFAULT_FIELD);

    try (FakeOpenSearch os = new FakeOpenSearch()) {
      os.bulk429.set(1); // the first bulk request is throttled as a whole
      os.item429.set(1); // then one item of the next request
      List<String> log = new ArrayList<>();
      var up = new Reindexer(fast(), FORBIDDEN, log::add).run(src.toString(), os.url("vectors"));
      assertEquals(300, up.totals().written());
      var index = os.indices.get("vectors");
      assertEquals(300, index.docs.size());
      JsonNode field = index.mappings.path("properties").path("embedding");
      assertEquals("matryoshka_vector", field.path("type").asText());
      assertEquals(32, field.path("dims").asInt());
      assertEquals(8, field.path("prefix_dims").asInt());
      assertEquals("cosine", field.path("similarity").asText());
      JsonNode meta = index.mappings.path("_meta").path(OpenSearchTarget.META_KEY);
      assertEquals("true", meta.path("reindex.done").asText());
      assertEquals("300", meta.path("reindex.written").asText());
      assertTrue(log.stream().anyMatch(l -> l.contains("HTTP 429")), log.toString());
      assertTrue(log.stream().anyMatch(l -> l.contains("documents got 429")), log.toString());
      assertEquals(6 + 2, os.bulkRequests.get(), "6 batches of 50, plus one whole and one item retry");

      Path back = tmp.resolve("back");
      var down = new Reindexer(fast(), FORBIDDEN, null).run(os.url("vectors"), back.toString());
      assertFalse(down.encoderLoaded());
      assertEquals(32, down.settings().dims());
      assertEquals(8, down.settings().prefixDims(), "prefix dims read from the mapping");
      Map<String, float[]> got = TestData.vectorsById(back, IndexSettings.DEFAULT_FIELD);
      assertEquals(want.keySet(), got.keySet());
      for (var e : want.entrySet()) {
        assertTrue(TestData.sameBits(e.getValue(), got.get(e.getKey())), "vector of " + e.getKey());
      }

      // rerun: resumes after the last id, reads nothing again
      int searches = os.searches.get();
      var again = new Reindexer(fast(), FORBIDDEN, null).run(os.url("vectors"), back.toString());
      assertEquals("doc-0299", again.resumedFrom());
      assertEquals(0, again.readThisRun());
      assertEquals(searches + 1, os.searches.get());

      // and into OpenSearch again: resumes from the _meta checkpoint
      var up2 = new Reindexer(fast(), FORBIDDEN, null).run(src.toString(), os.url("vectors"));
      assertEquals(0, up2.readThisRun());
      assertTrue(up2.resumedFrom() != null);

      // other settings are refused without --overwrite, replaced with it
      var e = assertThrows(IllegalArgumentException.class,
          () -> new Reindexer(fast().prefixDims(4), FORBIDDEN, null).run(src.toString(), os.url("vectors")));
      assertTrue(e.getMessage().contains("pass --overwrite"), e.getMessage());
      var replaced = new Reindexer(fast().prefixDims(4).overwrite(true), FORBIDDEN, null).run(src.toString(), os.url("vectors"));
      assertNull(replaced.resumedFrom());
      assertEquals(4, os.indices.get("vectors").mappings.path("properties").path("embedding").path("prefix_dims").asInt());
      assertEquals(300, os.indices.get("vectors").docs.size());
    }
  }

  @Test
  void persistentThrottlingFailsAfterBoundedRetries() throws Exception {
    Path src = tmp.resolve("src");
    new Reindexer(fast().prefixDims(8), FORBIDDEN, null).run(vectorsFile(20, 16).toString(), src.toString());
    try (FakeOpenSearch os = new FakeOpenSearch()) {
      os.bulk429.set(1000);
      var e = assertThrows(java.io.IOException.class,
          () -> new Reindexer(fast(), FORBIDDEN, null).run(src.toString(), os.url("t")));
      assertTrue(e.getMessage().contains("after 4 attempt(s)") && e.getMessage().contains("HTTP 429"), e.getMessage());
      assertEquals(4, os.bulkRequests.get());
    }
  }
}
