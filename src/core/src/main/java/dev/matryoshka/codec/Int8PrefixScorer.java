package dev.matryoshka.codec;

import java.io.IOException;
import org.apache.lucene.index.ByteVectorValues;
import org.apache.lucene.index.VectorSimilarityFunction;
import org.apache.lucene.util.VectorUtil;
import org.apache.lucene.util.hnsw.RandomVectorScorer;

/**
 * Scores a query against the int8 codes of a field's prefixes ({@link Int8Prefix}) for the graph
 * walk: asymmetric, i.e. the codes are multiplied with the float query prefix weighted by the
 * per-dimension scales ({@code q[i] · s[i] / 127}), so only the documents are rounded, and the
 * result is the prefix dot product turned into a score the way the field's graph similarity
 * does it (monotone, which is all the walk needs; the full-vector rerank gives the final scores).
 *
 * <p>The codes are read from a byte array on the heap (decoded with the field's graph, {@link
 * DecodedGraphCache}) or, when the budget did not allow that, from the index file one code at a
 * time. {@link #bulkScore} scores the neighbours of a node four at a time ({@link Int8Dot#dot4}).
 */
final class Int8PrefixScorer extends RandomVectorScorer.AbstractRandomVectorScorer {
  private final VectorSimilarityFunction similarity;
  private final float[] query;
  private final int dims;
  /** All codes of the field, ordinal after ordinal; null = read each from {@link #values}. */
  private final byte[] heap;
  private final ByteVectorValues values;
  /** Off-heap: four codes copied side by side for {@link Int8Dot#dot4}. */
  private final byte[] scratch;
  private final float[] raw = new float[4];
  private final Int8Dot dot = Int8Dot.INSTANCE;

  /**
   * @param graphSimilarity the similarity the prefix graph is scored with (a dot-product kind)
   * @param prefixQuery the query's prefix, as the float search would score it
   * @param scales the field's per-dimension scales
   * @param values the codes as byte vectors (ordinals, documents, and the off-heap reads)
   * @param heap every code on the heap ({@code size × dims} bytes), or null
   */
  Int8PrefixScorer(VectorSimilarityFunction graphSimilarity, float[] prefixQuery, float[] scales,
      ByteVectorValues values, byte[] heap) {
    super(values);
    if (prefixQuery.length != scales.length || values.dimension() != scales.length) {
      throw new IllegalArgumentException("query prefix " + prefixQuery.length + ", scales " + scales.length
          + " and codes " + values.dimension() + " must have the same dimension");
    }
    this.similarity = graphSimilarity;
    this.dims = scales.length;
    this.query = new float[dims];
    for (int i = 0; i < dims; i++) {
      query[i] = prefixQuery[i] * scales[i] / 127f;
    }
    this.values = values;
    this.heap = heap;
    this.scratch = heap == null ? new byte[4 * dims] : null;
  }

  /** The dot product of the query with code {@code ord}: the prefix dot product, approximately. */
  float rawDot(int ord) throws IOException {
    if (heap != null) {
      return dot.dot(heap, ord * dims, query, dims);
    }
    return dot.dot(values.vectorValue(ord), 0, query, dims);
  }

  @Override
  public float score(int ord) throws IOException {
    return toScore(rawDot(ord));
  }

  @Override
  public float bulkScore(int[] nodes, float[] scores, int numNodes) throws IOException {
    float max = Float.NEGATIVE_INFINITY;
    for (int i = 0; i < numNodes; i += 4) {
      // a last group of one to three nodes repeats its last node: one four-way pass is cheaper
      // than up to three single ones (a profile had a sixth of the walk in the single path)
      int left = numNodes - i;
      int n0 = nodes[i];
      int n1 = left > 1 ? nodes[i + 1] : n0;
      int n2 = left > 2 ? nodes[i + 2] : n1;
      int n3 = left > 3 ? nodes[i + 3] : n2;
      if (heap != null) {
        dot.dot4(heap, n0 * dims, n1 * dims, n2 * dims, n3 * dims, query, dims, raw, 0);
      } else {
        System.arraycopy(values.vectorValue(n0), 0, scratch, 0, dims);
        System.arraycopy(values.vectorValue(n1), 0, scratch, dims, dims);
        System.arraycopy(values.vectorValue(n2), 0, scratch, 2 * dims, dims);
        System.arraycopy(values.vectorValue(n3), 0, scratch, 3 * dims, dims);
        dot.dot4(scratch, 0, dims, 2 * dims, 3 * dims, query, dims, raw, 0);
      }
      for (int j = 0, m = Math.min(4, left); j < m; j++) {
        float s = toScore(raw[j]);
        scores[i + j] = s;
        max = Math.max(max, s);
      }
    }
    return max;
  }

  /** The graph similarity's score of a prefix dot product (Lucene's float formulas). */
  private float toScore(float dotProduct) {
    return similarity == VectorSimilarityFunction.MAXIMUM_INNER_PRODUCT
        ? VectorUtil.scaleMaxInnerProductScore(dotProduct)
        : Math.max((1 + dotProduct) / 2, 0);
  }
}
