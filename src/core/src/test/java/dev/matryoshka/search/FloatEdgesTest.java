package dev.matryoshka.search;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.matryoshka.document.MatryoshkaVectorField;
import dev.matryoshka.document.SyntheticVectors;
import java.nio.file.Path;
import java.util.Arrays;
import org.apache.lucene.document.FieldType;
import org.apache.lucene.index.DirectoryReader;
import org.apache.lucene.index.VectorSimilarityFunction;
import org.apache.lucene.search.IndexSearcher;
import org.apache.lucene.search.ScoreDoc;
import org.apache.lucene.search.TopDocs;
import org.apache.lucene.store.Directory;
import org.apache.lucene.store.FSDirectory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Vectors at the edges of float32, through the field and the query: a COSINE vector scaled by
 * 1e37, made of 1e38s, or subnormal ranks like its direction; a vector no similarity can score is
 * refused with a message naming the field.
 */
class FloatEdgesTest {
  private static final int DIMS = 64;
  private static final VectorSimilarityFunction COSINE = VectorSimilarityFunction.COSINE;

  @TempDir Path tmp;

  private static float[] scaled(float[] v, float factor) {
    float[] out = new float[v.length];
    for (int i = 0; i < v.length; i++) out[i] = v[i] * factor;
    return out;
  }

  /** The cosine of two vectors in double, whatever their scale: the ranking COSINE defines. */
  private static double cosine(float[] a, float[] b) {
    double dot = 0, na = 0, nb = 0;
    for (int i = 0; i < a.length; i++) {
      dot += (double) a[i] * b[i];
      na += (double) a[i] * a[i];
      nb += (double) b[i] * b[i];
    }
    return dot / Math.sqrt(na * nb);
  }

  private static void assertSameHits(TopDocs want, TopDocs got, float tolerance, String what) {
    assertEquals(want.scoreDocs.length, got.scoreDocs.length, what);
    for (int i = 0; i < want.scoreDocs.length; i++) {
      ScoreDoc w = want.scoreDocs[i];
      ScoreDoc g = got.scoreDocs[i];
      assertTrue(Float.isFinite(g.score) && g.score >= 0 && g.score <= 1.000001f, what + ": score " + g.score);
      assertEquals(w.doc, g.doc, what + ": doc at " + i);
      assertEquals(w.score, g.score, tolerance, what + ": score at " + i);
    }
  }

  private static MatryoshkaKnnQuery[] variants(float[] q) {
    MatryoshkaKnnQuery base = new MatryoshkaKnnQuery("emb", q, 10).oversample(8);
    // graph + full rerank, rerank depth, funnel, and exact search at full dimension
    return new MatryoshkaKnnQuery[] {
      base, base.rerankDepth(30), base.funnel(32, 30), base.exactSearchThreshold(Integer.MAX_VALUE)
    };
  }

  @Test
  void cosineQueriesScaledTo1e37OrMadeOf1e38GiveTheHitsAndScoresOfTheUnscaledQuery() throws Exception {
    float[][] docs = SyntheticVectors.generate(1_500, DIMS, 8, 21L);
    FieldType type = MatryoshkaVectorField.fieldType(DIMS, 16, COSINE);
    try (Directory dir = FSDirectory.open(tmp.resolve("cos"))) {
      MatryoshkaKnnQueryTest.index(dir, docs, type, 500); // three graph-searched segments
      try (DirectoryReader r = DirectoryReader.open(dir)) {
        IndexSearcher s = new IndexSearcher(r);
        float[] ones = new float[DIMS];
        Arrays.fill(ones, 1f);
        float[] huge = new float[DIMS];
        Arrays.fill(huge, 1e38f);
        float[][] queries = SyntheticVectors.generate(4, DIMS, 8, 22L);
        for (int qi = 0; qi <= queries.length; qi++) {
          float[] q = qi < queries.length ? queries[qi] : ones;
          float[] edge = qi < queries.length ? scaled(q, 1e37f) : huge;
          MatryoshkaKnnQuery[] plain = variants(q);
          MatryoshkaKnnQuery[] scaled = variants(edge);
          for (int v = 0; v < plain.length; v++) {
            assertSameHits(s.search(plain[v], 10), s.search(scaled[v], 10), 1e-6f, "query " + qi + ", " + scaled[v]);
          }
        }
      }
    }
  }

