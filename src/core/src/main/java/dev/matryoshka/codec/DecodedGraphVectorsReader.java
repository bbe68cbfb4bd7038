package dev.matryoshka.codec;

import java.io.IOException;
import java.util.Map;
import org.apache.lucene.codecs.KnnVectorsReader;
import org.apache.lucene.codecs.hnsw.FlatVectorsReader;
import org.apache.lucene.codecs.hnsw.HnswGraphProvider;
import org.apache.lucene.codecs.lucene99.Lucene99HnswVectorsReader;
import org.apache.lucene.index.ByteVectorValues;
import org.apache.lucene.index.FieldInfo;
import org.apache.lucene.index.FloatVectorValues;
import org.apache.lucene.search.AcceptDocs;
import org.apache.lucene.search.KnnCollector;
import org.apache.lucene.util.Accountable;
import org.apache.lucene.util.Bits;
import org.apache.lucene.util.hnsw.HnswGraph;
import org.apache.lucene.util.hnsw.HnswGraphSearcher;
import org.apache.lucene.util.hnsw.OrdinalTranslatedKnnCollector;
import org.apache.lucene.util.hnsw.RandomVectorScorer;

/**
 * The search side of {@link MatryoshkaHnswVectorsFormat}: Lucene's HNSW reader for everything
 * (vectors, integrity, merges, the graph it hands to merges), except that an approximate float
 * search walks a {@link DecodedHnswGraph} — the field's graph decoded onto the heap at its first
 * search — with Lucene's own {@link HnswGraphSearcher} (filtered search included) and the flat
 * layer's prefix scorer. When Lucene would score every vector instead (k at least the expected
 * visits, or a filter that leaves fewer documents than that), the search is Lucene's own.
 *
 * <p>Graphs are decoded within a {@link DecodedGraphBudget}, at most once per field, by {@link
 * DecodedGraphCache}; a field whose graph is not decoded (yet, or at all) is searched through
 * Lucene's off-heap graph with identical results. The decoded bytes are part of {@link
 * #ramBytesUsed()} and go back to the budget at {@link #close()}.
 */
final class DecodedGraphVectorsReader extends KnnVectorsReader implements HnswGraphProvider, Accountable {
  private final Lucene99HnswVectorsReader graphReader;
  private final FlatVectorsReader flatReader;
  /** {@link #flatReader} when it is ours (it always is but in tests): the int8 codes' source. */
  private final MatryoshkaFlatVectorsReader flat;
  private final DecodedGraphCache decoded;
  private final Map<String, SegmentCalibration> calibrations;

  DecodedGraphVectorsReader(
      Lucene99HnswVectorsReader graphReader, FlatVectorsReader flatReader, DecodedGraphBudget budget,
      Map<String, SegmentCalibration> calibrations) {
    this.graphReader = graphReader;
    this.flatReader = flatReader;
    this.flat = flatReader instanceof MatryoshkaFlatVectorsReader m ? m : null;
    this.decoded = new DecodedGraphCache(budget);
    this.calibrations = Map.copyOf(calibrations);
  }

  /** The segment's calibration of {@code field}, or null (see {@link SegmentCalibration#of}). */
  SegmentCalibration calibration(String field) {
    return calibrations.get(field);
  }

  @Override
  public void search(String field, float[] target, KnnCollector knnCollector, AcceptDocs acceptDocs)
      throws IOException {
    DecodedHnswGraph graph = null;
    if (knnCollector.k() > 0) {
      long codesBytes = flat != null ? flat.quantizedCodesBytes(field) : -1;
      graph = decoded.get(field, () -> graphReader.getGraph(field), codesBytes, () -> flat.readQuantizedCodes(field));
    }
    if (graph == null) {
      graphReader.search(field, target, knnCollector, acceptDocs);
      return;
    }
    int graphSize = graph.size();
    RandomVectorScorer scorer = flat != null
        ? flat.getRandomVectorScorer(field, target, decoded.codes(field))
        : flatReader.getRandomVectorScorer(field, target);
    int accepted = Math.min(acceptDocs.cost(), graphSize);
    // the same choice as Lucene's reader: walk the graph unless scoring every accepted vector
    // would visit no more than the walk is expected to
    if (knnCollector.k() >= scorer.maxOrd()
        || HnswGraphSearcher.expectedVisitedNodes(knnCollector.k(), graphSize) >= accepted) {
      graphReader.search(field, target, knnCollector, acceptDocs);
      return;
    }
    Bits acceptedOrds = scorer.getAcceptOrds(acceptDocs.bits());
    if (acceptedOrds == null && LeanGraphSearcher.search(scorer, graph, knnCollector)) {
      return; // the same walk without the general searcher's bookkeeping
    }
    HnswGraphSearcher.search(scorer, new OrdinalTranslatedKnnCollector(knnCollector, scorer::ordToDoc),
        graph.cursor(), acceptedOrds, accepted);
  }

  @Override
  public void search(String field, byte[] target, KnnCollector knnCollector, AcceptDocs acceptDocs)
      throws IOException {
    graphReader.search(field, target, knnCollector, acceptDocs);
  }

  @Override
  public HnswGraph getGraph(String field) throws IOException {
    return graphReader.getGraph(field);
  }

  @Override
  public void checkIntegrity() throws IOException {
    graphReader.checkIntegrity();
  }

  @Override
  public FloatVectorValues getFloatVectorValues(String field) throws IOException {
    return graphReader.getFloatVectorValues(field);
  }

  @Override
  public ByteVectorValues getByteVectorValues(String field) throws IOException {
    return graphReader.getByteVectorValues(field);
  }

  @Override
  public KnnVectorsReader getMergeInstance() throws IOException {
    // merges read vectors and graphs, never search: Lucene's merge instance as it is
    return graphReader.getMergeInstance();
  }

  @Override
  public void finishMerge() throws IOException {
    graphReader.finishMerge();
  }

  @Override
  public Map<String, Long> getOffHeapByteSize(FieldInfo fieldInfo) {
    return graphReader.getOffHeapByteSize(fieldInfo);
  }

  /** Lucene's reader underneath (tests compare searches with it). */
  Lucene99HnswVectorsReader graphReaderForTests() {
    return graphReader;
  }

  /** Our flat reader underneath (tests score its codes directly). */
  MatryoshkaFlatVectorsReader flatReaderForTests() {
    return flat;
  }

  /** Heap held by decoded graphs (0 until a field's first approximate search). */
  long decodedGraphBytes() {
    return decoded.ramBytesUsed();
  }

  /** The decoded graphs of this reader (tests count decodes and check the budget). */
  DecodedGraphCache decodedGraphsForTests() {
    return decoded;
  }

  @Override
  public long ramBytesUsed() {
    return graphReader.ramBytesUsed() + decodedGraphBytes();
  }

  @Override
  public void close() throws IOException {
    try {
      decoded.close();
    } finally {
      graphReader.close();
    }
  }
}
