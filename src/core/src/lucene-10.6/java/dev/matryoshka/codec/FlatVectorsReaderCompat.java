package dev.matryoshka.codec;

import org.apache.lucene.codecs.hnsw.FlatVectorsReader;
import org.apache.lucene.codecs.hnsw.FlatVectorsScorer;

/**
 * {@link FlatVectorsReader} as Lucene 10.5 and later shape it: the base class holds no scorer and
 * asks for one per field ({@code src/lucene-10.4/java} has 10.4's shape). Every field of a
 * Matryoshka segment is scored by the same scorer. Subclasses use {@link #scorer}, which exists
 * in both.
 */
abstract class FlatVectorsReaderCompat extends FlatVectorsReader {

  /** Scores the vectors this reader serves (full or prefix). */
  final FlatVectorsScorer scorer;

  FlatVectorsReaderCompat(FlatVectorsScorer scorer) {
    this.scorer = scorer;
  }

  @Override
  public FlatVectorsScorer getFlatVectorScorer(String field) {
    return scorer;
  }
}
