package dev.matryoshka.search;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.matryoshka.codec.MatryoshkaCodec;
import dev.matryoshka.codec.SegmentCalibration;
import dev.matryoshka.document.MatryoshkaVectorField;
import dev.matryoshka.document.SyntheticVectors;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.logging.Handler;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import org.apache.lucene.document.Document;
import org.apache.lucene.document.FieldType;
import org.apache.lucene.document.StoredField;
import org.apache.lucene.index.CheckIndex;
import org.apache.lucene.index.DirectoryReader;
import org.apache.lucene.index.IndexWriter;
import org.apache.lucene.index.IndexWriterConfig;
import org.apache.lucene.index.LeafReaderContext;
import org.apache.lucene.index.NoMergePolicy;
import org.apache.lucene.index.VectorSimilarityFunction;
import org.apache.lucene.search.IndexSearcher;
import org.apache.lucene.search.ScoreDoc;
import org.apache.lucene.search.TopDocs;
import org.apache.lucene.store.Directory;
import org.apache.lucene.store.FSDirectory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Calibration that lives with the data: the codec measures every segment's recall curve when it
 * writes the segment (flush and merge), whoever writes it, and a query that asks for a recall
 * maps it to each segment's own oversample. A damaged or unknown calibration falls back, says so
 * once, and never fails a search.
 */
class SegmentCalibrationTest {

  @TempDir Path tmp;

  private static final int DIMS = 128;
  private static final int PREFIX = 16;
  private static final FieldType TYPE =
      MatryoshkaVectorField.fieldType(DIMS, PREFIX, VectorSimilarityFunction.COSINE);

  /** Compound files (Lucene's default for small segments) hold the calibration like any file. */
  private static IndexWriterConfig config() {
    return config(true);
  }

  /** A writer that merges (the others keep every flushed segment). */
  private static IndexWriterConfig merging() {
    return config().setMergePolicy(new org.apache.lucene.index.TieredMergePolicy());
  }

  private static IndexWriterConfig config(boolean compound) {
    return new IndexWriterConfig().setCodec(new MatryoshkaCodec()).setUseCompoundFile(compound)
        .setMergePolicy(NoMergePolicy.INSTANCE).setRAMBufferSizeMB(256).setMaxBufferedDocs(1_000_000);
  }

  private static void add(IndexWriter w, float[][] docs, int from, int to) throws IOException {
    for (int i = from; i < to; i++) {
      Document d = new Document();
      d.add(new StoredField("id", i));
      d.add(new MatryoshkaVectorField("emb", docs[i], TYPE));
      w.addDocument(d);
    }
  }

  @Test
  void everyFlushedAndMergedSegmentCarriesItsCurve() throws Exception {
    float[][] docs = SyntheticVectors.generate(6000, DIMS, 40, 11L);
    try (Directory dir = FSDirectory.open(tmp.resolve("idx"))) {
      try (IndexWriter w = new IndexWriter(dir, config())) {
        add(w, docs, 0, 600);
        w.commit();
        add(w, docs, 600, 6000);
        w.commit();
      }
      try (DirectoryReader r = DirectoryReader.open(dir)) {
        assertEquals(2, r.leaves().size());
        SegmentCalibration small = SegmentCalibration.of(r.leaves().get(0).reader(), "emb");
        SegmentCalibration large = SegmentCalibration.of(r.leaves().get(1).reader(), "emb");
        assertNotNull(small, "the first flushed segment has a calibration");
        assertNotNull(large, "the second flushed segment has a calibration");
        assertEquals(600, small.vectors());
        assertEquals(5400, large.vectors());
        for (SegmentCalibration c : List.of(small, large)) {
          assertEquals(10, c.k());
          assertEquals(200, c.queries());
          float[] rec = c.recalls();
          assertTrue(rec[rec.length - 1] >= rec[0], "recall grows along the curve: " + c);
          assertTrue(c.reaches(0.95), "a 16-of-128 prefix reaches 0.95 within the grid: " + c);
        }
        assertTrue(SegmentCalibration.of(r.leaves().get(0).reader(), "nope") == null);
      }
      try (IndexWriter w = new IndexWriter(dir, merging())) {
        w.forceMerge(1);
      }
      try (DirectoryReader r = DirectoryReader.open(dir)) {
        assertEquals(1, r.leaves().size());
        SegmentCalibration merged = SegmentCalibration.of(r.leaves().get(0).reader(), "emb");
        assertNotNull(merged, "the merged segment is calibrated afresh");
        assertEquals(6000, merged.vectors());
        assertTrue(checkIndexClean(dir), "CheckIndex is clean with the calibration files");
      }
    }
  }

