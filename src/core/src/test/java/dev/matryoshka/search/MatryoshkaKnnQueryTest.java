package dev.matryoshka.search;

import static org.junit.jupiter.api.Assertions.*;

import dev.matryoshka.document.SyntheticVectors;
import dev.matryoshka.codec.MatryoshkaCodec;
import dev.matryoshka.document.MatryoshkaVectorField;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.apache.lucene.document.Document;
import org.apache.lucene.document.Field;
import org.apache.lucene.document.FieldType;
import org.apache.lucene.document.IntPoint;
import org.apache.lucene.document.StoredField;
import org.apache.lucene.document.StringField;
import org.apache.lucene.index.CheckIndex;
import org.apache.lucene.index.DirectoryReader;
import org.apache.lucene.index.IndexWriter;
import org.apache.lucene.index.IndexWriterConfig;
import org.apache.lucene.index.Term;
import org.apache.lucene.index.VectorSimilarityFunction;
import org.apache.lucene.search.IndexSearcher;
import org.apache.lucene.search.ScoreDoc;
import org.apache.lucene.search.TermQuery;
import org.apache.lucene.search.TopDocs;
import org.apache.lucene.store.Directory;
import org.apache.lucene.store.FSDirectory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class MatryoshkaKnnQueryTest {

  @TempDir Path tmp;

  /** Oversample at which the 20k x 256 / prefix 32 synthetic set reaches recall@10 >= 0.95. */
  static final float RECALL_OVERSAMPLE = 20;

  static IndexWriterConfig config() {
    return new IndexWriterConfig().setCodec(new MatryoshkaCodec()).setRAMBufferSizeMB(64);
  }

  static void index(Directory dir, float[][] vecs, FieldType type, int commitEvery)
      throws Exception {
    try (IndexWriter w = new IndexWriter(dir, config())) {
      for (int i = 0; i < vecs.length; i++) {
        Document d = new Document();
        d.add(new StringField("id", Integer.toString(i), Field.Store.YES));
        d.add(new IntPoint("n", i));
        d.add(new MatryoshkaVectorField("emb", vecs[i], type));
        w.addDocument(d);
        if (commitEvery > 0 && i % commitEvery == commitEvery - 1) {
          w.commit();
        }
      }
      w.commit();
    }
  }

  /** Brute-force top-k ids by full-dimension similarity, ties by smaller id. */
  static int[] bruteForce(float[][] docs, float[] q, int k, VectorSimilarityFunction sim,
      Set<Integer> excluded) {
    List<Integer> ids = new ArrayList<>();
    for (int i = 0; i < docs.length; i++) {
      if (!excluded.contains(i)) {
        ids.add(i);
      }
    }
    float[] s = new float[docs.length];
    for (int i : ids) {
      s[i] = sim.compare(q, docs[i]);
    }
    ids.sort((a, b) -> s[a] != s[b] ? Float.compare(s[b], s[a]) : Integer.compare(a, b));
    return ids.subList(0, Math.min(k, ids.size())).stream().mapToInt(Integer::intValue).toArray();
  }

  static int id(IndexSearcher s, ScoreDoc sd) throws Exception {
    return Integer.parseInt(s.storedFields().document(sd.doc).get("id"));
  }

  @Test
  void recallOnDecayingSpectrum20kAt32Of256() throws Exception {
    float[][] docs = SyntheticVectors.generate(20_000, 256, 64, 1L);
    float[][] queries = SyntheticVectors.generate(100, 256, 64, 1L + 99); // other seed: unseen
    FieldType type = MatryoshkaVectorField.fieldType(256, 32, VectorSimilarityFunction.COSINE);
    try (Directory dir = FSDirectory.open(tmp.resolve("idx"))) {
      index(dir, docs, type, 0);
      try (DirectoryReader r = DirectoryReader.open(dir)) {
        IndexSearcher s = new IndexSearcher(r);
        int k = 10;
        int[][] truth = new int[queries.length][];
        for (int i = 0; i < queries.length; i++) {
          truth[i] = bruteForce(docs, queries[i], k, VectorSimilarityFunction.COSINE, Set.of());
        }
        double recall = 0;
        for (float oversample : new float[] {5, 10, 20, 40}) {
          recall = 0;
          for (int qi = 0; qi < queries.length; qi++) {
            float[] q = queries[qi];
            Set<Integer> want = new HashSet<>();
            for (int t : truth[qi]) want.add(t);
            TopDocs top = s.search(new MatryoshkaKnnQuery("emb", q, k).oversample(oversample), k);
            assertEquals(k, top.scoreDocs.length);
            int hit = 0;
            float prev = Float.POSITIVE_INFINITY;
            for (ScoreDoc sd : top.scoreDocs) {
              int id = id(s, sd);
              if (want.contains(id)) hit++;
              // every score is the full-dimension score of that document
              assertEquals(VectorSimilarityFunction.COSINE.compare(q, docs[id]), sd.score, 1e-5f);
              assertTrue(sd.score <= prev, "hits are sorted by full-dimension score");
              prev = sd.score;
            }
            recall += hit / (double) k;
          }
          recall /= queries.length;
          System.out.printf(
              "synthetic 20k x 256, prefix 32, oversample %.0f: recall@10=%.4f%n", oversample, recall);
          if (oversample == RECALL_OVERSAMPLE) {
            break;
          }
        }
        assertTrue(recall >= 0.95, "recall@10 = " + recall);
      }
    }
  }

  @ParameterizedTest
  @EnumSource(VectorSimilarityFunction.class)
  void scoresEqualLuceneFullDimensionScores(VectorSimilarityFunction sim) throws Exception {
    float[][] docs = SyntheticVectors.generate(3_000, 96, 16, 7L);
    if (sim == VectorSimilarityFunction.EUCLIDEAN || sim == VectorSimilarityFunction.MAXIMUM_INNER_PRODUCT) {
      for (float[] d : docs) for (int i = 0; i < d.length; i++) d[i] *= 3.5f; // not unit length
    }
    FieldType type = MatryoshkaVectorField.fieldType(96, 16, sim);
    try (Directory dir = FSDirectory.open(tmp.resolve("s-" + sim))) {
      index(dir, docs, type, 700); // several segments
      try (DirectoryReader r = DirectoryReader.open(dir)) {
        IndexSearcher s = new IndexSearcher(r);
        float[] q = docs[17].clone();
        q[0] += 0.01f;
        TopDocs ours = s.search(new MatryoshkaKnnQuery("emb", q, 10).oversample(20), 10);
        TopDocs exact = s.search(new MatryoshkaKnnQuery("emb", q, 10).exactSearchThreshold(1_000_000), 10);
        int[] truth = bruteForce(docs, q, 10, sim, Set.of());
        for (int i = 0; i < 10; i++) {
          int id = id(s, ours.scoreDocs[i]);
          assertEquals(sim.compare(q, docs[id]), ours.scoreDocs[i].score, 1e-5f, sim + " score");
          assertEquals(truth[i], id(s, exact.scoreDocs[i]), "exact path order");
        }
      }
    }
  }

  @Test
  void sparseFieldRescoresTheRightVectors() throws Exception {
    // every third document has no vector, so vector ordinals differ from doc ids: the rerank must
    // map each candidate's doc to its own ordinal before scoring
    float[][] docs = SyntheticVectors.generate(3_000, 96, 16, 11L);
    FieldType type = MatryoshkaVectorField.fieldType(96, 16, VectorSimilarityFunction.DOT_PRODUCT);
    try (Directory dir = FSDirectory.open(tmp.resolve("sparse"))) {
      try (IndexWriter w = new IndexWriter(dir, config())) {
        for (int i = 0; i < docs.length; i++) {
          Document d = new Document();
          d.add(new StringField("id", Integer.toString(i), Field.Store.YES));
          if (i % 3 != 0) {
            d.add(new MatryoshkaVectorField("emb", docs[i], type));
          }
          w.addDocument(d);
        }
        w.forceMerge(1);
      }
      try (DirectoryReader r = DirectoryReader.open(dir)) {
        IndexSearcher s = new IndexSearcher(r);
        Set<Integer> noVector = new java.util.HashSet<>();
        for (int i = 0; i < docs.length; i += 3) noVector.add(i);
        for (int qi : new int[] {4, 500, 1_001}) {
          float[] q = docs[qi];
          TopDocs top = s.search(new MatryoshkaKnnQuery("emb", q, 10).oversample(20), 10);
          int[] truth = bruteForce(docs, q, 10, VectorSimilarityFunction.DOT_PRODUCT, noVector);
          assertEquals(truth[0], id(s, top.scoreDocs[0]));
          for (ScoreDoc sd : top.scoreDocs) {
            int id = id(s, sd);
            assertTrue(id % 3 != 0, "doc without a vector returned: " + id);
            assertEquals(VectorSimilarityFunction.DOT_PRODUCT.compare(q, docs[id]), sd.score, 1e-5f);
          }
        }
      }
    }
  }

  @Test
  void deletedDocumentsNeverReturnAndFilterIsHonoured() throws Exception {
    float[][] docs = SyntheticVectors.generate(4_000, 128, 8, 3L);
    FieldType type = MatryoshkaVectorField.fieldType(128, 16, VectorSimilarityFunction.DOT_PRODUCT);
    try (Directory dir = FSDirectory.open(tmp.resolve("del"))) {
      index(dir, docs, type, 1_000);
      float[] q = docs[5];
      Set<Integer> deleted = new HashSet<>();
      try (IndexWriter w = new IndexWriter(dir, config().setOpenMode(IndexWriterConfig.OpenMode.APPEND))) {
        // delete the query's own nearest neighbours: they must not come back
        for (int id : bruteForce(docs, q, 20, VectorSimilarityFunction.DOT_PRODUCT, Set.of())) {
          w.deleteDocuments(new Term("id", Integer.toString(id)));
          deleted.add(id);
        }
        w.commit();
      }
      try (DirectoryReader r = DirectoryReader.open(dir)) {
        IndexSearcher s = new IndexSearcher(r);
        TopDocs top = s.search(new MatryoshkaKnnQuery("emb", q, 10).oversample(8), 10);
        int[] truth = bruteForce(docs, q, 10, VectorSimilarityFunction.DOT_PRODUCT, deleted);
        Set<Integer> got = new HashSet<>();
        for (ScoreDoc sd : top.scoreDocs) {
          int id = id(s, sd);
          assertFalse(deleted.contains(id), "deleted doc " + id + " returned");
          got.add(id);
        }
        int overlap = 0;
        for (int t : truth) if (got.contains(t)) overlap++;
        assertTrue(overlap >= 9, "overlap with brute force after deletes: " + overlap);

        // a restrictive filter (30 docs of 4000) goes to exact search: results are exactly right
        var filter = IntPoint.newRangeQuery("n", 2_000, 2_029);
        Set<Integer> outside = new HashSet<>(deleted);
        for (int i = 0; i < docs.length; i++) if (i < 2_000 || i > 2_029) outside.add(i);
        TopDocs f = s.search(new MatryoshkaKnnQuery("emb", q, 10).filter(filter), 10);
        int[] fTruth = bruteForce(docs, q, 10, VectorSimilarityFunction.DOT_PRODUCT, outside);
        assertEquals(10, f.scoreDocs.length);
        for (int i = 0; i < 10; i++) {
          assertEquals(fTruth[i], id(s, f.scoreDocs[i]), "filtered exact order at " + i);
        }
        // a broad filter: every hit matches it
        var half = IntPoint.newRangeQuery("n", 0, 1_999);
        for (ScoreDoc sd : s.search(new MatryoshkaKnnQuery("emb", q, 10).filter(half), 10).scoreDocs) {
          assertTrue(id(s, sd) < 2_000);
        }
      }
    }
  }

  @Test
  void tinySegmentsAreSearchedExactly() throws Exception {
    float[][] docs = SyntheticVectors.generate(90, 64, 4, 11L);
    FieldType type = MatryoshkaVectorField.fieldType(64, 4, VectorSimilarityFunction.COSINE);
    try (Directory dir = FSDirectory.open(tmp.resolve("tiny"))) {
      index(dir, docs, type, 30); // three 30-doc segments, prefix of only 4 dims
      try (DirectoryReader r = DirectoryReader.open(dir)) {
        IndexSearcher s = new IndexSearcher(r);
        float[] q = docs[3];
        TopDocs top = s.search(new MatryoshkaKnnQuery("emb", q, 5).oversample(1), 5);
        int[] truth = bruteForce(docs, q, 5, VectorSimilarityFunction.COSINE, Set.of());
        for (int i = 0; i < 5; i++) assertEquals(truth[i], id(s, top.scoreDocs[i]));
      }
    }
  }

  @Test
  void funnelKeepsQuality() throws Exception {
    float[][] docs = SyntheticVectors.generate(5_000, 256, 32, 5L);
    FieldType type = MatryoshkaVectorField.fieldType(256, 32, VectorSimilarityFunction.COSINE);
    try (Directory dir = FSDirectory.open(tmp.resolve("funnel"))) {
      index(dir, docs, type, 0);
      try (DirectoryReader r = DirectoryReader.open(dir)) {
        IndexSearcher s = new IndexSearcher(r);
        float[] q = SyntheticVectors.generate(1, 256, 32, 77L)[0];
        var base = new MatryoshkaKnnQuery("emb", q, 10).oversample(10);
        TopDocs plain = s.search(base, 10);
        TopDocs funnel = s.search(base.funnel(128, 30), 10);
        Set<Integer> a = new HashSet<>();
        for (ScoreDoc sd : plain.scoreDocs) a.add(sd.doc);
        int same = 0;
        for (ScoreDoc sd : funnel.scoreDocs) {
          if (a.contains(sd.doc)) same++;
          assertEquals(VectorSimilarityFunction.COSINE.compare(q, docs[id(s, sd)]), sd.score, 1e-5f);
        }
        assertTrue(same >= 9, "funnel 32->128->256 keeps the top 10: " + same);
        assertThrows(IllegalArgumentException.class, () -> base.funnel(256, 30));
        assertThrows(IllegalArgumentException.class, () -> base.funnel(128, 5));
      }
    }
  }

  @Test
  void rerankDepthReadsOnlyTheBestByPrefixScore() throws Exception {
    float[][] docs = SyntheticVectors.generate(5_000, 256, 32, 5L);
    FieldType type = MatryoshkaVectorField.fieldType(256, 64, VectorSimilarityFunction.COSINE);
    try (Directory dir = FSDirectory.open(tmp.resolve("depth"))) {
      index(dir, docs, type, 0);
      try (DirectoryReader r = DirectoryReader.open(dir)) {
        IndexSearcher s = new IndexSearcher(r);
        float[][] queries = SyntheticVectors.generate(20, 256, 32, 78L);
        int same = 0;
        for (float[] q : queries) {
          var base = new MatryoshkaKnnQuery("emb", q, 10).oversample(10);
          // depth = all candidates: the plain query
          TopDocs plain = s.search(base, 10);
          TopDocs all = s.search(base.rerankDepth(100), 10);
          for (int i = 0; i < 10; i++) assertEquals(plain.scoreDocs[i].doc, all.scoreDocs[i].doc);
          // depth 20: the 20 best by 64-dim prefix score, ranked and scored at full dimension
          TopDocs deep = s.search(base.rerankDepth(20), 10);
          Set<Integer> a = new HashSet<>();
          for (ScoreDoc sd : plain.scoreDocs) a.add(sd.doc);
          for (ScoreDoc sd : deep.scoreDocs) {
            if (a.contains(sd.doc)) same++;
            assertEquals(VectorSimilarityFunction.COSINE.compare(q, docs[id(s, sd)]), sd.score, 1e-5f);
          }
          // depth k: exactly the prefix top 10 (oversample 1 walks a narrower beam, so compare
          // against the prefix order of the wide walk: the same set as reranking 10 of 100)
          assertEquals(10, s.search(base.rerankDepth(10), 10).scoreDocs.length);
        }
        assertTrue(same >= 180, "depth 20 of 100 keeps the top 10 (of 200): " + same);
        var base = new MatryoshkaKnnQuery("emb", queries[0], 10).oversample(10);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> base.rerankDepth(5));
        assertTrue(e.getMessage().contains("[10, 100]") && e.getMessage().contains("got=5"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> base.rerankDepth(101));
      }
    }
  }

  @Test
  void checkIndexCleanAfterIndexingDeletesAndForceMerge() throws Exception {
    float[][] docs = SyntheticVectors.generate(3_000, 128, 8, 9L);
    FieldType type = MatryoshkaVectorField.fieldType(128, 32, VectorSimilarityFunction.COSINE);
    Path p = tmp.resolve("check");
    try (Directory dir = FSDirectory.open(p)) {
      index(dir, docs, type, 500);
      assertClean(dir);
      try (IndexWriter w = new IndexWriter(dir, config().setOpenMode(IndexWriterConfig.OpenMode.APPEND))) {
        for (int i = 0; i < 3_000; i += 7) w.deleteDocuments(new Term("id", Integer.toString(i)));
        w.commit();
      }
      assertClean(dir);
      try (IndexWriter w = new IndexWriter(dir, config().setOpenMode(IndexWriterConfig.OpenMode.APPEND))) {
        w.forceMerge(1);
        w.commit();
      }
      assertClean(dir);
      try (DirectoryReader r = DirectoryReader.open(dir)) {
        assertEquals(1, r.leaves().size());
        assertEquals(3_000 - 429, r.numDocs());
        IndexSearcher s = new IndexSearcher(r);
        Set<Integer> deleted = new HashSet<>();
        for (int i = 0; i < 3_000; i += 7) deleted.add(i);
        float[] q = docs[8];
        TopDocs top = s.search(new MatryoshkaKnnQuery("emb", q, 10).oversample(10), 10);
        int[] truth = bruteForce(docs, q, 10, VectorSimilarityFunction.COSINE, deleted);
        assertEquals(truth[0], id(s, top.scoreDocs[0]));
        boolean hasPrefixFile = Arrays.stream(dir.listAll()).anyMatch(f -> f.endsWith(".mpv"));
        boolean compound = Arrays.stream(dir.listAll()).anyMatch(f -> f.endsWith(".cfs"));
        assertTrue(hasPrefixFile || compound, "prefix data written: " + Arrays.toString(dir.listAll()));
      }
    }
  }

  static void assertClean(Directory dir) throws Exception {
    try (CheckIndex ci = new CheckIndex(dir)) {
      ci.setLevel(CheckIndex.Level.MIN_LEVEL_FOR_SLOW_CHECKS);
      var status = ci.checkIndex();
      assertTrue(status.clean, "CheckIndex not clean");
    }
  }

  @Test
  void badInputIsRejectedWithClearMessagesAndIndexStaysUsable() throws Exception {
    FieldType type = MatryoshkaVectorField.fieldType(8, 4, VectorSimilarityFunction.COSINE);
    var e1 = assertThrows(IllegalArgumentException.class,
        () -> new MatryoshkaVectorField("emb", new float[7], type));
    assertTrue(e1.getMessage().contains("\"emb\"") && e1.getMessage().contains("7"), e1.getMessage());
    float[] nan = {1, 2, 3, Float.NaN, 5, 6, 7, 8};
    var e2 = assertThrows(IllegalArgumentException.class, () -> new MatryoshkaVectorField("emb", nan, type));
    assertTrue(e2.getMessage().contains("vector[3] = NaN"), e2.getMessage());
    float[] inf = {1, 2, 3, 4, 5, 6, 7, Float.POSITIVE_INFINITY};
    var e3 = assertThrows(IllegalArgumentException.class, () -> new MatryoshkaVectorField("emb", inf, type));
    assertTrue(e3.getMessage().contains("Infinity"), e3.getMessage());
    var e4 = assertThrows(IllegalArgumentException.class, () -> new MatryoshkaVectorField("emb", new float[8], type));
    assertTrue(e4.getMessage().contains("zero vector"), e4.getMessage());
    var e5 = assertThrows(IllegalArgumentException.class,
        () -> MatryoshkaVectorField.fieldType(8, 8, VectorSimilarityFunction.COSINE));
    assertTrue(e5.getMessage().contains("prefixDims") && e5.getMessage().contains("got=8"), e5.getMessage());
    assertThrows(IllegalArgumentException.class, () -> MatryoshkaVectorField.fieldType(8, 0, VectorSimilarityFunction.COSINE));
    assertThrows(IllegalArgumentException.class, () -> MatryoshkaVectorField.fieldType(0, 0, VectorSimilarityFunction.COSINE));
    var e6 = assertThrows(IllegalArgumentException.class,
        () -> new MatryoshkaKnnQuery("emb", new float[8], 10).oversample(0.5f));
    assertTrue(e6.getMessage().contains("oversample") && e6.getMessage().contains("0.5"), e6.getMessage());
    assertThrows(IllegalArgumentException.class, () -> new MatryoshkaKnnQuery("emb", new float[8], 0));

    try (Directory dir = FSDirectory.open(tmp.resolve("bad"))) {
      float[][] docs = SyntheticVectors.generate(50, 8, 2, 1L);
      index(dir, docs, type, 0);
      try (IndexWriter w = new IndexWriter(dir, config().setOpenMode(IndexWriterConfig.OpenMode.APPEND))) {
        Document d = new Document();
        d.add(new StringField("id", "other", Field.Store.YES));
        d.add(new MatryoshkaVectorField("emb", SyntheticVectors.generate(1, 16, 1, 2L)[0],
            MatryoshkaVectorField.fieldType(16, 4, VectorSimilarityFunction.COSINE)));
        var e7 = assertThrows(IllegalArgumentException.class, () -> w.addDocument(d));
        assertTrue(e7.getMessage().contains("emb"), e7.getMessage());
        Document ok = new Document();
        ok.add(new StringField("id", "50", Field.Store.YES));
        ok.add(new MatryoshkaVectorField("emb", docs[0], type));
        w.addDocument(ok);
        w.commit();
      }
      try (DirectoryReader r = DirectoryReader.open(dir)) {
        assertEquals(51, r.numDocs());
        IndexSearcher s = new IndexSearcher(r);
        var e8 = assertThrows(IllegalArgumentException.class,
            () -> s.search(new MatryoshkaKnnQuery("emb", new float[16], 3), 3));
        assertTrue(e8.getMessage().contains("16"), e8.getMessage());
        assertEquals(3, s.search(new MatryoshkaKnnQuery("emb", docs[1], 3), 3).scoreDocs.length);
        assertEquals(0, s.search(new TermQuery(new Term("id", "other")), 1).totalHits.value());
      }
      assertClean(dir);
    }
  }
}