  @Test
  void subnormalCosineQueriesRankByTheirDirection() throws Exception {
    float[][] docs = SyntheticVectors.generate(1_500, DIMS, 8, 23L);
    FieldType type = MatryoshkaVectorField.fieldType(DIMS, 16, COSINE);
    try (Directory dir = FSDirectory.open(tmp.resolve("sub"))) {
      MatryoshkaKnnQueryTest.index(dir, docs, type, 500);
      try (DirectoryReader r = DirectoryReader.open(dir)) {
        IndexSearcher s = new IndexSearcher(r);
        for (float[] q : SyntheticVectors.generate(4, DIMS, 8, 24L)) {
          // subnormal components keep ~13 of float's 24 bits: the direction is q's to about 1e-4,
          // and the ranking is the one that direction defines, computed here in double
          float[] sub = scaled(q, 1e-40f);
          for (MatryoshkaKnnQuery query : variants(sub)) {
            TopDocs top = s.search(query, 10);
            assertEquals(10, top.scoreDocs.length);
            for (ScoreDoc sd : top.scoreDocs) {
              int id = MatryoshkaKnnQueryTest.id(s, sd);
              assertEquals((1 + cosine(sub, docs[id])) / 2, sd.score, 1e-6, query + ": score of " + id);
              assertEquals((1 + cosine(q, docs[id])) / 2, sd.score, 1e-3, query + ": near the unscaled score");
            }
          }
          // the exact path returns exactly the double-precision top 10 of the subnormal vector
          TopDocs exact = s.search(new MatryoshkaKnnQuery("emb", sub, 10).exactSearchThreshold(Integer.MAX_VALUE), 10);
          Integer[] ids = new Integer[docs.length];
          for (int i = 0; i < ids.length; i++) ids[i] = i;
          Arrays.sort(ids, (a, b) -> Double.compare(cosine(sub, docs[b]), cosine(sub, docs[a])));
          for (int i = 0; i < 10; i++) assertEquals(ids[i], MatryoshkaKnnQueryTest.id(s, exact.scoreDocs[i]), "exact hit " + i);
        }
      }
    }
  }

  @Test
  void cosineDocumentsScaledTo1e37Or1e20OrSubnormalIndexAsTheirDirection() throws Exception {
    float[][] docs = SyntheticVectors.generate(1_200, DIMS, 8, 25L);
    float[][] edgy = new float[docs.length][];
    float[] factors = {1f, 1e37f, 1e-20f, 3e20f};
    for (int i = 0; i < docs.length; i++) edgy[i] = scaled(docs[i], factors[i % factors.length]);
    FieldType type = MatryoshkaVectorField.fieldType(DIMS, 16, COSINE);
    try (Directory a = FSDirectory.open(tmp.resolve("plain")); Directory b = FSDirectory.open(tmp.resolve("edgy"))) {
      MatryoshkaKnnQueryTest.index(a, docs, type, 400);
      MatryoshkaKnnQueryTest.index(b, edgy, type, 400);
      try (DirectoryReader ra = DirectoryReader.open(a); DirectoryReader rb = DirectoryReader.open(b)) {
        IndexSearcher sa = new IndexSearcher(ra);
        IndexSearcher sb = new IndexSearcher(rb);
        for (float[] q : SyntheticVectors.generate(4, DIMS, 8, 26L)) {
          MatryoshkaKnnQuery[] vs = variants(q);
          for (MatryoshkaKnnQuery query : vs) {
            assertSameHits(sa.search(query, 10), sb.search(query, 10), 1e-6f, "scaled documents, " + query);
          }
        }
      }
    }
    // one document of 1e38s and one subnormal document, among ordinary ones: each is found by its
    // direction, with the score of that direction
    float[] huge = new float[DIMS];
    Arrays.fill(huge, 1e38f);
    float[] sub = scaled(docs[7], 1e-40f);
    float[][] mixed = Arrays.copyOf(docs, 300);
    mixed[3] = huge;
    mixed[7] = sub;
    try (Directory dir = FSDirectory.open(tmp.resolve("mixed"))) {
      MatryoshkaKnnQueryTest.index(dir, mixed, type, 0);
      try (DirectoryReader r = DirectoryReader.open(dir)) {
        IndexSearcher s = new IndexSearcher(r);
        float[] ones = new float[DIMS];
        Arrays.fill(ones, 1f);
        ScoreDoc top = s.search(new MatryoshkaKnnQuery("emb", ones, 1), 1).scoreDocs[0];
        assertEquals(3, MatryoshkaKnnQueryTest.id(s, top));
        assertEquals(1f, top.score, 1e-6f);
        top = s.search(new MatryoshkaKnnQuery("emb", docs[7], 1), 1).scoreDocs[0];
        assertEquals(7, MatryoshkaKnnQueryTest.id(s, top));
        assertEquals((1 + cosine(docs[7], sub)) / 2, top.score, 1e-6);
        // what is stored is the direction, so a plain Lucene query on the field scores it finitely too
        float[] stored = r.leaves().get(0).reader().getFloatVectorValues("emb").vectorValue(3);
        assertArrayEquals(scaled(ones, 0.125f), stored, 1e-7f);
      }
    }
  }

