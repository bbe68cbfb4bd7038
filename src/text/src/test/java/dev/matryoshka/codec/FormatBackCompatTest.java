package dev.matryoshka.codec;

import static org.junit.jupiter.api.Assertions.*;

import dev.matryoshka.index.IndexSettings;
import dev.matryoshka.index.MatryoshkaSearcher;
import dev.matryoshka.index.MatryoshkaWriter;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.apache.lucene.index.CheckIndex;
import org.apache.lucene.index.DirectoryReader;
import org.apache.lucene.index.FloatVectorValues;
import org.apache.lucene.index.LeafReaderContext;
import org.apache.lucene.index.VectorSimilarityFunction;
import org.apache.lucene.store.FSDirectory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Segments written before the prefix format's version 1 (no encoding byte, no int8 codes) stay
 * readable: searched, checked, appended to with version-1 segments, and merged with them.
 */
class FormatBackCompatTest {

  @TempDir Path tmp;

  @Test
  void versionZeroIndexReadsSearchesAppendsAndMerges() throws Exception {
    Path idx = tmp.resolve("v0");
    Files.createDirectories(idx);
    Path src = Path.of("src/test/resources/indexes/format-v0");
    try (var files = Files.list(src)) {
      for (Path f : (Iterable<Path>) files::iterator) {
        if (!f.getFileName().toString().equals("README.md")) {
          Files.copy(f, idx.resolve(f.getFileName()));
        }
      }
    }
    assertClean(idx);
    float[][] vectors = vectors(idx);
    assertEquals(200, vectors.length);

    float[] q = new float[16];
    Random r = new Random(3);
    for (int i = 0; i < q.length; i++) q[i] = (float) r.nextGaussian();
    try (MatryoshkaSearcher s = MatryoshkaSearcher.open(idx)) {
      assertEquals(200, s.numDocs());
      assertEquals(4, s.settings().prefixDims());
      assertEquals(MatryoshkaPrefix.Encoding.FLOAT32, s.settings().prefixEncoding(), "absent in old commits: float32");
      List<MatryoshkaSearcher.Hit> exhaustive = s.search(q, 10, 20f, null); // 200 candidates = all
      float best = 0;
      for (float[] v : vectors) best = Math.max(best, VectorSimilarityFunction.COSINE.compare(q, v));
      assertEquals(best, exhaustive.get(0).score(), 1e-6f);
      assertEquals(10, s.search(q, 10, 2f, null).size(), "approximate search over the old graph");
    }

    // append with the current code (version-1 segment), then merge old and new into one
    IndexSettings settings;
    try (MatryoshkaSearcher s = MatryoshkaSearcher.open(idx)) {
      settings = s.settings();
    }
    try (MatryoshkaWriter w = MatryoshkaWriter.open(idx, settings, false)) {
      for (int i = 0; i < 50; i++) {
        float[] v = new float[16];
        for (int d = 0; d < 16; d++) v[d] = (float) r.nextGaussian();
        w.add("n" + i, v, Map.of());
      }
      w.commit(Map.of());
      w.indexWriter().forceMerge(1);
      w.commit(Map.of());
    }
    assertClean(idx);
    try (MatryoshkaSearcher s = MatryoshkaSearcher.open(idx)) {
      assertEquals(250, s.numDocs());
      assertEquals(1, s.indexSearcher().getIndexReader().leaves().size());
      assertEquals(10, s.search(q, 10, 2f, null).size());
    }
  }

  private static float[][] vectors(Path idx) throws Exception {
    List<float[]> out = new ArrayList<>();
    try (var dir = FSDirectory.open(idx); var reader = DirectoryReader.open(dir)) {
      for (LeafReaderContext ctx : reader.leaves()) {
        FloatVectorValues v = ctx.reader().getFloatVectorValues(IndexSettings.DEFAULT_FIELD);
        for (int ord = 0; ord < v.size(); ord++) out.add(v.vectorValue(ord).clone());
      }
    }
    return out.toArray(float[][]::new);
  }

  private static void assertClean(Path idx) throws Exception {
    try (var dir = FSDirectory.open(idx); var ci = new CheckIndex(dir)) {
      ByteArrayOutputStream bytes = new ByteArrayOutputStream();
      ci.setInfoStream(new PrintStream(bytes, true, StandardCharsets.UTF_8));
      assertTrue(ci.checkIndex().clean, bytes.toString(StandardCharsets.UTF_8));
    }
  }
}
