package dev.matryoshka.index;

import dev.matryoshka.codec.MatryoshkaCodec;
import dev.matryoshka.codec.MatryoshkaHnswVectorsFormat;
import dev.matryoshka.document.MatryoshkaVectorField;
import java.io.Closeable;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import org.apache.lucene.document.Document;
import org.apache.lucene.document.Field;
import org.apache.lucene.document.FieldType;
import org.apache.lucene.document.StoredField;
import org.apache.lucene.document.StringField;
import org.apache.lucene.index.DirectoryReader;
import org.apache.lucene.index.IndexWriter;
import org.apache.lucene.index.IndexWriterConfig;
import org.apache.lucene.index.SegmentInfos;
import org.apache.lucene.index.Term;
import org.apache.lucene.index.LogByteSizeMergePolicy;
import org.apache.lucene.store.Directory;
import org.apache.lucene.store.FSDirectory;

/**
 * Writes a Matryoshka index: documents keyed by id (adding an id again replaces the document),
 * one full vector each, other fields stored. Settings travel in every commit.
 *
 * <pre>{@code
 * try (var w = MatryoshkaWriter.open(dir, IndexSettings.forVectors(768, 64, SimilarityName.COSINE), false)) {
 *   w.add("doc-1", vector, Map.of("title", "..."));
 *   w.commit(Map.of());
 * }
 * }</pre>
 */
public final class MatryoshkaWriter implements Closeable {

  /** Stored, indexed keyword field holding each document's id. */
  public static final String ID_FIELD = "id";

  private final Directory dir;
  private final IndexWriter writer;
  private final IndexSettings settings;
  private final FieldType vectorType;
  private final Map<String, String> extraUserData = new HashMap<>();

  private final String analyzer;
  /** The index directory, where the settings' copy ({@link SettingsFile}) lives. */
  private final Path path;

  private MatryoshkaWriter(Directory dir, IndexWriter writer, IndexSettings settings, String analyzer,
      Path path) {
    this.analyzer = analyzer;
    this.path = path;
    this.dir = dir;
    this.writer = writer;
    this.settings = settings;
    this.vectorType = settings.vectorFieldType();
  }

  /**
   * Opens (or creates) an index for writing.
   *
   * @param overwrite replace an existing index; otherwise an existing index must have compatible
   *     settings and is appended to
   * @throws IllegalArgumentException when an existing index has other settings
   */
  public static MatryoshkaWriter open(Path path, IndexSettings settings, boolean overwrite)
      throws IOException {
    return open(path, settings, overwrite, null);
  }

  /**
   * As {@link #open(Path, IndexSettings, boolean)}, with the analyser of the BM25 text field
   * (null: the existing index's, else {@value TextAnalysis#DEFAULT_ANALYZER}).
   */
  public static MatryoshkaWriter open(Path path, IndexSettings settings, boolean overwrite,
      String analyzer) throws IOException {
    Files.createDirectories(path);
    Directory dir = FSDirectory.open(path);
    try {
      boolean exists = DirectoryReader.indexExists(dir);
      Map<String, String> previous = Map.of();
      if (exists && !overwrite) {
        previous = SegmentInfos.readLatestCommit(dir).getUserData();
        IndexSettings stored = IndexSettings.fromUserData(previous);
        if (stored == null) {
          // another application's writer replaced the commit's user data: the copy beside it
          stored = IndexSettings.fromUserData(SettingsFile.read(path));
        }
        if (stored == null) {
          throw new IllegalArgumentException(
              "index at " + path + " is not a Matryoshka index (no settings in its commit); "
                  + "choose another directory or pass --overwrite");
        }
        String why = stored.incompatibility(settings);
        if (why != null) {
          throw new IllegalArgumentException(
              "index at " + path + " was built with other settings (" + why
                  + "); pass --overwrite to replace it");
        }
        settings = stored.withModel(
                settings.modelName() != null ? settings.modelName() : stored.modelName(),
                settings.modelFingerprint() != null ? settings.modelFingerprint() : stored.modelFingerprint());
      }
      String recorded = previous.get(TextAnalysis.ANALYZER_KEY);
      if (recorded != null && analyzer != null && !recorded.equals(analyzer)) {
        throw new IllegalArgumentException("index at " + path + " analyses text with " + recorded
            + ", requested " + analyzer + "; pass --overwrite to replace it");
      }
      String chosen = recorded != null ? recorded : analyzer != null ? analyzer : TextAnalysis.DEFAULT_ANALYZER;
      IndexWriterConfig iwc = config(settings, TextAnalysis.analyzer(chosen))
          .setOpenMode(overwrite ? IndexWriterConfig.OpenMode.CREATE : IndexWriterConfig.OpenMode.CREATE_OR_APPEND);
      IndexWriter w = new IndexWriter(dir, iwc);
      MatryoshkaWriter mw = new MatryoshkaWriter(dir, w, settings, chosen, path);
      for (var e : previous.entrySet()) {
        if (!e.getKey().startsWith(IndexSettings.P)) {
          mw.extraUserData.put(e.getKey(), e.getValue());
        }
      }
      return mw;
    } catch (Throwable t) {
      dir.close();
      throw t;
    }
  }

