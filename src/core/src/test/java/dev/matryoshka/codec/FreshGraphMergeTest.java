package dev.matryoshka.codec;

import static org.junit.jupiter.api.Assertions.*;

import dev.matryoshka.document.SyntheticVectors;
import dev.matryoshka.document.MatryoshkaVectorField;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.apache.lucene.codecs.hnsw.HnswGraphProvider;
import org.apache.lucene.codecs.perfield.PerFieldKnnVectorsFormat;
import org.apache.lucene.document.Document;
import org.apache.lucene.document.Field;
import org.apache.lucene.document.FieldType;
import org.apache.lucene.document.StringField;
import org.apache.lucene.index.CodecReader;
import org.apache.lucene.index.DirectoryReader;
import org.apache.lucene.index.IndexWriter;
import org.apache.lucene.index.IndexWriterConfig;
import org.apache.lucene.index.LogByteSizeMergePolicy;
import org.apache.lucene.index.MergePolicy;
import org.apache.lucene.index.VectorSimilarityFunction;
import org.apache.lucene.search.IndexSearcher;
import org.apache.lucene.search.KnnFloatVectorQuery;
import org.apache.lucene.search.ScoreDoc;
import org.apache.lucene.store.Directory;
import org.apache.lucene.store.FSDirectory;
import org.apache.lucene.util.hnsw.HnswGraph;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * After {@code forceMerge(1)} the prefix graph depends only on the documents and their order: two
 * indexes of the same vectors, written with very different commit histories, end with the same
 * graph (every node's neighbours on every level) and answer approximate queries identically.
 */
class FreshGraphMergeTest {

  @TempDir Path tmp;

  static final int N = 3000;
  static final int DIMS = 48;
  static final int PREFIX = 12;

  @Test
  void sameDocumentsSameOrderGiveTheSameGraphWhateverTheSegmentHistory() throws Exception {
    float[][] vecs = SyntheticVectors.generate(N, DIMS, 16, 11L);
    FieldType type = MatryoshkaVectorField.fieldType(DIMS, PREFIX, VectorSimilarityFunction.COSINE);
    Path a = tmp.resolve("a");
    Path b = tmp.resolve("b");
    // a: many small commits, natural merges along the way
    build(a, vecs, type, 37, new LogByteSizeMergePolicy());
    // b: other commit boundaries, and a merge policy that merges more eagerly
    LogByteSizeMergePolicy eager = new LogByteSizeMergePolicy();
    eager.setMergeFactor(2);
    build(b, vecs, type, 501, eager);

    float[][] queries = SyntheticVectors.generate(40, DIMS, 16, 99L);
    try (Directory da = FSDirectory.open(a); Directory db = FSDirectory.open(b);
        DirectoryReader ra = DirectoryReader.open(da); DirectoryReader rb = DirectoryReader.open(db)) {
      assertEquals(1, ra.leaves().size());
      assertEquals(1, rb.leaves().size());
      assertSameGraph(graph(ra), graph(rb));
      IndexSearcher sa = new IndexSearcher(ra);
      IndexSearcher sb = new IndexSearcher(rb);
      for (float[] q : queries) {
        for (int k : new int[] {1, 10, 40}) {
          assertEquals(hits(sb, q, k), hits(sa, q, k), "approximate top-" + k + " differs");
        }
      }
    }
  }

  @Test
  void onlyMergesForcedToOneSegmentRebuild() {
    var writer = new org.apache.lucene.codecs.KnnVectorsWriter() {
      @Override public org.apache.lucene.codecs.KnnFieldVectorsWriter<?> addField(org.apache.lucene.index.FieldInfo f) { return null; }
      @Override public void flush(int maxDoc, org.apache.lucene.index.Sorter.DocMap m) {}
      @Override public void finish() {}
      @Override public void close() {}
      @Override public long ramBytesUsed() { return 0; }
    };
    var forced = new org.apache.lucene.store.MergeInfo(10, 100, false, 1);
    var forcedToTwo = new org.apache.lucene.store.MergeInfo(10, 100, false, 2);
    var natural = new org.apache.lucene.store.MergeInfo(10, 100, false, -1);
    assertInstanceOf(FreshGraphMergeWriter.class, FreshGraphMergeWriter.wrapIfForcedToOne(writer, forced, 1));
    assertSame(writer, FreshGraphMergeWriter.wrapIfForcedToOne(writer, forcedToTwo, 1));
    assertSame(writer, FreshGraphMergeWriter.wrapIfForcedToOne(writer, natural, 1));
    assertSame(writer, FreshGraphMergeWriter.wrapIfForcedToOne(writer, null, 1), "flushes are not merges");
    assertSame(writer, FreshGraphMergeWriter.wrapIfForcedToOne(writer, forced, 4), "concurrent merges");
  }

  static void build(Path path, float[][] vecs, FieldType type, int commitEvery, MergePolicy mp) throws Exception {
    IndexWriterConfig iwc = new IndexWriterConfig().setCodec(new MatryoshkaCodec()).setMergePolicy(mp);
    try (Directory dir = FSDirectory.open(path); IndexWriter w = new IndexWriter(dir, iwc)) {
      for (int i = 0; i < vecs.length; i++) {
        Document d = new Document();
        d.add(new StringField("id", Integer.toString(i), Field.Store.YES));
        d.add(new MatryoshkaVectorField("emb", vecs[i], type));
        w.addDocument(d);
        if (i % commitEvery == commitEvery - 1) {
          w.commit();
        }
      }
      w.commit();
      try (DirectoryReader r = DirectoryReader.open(w)) {
        assertTrue(r.leaves().size() > 1, "history has several segments: " + r.leaves().size());
      }
      w.forceMerge(1);
      w.commit();
    }
  }

  static HnswGraph graph(DirectoryReader r) throws Exception {
    var vr = ((CodecReader) r.leaves().get(0).reader()).getVectorReader();
    var fr = ((PerFieldKnnVectorsFormat.FieldsReader) vr).getFieldReader("emb");
    return ((HnswGraphProvider) fr).getGraph("emb");
  }

  static void assertSameGraph(HnswGraph x, HnswGraph y) throws Exception {
    assertEquals(x.size(), y.size());
    assertEquals(x.numLevels(), y.numLevels());
    assertEquals(x.entryNode(), y.entryNode());
    for (int level = 0; level < x.numLevels(); level++) {
      var nx = x.getNodesOnLevel(level);
      var ny = y.getNodesOnLevel(level);
      assertEquals(nx.size(), ny.size(), "nodes on level " + level);
      while (nx.hasNext()) {
        int node = nx.nextInt();
        assertEquals(node, ny.nextInt());
        assertEquals(neighbours(x, level, node), neighbours(y, level, node),
            "neighbours of node " + node + " on level " + level);
      }
    }
  }

  static List<Integer> neighbours(HnswGraph g, int level, int node) throws Exception {
    g.seek(level, node);
    List<Integer> out = new ArrayList<>();
    for (int n = g.nextNeighbor(); n != org.apache.lucene.search.DocIdSetIterator.NO_MORE_DOCS; n = g.nextNeighbor()) {
      out.add(n);
    }
    return out;
  }

  static List<String> hits(IndexSearcher s, float[] q, int k) throws Exception {
    List<String> out = new ArrayList<>();
    for (ScoreDoc sd : s.search(new KnnFloatVectorQuery("emb", q, k), k).scoreDocs) {
      out.add(sd.doc + "@" + sd.score);
    }
    return out;
  }
}
