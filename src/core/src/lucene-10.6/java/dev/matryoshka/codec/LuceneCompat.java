package dev.matryoshka.codec;

import java.io.FileNotFoundException;
import java.io.IOException;
import java.nio.file.NoSuchFileException;
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
 * The calls of Lucene 10.6 whose shape differs from Lucene 10.4; {@code src/lucene-10.4/java} holds
 * the same class for 10.4. The codec calls only these, so its shared sources compile against
 * either release. (Lucene 10.5 is in between: 10.6's deferred merges, 10.4's read hints, and no
 * {@code MergeScorerData}; neither folder builds on it.) Keep each method to the one call
 * that moved: anything release-neutral belongs in the shared sources.
 */
final class LuceneCompat {

  private LuceneCompat() {}

  /**
   * Lucene's HNSW writer. Since 10.5 it builds a merged graph after the flat files are written,
   * reading them back through {@code flatFormat}, so it needs the format as well as the writer.
   */
  static KnnVectorsWriter hnswWriter(
      SegmentWriteState state, int maxConn, int beamWidth, FlatVectorsFormat flatFormat,
      FlatVectorsWriter flatWriter, int numMergeWorkers, TaskExecutor mergeExec) throws IOException {
    return new Lucene99HnswVectorsWriter(
        state, maxConn, beamWidth, flatFormat, flatWriter, numMergeWorkers, mergeExec);
  }

  /**
   * The read state handed to the flat layer under the HNSW reader: in 10.6 the HNSW format,
   * not the flat reader, asks for random access to the vectors, as {@code
   * Lucene99HnswVectorsFormat.fieldsReader} does.
   */
  static SegmentReadState flatReadState(SegmentReadState state) {
    return state.withHints(FileTypeHint.DATA, FileDataHint.KNN_VECTORS, DataAccessHint.RANDOM);
  }

  /**
   * The context a vectors data file is opened with for search: what {@code
   * Lucene99FlatVectorsReader} uses for {@code .vec} in 10.6, the read context's hints plus
   * data and k-NN vectors (the access hint comes from {@link #flatReadState}).
   */
  static IOContext vectorDataContext(IOContext readContext) {
    return readContext.union(FileTypeHint.DATA, FileDataHint.KNN_VECTORS);
  }

  /**
   * The input a merge reads a vectors data file through. In 10.6 an open input keeps the access
   * it was opened with, so, as Lucene's flat reader does for {@code .vec}, a merge gets a second
   * input opened for sequential reads, unless {@code data} serves those as well (then {@code data}
   * itself is returned). The caller owns a new input and closes it with the reader.
   */
  static IndexInput mergeInput(Directory dir, String fileName, IndexInput data, IOContext dataContext)
      throws IOException {
    IOContext merge = IOContext.merge().withHints(FileTypeHint.DATA, FileDataHint.KNN_VECTORS, DataAccessHint.SEQUENTIAL);
    if (data.isEfficientFor(merge)) {
      return data;
    }
    try {
      return dir.openInput(fileName, merge);
    } catch (FileNotFoundException | NoSuchFileException gone) {
      return data; // a reader can outlive its files (deleted, still mapped): read them as they are
    }
  }

  /** Nothing to undo: in 10.6 a merge reads through its own input. */
  static void finishMerge(IndexInput data, IOContext dataContext) {}
}
