package dev.matryoshka.codec;

import java.io.IOException;
import org.apache.lucene.codecs.KnnVectorsWriter;
import org.apache.lucene.codecs.hnsw.FlatVectorsFormat;
import org.apache.lucene.codecs.hnsw.FlatVectorsWriter;
import org.apache.lucene.codecs.lucene99.Lucene99HnswVectorsWriter;
import org.apache.lucene.index.SegmentReadState;
import org.apache.lucene.index.SegmentWriteState;
import org.apache.lucene.search.TaskExecutor;
import org.apache.lucene.store.DataAccessHint;
import org.apache.lucene.store.Directory;
import org.apache.lucene.store.FileDataHint;
import org.apache.lucene.store.FileTypeHint;
import org.apache.lucene.store.IOContext;
import org.apache.lucene.store.IndexInput;

/**
 * The calls of Lucene 10.4 (the release OpenSearch 3.6 ships) whose shape changed by Lucene 10.6;
 * {@code src/lucene-10.6/java} holds the same class for Lucene 10.6. The codec calls
 * only these, so its shared sources compile against either release. Keep each method to the one
 * call that moved: anything release-neutral belongs in the shared sources.
 */
final class LuceneCompat {

  private LuceneCompat() {}

  /** Lucene's HNSW writer; 10.4 does not need the flat format (it merges without reopening). */
  static KnnVectorsWriter hnswWriter(
      SegmentWriteState state, int maxConn, int beamWidth, FlatVectorsFormat flatFormat,
      FlatVectorsWriter flatWriter, int numMergeWorkers, TaskExecutor mergeExec) throws IOException {
    return new Lucene99HnswVectorsWriter(state, maxConn, beamWidth, flatWriter, numMergeWorkers, mergeExec);
  }

  /**
   * The read state handed to the flat layer under the HNSW reader. 10.4's {@code
   * Lucene99FlatVectorsReader} adds the random-access hint itself, so the state passes unchanged.
   */
  static SegmentReadState flatReadState(SegmentReadState state) {
    return state;
  }

  /**
   * The context a vectors data file is opened with for search: what 10.4's {@code
   * Lucene99FlatVectorsReader} uses for {@code .vec} (data, k-NN vectors, random access, so
   * MMapDirectory advises the OS against read-ahead).
   */
  static IOContext vectorDataContext(IOContext readContext) {
    return readContext.withHints(FileTypeHint.DATA, FileDataHint.KNN_VECTORS, DataAccessHint.RANDOM);
  }

  /**
   * The input a merge reads a vectors data file through. 10.4 switches the open input to
   * sequential access for the merge (and {@link #finishMerge} switches it back), as its flat
   * reader does for {@code .vec}; the returned input is {@code data} itself.
   */
  static IndexInput mergeInput(Directory dir, String fileName, IndexInput data, IOContext dataContext)
      throws IOException {
    data.updateIOContext(dataContext.withHints(FileTypeHint.DATA, FileDataHint.KNN_VECTORS, DataAccessHint.SEQUENTIAL));
    return data;
  }

  /** Puts {@code data} back to search access once a merge is done with it. */
  static void finishMerge(IndexInput data, IOContext dataContext) throws IOException {
    data.updateIOContext(dataContext);
  }
}
