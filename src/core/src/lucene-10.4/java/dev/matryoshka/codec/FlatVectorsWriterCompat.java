package dev.matryoshka.codec;

import java.io.IOException;
import org.apache.lucene.codecs.hnsw.FlatVectorsScorer;
import org.apache.lucene.codecs.hnsw.FlatVectorsWriter;
import org.apache.lucene.index.FieldInfo;
import org.apache.lucene.index.MergeState;
import org.apache.lucene.util.IOUtils;
import org.apache.lucene.util.hnsw.CloseableRandomVectorScorerSupplier;

/**
 * The merge entry points of a flat writer in Lucene 10.4: the HNSW writer calls {@code
 * mergeOneFieldToIndex} and builds the merged graph at once, over a scorer the flat writer hands
 * back. (Lucene 10.5 and 10.6 build it later, from the finished segment: {@code src/lucene-10.6/java}.)
 * Both map onto {@link #mergePrefixes}, after the raw delegate merged the full vectors.
 */
abstract class FlatVectorsWriterCompat extends FlatVectorsWriter {

  /** Writes the full vectors (Lucene's flat format). */
  final FlatVectorsWriter raw;

  FlatVectorsWriterCompat(FlatVectorsScorer scorer, FlatVectorsWriter raw) {
    super(scorer);
    this.raw = raw;
  }

  /** Whether {@code info} gets prefix data (else it is the raw delegate's alone). */
  abstract boolean writesPrefix(FieldInfo info);

  /**
   * Writes the merged prefixes of a field whose full vectors are already merged; with {@code
   * forGraph}, returns a scorer supplier over them for the graph build (the caller closes it),
   * else null.
   */
  abstract CloseableRandomVectorScorerSupplier mergePrefixes(FieldInfo info, MergeState mergeState, boolean forGraph)
      throws IOException;

  @Override
  public final void mergeOneField(FieldInfo info, MergeState mergeState) throws IOException {
    raw.mergeOneField(info, mergeState);
    if (writesPrefix(info)) {
      IOUtils.close(mergePrefixes(info, mergeState, false));
    }
  }

  @Override
  public final CloseableRandomVectorScorerSupplier mergeOneFieldToIndex(FieldInfo info, MergeState mergeState)
      throws IOException {
    if (!writesPrefix(info)) {
      return raw.mergeOneFieldToIndex(info, mergeState);
    }
    raw.mergeOneField(info, mergeState);
    return mergePrefixes(info, mergeState, true);
  }
}
