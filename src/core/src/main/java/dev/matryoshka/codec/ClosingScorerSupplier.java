package dev.matryoshka.codec;

import java.io.Closeable;
import java.io.IOException;
import org.apache.lucene.util.hnsw.CloseableRandomVectorScorerSupplier;
import org.apache.lucene.util.hnsw.RandomVectorScorerSupplier;
import org.apache.lucene.util.hnsw.UpdateableRandomVectorScorer;

/**
 * A scorer supplier for a graph build, with what to release once the graph is built (a merge's
 * temp file, or nothing when the vectors belong to an open reader).
 */
record ClosingScorerSupplier(RandomVectorScorerSupplier delegate, int count, Closeable onClose)
    implements CloseableRandomVectorScorerSupplier {

  @Override
  public UpdateableRandomVectorScorer scorer() throws IOException {
    return delegate.scorer();
  }

  @Override
  public RandomVectorScorerSupplier copy() throws IOException {
    return delegate.copy();
  }

  @Override
  public int totalVectorCount() {
    return count;
  }

  @Override
  public void close() throws IOException {
    onClose.close();
  }
}
