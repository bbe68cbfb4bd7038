package dev.matryoshka.codec;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.matryoshka.document.MatryoshkaVectorField;
import java.io.IOException;
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
import org.apache.lucene.search.TopDocs;
import org.apache.lucene.search.TopKnnCollector;
import org.apache.lucene.store.ByteBuffersDirectory;
import org.apache.lucene.store.Directory;
import org.apache.lucene.util.hnsw.RandomVectorScorer;
import org.junit.jupiter.api.Test;

/**
 * The int8 and int4 prefix scorer of the graph walk: its kernels agree with a plain sum, its scores track
 * the float prefix scores within the codes' rounding, bulk and single scoring agree, and the walk
 * over codes decoded onto the heap finds what the walk over the file's codes finds.
 */
class QuantizedPrefixScorerTest {
  private static final int DOCS = 3000;
  private static final int DIMS = 64;
  private static final int PREFIX = 24;

  @Test
  void kernelsAgreeWithAPlainSum() {
    Random r = new Random(3);
    Int8Dot scalar = new Int8Dot.Scalar();
    Int8Dot chosen = Int8Dot.INSTANCE;
    System.out.println("int8 kernel of this JVM: " + chosen.name());
    for (int len = 1; len <= 300; len += (len < 40 ? 1 : 17)) {
      byte[] codes = new byte[5 * len + 7];
      r.nextBytes(codes);
      float[] q = new float[len];
      for (int i = 0; i < len; i++) q[i] = (float) r.nextGaussian();
      int[] at = {r.nextInt(8), len + r.nextInt(8), 2 * len + 3, 3 * len + 5, 4 * len + 1};
      float[] four = new float[4];
      float[] fourScalar = new float[4];
      chosen.dot4(codes, at[0], at[1], at[2], at[3], q, len, four, 0);
      scalar.dot4(codes, at[0], at[1], at[2], at[3], q, len, fourScalar, 0);
      for (int j = 0; j < 4; j++) {
        double want = 0, mag = 0;
        for (int i = 0; i < len; i++) {
          want += (double) q[i] * codes[at[j] + i];
          mag += Math.abs((double) q[i] * codes[at[j] + i]);
        }
        double tol = 1e-5 * mag + 1e-6;
        assertEquals(want, chosen.dot(codes, at[j], q, len), tol, "dot len " + len);
        assertEquals(want, scalar.dot(codes, at[j], q, len), tol, "scalar dot len " + len);
        assertEquals(want, four[j], tol, "dot4 len " + len);
        assertEquals(want, fourScalar[j], tol, "scalar dot4 len " + len);
      }
      // int4: h bytes, low nibbles against q[0..h), high nibbles against q[h..2h)
      int h = len;
      float[] q2 = new float[2 * h];
      for (int i = 0; i < 2 * h; i++) q2[i] = (float) r.nextGaussian();
      chosen.int4Dot4(codes, at[0], at[1], at[2], at[3], q2, h, four, 0);
      scalar.int4Dot4(codes, at[0], at[1], at[2], at[3], q2, h, fourScalar, 0);
      for (int j = 0; j < 4; j++) {
        double want = 0, mag = 0;
        for (int i = 0; i < h; i++) {
          int c = codes[at[j] + i] & 0xFF;
          want += (double) (c & 15) * q2[i] + (double) (c >> 4) * q2[i + h];
          mag += Math.abs((double) (c & 15) * q2[i]) + Math.abs((double) (c >> 4) * q2[i + h]);
        }
        double tol = 1e-5 * mag + 1e-6;
        assertEquals(want, chosen.int4Dot(codes, at[j], q2, h), tol, "int4Dot h " + h);
        assertEquals(want, scalar.int4Dot(codes, at[j], q2, h), tol, "scalar int4Dot h " + h);
        assertEquals(want, four[j], tol, "int4Dot4 h " + h);
        assertEquals(want, fourScalar[j], tol, "scalar int4Dot4 h " + h);
      }
    }
  }

