package dev.matryoshka.examples;

import dev.matryoshka.codec.MatryoshkaCodec;
import dev.matryoshka.document.MatryoshkaVectorField;
import dev.matryoshka.search.MatryoshkaKnnQuery;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.apache.lucene.document.Document;
import org.apache.lucene.document.FieldType;
import org.apache.lucene.document.StoredField;
import org.apache.lucene.index.CheckIndex;
import org.apache.lucene.index.DirectoryReader;
import org.apache.lucene.index.FloatVectorValues;
import org.apache.lucene.index.IndexWriter;
import org.apache.lucene.index.IndexWriterConfig;
import org.apache.lucene.index.KnnVectorValues;
import org.apache.lucene.index.LeafReaderContext;
import org.apache.lucene.index.VectorSimilarityFunction;
import org.apache.lucene.search.DocIdSetIterator;
import org.apache.lucene.search.IndexSearcher;
import org.apache.lucene.search.ScoreDoc;
import org.apache.lucene.search.TopDocs;
import org.apache.lucene.store.Directory;
import org.apache.lucene.store.FSDirectory;

/**
 * A Lucene application that uses Matryoshka search with {@code matryoshka-core} alone: vectors
 * in, a 32-dim prefix in the HNSW graph, full 128-dim rerank.
 *
 * <pre>
 *   EmbeddedExample index DIR    writes 2,000 documents and the hits it expects to DIR/expected.txt
 *   EmbeddedExample search DIR   reopens DIR (a new JVM), searches again, checks the index and the hits
 * </pre>
 *
 * Either run exits 1 when something is off, so the build that runs it fails.
 */
public final class EmbeddedExample {
  private static final String FIELD = "embedding";
  private static final int DIMS = 128;
  private static final int PREFIX = 32;
  private static final int K = 10;

  private EmbeddedExample() {}

  public static void main(String[] args) throws IOException {
    if (args.length != 2 || !(args[0].equals("index") || args[0].equals("search"))) {
      System.err.println("usage: EmbeddedExample (index|search) DIR");
      System.exit(2);
    }
    Path dir = Path.of(args[1]);
    List<String> problems = args[0].equals("index") ? index(dir) : search(dir);
    if (!problems.isEmpty()) {
      problems.forEach(p -> System.err.println("EmbeddedExample: " + p));
      System.exit(1);
    }
  }

  private static List<String> index(Path dir) throws IOException {
    FieldType type = MatryoshkaVectorField.fieldType(DIMS, PREFIX, VectorSimilarityFunction.DOT_PRODUCT);
    Random random = new Random(7);
    IndexWriterConfig config = new IndexWriterConfig().setCodec(new MatryoshkaCodec());
    try (Directory d = FSDirectory.open(dir); IndexWriter w = new IndexWriter(d, config)) {
      w.deleteAll();
      for (int i = 0; i < 2_000; i++) {
        Document doc = new Document();
        doc.add(new StoredField("id", "doc-" + i));
        doc.add(new MatryoshkaVectorField(FIELD, vector(random), type));
        w.addDocument(doc);
        if (i % 500 == 499) {
          w.commit(); // several segments, as an application that commits as it goes has
        }
      }
      w.commit();
    }
    List<String> hits = hits(dir);
    Files.write(dir.resolve("expected.txt"), hits, StandardCharsets.UTF_8);
    System.out.println("indexed 2000 documents; top hit " + hits.get(0));
    return List.of();
  }

  private static List<String> search(Path dir) throws IOException {
    List<String> problems = new ArrayList<>();
    List<String> expected = Files.readAllLines(dir.resolve("expected.txt"), StandardCharsets.UTF_8);
    List<String> got = hits(dir);
    if (!sameHits(expected, got)) {
      problems.add("hits after reopening differ: expected " + expected + ", got " + got);
    }
    try (Directory d = FSDirectory.open(dir); CheckIndex check = new CheckIndex(d)) {
      check.setLevel(CheckIndex.Level.MIN_LEVEL_FOR_SLOW_CHECKS);
      if (!check.checkIndex().clean) {
        problems.add("CheckIndex found problems");
      }
    }
    try (Directory d = FSDirectory.open(dir); DirectoryReader r = DirectoryReader.open(d)) {
      // scores are full-dimension similarities: the best one must be what a brute-force pass
      // over the stored full vectors finds
      float[] q = query();
      float best = Float.NEGATIVE_INFINITY;
      for (LeafReaderContext leaf : r.leaves()) {
        FloatVectorValues values = leaf.reader().getFloatVectorValues(FIELD);
        KnnVectorValues.DocIndexIterator it = values.iterator();
        for (int doc = it.nextDoc(); doc != DocIdSetIterator.NO_MORE_DOCS; doc = it.nextDoc()) {
          best = Math.max(best, VectorSimilarityFunction.DOT_PRODUCT.compare(q, values.vectorValue(it.index())));
        }
      }
      TopDocs ours = new IndexSearcher(r).search(new MatryoshkaKnnQuery(FIELD, q, K), K);
      if (Math.abs(ours.scoreDocs[0].score - best) > 1e-5f) {
        problems.add("top score " + ours.scoreDocs[0].score + " is not the best full-vector score " + best);
      }
    }
    if (problems.isEmpty()) {
      System.out.println("reopened in a new JVM: same " + got.size() + " hits, CheckIndex clean");
    }
    return problems;
  }

  /**
   * The same documents in the same order, with scores equal to float32 rounding: the SIMD dot
   * product's lane sums may be added in another order once the JIT has compiled it (the writing
   * JVM has, after the codec's calibration), so the last bit of a score may differ between JVMs.
   */
  private static boolean sameHits(List<String> expected, List<String> got) {
    if (expected.size() != got.size()) {
      return false;
    }
    for (int i = 0; i < expected.size(); i++) {
      String[] e = expected.get(i).split(" ");
      String[] g = got.get(i).split(" ");
      if (!e[0].equals(g[0]) || Math.abs(Float.parseFloat(e[1]) - Float.parseFloat(g[1])) > 1e-6f) {
        return false;
      }
    }
    return true;
  }

  private static List<String> hits(Path dir) throws IOException {
    try (Directory d = FSDirectory.open(dir); DirectoryReader r = DirectoryReader.open(d)) {
      IndexSearcher s = new IndexSearcher(r);
      TopDocs top = s.search(new MatryoshkaKnnQuery(FIELD, query(), K).oversample(4), K);
      List<String> out = new ArrayList<>();
      for (ScoreDoc sd : top.scoreDocs) {
        out.add(s.storedFields().document(sd.doc).get("id") + " " + sd.score);
      }
      return out;
    }
  }

  private static float[] query() {
    return vector(new Random(99));
  }

  /** A unit vector whose early dimensions carry the most variance, as a Matryoshka model's do. */
  private static float[] vector(Random random) {
    float[] v = new float[DIMS];
    double norm = 0;
    for (int i = 0; i < DIMS; i++) {
      v[i] = (float) (random.nextGaussian() / Math.sqrt(1 + i));
      norm += v[i] * v[i];
    }
    for (int i = 0; i < DIMS; i++) {
      v[i] /= (float) Math.sqrt(norm);
    }
    return v;
  }
}