  @Test
  void targetRecallIsMetOnHeldOutQueries() throws Exception {
    // queries from the documents' own distribution, not indexed: the calibration's document
    // queries are in distribution too, so their curve must hold for these (real queries, which are
    // not, are what the margin is for; see docs/calibration.md)
    float[][] all = SyntheticVectors.generate(8150, DIMS, 40, 21L);
    float[][] docs = java.util.Arrays.copyOf(all, 8000);
    float[][] queries = java.util.Arrays.copyOfRange(all, 8000, 8150);
    try (Directory dir = FSDirectory.open(tmp.resolve("idx"))) {
      try (IndexWriter w = new IndexWriter(dir, merging())) {
        add(w, docs, 0, docs.length);
        w.forceMerge(1);
      }
      try (DirectoryReader r = DirectoryReader.open(dir)) {
        IndexSearcher s = new IndexSearcher(r);
        SegmentCalibration c = SegmentCalibration.of(r.leaves().get(0).reader(), "emb");
        float previous = 0;
        for (double target : new double[] {0.90, 0.95, 0.99}) {
          MatryoshkaKnnQuery q0 = new MatryoshkaKnnQuery("emb", queries[0], 10).targetRecall(target);
          float os = q0.oversampleFor(r.leaves().get(0).reader());
          assertEquals(c.oversampleFor(target), os);
          assertTrue(os >= previous, "a higher target never searches narrower");
          previous = os;
          double recall = recall(s, docs, queries, target);
          assertTrue(recall >= target - 0.02, "target " + target + ": recall " + recall + " at oversample " + os);
        }
      }
    }
  }

  private static double recall(IndexSearcher s, float[][] docs, float[][] queries, double target) throws IOException {
    double sum = 0;
    for (float[] q : queries) {
      int[] exact = MatryoshkaKnnQueryTest.bruteForce(docs, q, 10, VectorSimilarityFunction.COSINE, Set.of());
      Set<Integer> want = new HashSet<>();
      for (int e : exact) {
        want.add(e);
      }
      TopDocs td = s.search(new MatryoshkaKnnQuery("emb", q, 10).targetRecall(target), 10);
      int hit = 0;
      for (ScoreDoc sd : td.scoreDocs) {
        int id = s.storedFields().document(sd.doc).getField("id").numericValue().intValue();
        if (want.contains(id)) {
          hit++;
        }
      }
      sum += hit / 10.0;
    }
    return sum / queries.length;
  }

  @Test
  void aForeignWriterWithItsOwnCommitDataKeepsSegmentsCalibrated() throws Exception {
    float[][] docs = SyntheticVectors.generate(3000, DIMS, 30, 31L);
    try (Directory dir = FSDirectory.open(tmp.resolve("idx"))) {
      try (IndexWriter w = new IndexWriter(dir, config())) {
        add(w, docs, 0, 1500);
        w.setLiveCommitData(Map.of("calibration", "{\"written\":\"by us\"}").entrySet());
        w.commit();
      }
      // another application: a plain IndexWriter with our codec and its own commit user data
      try (IndexWriter w = new IndexWriter(dir, config())) {
        add(w, docs, 1500, 3000);
        w.setLiveCommitData(Map.of("app", "theirs").entrySet());
        w.commit();
      }
      try (DirectoryReader r = DirectoryReader.open(dir)) {
        assertEquals(Map.of("app", "theirs"), r.getIndexCommit().getUserData());
        IndexSearcher s = new IndexSearcher(r);
        for (LeafReaderContext leaf : r.leaves()) {
          SegmentCalibration c = SegmentCalibration.of(leaf.reader(), "emb");
          assertNotNull(c, "segment " + leaf.ord + " keeps its calibration");
          MatryoshkaKnnQuery q = new MatryoshkaKnnQuery("emb", docs[5], 10);
          assertEquals(c.oversampleFor(MatryoshkaKnnQuery.DEFAULT_TARGET_RECALL), q.oversampleFor(leaf.reader()));
        }
        assertEquals(10, s.search(new MatryoshkaKnnQuery("emb", docs[5], 10), 10).scoreDocs.length);
      }
    }
  }

  /** Captures the calibration warnings. */
  private static final class Captured extends Handler implements AutoCloseable {
    final List<String> messages = new ArrayList<>();
    private final Logger logger = Logger.getLogger(SegmentCalibration.class.getName());

    Captured() {
      logger.addHandler(this);
    }

    @Override
    public synchronized void publish(LogRecord r) {
      messages.add(r.getMessage());
    }

    @Override
    public void flush() {}