  private static Directory index(VectorSimilarityFunction sim, MatryoshkaPrefix.Encoding enc, int prefix)
      throws IOException {
    Directory dir = new ByteBuffersDirectory();
    FieldType type = MatryoshkaVectorField.fieldType(DIMS, prefix, sim, enc);
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
      v[j] = (float) (r.nextGaussian() / (1 + 0.2 * j));
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
  void scoresTrackTheFloatPrefixAndBulkAgreesWithSingle() throws IOException {
    for (MatryoshkaPrefix.Encoding enc : new MatryoshkaPrefix.Encoding[] {
        MatryoshkaPrefix.Encoding.INT8, MatryoshkaPrefix.Encoding.INT4}) {
    for (int prefix : new int[] {PREFIX, PREFIX + 1}) { // int4: an odd prefix pads a dimension
    for (VectorSimilarityFunction sim : new VectorSimilarityFunction[] {
        VectorSimilarityFunction.DOT_PRODUCT, VectorSimilarityFunction.MAXIMUM_INNER_PRODUCT}) {
      try (Directory dir = index(sim, enc, prefix); DirectoryReader r = DirectoryReader.open(dir)) {
        var flat = (MatryoshkaFlatVectorsReader) readerFlat(r.leaves().get(0).reader());
        float[] query = unit(new Random(9));
        RandomVectorScorer codes = flat.getRandomVectorScorer("emb", query, null);
        assertTrue(codes instanceof QuantizedPrefixScorer, codes.getClass().getName());
        RandomVectorScorer heap = flat.getRandomVectorScorer("emb", query, flat.readQuantizedCodes("emb"));
        var prefixes = flat.getPrefixVectorValues("emb");
        float[] qp = MatryoshkaPrefix.prefix(query, prefix, sim);
        int[] nodes = new int[DOCS];
        for (int i = 0; i < DOCS; i++) nodes[i] = (i * 7919) % DOCS;
        float[] bulk = new float[DOCS];
        float[] bulkHeap = new float[DOCS];
        float max = codes.bulkScore(nodes, bulk, 203); // not a multiple of four
        float maxHeap = heap.bulkScore(nodes, bulkHeap, 203);
        assertEquals(max, maxHeap, 0f);
        float seenMax = Float.NEGATIVE_INFINITY;
        double worst = 0;
        for (int i = 0; i < 203; i++) {
          int ord = nodes[i];
          assertEquals(bulk[i], bulkHeap[i], 0f, "heap and file codes, ord " + ord);
          assertEquals(codes.score(ord), bulk[i], 1e-5f, "single and bulk, ord " + ord);
          seenMax = Math.max(seenMax, bulk[i]);
          float exact = sim.compare(qp, prefixes.vectorValue(ord));
          worst = Math.max(worst, Math.abs(exact - bulk[i]));
        }
        assertEquals(seenMax, max, 0f, "bulkScore returns the largest score");
        // int8: one rounding step per dimension of at most half a code, a few thousandths of a
        // unit prefix's score; int4: fifteen levels and clipping, a few hundredths
        double bound = enc == MatryoshkaPrefix.Encoding.INT8 ? 0.01 : 0.08;
        assertTrue(worst < bound, enc + " " + sim + " p=" + prefix + ": worst |code - float prefix score| " + worst);
        assertTrue(worst > 0, "the codes are not the float prefixes");
      }
    }
    }
    }
  }

  private static MatryoshkaFlatVectorsReader readerFlat(LeafReader leaf) throws IOException {
    DecodedGraphVectorsReader mine = reader(leaf);
    return mine.flatReaderForTests();
  }

  @Test
  void heapCodesWalkFindsWhatTheFileCodesWalkFinds() throws IOException {
    for (MatryoshkaPrefix.Encoding enc : new MatryoshkaPrefix.Encoding[] {
        MatryoshkaPrefix.Encoding.INT8, MatryoshkaPrefix.Encoding.INT4}) {
    try (Directory dir = index(VectorSimilarityFunction.COSINE, enc, PREFIX); DirectoryReader r = DirectoryReader.open(dir)) {
      DecodedGraphVectorsReader mine = reader(r.leaves().get(0).reader());
      Random q = new Random(5);
      for (int i = 0; i < 20; i++) {
        float[] query = unit(q);
        TopKnnCollector a = new TopKnnCollector(30, Integer.MAX_VALUE);
        mine.search("emb", query, a, AcceptDocs.fromLiveDocs(null, DOCS));
        if (i == 0) {
          assertNotNull(mine.decodedGraphsForTests().codes("emb"), "codes decoded with the graph");
        }
        TopKnnCollector b = new TopKnnCollector(30, Integer.MAX_VALUE);
        mine.graphReaderForTests().search("emb", query, b, AcceptDocs.fromLiveDocs(null, DOCS));
        TopDocs x = a.topDocs();
        TopDocs y = b.topDocs();
        assertEquals(b.visitedCount(), a.visitedCount(), "same walk");
        assertEquals(y.scoreDocs.length, x.scoreDocs.length);
        for (int j = 0; j < x.scoreDocs.length; j++) {
          assertEquals(y.scoreDocs[j].doc, x.scoreDocs[j].doc);
          assertEquals(y.scoreDocs[j].score, x.scoreDocs[j].score, 0f);
        }
      }
      long codeBytes = enc == MatryoshkaPrefix.Encoding.INT8 ? PREFIX : PREFIX / 2;
      assertEquals((long) DOCS * codeBytes, mine.decodedGraphsForTests().codes("emb").length);
      assertTrue(mine.decodedGraphBytes() >= (long) DOCS * codeBytes + DOCS * 4L,
          "graph and codes on the heap: " + mine.decodedGraphBytes());
    }
    }
    // a float field decodes no codes
    try (Directory dir = new ByteBuffersDirectory()) {
      FieldType type = MatryoshkaVectorField.fieldType(DIMS, PREFIX, VectorSimilarityFunction.COSINE,
          MatryoshkaPrefix.Encoding.FLOAT32);
      Random rnd = new Random(1);
      try (IndexWriter w = new IndexWriter(dir, new IndexWriterConfig()
          .setCodec(new MatryoshkaCodec(new MatryoshkaHnswVectorsFormat(PREFIX, 8, 40))))) {
        for (int i = 0; i < 500; i++) {
          Document d = new Document();
          d.add(new MatryoshkaVectorField("emb", unit(rnd), type));
          w.addDocument(d);
        }
      }
      try (DirectoryReader r = DirectoryReader.open(dir)) {
        DecodedGraphVectorsReader mine = reader(r.leaves().get(0).reader());
        mine.search("emb", unit(rnd), new TopKnnCollector(5, Integer.MAX_VALUE), AcceptDocs.fromLiveDocs(null, 500));
        assertNull(mine.decodedGraphsForTests().codes("emb"));
      }
    }
  }
}
