package dev.matryoshka.index;

import dev.matryoshka.encode.TextEncoder;
import dev.matryoshka.search.Calibration;
import dev.matryoshka.search.OversampleCalibrator;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.function.UnaryOperator;
import org.apache.lucene.document.Document;
import org.apache.lucene.index.IndexableField;
import org.apache.lucene.index.LeafReaderContext;
import org.apache.lucene.util.Bits;

/**
 * Calibrates a Matryoshka index on disk and stores the result in its commit, so that searches
 * which give no oversample use the measured one. Queries come from the user ({@link #fromTexts},
 * {@link #fromVectors}) or from the corpus ({@link #pseudoQueries}).
 *
 * <pre>{@code
 * Calibration c;
 * try (var s = MatryoshkaSearcher.open(dir)) {
 *   var q = IndexCalibration.pseudoQueries(s, dir, encoder, 200, 42);
 *   c = IndexCalibration.measure(s, q, 10, 0.95);
 * }
 * IndexCalibration.store(dir, c);
 * }</pre>
 */
public final class IndexCalibration {
  private IndexCalibration() {}

  /** Calibration queries in the index's space (after its adapter), and how they were made. */
  public record Queries(float[][] vectors, String source) {}

  /**
   * Pseudo-queries from the corpus: snippets of sampled documents' stored text, encoded as
   * queries and mapped through the index's adapter. Without an encoder, or when the index stores
   * no text, the stored (adapted) vectors of sampled documents are the queries.
   */
  public static Queries pseudoQueries(MatryoshkaSearcher s, Path index, TextEncoder encoder, int n,
      long seed) throws IOException {
    List<Integer> docs = sampleDocs(s, n, seed);
    if (encoder != null) {
      List<String> stored = new ArrayList<>();
      for (int doc : docs) {
        stored.add(storedText(s, doc));
      }
      List<String> texts = snippets(stored, seed);
      if (texts.size() >= Math.min(docs.size(), 10)) {
        return new Queries(fromTexts(s, index, encoder, texts).vectors(), "pseudo-queries");
      }
    }
    List<float[]> v = new ArrayList<>();
    for (int doc : docs) {
      float[] x = s.vector(doc);
      if (x != null) {
        v.add(x);
      }
    }
    return new Queries(v.toArray(float[][]::new), "document-vectors");
  }

  /**
   * One {@link PseudoQueries#snippet} per text, in order (blank texts give none), from one seeded
   * random stream: the same texts and seed give the same snippets in {@code index}, {@code tune}
   * and {@code eval}.
   */
  public static List<String> snippets(List<String> texts, long seed) {
    SplittableRandom random = new SplittableRandom(seed ^ 0x9E3779B97F4A7C15L);
    List<String> out = new ArrayList<>();
    for (String t : texts) {
      String snippet = PseudoQueries.snippet(t, random);
      if (snippet != null) {
        out.add(snippet);
      }
    }
    return out;
  }

  /** A seeded uniform sample of {@code n} of the indices {@code 0..size-1}, in sample order. */
  public static List<Integer> sample(int size, int n, long seed) {
    List<Integer> all = new ArrayList<>(size);
    for (int i = 0; i < size; i++) {
      all.add(i);
    }
    shuffle(all, seed);
    return all.subList(0, Math.min(n, size));
  }

  private static void shuffle(List<Integer> all, long seed) {
    SplittableRandom r = new SplittableRandom(seed);
    for (int i = all.size() - 1; i > 0; i--) { // Fisher-Yates: a seeded, uniform sample
      int j = r.nextInt(i + 1);
      int t = all.get(i);
      all.set(i, all.get(j));
      all.set(j, t);
    }
  }

