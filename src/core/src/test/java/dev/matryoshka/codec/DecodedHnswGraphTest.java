package dev.matryoshka.codec;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.matryoshka.document.MatryoshkaVectorField;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.apache.lucene.codecs.perfield.PerFieldKnnVectorsFormat;
import org.apache.lucene.document.Document;
import org.apache.lucene.document.FieldType;
import org.apache.lucene.index.CodecReader;
import org.apache.lucene.index.DirectoryReader;
import org.apache.lucene.index.IndexWriter;
import org.apache.lucene.index.IndexWriterConfig;
import org.apache.lucene.index.LeafReader;
import org.apache.lucene.index.VectorSimilarityFunction;
import org.apache.lucene.search.AcceptDocs;
import org.apache.lucene.search.DocIdSetIterator;
import org.apache.lucene.search.TopDocs;
import org.apache.lucene.search.TopKnnCollector;
import org.apache.lucene.store.ByteBuffersDirectory;
import org.apache.lucene.store.Directory;
import org.apache.lucene.util.FixedBitSet;
import org.apache.lucene.util.hnsw.HnswGraph;
import org.junit.jupiter.api.Test;

/**
 * The decoded prefix graph is the stored graph, edge for edge, and a search over it finds what
 * Lucene's search over the stored graph finds: same documents, same scores, with and without a
 * filter.
 */
class DecodedHnswGraphTest {
  private static final int DOCS = 3000;
  private static final int DIMS = 48;
  private static final int PREFIX = 12;

  private static Directory index() throws IOException {
    Directory dir = new ByteBuffersDirectory();
    FieldType type = MatryoshkaVectorField.fieldType(DIMS, PREFIX, VectorSimilarityFunction.DOT_PRODUCT,
        MatryoshkaPrefix.Encoding.FLOAT32);
    Random r = new Random(11);
    try (IndexWriter w = new IndexWriter(dir, new IndexWriterConfig()
        .setCodec(new MatryoshkaCodec(new MatryoshkaHnswVectorsFormat(PREFIX, 8, 40))))) {
      for (int i = 0; i < DOCS; i++) {
        Document d = new Document();
        d.add(new MatryoshkaVectorField("emb", unit(r), type));
        w.addDocument(d);
      }
      w.forceMerge(1);
    }
    return dir;
  }

  private static float[] unit(Random r) {
    float[] v = new float[DIMS];
    double s = 0;
    for (int j = 0; j < DIMS; j++) {
      v[j] = (float) (r.nextGaussian() / (1 + j)); // decaying spectrum, as a Matryoshka model
      s += v[j] * v[j];
    }
    for (int j = 0; j < DIMS; j++) v[j] /= (float) Math.sqrt(s);
    return v;
  }

  private static DecodedGraphVectorsReader reader(LeafReader leaf) {
    var vectors = ((CodecReader) leaf).getVectorReader();
    return (DecodedGraphVectorsReader) ((PerFieldKnnVectorsFormat.FieldsReader) vectors).getFieldReader("emb");
  }

  @Test
  void everyLevelHasTheStoredEdges() throws IOException {
    try (Directory dir = index(); DirectoryReader r = DirectoryReader.open(dir)) {
      HnswGraph stored = reader(r.leaves().get(0).reader()).getGraph("emb");
      HnswGraph decoded = DecodedHnswGraph.decode(stored).cursor();
      assertEquals(stored.size(), decoded.size());
      assertEquals(stored.numLevels(), decoded.numLevels());
      assertTrue(stored.numLevels() > 1, "3000 nodes at M=8 should have upper levels");
      assertEquals(stored.entryNode(), decoded.entryNode());
      for (int level = 0; level < stored.numLevels(); level++) {
        HnswGraph.NodesIterator nodes = stored.getNodesOnLevel(level);
        HnswGraph.NodesIterator mine = decoded.getNodesOnLevel(level);
        assertEquals(nodes.size(), mine.size());
        while (nodes.hasNext()) {
          int node = nodes.nextInt();
          assertEquals(node, mine.nextInt());
          stored.seek(level, node);
          decoded.seek(level, node);
          assertEquals(stored.neighborCount(), decoded.neighborCount(), "level " + level + " node " + node);
          assertArrayEquals(neighbours(stored), neighbours(decoded), "level " + level + " node " + node);
        }
      }
    }
  }

