package dev.matryoshka.index;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.matryoshka.codec.SegmentCalibration;
import dev.matryoshka.document.SyntheticVectors;
import dev.matryoshka.search.Calibration;
import dev.matryoshka.search.MatryoshkaKnnQuery;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.apache.lucene.index.IndexWriter;
import org.apache.lucene.index.IndexWriterConfig;
import org.apache.lucene.index.LeafReaderContext;
import org.apache.lucene.store.FSDirectory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * An index that another application also writes to: its plain {@code IndexWriter} commits with
 * its own user data, which replaces ours. The index still opens with its settings, every segment
 * (theirs too) is calibrated, and a damaged index-wide calibration in the commit is ignored
 * rather than refusing the index.
 */
class ForeignWriterTest {

  @TempDir Path tmp;

  private static final int DIMS = 64;

  @Test
  void aPlainIndexWriterWithItsOwnCommitDataKeepsTheIndexUsable() throws Exception {
    Path path = tmp.resolve("idx");
    IndexSettings settings = IndexSettings.forVectors(DIMS, 16, SimilarityName.COSINE);
    float[][] docs = SyntheticVectors.generate(3000, DIMS, 20, 3L);
    try (MatryoshkaWriter w = MatryoshkaWriter.open(path, settings, true)) {
      for (int i = 0; i < 1500; i++) {
        w.add("d" + i, docs[i], Map.of());
      }
    }
    // another application: its own writer (our codec, so the vectors stay Matryoshka vectors) and
    // its own commit user data
    try (var dir = FSDirectory.open(path);
        IndexWriter w = new IndexWriter(dir, MatryoshkaWriter.config(settings)
            .setOpenMode(IndexWriterConfig.OpenMode.APPEND))) {
      for (int i = 1500; i < 3000; i++) {
        var d = new org.apache.lucene.document.Document();
        d.add(new org.apache.lucene.document.StringField(MatryoshkaWriter.ID_FIELD, "d" + i,
            org.apache.lucene.document.Field.Store.YES));
        d.add(new dev.matryoshka.document.MatryoshkaVectorField(settings.field(), docs[i],
            settings.vectorFieldType()));
        w.addDocument(d);
      }
      w.setLiveCommitData(Map.of("app", "theirs").entrySet());
      w.commit();
    }
    try (MatryoshkaSearcher s = MatryoshkaSearcher.open(path)) {
      assertEquals(settings.dims(), s.settings().dims());
      assertEquals(settings.prefixDims(), s.settings().prefixDims());
      assertEquals("theirs", s.userData().get("app"));
      assertEquals(3000, s.numDocs());
      List<LeafReaderContext> leaves = s.indexSearcher().getIndexReader().leaves();
      assertTrue(leaves.size() >= 2, "our segment and theirs");
      MatryoshkaKnnQuery q = s.query(docs[2000], 10, null);
      for (LeafReaderContext leaf : leaves) {
        SegmentCalibration c = SegmentCalibration.of(leaf.reader(), settings.field());
        assertNotNull(c, "segment " + leaf.ord + " is calibrated, whoever wrote it");
        assertEquals(c.oversampleFor(q.getTargetRecall()), q.oversampleFor(leaf.reader()));
      }
      assertEquals("d2000", s.search(docs[2000], 10, null).get(0).id());
    }
    // and our writer appends again: the settings come from the copy beside the index
    try (MatryoshkaWriter w = MatryoshkaWriter.open(path, settings, false)) {
      w.add("d-new", docs[7], Map.of());
    }
    try (MatryoshkaSearcher s = MatryoshkaSearcher.open(path)) {
      assertEquals(3001, s.numDocs());
      assertEquals("theirs", s.userData().get("app"), "their user data is kept by our next commit");
    }
  }

  @Test
  void aDamagedIndexWideCalibrationIsIgnoredNotFatal() throws Exception {
    Path path = tmp.resolve("idx");
    IndexSettings settings = IndexSettings.forVectors(DIMS, 16, SimilarityName.COSINE);
    float[][] docs = SyntheticVectors.generate(500, DIMS, 5, 4L);
    try (MatryoshkaWriter w = MatryoshkaWriter.open(path, settings, true)) {
      for (int i = 0; i < docs.length; i++) {
        w.add("d" + i, docs[i], Map.of());
      }
      w.commit(Map.of(Calibration.USER_DATA_KEY, "{\"version\": 99, \"oversample\": \"lots\""));
    }
    try (MatryoshkaSearcher s = MatryoshkaSearcher.open(path)) {
      assertNull(s.calibration());
      assertTrue(Float.isNaN(s.defaultOversample()));
      assertEquals("d5", s.search(docs[5], 10, null).get(0).id());
    }
  }
}