  @Test
  void vectorsNoSimilarityCanScoreAreRefusedNamingTheField() throws Exception {
    float[] v = SyntheticVectors.generate(1, DIMS, 1, 27L)[0];
    float[] huge = scaled(v, 1e37f);
    for (VectorSimilarityFunction sim : new VectorSimilarityFunction[] {
        VectorSimilarityFunction.DOT_PRODUCT, VectorSimilarityFunction.MAXIMUM_INNER_PRODUCT, VectorSimilarityFunction.EUCLIDEAN}) {
      FieldType type = MatryoshkaVectorField.fieldType(DIMS, 16, sim);
      IllegalArgumentException doc = assertThrows(IllegalArgumentException.class, () -> new MatryoshkaVectorField("emb", huge, type));
      assertTrue(doc.getMessage().contains("field \"emb\": vector norm must be at most 2^62")
          && doc.getMessage().contains(sim.toString()), doc.getMessage());
      float[][] docs = SyntheticVectors.generate(300, DIMS, 4, 28L);
      try (Directory dir = FSDirectory.open(tmp.resolve("refuse-" + sim))) {
        MatryoshkaKnnQueryTest.index(dir, docs, type, 0);
        try (DirectoryReader r = DirectoryReader.open(dir)) {
          IndexSearcher s = new IndexSearcher(r);
          IllegalArgumentException q = assertThrows(IllegalArgumentException.class,
              () -> s.search(new MatryoshkaKnnQuery("emb", huge, 10), 10));
          assertTrue(q.getMessage().contains("field \"emb\": query vector norm must be at most 2^62"), q.getMessage());
          // a subnormal query is defined here: finite scores, the ones the similarity gives it
          for (ScoreDoc sd : s.search(new MatryoshkaKnnQuery("emb", scaled(v, 1e-40f), 10), 10).scoreDocs) {
            assertTrue(Float.isFinite(sd.score), sim + ": " + sd.score);
            assertEquals(sim.compare(scaled(v, 1e-40f), docs[MatryoshkaKnnQueryTest.id(s, sd)]), sd.score, 1e-6f);
          }
        }
      }
    }
    FieldType cosine = MatryoshkaVectorField.fieldType(DIMS, 16, COSINE);
    try (Directory dir = FSDirectory.open(tmp.resolve("zero"))) {
      MatryoshkaKnnQueryTest.index(dir, SyntheticVectors.generate(50, DIMS, 2, 29L), cosine, 0);
      try (DirectoryReader r = DirectoryReader.open(dir)) {
        IllegalArgumentException z = assertThrows(IllegalArgumentException.class,
            () -> new IndexSearcher(r).search(new MatryoshkaKnnQuery("emb", new float[DIMS], 3), 3));
        assertTrue(z.getMessage().contains("\"emb\"") && z.getMessage().contains("zero vector"), z.getMessage());
      }
    }
    float[] nan = v.clone();
    nan[5] = Float.NaN;
    IllegalArgumentException n = assertThrows(IllegalArgumentException.class, () -> new MatryoshkaKnnQuery("emb", nan, 3));
    assertTrue(n.getMessage().contains("field \"emb\": query vector[5] = NaN is not a finite number"), n.getMessage());
    IllegalArgumentException zd = assertThrows(IllegalArgumentException.class,
        () -> new MatryoshkaVectorField("emb", new float[DIMS], cosine));
    assertTrue(zd.getMessage().contains("field \"emb\"") && zd.getMessage().contains("zero vector"), zd.getMessage());
  }
}
