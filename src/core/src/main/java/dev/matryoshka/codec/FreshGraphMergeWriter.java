package dev.matryoshka.codec;

import java.io.IOException;
import java.util.Map;
import org.apache.lucene.codecs.KnnFieldVectorsWriter;
import org.apache.lucene.codecs.KnnVectorsReader;
import org.apache.lucene.codecs.KnnVectorsWriter;
import org.apache.lucene.index.ByteVectorValues;
import org.apache.lucene.index.FieldInfo;
import org.apache.lucene.index.FloatVectorValues;
import org.apache.lucene.index.MergeState;
import org.apache.lucene.index.Sorter;
import org.apache.lucene.search.AcceptDocs;
import org.apache.lucene.search.KnnCollector;
import org.apache.lucene.store.MergeInfo;
import org.apache.lucene.util.IORunnable;
import org.apache.lucene.util.hnsw.HnswGraphBuilder;

/**
 * The graph writer used for a merge forced down to one segment ({@code forceMerge(1)}): it hides
 * the merged segments' graphs from Lucene's graph merger, so the one graph is built from scratch
 * by a single-threaded {@link HnswGraphBuilder} (fixed seed {@link HnswGraphBuilder#randSeed}),
 * inserting vectors in merged document order.
 *
 * <p>Why: an incremental merge starts from the largest input graph, so the final graph — and
 * so approximate results — would depend on how ingest happened to be split into segments
 * (commit intervals, crashes and resumes, flush sizes, which node built it). Built from scratch,
 * the same documents in the same order give the same graph, bit for bit. Matryoshka indexes keep
 * documents in insertion order (a log merge policy, see {@code MatryoshkaWriter.config}), so a
 * resumed reindex and a one-shot reindex of the same source answer every query identically after
 * {@code forceMerge(1)}. Natural merges keep Lucene's incremental merge.
 *
 * <p>Cost: the forced merge links every vector instead of only the smaller segments' vectors.
 * The graph is over the prefix (64 dims by default), which keeps that affordable.
 */
final class FreshGraphMergeWriter extends KnnVectorsWriterCompat {

  private FreshGraphMergeWriter(KnnVectorsWriter delegate) {
    super(delegate);
  }

  /** Wraps {@code writer} when {@code merge} is a merge forced down to one segment. */
  static KnnVectorsWriter wrapIfForcedToOne(KnnVectorsWriter writer, MergeInfo merge, int mergeWorkers) {
    boolean forcedToOne = merge != null && merge.mergeMaxNumSegments() == 1;
    // a concurrent build is not deterministic anyway; leave such merges to Lucene
    return forcedToOne && mergeWorkers == 1 ? new FreshGraphMergeWriter(writer) : writer;
  }

  @Override
  public KnnFieldVectorsWriter<?> addField(FieldInfo fieldInfo) throws IOException {
    return delegate.addField(fieldInfo);
  }

  @Override
  public void flush(int maxDoc, Sorter.DocMap sortMap) throws IOException {
    delegate.flush(maxDoc, sortMap);
  }

  /**
   * Runs a step of the delegate's field merge with every merged segment's graph hidden. Lucene
   * 10.5 and later build the graph in a deferred step, which is wrapped the same way ({@link
   * KnnVectorsWriterCompat}).
   */
  @Override
  void aroundMergeStep(FieldInfo fieldInfo, MergeState mergeState, IORunnable step) throws IOException {
    KnnVectorsReader[] readers = mergeState.knnVectorsReaders;
    KnnVectorsReader[] original = readers.clone();
    try {
      for (int i = 0; i < readers.length; i++) {
        if (readers[i] != null) {
          readers[i] = new NoGraphReader(readers[i]);
        }
      }
      step.run();
    } finally {
      System.arraycopy(original, 0, readers, 0, readers.length);
    }
  }

  @Override
  public void finish() throws IOException {
    delegate.finish();
  }

  @Override
  public void close() throws IOException {
    delegate.close();
  }

  @Override
  public long ramBytesUsed() {
    return delegate.ramBytesUsed();
  }

  /**
   * A reader that serves the vectors of the segment being merged but is no {@code
   * HnswGraphProvider}, so the graph merger has no graph to start from.
   */
  private static final class NoGraphReader extends KnnVectorsReader {
    private final KnnVectorsReader in;

    NoGraphReader(KnnVectorsReader in) {
      this.in = in;
    }

    @Override
    public void checkIntegrity() throws IOException {
      in.checkIntegrity();
    }

    @Override
    public FloatVectorValues getFloatVectorValues(String field) throws IOException {
      return in.getFloatVectorValues(field);
    }

    @Override
    public ByteVectorValues getByteVectorValues(String field) throws IOException {
      return in.getByteVectorValues(field);
    }

    @Override
    public void search(String field, float[] target, KnnCollector knnCollector, AcceptDocs acceptDocs)
        throws IOException {
      in.search(field, target, knnCollector, acceptDocs);
    }

    @Override
    public void search(String field, byte[] target, KnnCollector knnCollector, AcceptDocs acceptDocs)
        throws IOException {
      in.search(field, target, knnCollector, acceptDocs);
    }

    @Override
    public Map<String, Long> getOffHeapByteSize(FieldInfo fieldInfo) {
      return in.getOffHeapByteSize(fieldInfo);
    }

    @Override
    public void close() {
      // the merge does not own the segment's reader
    }
  }
}
