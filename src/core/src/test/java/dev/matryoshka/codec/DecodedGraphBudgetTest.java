package dev.matryoshka.codec;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.matryoshka.document.MatryoshkaVectorField;
import dev.matryoshka.search.MatryoshkaKnnQuery;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.apache.lucene.codecs.FilterCodec;
import org.apache.lucene.codecs.KnnVectorsFormat;
import org.apache.lucene.codecs.lucene104.Lucene104Codec;
import org.apache.lucene.codecs.perfield.PerFieldKnnVectorsFormat;
import org.apache.lucene.document.Document;
import org.apache.lucene.document.FieldType;
import org.apache.lucene.index.CodecReader;
import org.apache.lucene.index.DirectoryReader;
import org.apache.lucene.index.IndexWriter;
import org.apache.lucene.index.IndexWriterConfig;
import org.apache.lucene.index.VectorSimilarityFunction;
import org.apache.lucene.search.AcceptDocs;
import org.apache.lucene.search.IndexSearcher;
import org.apache.lucene.search.TopDocs;
import org.apache.lucene.search.TopKnnCollector;
import org.apache.lucene.store.ByteBuffersDirectory;
import org.apache.lucene.store.Directory;
import org.junit.jupiter.api.Test;

/**
 * The decoded prefix graph under a heap budget: decoded once however many searches arrive first,
 * counted in the reader's {@code ramBytesUsed} and in its budget until the segment closes, and
 * searched off-heap — same hits, same scores — when it does not fit.
 */
class DecodedGraphBudgetTest {
  private static final int DOCS = 2500;
  private static final int DIMS = 48;
  private static final int PREFIX = 12;
  private static final int K = 10;

  /**
   * A writer whose segments are opened (by NRT readers) through this codec instance, so through
   * the format carrying {@code budget}; Lucene's per-field format would open them through SPI.
   */
  private record Index(Directory dir, IndexWriter writer) implements AutoCloseable {
    static Index build(DecodedGraphBudget budget, String... fields) throws IOException {
      MatryoshkaHnswVectorsFormat format = new MatryoshkaHnswVectorsFormat(
          PREFIX, 8, 40, 1, null, MatryoshkaPrefix.Encoding.FLOAT32, budget);
      Directory dir = new ByteBuffersDirectory();
      IndexWriter w = new IndexWriter(dir, new IndexWriterConfig().setCodec(new UnwrappedCodec(format)));
      add(w, fields);
      return new Index(dir, w);
    }

    DirectoryReader open() throws IOException {
      return DirectoryReader.open(writer);
    }

    @Override
    public void close() throws IOException {
      writer.close();
      dir.close();
    }
  }

  private static final class UnwrappedCodec extends FilterCodec {
    private final KnnVectorsFormat format;

    UnwrappedCodec(KnnVectorsFormat format) {
      super(MatryoshkaCodec.NAME, new Lucene104Codec());
      this.format = format;
    }

    @Override
    public KnnVectorsFormat knnVectorsFormat() {
      return format;
    }
  }

  private static void add(IndexWriter w, String... fields) throws IOException {
    FieldType type = MatryoshkaVectorField.fieldType(DIMS, PREFIX, VectorSimilarityFunction.DOT_PRODUCT,
        MatryoshkaPrefix.Encoding.FLOAT32);
    Random r = new Random(17);
    for (int i = 0; i < DOCS; i++) {
      Document d = new Document();
      for (String f : fields) {
        d.add(new MatryoshkaVectorField(f, unit(r), type));
      }
      w.addDocument(d);
    }
    w.forceMerge(1);
  }

  private static float[] unit(Random r) {
    float[] v = new float[DIMS];
    double s = 0;
    for (int j = 0; j < DIMS; j++) {
      v[j] = (float) (r.nextGaussian() / (1 + j));
      s += v[j] * v[j];
    }
    for (int j = 0; j < DIMS; j++) v[j] /= (float) Math.sqrt(s);
    return v;
  }

  private static DecodedGraphVectorsReader vectors(DirectoryReader r) {
    assertEquals(1, r.leaves().size());
    return (DecodedGraphVectorsReader) ((CodecReader) r.leaves().get(0).reader()).getVectorReader();
  }

  /** Top hits of the prefix-graph search: doc ids and scores, interleaved. */
  private static float[] prefixSearch(DecodedGraphVectorsReader reader, String field, float[] q, boolean offHeap)
      throws IOException {
    TopKnnCollector c = new TopKnnCollector(40, Integer.MAX_VALUE);
    if (offHeap) {
      reader.graphReaderForTests().search(field, q, c, AcceptDocs.fromLiveDocs(null, DOCS));
    } else {
      reader.search(field, q, c, AcceptDocs.fromLiveDocs(null, DOCS));
    }
    return flatten(c.topDocs());
  }

