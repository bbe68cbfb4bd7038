package dev.matryoshka.codec;

import java.io.IOException;
import org.apache.lucene.codecs.hnsw.FlatVectorsScorer;
import org.apache.lucene.index.FloatVectorValues;
import org.apache.lucene.index.KnnVectorValues;
import org.apache.lucene.index.VectorSimilarityFunction;
import org.apache.lucene.util.hnsw.RandomVectorScorer;
import org.apache.lucene.util.hnsw.RandomVectorScorerSupplier;

/**
 * The scorer the HNSW writer uses while it links buffered vectors at flush. Lucene's graph writer
 * wraps the flat field writer's buffered vectors as {@code FloatVectorValues} whose declared
 * dimension is the field's full dimension; for a Matryoshka field those buffered vectors are the
 * prefixes. This scorer makes such values report the length of the vectors they actually hold, so
 * the delegate scores prefixes as prefixes. Values that already know their dimension (off-heap,
 * used at merge and search) pass through unchanged.
 */
final class BufferedPrefixScorer implements FlatVectorsScorer {

  private final FlatVectorsScorer delegate;

  BufferedPrefixScorer(FlatVectorsScorer delegate) {
    this.delegate = delegate;
  }

  private static KnnVectorValues view(KnnVectorValues values) {
    if (values instanceof FloatVectorValues f && !(values instanceof org.apache.lucene.codecs.lucene95.HasIndexSlice)) {
      return new SelfSizedValues(f);
    }
    return values;
  }

  @Override
  public RandomVectorScorerSupplier getRandomVectorScorerSupplier(
      VectorSimilarityFunction sim, KnnVectorValues values) throws IOException {
    return delegate.getRandomVectorScorerSupplier(sim, view(values));
  }

  @Override
  public RandomVectorScorer getRandomVectorScorer(
      VectorSimilarityFunction sim, KnnVectorValues values, float[] target) throws IOException {
    return delegate.getRandomVectorScorer(sim, view(values), target);
  }

  @Override
  public RandomVectorScorer getRandomVectorScorer(
      VectorSimilarityFunction sim, KnnVectorValues values, byte[] target) throws IOException {
    return delegate.getRandomVectorScorer(sim, values, target);
  }

  @Override
  public String toString() {
    return "BufferedPrefixScorer(" + delegate + ")";
  }

  /** Buffered values whose dimension is that of the vectors they hold. */
  private static final class SelfSizedValues extends FloatVectorValues {
    private final FloatVectorValues in;

    SelfSizedValues(FloatVectorValues in) {
      this.in = in;
    }

    @Override
    public int dimension() {
      // the buffer grows while the graph is built, so ask each time; it is never empty when
      // a scorer asks (a node is scored only after it was added)
      try {
        return in.size() > 0 ? in.vectorValue(0).length : in.dimension();
      } catch (IOException e) {
        throw new java.io.UncheckedIOException(e); // buffered on heap: never happens
      }
    }

    @Override
    public int size() {
      return in.size();
    }

    @Override
    public float[] vectorValue(int ord) throws IOException {
      return in.vectorValue(ord);
    }

    @Override
    public int ordToDoc(int ord) {
      return in.ordToDoc(ord);
    }

    @Override
    public FloatVectorValues copy() throws IOException {
      return new SelfSizedValues(in.copy());
    }

    @Override
    public DocIndexIterator iterator() {
      return in.iterator();
    }
  }
}
