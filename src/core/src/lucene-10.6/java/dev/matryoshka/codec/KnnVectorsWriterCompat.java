package dev.matryoshka.codec;

import java.io.IOException;
import org.apache.lucene.codecs.KnnVectorsWriter;
import org.apache.lucene.index.FieldInfo;
import org.apache.lucene.index.MergeState;
import org.apache.lucene.util.IORunnable;

/**
 * A vectors writer that wraps each field merge of a delegate. Since Lucene 10.5 a field merge
 * returns a deferred step (for HNSW, the graph build, run after every field's vectors are merged)
 * besides doing its immediate part; both run inside {@link #aroundMergeStep}. ({@code
 * src/lucene-10.4/java} has 10.4's single call.)
 */
abstract class KnnVectorsWriterCompat extends KnnVectorsWriter {

  /** The writer whose merges are wrapped. */
  final KnnVectorsWriter delegate;

  KnnVectorsWriterCompat(KnnVectorsWriter delegate) {
    this.delegate = delegate;
  }

  /** Runs {@code step}, a part of the delegate's merge of field {@code fieldInfo}, inside this writer's setup. */
  abstract void aroundMergeStep(FieldInfo fieldInfo, MergeState mergeState, IORunnable step) throws IOException;

  @Override
  public final IORunnable mergeOneField(FieldInfo fieldInfo, MergeState mergeState) throws IOException {
    IORunnable[] deferred = new IORunnable[1];
    aroundMergeStep(fieldInfo, mergeState, () -> deferred[0] = delegate.mergeOneField(fieldInfo, mergeState));
    IORunnable later = deferred[0];
    return later == null ? null : () -> aroundMergeStep(fieldInfo, mergeState, later);
  }
}