  private static float[] flatten(TopDocs td) {
    float[] out = new float[2 * td.scoreDocs.length];
    for (int i = 0; i < td.scoreDocs.length; i++) {
      out[2 * i] = td.scoreDocs[i].doc;
      out[2 * i + 1] = td.scoreDocs[i].score;
    }
    return out;
  }

  private static void assertSameHits(float[] expected, float[] actual, String what) {
    assertTrue(expected.length > 0, what + ": no hits");
    assertEquals(expected.length, actual.length, what);
    for (int i = 0; i < expected.length; i++) {
      assertEquals(expected[i], actual[i], 0f, what + " at " + i / 2);
    }
  }

  @Test
  void eightFirstSearchesAtOnceDecodeOnce() throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(8);
    try {
      for (int round = 0; round < 3; round++) {
        DecodedGraphBudget budget = new DecodedGraphBudget(64L << 20);
        try (Index index = Index.build(budget, "emb")) {
          try (DirectoryReader r = index.open()) {
            DecodedGraphVectorsReader reader = vectors(r);
            float[] q = unit(new Random(round));
            float[] expected = prefixSearch(reader, "emb", q, true);
            CyclicBarrier start = new CyclicBarrier(8);
            List<Future<float[]>> hits = new ArrayList<>();
            for (int t = 0; t < 8; t++) {
              hits.add(pool.submit(() -> {
                start.await();
                return prefixSearch(reader, "emb", q, false);
              }));
            }
            for (Future<float[]> h : hits) {
              assertSameHits(expected, h.get(), "round " + round);
            }
            assertSameHits(expected, prefixSearch(reader, "emb", q, false), "after the first searches");
            assertEquals(1, reader.decodedGraphsForTests().decodeCount(), "round " + round);
            assertTrue(reader.decodedGraphBytes() > 0);
          }
        }
        assertEquals(0, budget.usedBytes(), "round " + round + ": budget back to 0 after close");
      }
    } finally {
      pool.shutdownNow();
    }
  }

  @Test
  void ramBytesUsedGrowsByTheDecodedSizeAndCloseGivesItBack() throws IOException {
    DecodedGraphBudget budget = new DecodedGraphBudget(64L << 20);
    try (Index index = Index.build(budget, "emb")) {
      try (DirectoryReader r = index.open()) {
        DecodedGraphVectorsReader reader = vectors(r);
        long before = reader.ramBytesUsed();
        assertEquals(0, budget.usedBytes(), "nothing decoded before the first search");
        DecodedHnswGraph.Shape shape = DecodedHnswGraph.measure(reader.getGraph("emb"));
        DecodedHnswGraph independent = DecodedHnswGraph.decode(reader.getGraph("emb"), shape);
        assertEquals(shape.ramBytes(), independent.ramBytesUsed(), "measured size = size of the decoded arrays");
        prefixSearch(reader, "emb", unit(new Random(3)), false);
        assertEquals(shape.ramBytes(), reader.decodedGraphBytes());
        assertEquals(before + shape.ramBytes(), reader.ramBytesUsed());
        assertEquals(shape.ramBytes(), budget.usedBytes());
        // 2500 nodes at M=8: at least a few edges per node, at most 2M on level 0
        assertTrue(shape.levelEdges()[0] >= 2L * DOCS && shape.levelEdges()[0] <= 16L * DOCS,
            "level-0 edges: " + shape.levelEdges()[0]);
      }
      // the writer's reader pool shares the segment core: it closes with the writer
    }
    assertEquals(0, budget.usedBytes(), "budget back to 0 once the segment is closed");
  }

  @Test
  void pastTheBudgetTheOffHeapGraphGivesTheSameResults() throws IOException {
    DecodedGraphBudget budget = new DecodedGraphBudget(0);
    try (Index index = Index.build(budget, "a", "b")) {
      try (DirectoryReader r = index.open()) {
        DecodedGraphVectorsReader reader = vectors(r);
        long bytesA = DecodedHnswGraph.measure(reader.getGraph("a")).ramBytes();
        long bytesB = DecodedHnswGraph.measure(reader.getGraph("b")).ramBytes();
        IndexSearcher searcher = new IndexSearcher(r);
        Random qr = new Random(9);
        List<float[]> queries = new ArrayList<>();
        List<float[]> offHeapHits = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
          float[] q = unit(qr);
          queries.add(q);
          // budget 0: every search off-heap, and the reranked results are the reference
          offHeapHits.add(flatten(searcher.search(new MatryoshkaKnnQuery("b", q, K), K)));
          assertSameHits(prefixSearch(reader, "a", q, true), prefixSearch(reader, "a", q, false), "budget 0");
        }
        assertEquals(0, reader.decodedGraphsForTests().decodeCount(), "budget 0 never decodes");
        assertEquals(0, reader.decodedGraphBytes());

        // room for "a" but not for "b" as well
        budget.setMaxBytes(bytesA + bytesB - 1);
        for (int i = 0; i < queries.size(); i++) {
          float[] q = queries.get(i);
          assertSameHits(prefixSearch(reader, "a", q, true), prefixSearch(reader, "a", q, false), "decoded a");
          assertSameHits(offHeapHits.get(i), flatten(searcher.search(new MatryoshkaKnnQuery("b", q, K), K)),
              "b past the budget");
          assertSameHits(prefixSearch(reader, "b", q, true), prefixSearch(reader, "b", q, false), "b off-heap");
        }
        assertEquals(1, reader.decodedGraphsForTests().decodeCount(), "only a decoded");
        assertEquals(bytesA, reader.decodedGraphBytes());
        assertEquals(bytesA, budget.usedBytes());

        // room freed (a limit raised, or another segment closed): b is decoded at its next search
        budget.setMaxBytes(bytesA + bytesB);
        for (int i = 0; i < queries.size(); i++) {
          assertSameHits(offHeapHits.get(i), flatten(searcher.search(new MatryoshkaKnnQuery("b", queries.get(i), K), K)),
              "b decoded");
        }
        assertEquals(2, reader.decodedGraphsForTests().decodeCount());
        assertEquals(bytesA + bytesB, budget.usedBytes());

        // a lower limit does not evict: graphs stay until their segment closes
        budget.setMaxBytes(0);
        assertEquals(bytesA + bytesB, reader.decodedGraphBytes());
      }
    }
    assertEquals(0, budget.usedBytes());
  }

  @Test
  void segmentsOpenedThroughSpiUseTheSharedBudget() throws IOException {
    DecodedGraphBudget shared = DecodedGraphBudget.shared();
    assertTrue(shared.maxBytes() > 0, "the shared budget starts at a share of the heap: " + shared);
    try (Directory dir = new ByteBuffersDirectory()) {
      try (IndexWriter w = new IndexWriter(dir, new IndexWriterConfig().setCodec(new MatryoshkaCodec(
          new MatryoshkaHnswVectorsFormat(PREFIX, 8, 40, 1, null, MatryoshkaPrefix.Encoding.FLOAT32,
              new DecodedGraphBudget(0)))))) {
        add(w, "emb");
      }
      long sharedBefore = shared.usedBytes();
      try (DirectoryReader r = DirectoryReader.open(dir)) {
        var vectors = ((CodecReader) r.leaves().get(0).reader()).getVectorReader();
        DecodedGraphVectorsReader reader = (DecodedGraphVectorsReader)
            ((PerFieldKnnVectorsFormat.FieldsReader) vectors).getFieldReader("emb");
        assertNotNull(reader);
        assertSame(shared, reader.decodedGraphsForTests().budget(),
            "read back by name, the format is the SPI instance: the writer's budget cannot reach it");
        prefixSearch(reader, "emb", unit(new Random(1)), false);
        assertTrue(reader.decodedGraphBytes() > 0);
        assertEquals(sharedBefore + reader.decodedGraphBytes(), shared.usedBytes());
      }
      assertEquals(sharedBefore, shared.usedBytes());
    }
  }

  @Test
  void limitsAndAccounting() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new DecodedGraphBudget(-1));
    assertEquals("maxBytes must be >= 0 (0 = always off-heap); got=-1", e.getMessage());
    DecodedGraphBudget b = new DecodedGraphBudget(100);
    assertThrows(IllegalArgumentException.class, () -> b.setMaxBytes(-5));
    assertEquals(100, b.maxBytes());
    assertTrue(b.tryReserve(60));
    assertFalse(b.tryReserve(41), "60 + 41 > 100");
    assertTrue(b.tryReserve(40));
    assertEquals(100, b.usedBytes());
    b.release(60);
    assertTrue(b.fits(60));
    assertFalse(b.fits(61));
    b.release(40);
    assertEquals(0, b.usedBytes());
    assertTrue(new MatryoshkaHnswVectorsFormat().toString().contains("decodedGraphBudget=shared"));
    assertTrue(new MatryoshkaHnswVectorsFormat(8, 16, 100, 1, null, MatryoshkaPrefix.Encoding.FLOAT32, b)
        .toString().contains("decodedGraphBudget=maxBytes:100"));
  }
}
