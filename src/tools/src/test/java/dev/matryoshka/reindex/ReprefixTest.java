package dev.matryoshka.reindex;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.matryoshka.encode.EncoderOptions;
import dev.matryoshka.encode.Models;
import dev.matryoshka.encode.TextEncoder;
import dev.matryoshka.index.IndexSettings;
import dev.matryoshka.index.MatryoshkaSearcher;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The text path with the real model on 200 passages of the project's test-corpus, then a re-prefix 64 → 128
 * that must not load the encoder and must give the same index as a fresh text build at 128.
 */
class ReprefixTest {

  @TempDir Path tmp;

  @Test
  void textSliceThenReprefixWithoutEncoderEqualsFreshBuild() throws Exception {
    Path corpus = TestData.testCorpus();
    List<JsonNode> docs = TestData.lines(corpus, 200);
    assertEquals(200, docs.size());
    Path slice = tmp.resolve("slice.jsonl");
    List<String> lines = new ArrayList<>();
    for (JsonNode d : docs) lines.add(d.toString());
    Files.write(slice, lines, StandardCharsets.UTF_8);
    List<JsonNode> queries = TestData.lines(corpus.resolveSibling("queries.jsonl"), 30);
    assertEquals(30, queries.size());

    List<String> log = new ArrayList<>();
    Reindexer.Listener listener = log::add;
    try (TextEncoder te = Models.open(Models.DEFAULT_MODEL, new EncoderOptions(2, 32))) {
      int[] opens = {0};
      DocumentEncoder.Factory real = () -> {
        opens[0]++;
        return nonClosing(DocumentEncoder.wrap(te));
      };
      DocumentEncoder.Factory forbidden = () -> {
        throw new AssertionError("the encoder must not be loaded for a re-prefix");
      };

      Path idx64 = tmp.resolve("idx64");
      var s64 = new Reindexer(new ReindexOptions().prefixDims(64).batch(64), real, listener)
          .run(slice.toString(), idx64.toString());
      assertTrue(s64.encoderLoaded());
      assertEquals(200, s64.totals().written());
      assertEquals(1, opens[0]);

      log.clear();
      Path idx128 = tmp.resolve("idx128");
      long t0 = System.nanoTime();
      var s128 = new Reindexer(new ReindexOptions().prefixDims(128).batch(64), forbidden, listener)
          .run(idx64.toString(), idx128.toString());
      double reprefixSeconds = (System.nanoTime() - t0) / 1e9;
      assertFalse(s128.encoderLoaded());
      assertTrue(log.contains("encoder: not loaded (full vectors reused from the source)"), log.toString());
      assertEquals(128, s128.settings().prefixDims());
      assertEquals(s64.settings().modelFingerprint(), s128.settings().modelFingerprint(), "model carried over");

      Path fresh = tmp.resolve("fresh128");
      long t1 = System.nanoTime();
      new Reindexer(new ReindexOptions().prefixDims(128).batch(64), real, listener).run(slice.toString(), fresh.toString());
      double freshSeconds = (System.nanoTime() - t1) / 1e9;
      System.out.printf("re-prefix 64->128 of 200 docs: %.2f s without the encoder; fresh text build at 128: %.2f s%n",
          reprefixSeconds, freshSeconds);

      Map<String, float[]> a = TestData.vectorsById(idx128, IndexSettings.DEFAULT_FIELD);
      Map<String, float[]> b = TestData.vectorsById(fresh, IndexSettings.DEFAULT_FIELD);
      assertEquals(b.keySet(), a.keySet());
      for (var e : b.entrySet()) {
        assertTrue(TestData.sameBits(e.getValue(), a.get(e.getKey())), "vector of " + e.getKey());
      }
      try (var sa = MatryoshkaSearcher.open(idx128); var sb = MatryoshkaSearcher.open(fresh)) {
        assertEquals(sb.settings(), sa.settings());
        for (JsonNode q : queries) {
          float[] v = te.encodeQuery(q.path("text").asText());
          assertEquals(sb.search(v, 10, 4f, null).stream().map(h -> h.id() + "@" + h.score()).toList(),
              sa.search(v, 10, 4f, null).stream().map(h -> h.id() + "@" + h.score()).toList(),
              "query " + q.path("_id").asText());
        }
      }
    }

    // the same through the command line: the log says so, and it is quick
    var r = Main0.run("reindex", "--from", tmp.resolve("idx64").toString(), "--to", tmp.resolve("cli128").toString(),
        "--prefix-dims", "128", "--json");
    assertEquals(0, r.code(), r.err());
    assertTrue(r.err().contains("encoder: not loaded"), r.err());
    assertTrue(r.out().contains("\"encoder_loaded\":false"), r.out());
    System.out.printf("CLI re-prefix: %.2f s; log: %s%n", r.seconds(),
        r.err().lines().filter(l -> l.startsWith("encoder") || l.startsWith("total")).toList());
  }

  static DocumentEncoder nonClosing(DocumentEncoder d) {
    return new DocumentEncoder() {
      @Override
      public String name() {
        return d.name();
      }

      @Override
      public String fingerprint() {
        return d.fingerprint();
      }

      @Override
      public int dims() {
        return d.dims();
      }

      @Override
      public float[][] encode(List<String> texts) {
        return d.encode(texts);
      }

      @Override
      public void close() {}
    };
  }
}
