package dev.matryoshka.search;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.matryoshka.document.SyntheticVectors;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.apache.lucene.document.Document;
import org.apache.lucene.document.KnnFloatVectorField;
import org.apache.lucene.document.StoredField;
import org.apache.lucene.index.DirectoryReader;
import org.apache.lucene.index.FloatVectorValues;
import org.apache.lucene.index.IndexWriter;
import org.apache.lucene.index.IndexWriterConfig;
import org.apache.lucene.index.LeafReaderContext;
import org.apache.lucene.index.VectorSimilarityFunction;
import org.apache.lucene.search.ScoreDoc;
import org.apache.lucene.store.ByteBuffersDirectory;
import org.apache.lucene.store.Directory;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class FullVectorRescorerTest {

  /**
   * Several segments, a sparse field (every fifth document has no vector), candidates in random
   * order with some that have no vector: each candidate with a vector comes back once, in doc
   * order, scored as the similarity function scores its stored vector.
   */
  @ParameterizedTest
  @EnumSource(value = VectorSimilarityFunction.class, names = {"DOT_PRODUCT", "COSINE", "EUCLIDEAN", "MAXIMUM_INNER_PRODUCT"})
  void scoresEveryCandidateWithAVectorAsTheSimilarityDoes(VectorSimilarityFunction sim) throws Exception {
    float[][] vecs = SyntheticVectors.generate(600, 48, 8, 11L);
    float[] query = SyntheticVectors.generate(1, 48, 8, 12L)[0];
    try (Directory dir = new ByteBuffersDirectory()) {
      try (IndexWriter w = new IndexWriter(dir, new IndexWriterConfig())) {
        for (int i = 0; i < vecs.length; i++) {
          Document d = new Document();
          d.add(new StoredField("id", i));
          if (i % 5 != 4) {
            d.add(new KnnFloatVectorField("emb", vecs[i], sim));
          }
          w.addDocument(d);
          if (i % 200 == 199) {
            w.commit(); // three segments
          }
        }
      }
      Random random = new Random(5);
      try (DirectoryReader reader = DirectoryReader.open(dir)) {
        assertEquals(3, reader.leaves().size());
        for (LeafReaderContext leaf : reader.leaves()) {
          List<ScoreDoc> candidates = new ArrayList<>();
          for (int doc = 0; doc < leaf.reader().maxDoc(); doc++) {
            if (random.nextInt(3) == 0) {
              candidates.add(new ScoreDoc(leaf.docBase + doc, -1f));
            }
          }
          java.util.Collections.shuffle(candidates, random);
          FloatVectorValues values = leaf.reader().getFloatVectorValues("emb");
          ScoreDoc[] scored = FullVectorRescorer.rescore(
              values, sim, query, candidates.toArray(ScoreDoc[]::new), leaf.docBase);

          List<Integer> expected = new ArrayList<>();
          for (ScoreDoc c : candidates) {
            int id = leaf.reader().storedFields().document(c.doc - leaf.docBase).getField("id").numericValue().intValue();
            if (id % 5 != 4) {
              expected.add(c.doc);
            }
          }
          expected.sort(null);
          assertTrue(expected.size() < candidates.size(), "some candidates have no vector");
          assertEquals(expected.size(), scored.length);
          for (int i = 0; i < scored.length; i++) {
            assertEquals(expected.get(i), scored[i].doc);
            int id = leaf.reader().storedFields().document(scored[i].doc - leaf.docBase)
                .getField("id").numericValue().intValue();
            float want = sim.compare(query, vecs[id]);
            assertEquals(want, scored[i].score, 1e-5f * Math.max(1f, Math.abs(want)), "doc " + scored[i].doc);
          }
        }
      }
    }
  }
}
