package dev.matryoshka.codec;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.matryoshka.document.MatryoshkaVectorField;
import dev.matryoshka.document.SyntheticVectors;
import dev.matryoshka.search.MatryoshkaKnnQuery;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import org.apache.lucene.document.Document;
import org.apache.lucene.document.Field;
import org.apache.lucene.document.FieldType;
import org.apache.lucene.document.StoredField;
import org.apache.lucene.document.StringField;
import org.apache.lucene.index.CheckIndex;
import org.apache.lucene.index.DirectoryReader;
import org.apache.lucene.index.FloatVectorValues;
import org.apache.lucene.index.IndexWriter;
import org.apache.lucene.index.IndexWriterConfig;
import org.apache.lucene.index.KnnVectorValues;
import org.apache.lucene.index.LeafReaderContext;
import org.apache.lucene.index.NoMergePolicy;
import org.apache.lucene.index.VectorSimilarityFunction;
import org.apache.lucene.search.DocIdSetIterator;
import org.apache.lucene.search.IndexSearcher;
import org.apache.lucene.search.ScoreDoc;
import org.apache.lucene.store.Directory;
import org.apache.lucene.store.FSDirectory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * An index the Lucene 10.4 build wrote ({@code src/test/resources/indexes/lucene-10.4}, made by
 * {@link #main}): every release the core builds against opens it, finds it clean, reads back the
 * vectors that were written, searches it exactly, and appends to and merges it. On Lucene 10.6
 * ({@code core-lucene-10.6}) this is the upgrade of an index that an OpenSearch 3.6 node or the
 * command line wrote.
 */
class Lucene104IndexTest {

  static final Path FIXTURE = Path.of("src/test/resources/indexes/lucene-10.4");
  /** Two segments of 800: each big enough for Lucene to build its graph (over 100·ln(n) vectors). */
  static final int DOCS = 1600;
  static final int DIMS = 16;
  static final int PREFIX = 4;
  /** Two prefix fields: float32 prefixes, and int8 codes (format version 1). */
  static final String[] FIELDS = {"emb", "emb8"};

  @TempDir Path tmp;

  @Test
  void anIndexWrittenOnLucene104IsReadSearchedAppendedToAndMerged() throws Exception {
    Path index = tmp.resolve("index");
    Files.createDirectories(index);
    Path fixture = fixture();
    try (var files = Files.list(fixture)) {
      for (Path f : (Iterable<Path>) files::iterator) {
        if (!f.getFileName().toString().equals("README.md")) {
          Files.copy(f, index.resolve(f.getFileName()));
        }
      }
    }
    float[][] vectors = vectors(DOCS + 100);
    try (Directory dir = FSDirectory.open(index)) {
      assertClean(dir);
      try (DirectoryReader r = DirectoryReader.open(dir)) {
        assertEquals(2, r.leaves().size(), "the fixture's two segments");
        assertWritten(r, vectors, DOCS);
        assertExactSearch(r, vectors, DOCS);
      }
      // this release's segment beside the old ones; a natural merge, which starts from an old
      // segment's graph; then one segment, its graph built from scratch
      try (IndexWriter w = new IndexWriter(dir, new IndexWriterConfig().setCodec(new MatryoshkaCodec()))) {
        for (int i = DOCS; i < DOCS + 100; i++) {
          w.addDocument(doc(i, vectors[i]));
        }
        w.commit();
        w.forceMerge(2);
        w.commit();
        try (DirectoryReader r = DirectoryReader.open(w)) {
          assertEquals(2, r.leaves().size());
          assertExactSearch(r, vectors, DOCS + 100);
        }
        w.forceMerge(1);
      }
      assertClean(dir);
      try (DirectoryReader r = DirectoryReader.open(dir)) {
        assertEquals(1, r.leaves().size());
        assertWritten(r, vectors, DOCS + 100);
        assertExactSearch(r, vectors, DOCS + 100);
      }
    }
  }

  /** The fixture in the checkout (this test's sources are compiled by two modules). */
  static Path fixture() {
    Path root = Path.of(System.getProperty("matryoshka.home", "../..")).toAbsolutePath().normalize();
    Path fixture = root.resolve("src/core").resolve(FIXTURE);
    assertTrue(Files.isDirectory(fixture), "fixture not found: " + fixture);
    return fixture;
  }

  static float[][] vectors(int n) {
    return SyntheticVectors.generate(n, DIMS, 16, 21L);
  }

  static Document doc(int i, float[] v) {
    Document d = new Document();
    d.add(new StringField("id", Integer.toString(i), Field.Store.YES));
    d.add(new StoredField("ord", i));
    d.add(new MatryoshkaVectorField("emb", v, type(MatryoshkaPrefix.Encoding.FLOAT32)));
    d.add(new MatryoshkaVectorField("emb8", v, type(MatryoshkaPrefix.Encoding.INT8)));
    return d;
  }

  static FieldType type(MatryoshkaPrefix.Encoding encoding) {
    return MatryoshkaVectorField.fieldType(DIMS, PREFIX, VectorSimilarityFunction.COSINE, encoding);
  }

  static void assertClean(Directory dir) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (CheckIndex check = new CheckIndex(dir)) {
      check.setInfoStream(new PrintStream(out, true, StandardCharsets.UTF_8));
      assertTrue(check.checkIndex().clean, out.toString(StandardCharsets.UTF_8));
    }
  }

  /** Every document's full vectors are the ones written for its ordinal. */
  static void assertWritten(DirectoryReader r, float[][] vectors, int docs) throws IOException {
    assertEquals(docs, r.numDocs());
    int seen = 0;
    for (LeafReaderContext leaf : r.leaves()) {
      var stored = leaf.reader().storedFields();
      for (String field : FIELDS) {
        FloatVectorValues values = leaf.reader().getFloatVectorValues(field);
        KnnVectorValues.DocIndexIterator it = values.iterator();
        for (int doc = it.nextDoc(); doc != DocIdSetIterator.NO_MORE_DOCS; doc = it.nextDoc()) {
          int ord = stored.document(doc).getField("ord").numericValue().intValue();
          assertArrayEquals(vectors[ord], values.vectorValue(it.index()), field + " of document " + ord);
          seen++;
        }
      }
    }
    assertEquals(docs * FIELDS.length, seen);
  }

  /** With every vector a candidate, the prefix-then-rerank query is exact: the brute-force top 20. */
  static void assertExactSearch(DirectoryReader r, float[][] vectors, int docs) throws IOException {
    IndexSearcher searcher = new IndexSearcher(r);
    float[][] queries = SyntheticVectors.generate(5, DIMS, 16, 22L);
    for (String field : FIELDS) {
      for (float[] q : queries) {
        List<Integer> expected = new ArrayList<>();
        for (int i = 0; i < docs; i++) {
          expected.add(i);
        }
        expected.sort(Comparator.comparingDouble(i -> -VectorSimilarityFunction.COSINE.compare(q, vectors[i])));
        // 20 × 100 candidates: every vector of every segment (at most 1700)
        ScoreDoc[] hits = searcher.search(new MatryoshkaKnnQuery(field, q, 20).oversample(100), 20).scoreDocs;
        assertEquals(20, hits.length);
        for (int j = 0; j < 20; j++) {
          int ord = searcher.storedFields().document(hits[j].doc).getField("ord").numericValue().intValue();
          assertEquals(expected.get(j), ord, field + ": hit " + j);
          assertEquals(VectorSimilarityFunction.COSINE.compare(q, vectors[ord]), hits[j].score, 1e-5f, field + ": score " + j);
        }
      }
    }
  }

  /**
   * Writes the fixture into {@code args[0]} (an empty folder): two segments of 800 documents, no
   * compound files. Run with the core built on Lucene 10.4, as the fixture's README says.
   */
  public static void main(String[] args) throws IOException {
    float[][] vectors = vectors(DOCS);
    IndexWriterConfig iwc = new IndexWriterConfig().setCodec(new MatryoshkaCodec())
        .setMergePolicy(NoMergePolicy.INSTANCE).setUseCompoundFile(false);
    try (Directory dir = FSDirectory.open(Path.of(args[0])); IndexWriter w = new IndexWriter(dir, iwc)) {
      for (int i = 0; i < DOCS; i++) {
        w.addDocument(doc(i, vectors[i]));
        if (i == DOCS / 2 - 1) {
          w.commit();
        }
      }
    }
  }
}
