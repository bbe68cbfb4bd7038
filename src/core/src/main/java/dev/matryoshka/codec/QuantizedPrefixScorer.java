package dev.matryoshka.codec;

import java.io.IOException;
import org.apache.lucene.index.ByteVectorValues;
import org.apache.lucene.index.VectorSimilarityFunction;
import org.apache.lucene.util.VectorUtil;
import org.apache.lucene.util.hnsw.RandomVectorScorer;

/**
 * Scores a query against the int8 or int4 codes of a field's prefixes ({@link Int8Prefix}) for
 * the graph walk. Asymmetric: the codes are multiplied with the float query prefix weighted by
 * the per-dimension scales ({@code q[i] · s[i] / 127} for int8, {@code / 7} for int4), so only the
 * documents are rounded; the result is the prefix dot product turned into a score the way the
 * field's graph similarity does it (monotone, which is all the walk needs; the full-vector rerank
 * gives the final scores).
 *
 * <p>The codes are read from a byte array on the heap (decoded with the field's graph, {@link
 * DecodedGraphCache}) or, when the budget did not allow that, from the index file one code at a
 * time. {@link #bulkScore} scores the neighbours of a node four at a time ({@link Int8Dot#dot4}),
 * so that four codes are fetched at once.
 */
final class QuantizedPrefixScorer extends RandomVectorScorer.AbstractRandomVectorScorer {
  private final VectorSimilarityFunction similarity;
  private final boolean int4;
  /** int8: the weighted query; int4: the weighted query padded to {@code 2 · codeBytes}. */
  private final float[] query;
  /** int4: {@code 8 · Σ query}, the offset of the unsigned nibbles; int8: 0. */
  private final float bias;
  private final int codeBytes;
  /** All codes of the field, ordinal after ordinal; null = read each from {@link #values}. */
  private final byte[] heap;
  private final ByteVectorValues values;
  /** Off-heap: four codes copied side by side for the four-way kernels. */
  private final byte[] scratch;
  private final float[] raw = new float[4];
  private final Int8Dot dot = Int8Dot.INSTANCE;

  /**
   * @param graphSimilarity the similarity the prefix graph is scored with (a dot-product kind)
   * @param prefixQuery the query's prefix, as the float search would score it
   * @param scales the field's per-dimension scales (int8) or clip values (int4)
   * @param int4 whether the codes are int4 (two dimensions per byte), else int8
   * @param values the codes as byte vectors (ordinals, documents, and the off-heap reads)
   * @param heap every code on the heap ({@code size × code bytes}), or null
   */
  QuantizedPrefixScorer(VectorSimilarityFunction graphSimilarity, float[] prefixQuery, float[] scales,
      boolean int4, ByteVectorValues values, byte[] heap) {
    super(values);
    int dims = scales.length;
    this.codeBytes = int4 ? Int8Prefix.int4Bytes(dims) : dims;
    if (prefixQuery.length != dims || values.dimension() != codeBytes) {
      throw new IllegalArgumentException("query prefix " + prefixQuery.length + " and scales " + dims
          + " must have the same dimension, and codes " + values.dimension() + " bytes must be " + codeBytes);
    }
    this.similarity = graphSimilarity;
    this.int4 = int4;
    this.query = new float[int4 ? 2 * codeBytes : dims];
    float levels = int4 ? 7f : 127f;
    double sum = 0;
    for (int i = 0; i < dims; i++) {
      query[i] = prefixQuery[i] * scales[i] / levels;
      sum += query[i];
    }
    this.bias = int4 ? (float) (8 * sum) : 0f;
    this.values = values;
    this.heap = heap;
    this.scratch = heap == null ? new byte[4 * codeBytes] : null;
  }

  /** The dot product of the query with code {@code ord}: the prefix dot product, approximately. */
  float rawDot(int ord) throws IOException {
    byte[] codes = heap;
    int off = ord * codeBytes;
    if (codes == null) {
      codes = values.vectorValue(ord);
      off = 0;
    }
    return int4 ? dot.int4Dot(codes, off, query, codeBytes) - bias : dot.dot(codes, off, query, codeBytes);
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
      byte[] codes;
      int o0, o1, o2, o3;
      if (heap != null) {
        codes = heap;
        o0 = n0 * codeBytes;
        o1 = n1 * codeBytes;
        o2 = n2 * codeBytes;
        o3 = n3 * codeBytes;
      } else {
        codes = scratch;
        System.arraycopy(values.vectorValue(n0), 0, scratch, 0, codeBytes);
        System.arraycopy(values.vectorValue(n1), 0, scratch, codeBytes, codeBytes);
        System.arraycopy(values.vectorValue(n2), 0, scratch, 2 * codeBytes, codeBytes);
        System.arraycopy(values.vectorValue(n3), 0, scratch, 3 * codeBytes, codeBytes);
        o0 = 0;
        o1 = codeBytes;
        o2 = 2 * codeBytes;
        o3 = 3 * codeBytes;
      }
      if (int4) {
        dot.int4Dot4(codes, o0, o1, o2, o3, query, codeBytes, raw, 0);
      } else {
        dot.dot4(codes, o0, o1, o2, o3, query, codeBytes, raw, 0);
      }
      for (int j = 0, m = Math.min(4, left); j < m; j++) {
        float s = toScore(raw[j] - bias);
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
