package dev.matryoshka.search;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.matryoshka.document.SyntheticVectors;
import dev.matryoshka.codec.MatryoshkaCodec;
import dev.matryoshka.document.MatryoshkaVectorField;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.Locale;
import java.util.Set;
import org.apache.lucene.document.Document;
import org.apache.lucene.document.Field;
import org.apache.lucene.document.FieldType;
import org.apache.lucene.document.StoredField;
import org.apache.lucene.index.DirectoryReader;
import org.apache.lucene.index.IndexWriter;
import org.apache.lucene.index.IndexWriterConfig;
import org.apache.lucene.index.NoMergePolicy;
import org.apache.lucene.index.VectorSimilarityFunction;
import org.apache.lucene.search.IndexSearcher;
import org.apache.lucene.search.ScoreDoc;
import org.apache.lucene.search.TopDocs;
import org.apache.lucene.store.Directory;
import org.apache.lucene.store.FSDirectory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Recall does not drop when an index has many segments. Lucene's optimistic collection sizes each
 * segment's prefix-graph search from its share of the index ({@code K·p + 16·sqrt(K·p·(1-p))}
 * candidates for {@code K = ceil(k × oversample)}), so a segment of a twentieth of the index gets
 * fewer than {@code K}; but the candidates over all segments are at least {@code K}, each is
 * rescored at full dimension, and the test shows the merged top 10 is at least as good as the
 * same documents in one segment.
 */
class ManySegmentRecallTest {

  @TempDir Path tmp;

  private static final int N = 12_000;
  private static final int SEGMENTS = 24;
  private static final int K = 10;

  @Test
  void manySegmentsKeepOneSegmentRecall() throws Exception {
    float[][] docs = SyntheticVectors.generate(N, 256, 64, 7L);
    float[][] queries = SyntheticVectors.generate(100, 256, 64, 7L + 1000);
    FieldType type = MatryoshkaVectorField.fieldType(256, 32, VectorSimilarityFunction.COSINE);
    int[][] truth = new int[queries.length][];
    for (int i = 0; i < queries.length; i++) {
      truth[i] = MatryoshkaKnnQueryTest.bruteForce(docs, queries[i], K, VectorSimilarityFunction.COSINE, Set.of());
    }
    try (Directory one = FSDirectory.open(tmp.resolve("one"));
        Directory many = FSDirectory.open(tmp.resolve("many"))) {
      write(one, docs, type, N);
      write(many, docs, type, N / SEGMENTS);
      try (DirectoryReader r1 = DirectoryReader.open(one);
          DirectoryReader rm = DirectoryReader.open(many)) {
        assertEquals(1, r1.leaves().size());
        assertTrue(rm.leaves().size() >= 20, "segments: " + rm.leaves().size());
        for (float oversample : new float[] {1, 2, 4}) {
          double single = recall(new IndexSearcher(r1), docs, queries, truth, oversample);
          double multi = recall(new IndexSearcher(rm), docs, queries, truth, oversample);
          System.out.printf(Locale.ROOT,
              "ManySegmentRecallTest: oversample %.0f  recall@10 one segment %.3f  %d segments %.3f%n",
              oversample, single, rm.leaves().size(), multi);
          assertTrue(multi >= single - 0.01, String.format(Locale.ROOT,
              "oversample %.0f: %d segments recall %.3f < one segment %.3f - 0.01",
              oversample, rm.leaves().size(), multi, single));
        }
      }
    }
  }

  private static void write(Directory dir, float[][] docs, FieldType type, int perSegment)
      throws Exception {
    IndexWriterConfig iwc = new IndexWriterConfig().setCodec(new MatryoshkaCodec())
        .setMergePolicy(NoMergePolicy.INSTANCE).setRAMBufferSizeMB(256);
    try (IndexWriter w = new IndexWriter(dir, iwc)) {
      for (int i = 0; i < docs.length; i++) {
        Document d = new Document();
        d.add(new StoredField("id", i));
        d.add(new MatryoshkaVectorField("emb", docs[i], type));
        w.addDocument(d);
        if ((i + 1) % perSegment == 0) {
          w.flush();
        }
      }
      w.commit();
    }
  }

  private static double recall(IndexSearcher s, float[][] docs, float[][] queries, int[][] truth,
      float oversample) throws Exception {
    double sum = 0;
    for (int qi = 0; qi < queries.length; qi++) {
      Set<Integer> want = new HashSet<>();
      for (int t : truth[qi]) want.add(t);
      TopDocs top = s.search(new MatryoshkaKnnQuery("emb", queries[qi], K).oversample(oversample), K);
      assertEquals(K, top.scoreDocs.length);
      int hit = 0;
      for (ScoreDoc sd : top.scoreDocs) {
        int id = s.storedFields().document(sd.doc).getField("id").numericValue().intValue();
        if (want.contains(id)) hit++;
      }
      sum += hit / (double) K;
    }
    return sum / queries.length;
  }
}
