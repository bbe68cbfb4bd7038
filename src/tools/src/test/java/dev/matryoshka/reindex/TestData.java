package dev.matryoshka.reindex;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.matryoshka.document.SyntheticVectors;
import dev.matryoshka.index.MatryoshkaWriter;
import java.io.BufferedReader;
import java.io.BufferedWriter;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.lucene.index.DirectoryReader;
import org.apache.lucene.index.FloatVectorValues;
import org.apache.lucene.index.KnnVectorValues;
import org.apache.lucene.index.LeafReaderContext;
import org.apache.lucene.store.FSDirectory;
import org.apache.lucene.util.Bits;

/** Shared data and helpers of the reindex tests. */
final class TestData {
  private TestData() {}

  static final ObjectMapper JSON = new ObjectMapper();

  /** The project's own {@code test-corpus/corpus.jsonl} (240 passages). */
  static Path testCorpus() {
    return dev.matryoshka.eval.TestCorpus.corpus();
  }

  /**
   * {@code n} corpus entries ({@code _id}, {@code title}) made up for tests that need more
   * documents than test-corpus has. The ids are unique but not in sorted order (a multiplicative
   * permutation), so nothing can lean on the source order being the id order.
   */
  static List<JsonNode> syntheticCorpus(int n) {
    if (n > PERMUTATION_MODULUS) {
      throw new IllegalArgumentException("n must be <= " + PERMUTATION_MODULUS + "; got=" + n);
    }
    List<JsonNode> out = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      long id = (long) (i + 1) * 7919 % PERMUTATION_MODULUS;
      out.add(JSON.createObjectNode().put("_id", Long.toString(id)).put("title", "synthetic passage " + i));
    }
    return out;
  }

  private static final int PERMUTATION_MODULUS = 100_003; // prime, so i -> i * 7919 is one-to-one

  /** The first {@code limit} lines of a JSONL file (all when limit ≤ 0). */
  static List<JsonNode> lines(Path file, int limit) throws IOException {
    List<JsonNode> out = new ArrayList<>();
    try (BufferedReader r = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
      for (String s; (s = r.readLine()) != null && (limit <= 0 || out.size() < limit); ) {
        if (!s.isBlank()) out.add(JSON.readTree(s));
      }
    }
    return out;
  }

  /**
   * Writes the corpus' ids and titles with seeded synthetic (Matryoshka-like) vectors, so tests
   * that need many runs do not need the encoder.
   */
  static List<String> writeVectors(List<JsonNode> corpus, int dims, long seed, Path out) throws IOException {
    float[][] v = SyntheticVectors.generate(corpus.size(), dims, 32, seed);
    List<String> ids = new ArrayList<>();
    try (BufferedWriter w = Files.newBufferedWriter(out, StandardCharsets.UTF_8)) {
      for (int i = 0; i < v.length; i++) {
        ObjectNode n = JSON.createObjectNode();
        String id = corpus.get(i).path("_id").asText();
        ids.add(id);
        n.put("id", id).put("title", corpus.get(i).path("title").asText());
        var a = n.putArray("vector");
        for (float x : v[i]) a.add(x);
        w.write(n.toString());
        w.newLine();
      }
    }
    return ids;
  }

  /** id → full vector of every live document, failing on a duplicate id. */
  static Map<String, float[]> vectorsById(Path index, String field) throws IOException {
    Map<String, float[]> out = new HashMap<>();
    try (var dir = FSDirectory.open(index); var r = DirectoryReader.open(dir)) {
      for (LeafReaderContext ctx : r.leaves()) {
        Bits live = ctx.reader().getLiveDocs();
        FloatVectorValues vv = ctx.reader().getFloatVectorValues(field);
        KnnVectorValues.DocIndexIterator it = vv.iterator();
        var stored = ctx.reader().storedFields();
        for (int d = it.nextDoc(); d != KnnVectorValues.DocIndexIterator.NO_MORE_DOCS; d = it.nextDoc()) {
          if (live != null && !live.get(d)) continue;
          String id = stored.document(d).get(MatryoshkaWriter.ID_FIELD);
          if (out.put(id, vv.vectorValue(it.index()).clone()) != null) {
            throw new AssertionError("duplicate id " + id + " in " + index);
          }
        }
      }
    }
    return out;
  }

  /** Whether two vectors are equal bit for bit. */
  static boolean sameBits(float[] a, float[] b) {
    if (a.length != b.length) return false;
    for (int i = 0; i < a.length; i++) {
      if (Float.floatToRawIntBits(a[i]) != Float.floatToRawIntBits(b[i])) return false;
    }
    return true;
  }
}
