package dev.matryoshka.index;

import dev.matryoshka.search.MatryoshkaKnnQuery;
import java.io.Closeable;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.lucene.document.Document;
import org.apache.lucene.index.DirectoryReader;
import org.apache.lucene.index.IndexableField;
import org.apache.lucene.search.IndexSearcher;
import org.apache.lucene.search.Query;
import org.apache.lucene.search.ScoreDoc;
import org.apache.lucene.search.TopDocs;
import org.apache.lucene.store.Directory;
import org.apache.lucene.store.FSDirectory;

/**
 * Searches a Matryoshka index by vector. Reads the settings from the index's commit.
 *
 * <pre>{@code
 * try (var s = MatryoshkaSearcher.open(dir)) {
 *   for (var hit : s.search(queryVector, 10, 4f, null)) System.out.println(hit.id() + " " + hit.score());
 * }
 * }</pre>
 */
public final class MatryoshkaSearcher implements Closeable {

  /** One result: document id, full-dimension score, Lucene doc number. */
  public record Hit(String id, float score, int doc) {}

  private final Directory dir;
  private final DirectoryReader reader;
  private final IndexSearcher searcher;
  private final IndexSettings settings;
  private final Map<String, String> userData;

  private MatryoshkaSearcher(Directory dir, DirectoryReader reader) {
    this.dir = dir;
    this.reader = reader;
    this.searcher = new IndexSearcher(reader);
    this.userData = readUserData(reader);
    IndexSettings s = IndexSettings.fromUserData(userData);
    if (s == null) {
      throw new IllegalArgumentException("not a Matryoshka index (no settings in its commit)");
    }
    this.settings = s;
  }

  private static Map<String, String> readUserData(DirectoryReader r) {
    try {
      return r.getIndexCommit().getUserData();
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  /**
   * Opens the index at {@code path}.
   *
   * @throws IllegalArgumentException when the path holds no Matryoshka index
   */
  public static MatryoshkaSearcher open(Path path) throws IOException {
    if (!Files.isDirectory(path)) {
      throw new IllegalArgumentException("index directory does not exist: " + path);
    }
    Directory dir = FSDirectory.open(path);
    try {
      if (!DirectoryReader.indexExists(dir)) {
        throw new IllegalArgumentException("no index found in " + path);
      }
      DirectoryReader r = DirectoryReader.open(dir);
      try {
        return new MatryoshkaSearcher(dir, r);
      } catch (IllegalArgumentException e) {
        r.close();
        throw new IllegalArgumentException(path + ": " + e.getMessage(), e);
      }
    } catch (Throwable t) {
      dir.close();
      throw t;
    }
  }

  /** The index's settings. */
  public IndexSettings settings() {
    return settings;
  }

  /** The commit's user data (settings, model, adapter, checkpoints). */
  public Map<String, String> userData() {
    return userData;
  }

  /** Lucene searcher over the index, for custom queries. */
  public IndexSearcher indexSearcher() {
    return searcher;
  }

  /** Number of live documents. */
  public int numDocs() {
    return reader.numDocs();
  }

  /** Builds the query {@link #search} runs. */
  public MatryoshkaKnnQuery query(float[] vector, int k, float oversample, Query filter) {
    if (vector.length != settings.dims()) {
      throw new IllegalArgumentException(
          "query vector has " + vector.length + " dims; the index has " + settings.dims());
    }
    return new MatryoshkaKnnQuery(settings.field(), vector, k).oversample(oversample).filter(filter);
  }

  /** Top k by full-dimension similarity. */
  public List<Hit> search(float[] vector, int k, float oversample, Query filter) throws IOException {
    return hits(searcher.search(query(vector, k, oversample, filter), k));
  }

  /** Converts Lucene hits to (id, score) hits. */
  public List<Hit> hits(TopDocs top) throws IOException {
    List<Hit> out = new ArrayList<>(top.scoreDocs.length);
    var stored = searcher.storedFields();
    for (ScoreDoc sd : top.scoreDocs) {
      Document d = stored.document(sd.doc, java.util.Set.of(MatryoshkaWriter.ID_FIELD));
      out.add(new Hit(d.get(MatryoshkaWriter.ID_FIELD), sd.score, sd.doc));
    }
    return out;
  }

  /** All stored fields of a document, in index order. */
  public Map<String, String> stored(int doc) throws IOException {
    Map<String, String> m = new LinkedHashMap<>();
    for (IndexableField f : searcher.storedFields().document(doc)) {
      if (f.stringValue() != null) {
        m.put(f.name(), f.stringValue());
      }
    }
    return m;
  }

  @Override
  public void close() throws IOException {
    try {
      reader.close();
    } finally {
      dir.close();
    }
  }
}