  private static int[] neighbours(HnswGraph g) throws IOException {
    List<Integer> out = new ArrayList<>();
    for (int n = g.nextNeighbor(); n != DocIdSetIterator.NO_MORE_DOCS; n = g.nextNeighbor()) {
      out.add(n);
    }
    return out.stream().mapToInt(Integer::intValue).toArray();
  }

  @Test
  void searchFindsWhatLucenesSearchFinds() throws IOException {
    try (Directory dir = index(); DirectoryReader r = DirectoryReader.open(dir)) {
      LeafReader leaf = r.leaves().get(0).reader();
      DecodedGraphVectorsReader mine = reader(leaf);
      assertEquals(0, mine.decodedGraphBytes(), "decoded lazily, at the first search");
      FixedBitSet half = new FixedBitSet(DOCS);
      for (int i = 0; i < DOCS; i += 2) half.set(i);
      Random q = new Random(5);
      for (int i = 0; i < 25; i++) {
        float[] query = unit(q);
        for (FixedBitSet filter : new FixedBitSet[] {null, half}) {
          AcceptDocs accept = filter == null ? AcceptDocs.fromLiveDocs(null, DOCS) : AcceptDocs.fromLiveDocs(filter, DOCS);
          TopKnnCollector a = new TopKnnCollector(40, Integer.MAX_VALUE);
          mine.search("emb", query, a, accept);
          AcceptDocs accept2 = filter == null ? AcceptDocs.fromLiveDocs(null, DOCS) : AcceptDocs.fromLiveDocs(filter, DOCS);
          TopKnnCollector b = new TopKnnCollector(40, Integer.MAX_VALUE);
          mine.graphReaderForTests().search("emb", query, b, accept2);
          TopDocs x = a.topDocs();
          TopDocs y = b.topDocs();
          assertEquals(y.scoreDocs.length, x.scoreDocs.length);
          assertEquals(b.visitedCount(), a.visitedCount(), "same walk");
          for (int j = 0; j < x.scoreDocs.length; j++) {
            assertEquals(y.scoreDocs[j].doc, x.scoreDocs[j].doc);
            assertEquals(y.scoreDocs[j].score, x.scoreDocs[j].score, 0f);
            if (filter != null) assertTrue(filter.get(x.scoreDocs[j].doc));
          }
        }
      }
      assertTrue(mine.decodedGraphBytes() > (long) DOCS * 4, "decoded graph bytes: " + mine.decodedGraphBytes());
    }
  }

  @Test
  void leanSearcherWalksExactlyAsLucenesSearcher() throws IOException {
    try (Directory dir = index(); DirectoryReader r = DirectoryReader.open(dir)) {
      LeafReader leaf = r.leaves().get(0).reader();
      DecodedGraphVectorsReader mine = reader(leaf);
      DecodedHnswGraph graph = DecodedHnswGraph.decode(mine.getGraph("emb"));
      Random q = new Random(17);
      for (int i = 0; i < 30; i++) {
        float[] query = unit(q);
        for (int k : new int[] {1, 10, 57}) {
          var scorer = mine.flatReaderForTests().getRandomVectorScorer("emb", query);
          TopKnnCollector a = new TopKnnCollector(k, Integer.MAX_VALUE);
          assertTrue(LeanGraphSearcher.search(scorer, graph, a), "applies to a plain top-k collector");
          TopKnnCollector b = new TopKnnCollector(k, Integer.MAX_VALUE);
          org.apache.lucene.util.hnsw.HnswGraphSearcher.search(scorer,
              new org.apache.lucene.util.hnsw.OrdinalTranslatedKnnCollector(b, scorer::ordToDoc), graph.cursor(), null);
          assertEquals(b.visitedCount(), a.visitedCount(), "same visits, k=" + k);
          TopDocs x = a.topDocs();
          TopDocs y = b.topDocs();
          assertEquals(y.scoreDocs.length, x.scoreDocs.length);
          for (int j = 0; j < x.scoreDocs.length; j++) {
            assertEquals(y.scoreDocs[j].doc, x.scoreDocs[j].doc, "k=" + k + " rank " + j);
            assertEquals(y.scoreDocs[j].score, x.scoreDocs[j].score, 0f);
          }
        }
      }
      // a collector with a visit limit (or any decorator) is left to Lucene's searcher
      var scorer = mine.flatReaderForTests().getRandomVectorScorer("emb", unit(q));
      assertTrue(!LeanGraphSearcher.search(scorer, graph, new TopKnnCollector(10, 500)));
    }
  }
}
