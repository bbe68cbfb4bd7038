package dev.matryoshka.codec;

import java.io.IOException;
import org.apache.lucene.codecs.KnnVectorsWriter;
import org.apache.lucene.index.FieldInfo;
import org.apache.lucene.index.MergeState;
import org.apache.lucene.util.IORunnable;

/**
 * A vectors writer that wraps each field merge of a delegate. In Lucene 10.4 a field merge is one
 * call that does everything, graph included; Lucene 10.5 returns part of it as a deferred step
 * ({@code src/lucene-10.6/java}), which must be wrapped too.
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
  public final void mergeOneField(FieldInfo fieldInfo, MergeState mergeState) throws IOException {
    aroundMergeStep(fieldInfo, mergeState, () -> delegate.mergeOneField(fieldInfo, mergeState));
  }
}
