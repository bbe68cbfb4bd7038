package dev.matryoshka.search;

import static org.junit.jupiter.api.Assertions.*;

import dev.matryoshka.document.SyntheticVectors;
import dev.matryoshka.codec.MatryoshkaPrefix;
import dev.matryoshka.document.MatryoshkaVectorField;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import org.apache.lucene.document.FieldType;
import org.apache.lucene.index.CodecReader;
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
 * int8 prefixes: the search scores one byte per prefix dimension instead of four; recall must
 * stay close to float prefixes on the same data, scores stay full-dimension, and the bytes the
 * search reads per vector drop to a quarter.
 */
class Int8PrefixTest {

  @TempDir Path tmp;

  @Test
  void recallCloseToFloatPrefixesAndScoresStayFullDimension() throws Exception {
    int n = 10_000;
    int dims = 128;
    int prefix = 32;
    float[][] docs = SyntheticVectors.generate(n, dims, 32, 5L);
    float[][] queries = SyntheticVectors.generate(60, dims, 32, 5L + 77);
    double[] recall = new double[MatryoshkaPrefix.Encoding.values().length];
    long[] hotBytes = new long[recall.length];
    for (MatryoshkaPrefix.Encoding enc : MatryoshkaPrefix.Encoding.values()) {
      FieldType type = MatryoshkaVectorField.fieldType(dims, prefix, VectorSimilarityFunction.COSINE, enc);
      try (Directory dir = FSDirectory.open(tmp.resolve(enc.wireName()))) {
        MatryoshkaKnnQueryTest.index(dir, docs, type, 0);
        try (DirectoryReader r = DirectoryReader.open(dir)) {
          assertEquals(1, r.leaves().size());
          IndexSearcher s = new IndexSearcher(r);
          var leaf = (CodecReader) r.leaves().get(0).reader();
          var info = leaf.getFieldInfos().fieldInfo("emb");
          Map<String, Long> sizes = ((org.apache.lucene.codecs.perfield.PerFieldKnnVectorsFormat.FieldsReader) leaf.getVectorReader())
              .getFieldReader("emb").getOffHeapByteSize(info);
          hotBytes[enc.ordinal()] = switch (enc) {
            case INT8 -> sizes.get("mpv-int8");
            case INT4 -> sizes.get("mpv-int4");
            case FLOAT32 -> sizes.get("mpv");
          };
          double sum = 0;
          for (float[] q : queries) {
            Set<Integer> want = new HashSet<>();
            for (int t : MatryoshkaKnnQueryTest.bruteForce(docs, q, 10, VectorSimilarityFunction.COSINE, Set.of())) {
              want.add(t);
            }
            TopDocs top = s.search(new MatryoshkaKnnQuery("emb", q, 10).oversample(10), 10);
            assertEquals(10, top.scoreDocs.length);
            int hit = 0;
            for (ScoreDoc sd : top.scoreDocs) {
              int id = MatryoshkaKnnQueryTest.id(s, sd);
              hit += want.contains(id) ? 1 : 0;
              assertEquals(VectorSimilarityFunction.COSINE.compare(q, docs[id]), sd.score, 1e-5f, "full-dimension score");
            }
            sum += hit / 10.0;
          }
          recall[enc.ordinal()] = sum / queries.length;
        }
      }
    }
    System.out.printf("synthetic 10k x 128, prefix 32, oversample 10: recall@10 float32 %.4f, int8 %.4f, int4 %.4f;"
        + " prefix bytes the search reads: %d, %d, %d%n", recall[0], recall[1], recall[2], hotBytes[0], hotBytes[1], hotBytes[2]);
    assertTrue(recall[1] >= recall[0] - 0.03, "int8 recall " + recall[1] + " vs float " + recall[0]);
    assertTrue(recall[1] >= 0.9, "int8 recall " + recall[1]);
    assertTrue(recall[2] >= recall[0] - 0.08, "int4 recall " + recall[2] + " vs float " + recall[0]);
    assertEquals((long) n * prefix, hotBytes[1], "one byte per prefix dimension");
    assertEquals(4 * hotBytes[1], hotBytes[0]);
    assertEquals((long) n * prefix / 2, hotBytes[2], "half a byte per prefix dimension");
  }

  @Test
  void int8NeedsADotProductSimilarity() {
    var e = assertThrows(IllegalArgumentException.class,
        () -> MatryoshkaVectorField.fieldType(16, 4, VectorSimilarityFunction.EUCLIDEAN, MatryoshkaPrefix.Encoding.INT8));
    assertTrue(e.getMessage().contains("EUCLIDEAN"), e.getMessage());
    assertEquals(MatryoshkaPrefix.Encoding.INT8, MatryoshkaPrefix.Encoding.parse("int8"));
    assertEquals(MatryoshkaPrefix.Encoding.FLOAT32, MatryoshkaPrefix.Encoding.parse("none"));
    assertEquals(MatryoshkaPrefix.Encoding.INT4, MatryoshkaPrefix.Encoding.parse("int4"));
    var bad = assertThrows(IllegalArgumentException.class, () -> MatryoshkaPrefix.Encoding.parse("int2"));
    assertTrue(bad.getMessage().contains("int2") && bad.getMessage().contains("int4"), bad.getMessage());
    var euclid = assertThrows(IllegalArgumentException.class,
        () -> MatryoshkaVectorField.fieldType(16, 4, VectorSimilarityFunction.EUCLIDEAN, MatryoshkaPrefix.Encoding.INT4));
    assertTrue(euclid.getMessage().contains("int4") && euclid.getMessage().contains("EUCLIDEAN"), euclid.getMessage());
  }
}