  /** Query texts (a query log), encoded as queries and mapped through the index's adapter. */
  public static Queries fromTexts(MatryoshkaSearcher s, Path index, TextEncoder encoder,
      List<String> texts) throws IOException {
    if (texts.isEmpty()) {
      throw new IllegalArgumentException("the queries file has no queries");
    }
    TextSearcher.checkModel(s.settings(), encoder, index);
    UnaryOperator<float[]> adapter = Adapters.load(index, s.settings());
    float[][] v = encoder.encodeQueries(texts);
    for (int i = 0; i < v.length; i++) {
      v[i] = adapter.apply(v[i]);
    }
    return new Queries(v, "queries-file");
  }

  /** Query vectors in the model's space, checked against the index's dims and adapted. */
  public static Queries fromVectors(MatryoshkaSearcher s, Path index, List<float[]> vectors)
      throws IOException {
    if (vectors.isEmpty()) {
      throw new IllegalArgumentException("the queries file has no queries");
    }
    UnaryOperator<float[]> adapter = Adapters.load(index, s.settings());
    float[][] v = new float[vectors.size()][];
    for (int i = 0; i < v.length; i++) {
      float[] q = vectors.get(i);
      if (q.length != s.settings().dims()) {
        throw new IllegalArgumentException("query " + (i + 1) + " of the queries file has "
            + q.length + " dims; the index has " + s.settings().dims());
      }
      v[i] = adapter.apply(q);
    }
    return new Queries(v, "queries-file");
  }

  /** Measures the calibration curve on the open index. */
  public static Calibration measure(MatryoshkaSearcher s, Queries q, int k, double target)
      throws IOException {
    return OversampleCalibrator.calibrate(s.indexSearcher(), s.settings().field(), q.vectors(),
        q.source(), k, target);
  }

  /**
   * Writes the calibration into a new commit of the index (documents untouched). Fails, leaving
   * the index as it was, when the index is locked by a writer.
   */
  public static void store(Path index, Calibration c) throws IOException {
    IndexSettings stored;
    try (MatryoshkaSearcher s = MatryoshkaSearcher.open(index)) {
      stored = s.settings();
    }
    try (MatryoshkaWriter w = MatryoshkaWriter.open(index, stored, false)) {
      w.commit(Map.of(Calibration.USER_DATA_KEY, CalibrationJson.toJson(c)));
    }
  }

  /** The calibration stored in commit user data, or null. */
  public static Calibration read(Map<String, String> userData) {
    String json = userData.get(Calibration.USER_DATA_KEY);
    return json == null ? null : CalibrationJson.fromJson(json);
  }

  /** Up to {@code n} live documents with a vector, sampled evenly with a seeded shuffle. */
  static List<Integer> sampleDocs(MatryoshkaSearcher s, int n, long seed) throws IOException {
    List<Integer> all = new ArrayList<>();
    for (LeafReaderContext leaf : s.indexSearcher().getIndexReader().leaves()) {
      var values = leaf.reader().getFloatVectorValues(s.settings().field());
      if (values == null) {
        continue;
      }
      Bits live = leaf.reader().getLiveDocs();
      var it = values.iterator();
      for (int d = it.nextDoc(); d != org.apache.lucene.search.DocIdSetIterator.NO_MORE_DOCS; d = it.nextDoc()) {
        if (live == null || live.get(d)) {
          all.add(leaf.docBase + d);
        }
      }
    }
    shuffle(all, seed);
    return all.subList(0, Math.min(n, all.size()));
  }

  /** The document's stored text: its "text" member, else its stored strings joined. */
  static String storedText(MatryoshkaSearcher s, int doc) throws IOException {
    Document d = s.indexSearcher().storedFields().document(doc);
    String text = d.get("text");
    if (text != null && !text.isBlank()) {
      return text;
    }
    StringBuilder b = new StringBuilder();
    for (IndexableField f : d) {
      if (f.stringValue() != null && !Set.of(MatryoshkaWriter.ID_FIELD, "id", "_id").contains(f.name())) {
        b.append(b.isEmpty() ? "" : " ").append(f.stringValue());
      }
    }
    return b.toString();
  }
}
