package dev.matryoshka.codec;

import java.io.IOException;
import java.util.function.IntPredicate;
import org.apache.lucene.codecs.hnsw.FlatVectorsReader;
import org.apache.lucene.codecs.hnsw.FlatVectorsScorer;
import org.apache.lucene.codecs.hnsw.FlatVectorsWriter;
import org.apache.lucene.index.FieldInfo;
import org.apache.lucene.index.MergeState;
import org.apache.lucene.util.IOUtils;
import org.apache.lucene.util.hnsw.CloseableRandomVectorScorerSupplier;

/**
 * The merge entry points of a flat writer in Lucene 10.6 ({@code src/lucene-10.4/java} has 10.4's;
 * 10.5 defers the graph build as well but has no {@link MergeScorerData}, so neither folder builds
 * on it). The HNSW writer merges the flat vectors first and builds the merged graph later,
 * after this writer is finished and the segment's flat files are reopened through the flat
 * format. By default it would link the full vectors it reads back; for a prefix field this writer
 * hands it {@link MergeScorerData} that scores the reopened prefixes instead, so the merged graph
 * is a prefix graph as in 10.4.
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
  public final void mergeOneFlatVectorField(FieldInfo info, MergeState mergeState) throws IOException {
    raw.mergeOneFlatVectorField(info, mergeState);
    if (writesPrefix(info)) {
      IOUtils.close(mergePrefixes(info, mergeState, false));
    }
  }

  @Override
  public final MergeScorerData mergeOneFlatVectorFieldForMergeScorer(
      FieldInfo info, MergeState mergeState, IntPredicate needsMergeScorer) throws IOException {
    if (!writesPrefix(info)) {
      return raw.mergeOneFlatVectorFieldForMergeScorer(info, mergeState, needsMergeScorer);
    }
    mergeOneFlatVectorField(info, mergeState);
    String field = info.name;
    return new MergeScorerData() {
      @Override
      public CloseableRandomVectorScorerSupplier scorerSupplier(FlatVectorsReader reader) throws IOException {
        if (!(reader instanceof MatryoshkaFlatVectorsReader prefixes)) {
          // a graph over whatever else the reader serves would not match the prefix search
          throw new IllegalStateException(
              "field \"" + field + "\": the merged segment was reopened with " + reader + ", not a Matryoshka reader");
        }
        return prefixes.prefixScorerSupplier(field);
      }

      @Override
      public void close() {
        // holds nothing: the supplier reads the reopened segment, and the HNSW writer closes it
      }
    };
  }
}
