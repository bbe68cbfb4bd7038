package dev.matryoshka.codec;

import java.io.IOException;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
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
 */
final class DecodedGraphVectorsReader extends KnnVectorsReader implements HnswGraphProvider, Accountable {
  /**
   * {@code -Dmatryoshka.decodedGraph=false} searches Lucene's off-heap graph instead (the
   * before/after benchmark of this class; a fallback should a heap limit call for it).
   */
  static final boolean ENABLED = !"false".equals(System.getProperty("matryoshka.decodedGraph"));

  private final Lucene99HnswVectorsReader graphReader;
  private final FlatVectorsReader flatReader;
  private final Map<String, DecodedHnswGraph> decoded = new ConcurrentHashMap<>();

  DecodedGraphVectorsReader(Lucene99HnswVectorsReader graphReader, FlatVectorsReader flatReader) {
    this.graphReader = graphReader;
    this.flatReader = flatReader;
  }

  @Override
  public void search(String field, float[] target, KnnCollector knnCollector, AcceptDocs acceptDocs)
      throws IOException {
    DecodedHnswGraph graph = ENABLED && knnCollector.k() > 0 ? decoded(field) : null;
    if (graph == null) {
      graphReader.search(field, target, knnCollector, acceptDocs);
      return;
    }
    int graphSize = graph.size();
    RandomVectorScorer scorer = flatReader.getRandomVectorScorer(field, target);
    int accepted = Math.min(acceptDocs.cost(), graphSize);
    // the same choice as Lucene's reader: walk the graph unless scoring every accepted vector
    // would visit no more than the walk is expected to
    if (knnCollector.k() >= scorer.maxOrd()
        || HnswGraphSearcher.expectedVisitedNodes(knnCollector.k(), graphSize) >= accepted) {
      graphReader.search(field, target, knnCollector, acceptDocs);
      return;
    }
    Bits acceptedOrds = scorer.getAcceptOrds(acceptDocs.bits());
    HnswGraphSearcher.search(scorer, new OrdinalTranslatedKnnCollector(knnCollector, scorer::ordToDoc),
        graph.cursor(), acceptedOrds, accepted);
  }

  /**
   * The field's decoded graph, decoded at its first search; null for a field without a graph
   * (Lucene's reader handles those). Later searches cost one map lookup, not a new off-heap
   * graph view.
   */
  private DecodedHnswGraph decoded(String field) throws IOException {
    DecodedHnswGraph graph = decoded.get(field);
    if (graph != null) {
      return graph;
    }
    HnswGraph offHeap = graphReader.getGraph(field);
    if (offHeap.size() == 0) {
      return null;
    }
    graph = DecodedHnswGraph.decode(offHeap);
    DecodedHnswGraph raced = decoded.putIfAbsent(field, graph);
    return raced == null ? graph : raced;
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

  /** Heap held by decoded graphs (0 until a field's first approximate search). */
  long decodedGraphBytes() {
    long bytes = 0;
    for (DecodedHnswGraph g : decoded.values()) {
      bytes += g.ramBytesUsed();
    }
    return bytes;
  }

  @Override
  public long ramBytesUsed() {
    return graphReader.ramBytesUsed() + decodedGraphBytes();
  }

  @Override
  public void close() throws IOException {
    decoded.clear();
    graphReader.close();
  }
}
