package dev.matryoshka.codec;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.apache.lucene.codecs.KnnVectorsReader;
import org.apache.lucene.index.FieldInfo;
import org.apache.lucene.index.FloatVectorValues;
import org.apache.lucene.index.KnnVectorValues;
import org.apache.lucene.index.VectorSimilarityFunction;
import org.apache.lucene.search.AcceptDocs;
import org.apache.lucene.search.DocIdSetIterator;
import org.apache.lucene.search.TopDocs;
import org.apache.lucene.search.TopKnnCollector;

/**
 * Measures a {@link SegmentCalibration} on a segment that has just been written: generates
 * calibration queries from the segment's vectors, finds each one's exact top k at full dimension
 * (one pass over the vectors for all queries), then searches the segment's graph the way {@code
 * MatryoshkaKnnQuery} does — {@code ceil(k × oversample)} candidates, reranked with the full
 * vectors — at each grid oversample until the recall is perfect or the candidates cover the
 * segment.
 *
 * <p>Cost: queries × vectors full-dimension dot products for the truth (200 × 100k × 384 dims is
 * about a second on one core), plus queries graph searches per grid point, next to a graph build
 * that costs far more.
 */
final class SegmentCalibrator {
  private SegmentCalibrator() {}

  /** k of the recall measure: the common page size. */
  static final int K = 10;

  /** Calibration queries per segment: recall@10 to about ±0.005 at recall 0.97. */
  static final int QUERIES = 200;

  /** Seed of the query sample; fixed, so the same segment gives the same curve. */
  static final long SEED = 0x6D617472796F73L;

  /**
   * The field's curve, or null when the segment has fewer than {@code K + 1} vectors in the field
   * (every search is exact there).
   */
  static SegmentCalibration calibrate(KnnVectorsReader reader, FieldInfo field, int maxDoc)
      throws IOException {
    FloatVectorValues full = reader.getFloatVectorValues(field.name);
    if (full == null || full.size() <= K) {
      return null;
    }
    int n = full.size();
    VectorSimilarityFunction sim = field.getVectorSimilarityFunction();
    int[] docToOrd = new int[maxDoc];
    Arrays.fill(docToOrd, -1);
    KnnVectorValues.DocIndexIterator it = full.iterator();
    for (int d = it.nextDoc(); d != DocIdSetIterator.NO_MORE_DOCS; d = it.nextDoc()) {
      docToOrd[d] = it.index();
    }
    // queries generated from the segment's vectors, each one's anchor document left out
    SegmentCalibration.QueryKind kind = SegmentCalibration.QueryKind.NOISE_ONE;
    CalibrationQueries.Queries generated = CalibrationQueries.generate(kind.generator(), full, sim, QUERIES, SEED);
    float[][] queries = generated.vectors();
    int q = queries.length;
    int[] self = generated.excluded();
    int[][] truth = exactTopK(full, sim, queries, self);

    List<Float> os = new ArrayList<>();
    List<Float> recalls = new ArrayList<>();
    AcceptDocs all = AcceptDocs.fromLiveDocs(null, maxDoc);
    for (float o : SegmentCalibration.GRID) {
      int candidates = (int) Math.ceil(K * (double) o);
      if (candidates + 1 >= n) {
        // the graph hands back (nearly) every vector: exact from here on
        os.add(o);
        recalls.add(1f);
        break;
      }
      long hits = 0;
      long wanted = 0;
      for (int i = 0; i < q; i++) {
        // one more candidate than asked, as the query's anchor document may take a place
        TopKnnCollector c = new TopKnnCollector(candidates + 1, Integer.MAX_VALUE);
        reader.search(field.name, queries[i], c, all);
        TopDocs td = c.topDocs();
        int[] found = rerank(full, sim, queries[i], td, docToOrd, self[i]);
        for (int ord : found) {
          if (contains(truth[i], ord)) {
            hits++;
          }
        }
        wanted += truth[i].length;
      }
      float recall = wanted == 0 ? 1f : (float) (hits / (double) wanted);
      os.add(o);
      recalls.add(recall);
      if (recall >= SegmentCalibration.PERFECT) {
        break;
      }
    }
    float[] osArr = new float[os.size()];
    float[] rArr = new float[os.size()];
    for (int i = 0; i < osArr.length; i++) {
      osArr[i] = os.get(i);
      rArr[i] = recalls.get(i);
    }
    return new SegmentCalibration(K, q, kind, n, osArr, rArr);
  }

  /** Each query's exact top K ordinals at full dimension, its own ordinal excluded. */
  private static int[][] exactTopK(FloatVectorValues full, VectorSimilarityFunction sim,
      float[][] queries, int[] self) throws IOException {
    int q = queries.length;
    float[][] scores = new float[q][K];
    int[][] ords = new int[q][K];
    int[] size = new int[q];
    for (int ord = 0; ord < full.size(); ord++) {
      float[] v = full.vectorValue(ord);
      for (int i = 0; i < q; i++) {
        if (ord == self[i]) {
          continue;
        }
        float s = sim.compare(queries[i], v);
        insert(scores[i], ords[i], size[i], s, ord);
        if (size[i] < K) {
          size[i]++;
        }
      }
    }
    int[][] out = new int[q][];
    for (int i = 0; i < q; i++) {
      out[i] = Arrays.copyOf(ords[i], size[i]);
    }
    return out;
  }

  /** Inserts into a descending top list of capacity K holding {@code size} entries. */
  private static void insert(float[] scores, int[] ords, int size, float s, int ord) {
    int cap = scores.length;
    if (size == cap && s <= scores[cap - 1]) {
      return;
    }
    int pos = Math.min(size, cap - 1);
    while (pos > 0 && scores[pos - 1] < s) {
      scores[pos] = scores[pos - 1];
      ords[pos] = ords[pos - 1];
      pos--;
    }
    scores[pos] = s;
    ords[pos] = ord;
  }

  /** The candidates reranked at full dimension: the best K ordinals, the query's own left out. */
  private static int[] rerank(FloatVectorValues full, VectorSimilarityFunction sim, float[] query,
      TopDocs candidates, int[] docToOrd, int self) throws IOException {
    float[] scores = new float[K];
    int[] ords = new int[K];
    int size = 0;
    for (var sd : candidates.scoreDocs) {
      int ord = docToOrd[sd.doc];
      if (ord < 0 || ord == self) {
        continue;
      }
      float s = sim.compare(query, full.vectorValue(ord));
      insert(scores, ords, size, s, ord);
      if (size < K) {
        size++;
      }
    }
    return Arrays.copyOf(ords, size);
  }

  private static boolean contains(int[] a, int x) {
    for (int v : a) {
      if (v == x) {
        return true;
      }
    }
    return false;
  }
}