  /** Writer configuration shared by every writer of Matryoshka indexes. */
  public static IndexWriterConfig config(IndexSettings settings) {
    return config(settings, TextAnalysis.analyzer(TextAnalysis.DEFAULT_ANALYZER));
  }

  /** Writer configuration with the analyser of the BM25 text field. */
  public static IndexWriterConfig config(IndexSettings settings, org.apache.lucene.analysis.Analyzer analyzer) {
    IndexWriterConfig iwc = new IndexWriterConfig(analyzer);
    iwc.setSimilarity(TextAnalysis.bm25());
    iwc.setCodec(new MatryoshkaCodec(new MatryoshkaHnswVectorsFormat(
        settings.prefixDims(), settings.maxConn(), settings.beamWidth())));
    iwc.setRAMBufferSizeMB(256);
    // one file per part: mmap-friendly, and `inspect` can show bytes per file kind
    iwc.setUseCompoundFile(false);
    // a log merge policy merges only adjacent segments, so documents stay in insertion order
    // through every merge; with the codec's fresh graph on forceMerge(1), the same documents
    // added in the same order give the same graph however ingest was split (resumed reindexes,
    // commit intervals, flush sizes)
    LogByteSizeMergePolicy mp = new LogByteSizeMergePolicy();
    mp.setNoCFSRatio(0.0);
    iwc.setMergePolicy(mp);
    return iwc;
  }

  /** The settings this writer writes with. */
  public IndexSettings settings() {
    return settings;
  }

  /**
   * Adds or replaces the document with this id.
   *
   * @throws IllegalArgumentException for a bad vector (message names field and value) or empty id
   */
  public void add(String id, float[] vector, Map<String, String> stored) throws IOException {
    add(id, vector, stored, null);
  }

  /** As {@link #add(String, float[], Map)}, also indexing {@code text} for BM25 (when not blank). */
  public void add(String id, float[] vector, Map<String, String> stored, String text) throws IOException {
    Document d = document(id, vector, stored);
    if (text != null && !text.isBlank()) {
      d.add(new org.apache.lucene.document.TextField(TextAnalysis.FIELD, text, Field.Store.NO));
    }
    writer.updateDocument(new Term(ID_FIELD, checkId(id)), d);
  }

  /** Name of the analyser of the BM25 text field. */
  public String analyzer() {
    return analyzer;
  }

  /** Builds the Lucene document {@link #add} writes (for callers that batch documents). */
  public Document document(String id, float[] vector, Map<String, String> stored) {
    Document d = new Document();
    d.add(new StringField(ID_FIELD, checkId(id), Field.Store.YES));
    d.add(new MatryoshkaVectorField(settings.field(), vector, vectorType));
    if (stored != null) {
      for (var e : stored.entrySet()) {
        if (e.getValue() != null && !e.getKey().equals(ID_FIELD) && !e.getKey().equals(settings.field())) {
          d.add(new StoredField(e.getKey(), e.getValue()));
        }
      }
    }
    return d;
  }

  /** Checks a vector against this index's field (dimension, finite, non-zero for cosine). */
  public float[] checkVector(float[] vector) {
    return MatryoshkaVectorField.checkVector(settings.field(), vector, vectorType);
  }

  private static String checkId(String id) {
    if (id == null || id.isEmpty()) {
      throw new IllegalArgumentException("document id must be a non-empty string; got=" + id);
    }
    return id;
  }

  /** Deletes the document with this id, if any. */
  public void delete(String id) throws IOException {
    writer.deleteDocuments(new Term(ID_FIELD, id));
  }

  /** The underlying writer, for callers that add their own fields. */
  public IndexWriter indexWriter() {
    return writer;
  }

  /** User data (beyond settings) that the next commit will carry. */
  public Map<String, String> extraUserData() {
    return Map.copyOf(extraUserData);
  }

  /**
   * Commits everything added so far, with the settings and {@code extra} (e.g. a checkpoint) in
   * the commit's user data. Returns the commit's sequence number.
   */
  public long commit(Map<String, String> extra) throws IOException {
    extraUserData.putAll(extra);
    Map<String, String> data = new HashMap<>(extraUserData);
    data.putAll(settings.toUserData());
    data.put(TextAnalysis.ANALYZER_KEY, analyzer);
    writer.setLiveCommitData(data.entrySet());
    long seq = writer.commit();
    if (path != null) {
      Map<String, String> own = settings.toUserData();
      if (!own.equals(SettingsFile.read(path))) {
        SettingsFile.write(path, own);
      }
    }
    return seq;
  }

  /** Commits (with the current user data) and closes. */
  @Override
  public void close() throws IOException {
    try {
      if (writer.isOpen()) {
        commit(Map.of());
        writer.close();
      }
    } finally {
      dir.close();
    }
  }

  /** Closes without committing what was added since the last commit. */
  public void rollback() throws IOException {
    try {
      writer.rollback();
    } finally {
      dir.close();
    }
  }
}
