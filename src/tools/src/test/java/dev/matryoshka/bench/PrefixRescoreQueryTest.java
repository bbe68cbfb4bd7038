package dev.matryoshka.bench;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.matryoshka.document.SyntheticVectors;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.apache.lucene.document.Document;
import org.apache.lucene.document.KnnFloatVectorField;
import org.apache.lucene.document.StoredField;
import org.apache.lucene.index.DirectoryReader;
import org.apache.lucene.index.IndexWriter;
import org.apache.lucene.index.IndexWriterConfig;
import org.apache.lucene.index.VectorSimilarityFunction;
import org.apache.lucene.search.IndexSearcher;
import org.apache.lucene.search.KnnFloatVectorQuery;
import org.apache.lucene.search.ScoreDoc;
import org.apache.lucene.search.TopDocs;
import org.apache.lucene.store.ByteBuffersDirectory;
import org.apache.lucene.store.Directory;
import org.junit.jupiter.api.Test;

class PrefixRescoreQueryTest {

  static final VectorSimilarityFunction DOT = VectorSimilarityFunction.DOT_PRODUCT;

  /**
   * Over several segments, with documents that have a prefix but no full vector: the hits are the
   * prefix search's candidates that have a full vector, ranked and scored by the full dot product.
   */
  @Test
  void reranksThePrefixCandidatesOfEverySegmentByTheFullVectors() throws Exception {
    int dims = 32;
    int prefixDims = 8;
    float[][] docs = SyntheticVectors.generate(900, dims, 8, 21L);
    float[] q = SyntheticVectors.generate(1, dims, 8, 22L)[0];
    try (Directory dir = new ByteBuffersDirectory()) {
      try (IndexWriter w = new IndexWriter(dir, new IndexWriterConfig())) {
        for (int i = 0; i < docs.length; i++) {
          Document d = new Document();
          d.add(new StoredField("id", i));
          d.add(new KnnFloatVectorField(BenchSystem.PREFIX_FIELD, IndexBuilder.prefix(docs[i], prefixDims), DOT));
          if (i % 7 != 3) {
            d.add(new KnnFloatVectorField(BenchSystem.FIELD, docs[i], DOT));
          }
          w.addDocument(d);
          if (i % 300 == 299) {
            w.commit();
          }
        }
      }
      try (DirectoryReader reader = DirectoryReader.open(dir)) {
        assertEquals(3, reader.leaves().size());
        IndexSearcher searcher = new IndexSearcher(reader);
        float[] pq = IndexBuilder.prefix(q, prefixDims);
        int candidates = 60;
        int k = 10;
        TopDocs prefixHits = searcher.search(new KnnFloatVectorQuery(BenchSystem.PREFIX_FIELD, pq, candidates), candidates);
        List<float[]> expected = new ArrayList<>(); // {doc, score}
        for (ScoreDoc sd : prefixHits.scoreDocs) {
          int id = id(searcher, sd.doc);
          if (id % 7 != 3) {
            expected.add(new float[] {sd.doc, DOT.compare(q, docs[id])});
          }
        }
        expected.sort((a, b) -> a[1] != b[1] ? Float.compare(b[1], a[1]) : Float.compare(a[0], b[0]));

        TopDocs top = searcher.search(
            new PrefixRescoreQuery(BenchSystem.PREFIX_FIELD, pq, candidates, BenchSystem.FIELD, q, k), k);
        assertEquals(k, top.scoreDocs.length);
        int[] wantDocs = new int[k];
        int[] gotDocs = new int[k];
        for (int i = 0; i < k; i++) {
          wantDocs[i] = (int) expected.get(i)[0];
          gotDocs[i] = top.scoreDocs[i].doc;
          assertEquals(expected.get(i)[1], top.scoreDocs[i].score, 1e-5f, "rank " + i);
        }
        assertArrayEquals(wantDocs, gotDocs, Arrays.toString(gotDocs));
      }
    }
  }

  private static int id(IndexSearcher s, int doc) throws Exception {
    return s.storedFields().document(doc).getField("id").numericValue().intValue();
  }
}
