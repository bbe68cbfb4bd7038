package dev.matryoshka.search;

import java.io.IOException;
import java.util.Arrays;
import java.util.Comparator;
import org.apache.lucene.codecs.hnsw.FlatVectorScorerUtil;
import org.apache.lucene.codecs.hnsw.FlatVectorsScorer;
import org.apache.lucene.codecs.lucene95.HasIndexSlice;
import org.apache.lucene.index.FloatVectorValues;
import org.apache.lucene.index.KnnVectorValues;
import org.apache.lucene.index.VectorSimilarityFunction;
import org.apache.lucene.search.ScoreDoc;
import org.apache.lucene.store.IndexInput;
import org.apache.lucene.util.hnsw.RandomVectorScorer;

/**
 * Scores one segment's candidates with their stored full vectors, all in one bulk call: the
 * rerank step of {@link MatryoshkaKnnQuery}, for any query that reranks a candidate list the same
 * way (the benchmark's prefix-field-then-rescore baseline).
 *
 * <pre>{@code
 * FloatVectorValues full = leaf.reader().getFloatVectorValues("embedding");
 * ScoreDoc[] scored = FullVectorRescorer.rescore(full, DOT_PRODUCT, query, candidates, leaf.docBase);
 * }</pre>
 */
public final class FullVectorRescorer {

  /**
   * Lucene's flat-vector scorer (the memory-segment one when the vector module is on): scores
   * stored full vectors in place; falls back to copying for values that are not off-heap.
   */
  private static final FlatVectorsScorer FULL_VECTORS = FlatVectorScorerUtil.getLucene99FlatVectorsScorer();

  private FullVectorRescorer() {}

  /**
   * Scores the candidates that have a vector in {@code values}; the others are left out.
   *
   * @param values the segment's full vectors of the field
   * @param similarity the score function, in Lucene's score convention
   * @param query the full query vector
   * @param candidates hits of this segment with global doc ids ({@code docBase} + segment doc),
   *     in any order; only their doc ids are read
   * @param docBase the segment's first global doc id
   * @return new hits with global doc ids in ascending order and full-dimension scores
   */
  public static ScoreDoc[] rescore(FloatVectorValues values, VectorSimilarityFunction similarity,
      float[] query, ScoreDoc[] candidates, int docBase) throws IOException {
    ScoreDoc[] byDoc = candidates.clone();
    Arrays.sort(byDoc, Comparator.comparingInt(sd -> sd.doc));
    // doc -> vector ordinal (identity for dense fields), then one bulk call: Lucene's off-heap
    // scorer reads the full vectors in place (no copy to the heap) and scores several at a time,
    // so their memory reads overlap. The profile of the 768-d benchmark had a quarter of the query
    // time in this loop when it went through VectorScorer one vector at a time.
    int[] ords = new int[byDoc.length];
    int[] hitDocs = new int[byDoc.length];
    int n = 0;
    KnnVectorValues.DocIndexIterator it = values.iterator();
    for (ScoreDoc sd : byDoc) {
      int local = sd.doc - docBase;
      if (it.docID() < local) {
        it.advance(local);
      }
      if (it.docID() == local) {
        ords[n] = it.index();
        hitDocs[n++] = sd.doc;
      }
    }
    prefetch(values, ords, n);
    RandomVectorScorer scorer = FULL_VECTORS.getRandomVectorScorer(similarity, values, query);
    float[] scores = new float[n];
    scorer.bulkScore(ords, scores, n);
    ScoreDoc[] out = new ScoreDoc[n];
    for (int i = 0; i < n; i++) {
      out[i] = new ScoreDoc(hitDocs[i], scores[i]);
    }
    return out;
  }

  /**
   * Asks the directory to start reading every candidate's full vector before the first is
   * scored ({@link IndexInput#prefetch}: an madvise on a memory-mapped file). When the full
   * vectors are not in the page cache, the reads then overlap instead of waiting one after the
   * other; when they are, Lucene's input notices and the call costs next to nothing. System
   * property {@value #PREFETCH_PROPERTY}{@code =false} turns it off (for A/B benchmarks).
   */
  private static void prefetch(FloatVectorValues values, int[] ords, int n) throws IOException {
    if (n < 2 || !(values instanceof HasIndexSlice sliced) || "false".equals(System.getProperty(PREFETCH_PROPERTY))) {
      return;
    }
    IndexInput slice = sliced.getSlice();
    if (slice == null) {
      return;
    }
    long bytes = (long) values.dimension() * Float.BYTES;
    for (int i = 0; i < n; i++) {
      slice.prefetch(ords[i] * bytes, bytes);
    }
  }

  /** See {@link #prefetch}. */
  public static final String PREFETCH_PROPERTY = "matryoshka.rerank.prefetch";
}
