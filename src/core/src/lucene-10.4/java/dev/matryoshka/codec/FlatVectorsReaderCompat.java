package dev.matryoshka.codec;

import org.apache.lucene.codecs.hnsw.FlatVectorsReader;
import org.apache.lucene.codecs.hnsw.FlatVectorsScorer;

/**
 * {@link FlatVectorsReader} as Lucene 10.4 shapes it: the scorer goes to the base class, which
 * answers {@code getFlatVectorScorer()} for every field. Lucene 10.5 dropped both for a per-field
 * {@code getFlatVectorScorer(String)} ({@code src/lucene-10.6/java}). Subclasses use {@link
 * #scorer}, which exists in both.
 */
abstract class FlatVectorsReaderCompat extends FlatVectorsReader {

  /** Scores the vectors this reader serves (full or prefix). */
  final FlatVectorsScorer scorer;

  FlatVectorsReaderCompat(FlatVectorsScorer scorer) {
    super(scorer);
    this.scorer = scorer;
  }
}