    @Override
    public void close() {
      logger.removeHandler(this);
    }
  }

  @Test
  void aDamagedCalibrationFallsBackAndSaysSoOnce() throws Exception {
    checkFallback((file) -> {
      byte[] b = Files.readAllBytes(file);
      b[b.length / 2] ^= 0x5A; // a flipped byte: the checksum no longer matches
      Files.write(file, b);
    }, "cannot be used", true);
  }

  @Test
  void aCalibrationFromANewerVersionFallsBack() throws Exception {
    checkFallback((file) -> {
      byte[] b = Files.readAllBytes(file);
      // the version follows the codec name in the header: magic(4) + name(1 + len) + version(4)
      int versionAt = 4 + 1 + "MatryoshkaCalibration".length();
      b[versionAt + 3] = 99;
      Files.write(file, b);
    }, "cannot be used", true);
  }

  @Test
  void aDeletedCalibrationFallsBack() throws Exception {
    // Lucene itself cannot merge a segment that lost a file (its size is unknown): no merge here
    checkFallback(Files::delete, "cannot be used", false);
  }

  private interface Damage {
    void apply(Path file) throws IOException;
  }

  private void checkFallback(Damage damage, String said, boolean mergeAfter) throws Exception {
    float[][] docs = SyntheticVectors.generate(2000, DIMS, 20, 41L);
    Path path = tmp.resolve("idx");
    try (Directory dir = FSDirectory.open(path)) {
      try (IndexWriter w = new IndexWriter(dir, config(false))) {
        add(w, docs, 0, docs.length);
      }
      List<Path> files;
      try (var list = Files.list(path)) {
        files = list.filter(p -> p.toString().endsWith(".mcal")).toList();
      }
      assertEquals(1, files.size(), "one segment, one calibration file");
      damage.apply(files.get(0));
      try (Captured log = new Captured(); DirectoryReader r = DirectoryReader.open(dir)) {
        IndexSearcher s = new IndexSearcher(r);
        var leaf = r.leaves().get(0).reader();
        assertNull(SegmentCalibration.of(leaf, "emb"));
        MatryoshkaKnnQuery q = new MatryoshkaKnnQuery("emb", docs[3], 10);
        assertEquals(MatryoshkaKnnQuery.FALLBACK_OVERSAMPLE, q.oversampleFor(leaf));
        for (int i = 0; i < 5; i++) {
          TopDocs td = s.search(new MatryoshkaKnnQuery("emb", docs[i], 10), 10);
          assertEquals(10, td.scoreDocs.length);
          assertEquals(i, s.storedFields().document(td.scoreDocs[0].doc).getField("id").numericValue().intValue(),
              "a document's own vector finds it first");
        }
        assertEquals(1, log.messages.size(), "said once: " + log.messages);
        assertTrue(log.messages.get(0).contains(said), log.messages.get(0));
        assertTrue(log.messages.get(0).contains("fallback oversample"), log.messages.get(0));
      }
      try (Captured log = new Captured(); DirectoryReader r = DirectoryReader.open(dir)) {
        new IndexSearcher(r).search(new MatryoshkaKnnQuery("emb", docs[3], 10), 10);
        assertEquals(List.of(), log.messages, "said once per segment, not once per reader");
      }
      if (!mergeAfter) {
        return;
      }
      // a merge writes a fresh calibration; the damaged file goes with its segment
      try (IndexWriter w = new IndexWriter(dir, merging())) {
        add(w, docs, 0, 100);
        w.forceMerge(1);
      }
      try (DirectoryReader r = DirectoryReader.open(dir)) {
        assertNotNull(SegmentCalibration.of(r.leaves().get(0).reader(), "emb"));
      }
    }
  }

  private static boolean checkIndexClean(Directory dir) throws IOException {
    try (CheckIndex ci = new CheckIndex(dir)) {
      return ci.checkIndex().clean;
    }
  }

  @Test
  void segmentsSmallerThanAPageHaveNoCurve() throws Exception {
    float[][] docs = SyntheticVectors.generate(10, DIMS, 2, 61L);
    try (Directory dir = FSDirectory.open(tmp.resolve("idx"))) {
      try (IndexWriter w = new IndexWriter(dir, config())) {
        add(w, docs, 0, docs.length);
      }
      try (DirectoryReader r = DirectoryReader.open(dir)) {
        assertNull(SegmentCalibration.of(r.leaves().get(0).reader(), "emb"));
        assertFalse(new IndexSearcher(r).search(new MatryoshkaKnnQuery("emb", docs[0], 10), 10).scoreDocs.length == 0);
      }
    }
  }
}
