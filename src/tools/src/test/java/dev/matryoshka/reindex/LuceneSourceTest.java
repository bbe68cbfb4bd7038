package dev.matryoshka.reindex;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.matryoshka.index.IndexSettings;
import dev.matryoshka.index.MatryoshkaSearcher;
import dev.matryoshka.index.SimilarityName;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.Random;
import org.apache.lucene.document.Document;
import org.apache.lucene.document.Field;
import org.apache.lucene.document.KnnFloatVectorField;
import org.apache.lucene.document.StoredField;
import org.apache.lucene.document.StringField;
import org.apache.lucene.document.TextField;
import org.apache.lucene.index.IndexWriter;
import org.apache.lucene.index.IndexWriterConfig;
import org.apache.lucene.index.Term;
import org.apache.lucene.index.VectorSimilarityFunction;
import org.apache.lucene.store.FSDirectory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Plain Lucene indexes (written with Lucene's default codec) as reindex sources. */
class LuceneSourceTest {

  @TempDir Path tmp;

  static final DocumentEncoder.Factory FORBIDDEN = () -> {
    throw new AssertionError("the encoder must not be loaded when the source has vectors");
  };

  @Test
  void vectorFieldIsReusedBitForBit() throws Exception {
    Path src = tmp.resolve("plain");
    Map<String, float[]> want = new HashMap<>();
    Random r = new Random(11);
    try (var dir = FSDirectory.open(src); var w = new IndexWriter(dir, new IndexWriterConfig())) {
      for (int i = 0; i < 600; i++) {
        float[] v = new float[384];
        for (int d = 0; d < v.length; d++) v[d] = (float) r.nextGaussian() * 0.37f; // not unit length
        Document doc = new Document();
        doc.add(new StringField("id", "p" + i, Field.Store.YES));
        doc.add(new StoredField("title", "title " + i));
        doc.add(new KnnFloatVectorField("vec", v, VectorSimilarityFunction.COSINE));
        w.addDocument(doc);
        want.put("p" + i, v);
        if (i == 299) w.commit(); // two segments
      }
      w.deleteDocuments(new Term("id", "p7"));
      want.remove("p7");
      w.commit();
    }
    Path out = tmp.resolve("out");
    var s = new Reindexer(new ReindexOptions(), FORBIDDEN, null).run(src.toString(), out.toString());
    assertFalse(s.encoderLoaded());
    assertEquals(599, s.totals().written());
    assertEquals(384, s.settings().dims());
    assertEquals(64, s.settings().prefixDims());
    assertEquals(SimilarityName.COSINE, s.settings().similarity());
    Map<String, float[]> got = TestData.vectorsById(out, IndexSettings.DEFAULT_FIELD);
    assertEquals(want.keySet(), got.keySet());
    for (var e : want.entrySet()) {
      assertTrue(TestData.sameBits(e.getValue(), got.get(e.getKey())), "vector of " + e.getKey() + " changed");
    }
    try (var searcher = MatryoshkaSearcher.open(out)) {
      var hit = searcher.search(want.get("p42"), 1, 4f, null).get(0);
      assertEquals("p42", hit.id());
      assertEquals("title 42", searcher.stored(hit.doc()).get("title"));
    }
    ReindexKillTest.assertCheckIndexClean(out);
  }

  @Test
  void storedTextIsEncodedAndDocsWithoutTextAreCounted() throws Exception {
    Path src = tmp.resolve("text");
    try (var dir = FSDirectory.open(src); var w = new IndexWriter(dir, new IndexWriterConfig())) {
      for (int i = 0; i < 50; i++) {
        Document doc = new Document();
        doc.add(new StringField("docid", "t" + i, Field.Store.YES));
        if (i != 13) doc.add(new TextField("body", "passage number " + i, Field.Store.YES));
        w.addDocument(doc);
      }
    }
    FakeEncoder fake = new FakeEncoder(32);
    Path out = tmp.resolve("out");
    var opts = new ReindexOptions().idField("docid").textField("body").prefixDims(8);
    var s = new Reindexer(opts, () -> fake, null).run(src.toString(), out.toString());
    assertTrue(s.encoderLoaded());
    assertEquals(49, s.totals().written());
    assertEquals(Map.of("no text", 1L), s.totals().skipped());
    assertEquals(49, fake.texts);
    Map<String, float[]> got = TestData.vectorsById(out, IndexSettings.DEFAULT_FIELD);
    assertTrue(TestData.sameBits(FakeEncoder.vector("passage number 5", 32), got.get("t5")));
    assertEquals("fake", s.settings().modelName());
    try (var searcher = MatryoshkaSearcher.open(out)) { // the text is indexed for BM25 too
      String term = dev.matryoshka.index.TextAnalysis.terms(
          dev.matryoshka.index.TextAnalysis.analyzer(null), "passage").get(0); // stemmed
      assertEquals(49, searcher.indexSearcher().count(new org.apache.lucene.search.TermQuery(
          new Term(dev.matryoshka.index.TextAnalysis.FIELD, term))));
    }

    var strict = new ReindexOptions().idField("docid").textField("body").prefixDims(8).strict(true).overwrite(true);
    var e = assertThrows(Reindexer.StrictException.class,
        () -> new Reindexer(strict, () -> new FakeEncoder(32), null).run(src.toString(), tmp.resolve("strict").toString()));
    assertTrue(e.getMessage().contains("\"t13\" has no text"), e.getMessage());
  }

  @Test
  void adapterIsAppliedAndRecordedWithoutTheEncoder() throws Exception {
    float[][] v = dev.matryoshka.document.SyntheticVectors.generate(400, 32, 8, 9L);
    java.util.List<String> lines = new java.util.ArrayList<>();
    for (int i = 0; i < v.length; i++) {
      var o = TestData.JSON.createObjectNode().put("id", "a" + i);
      var arr = o.putArray("vector");
      for (float x : v[i]) arr.add(x);
      lines.add(o.toString());
    }
    Path jsonl = tmp.resolve("v.jsonl");
    java.nio.file.Files.write(jsonl, lines);
    Path plain = tmp.resolve("plain");
    new Reindexer(new ReindexOptions().prefixDims(8), FORBIDDEN, null).run(jsonl.toString(), plain.toString());

    var adapter = dev.matryoshka.adapt.RotationAdapter.fit(v, dev.matryoshka.adapt.RotationOptions.forModel("synthetic"));
    Path file = tmp.resolve("rotation.adapter");
    dev.matryoshka.adapt.AdapterIO.write(adapter, file);
    Path rotated = tmp.resolve("rotated");
    var s = new Reindexer(new ReindexOptions().prefixDims(8).adapter(file), FORBIDDEN, null)
        .run(plain.toString(), rotated.toString());
    assertEquals("rotation", s.settings().adapterKind());
    assertEquals(64, s.settings().adapterFingerprint().length());
    Map<String, float[]> got = TestData.vectorsById(rotated, IndexSettings.DEFAULT_FIELD);
    for (int i = 0; i < v.length; i++) {
      assertTrue(TestData.sameBits(adapter.apply(v[i]), got.get("a" + i)), "a" + i);
    }
    // adapted vectors carry their adapter along; a second adapter on top is refused
    var again = new Reindexer(new ReindexOptions().prefixDims(16), FORBIDDEN, null)
        .run(rotated.toString(), tmp.resolve("rotated16").toString());
    assertEquals("rotation", again.settings().adapterKind());
    // the adapter file travels with the vectors, so the index loads it for queries
    for (Path idx : new Path[] {rotated, tmp.resolve("rotated16")}) {
      assertEquals(s.settings().adapterFingerprint(),
          dev.matryoshka.index.Adapters.fingerprint(idx.resolve(dev.matryoshka.index.Adapters.FILE_NAME)));
      try (var searcher = MatryoshkaSearcher.open(idx)) {
        var fn = dev.matryoshka.index.Adapters.load(idx, searcher.settings());
        assertEquals("a3", searcher.search(fn.apply(v[3]), 1, 4f, null).get(0).id());
      }
    }
    var e = assertThrows(IllegalArgumentException.class, () -> new Reindexer(
        new ReindexOptions().adapter(file), FORBIDDEN, null).run(rotated.toString(), tmp.resolve("twice").toString()));
    assertTrue(e.getMessage().contains("already went through a rotation adapter"), e.getMessage());
  }
}
