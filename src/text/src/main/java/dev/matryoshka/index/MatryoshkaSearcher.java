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
 *   for (var hit : s.search(queryVector, 10, null)) System.out.println(hit.id() + " " + hit.score());
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
  private final boolean hasText;
  private final dev.matryoshka.search.Calibration calibration;

  private MatryoshkaSearcher(Directory dir, DirectoryReader reader, Path path) {
    this.dir = dir;
    this.reader = reader;
    this.searcher = new IndexSearcher(reader);
    this.searcher.setSimilarity(TextAnalysis.bm25());
    // fixed for this reader: computed once, not per BM25/hybrid query
    this.hasText = org.apache.lucene.index.FieldInfos.getMergedFieldInfos(reader).fieldInfo(TextAnalysis.FIELD) != null;
    Map<String, String> data = readUserData(reader);
    if (IndexSettings.fromUserData(data) == null && path != null) {
      // the last commit came from another application's writer, with its own user data: the
      // settings' copy beside the index still says what the index is
      Map<String, String> merged = new java.util.HashMap<>(SettingsFile.read(path));
      merged.putAll(data);
      data = Map.copyOf(merged);
    }
    this.userData = data;
    IndexSettings s = IndexSettings.fromUserData(userData);
    if (s == null) {
      throw new IllegalArgumentException("not a Matryoshka index (no settings in its commit)");
    }
    this.settings = s;
    this.calibration = readCalibration(userData);
  }

  /**
   * The index-wide calibration of an older {@code index}/{@code tune}, or null. A damaged or
   * unknown entry is no reason to refuse the index: it is ignored, and said once.
   */
  private static dev.matryoshka.search.Calibration readCalibration(Map<String, String> userData) {
    try {
      return IndexCalibration.read(userData);
    } catch (RuntimeException e) {
      String key = String.valueOf(userData.get(dev.matryoshka.search.Calibration.USER_DATA_KEY));
      if (WARNED.add(key)) {
        System.getLogger(MatryoshkaSearcher.class.getName()).log(System.Logger.Level.WARNING,
            "ignoring the index's stored calibration (" + e.getMessage() + "); searches use each "
                + "segment's own calibration");
      }
      return null;
    }
  }

  private static final java.util.Set<String> WARNED = java.util.concurrent.ConcurrentHashMap.newKeySet();

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
        return new MatryoshkaSearcher(dir, r, path);
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

  /** The index-wide calibration stored in the commit (by {@code tune}, or an older {@code index}), or null. */
  public dev.matryoshka.search.Calibration calibration() {
    return calibration;
  }

  /**
   * The oversample every segment is searched with when a caller gives none, or NaN when each
   * segment picks its own. An index-wide calibration in the commit — stored by {@code tune}, which
   * a user runs on purpose (with their own queries, at best), or by {@code index} before
   * calibrations lived in the segments — is kept: its oversample applies to every segment.
   * Otherwise searches ask for {@link MatryoshkaKnnQuery#DEFAULT_TARGET_RECALL}, and every segment
   * maps it to an oversample from the calibration curve the codec measured when it wrote the
   * segment.
   */
  public float defaultOversample() {
    return calibration != null ? calibration.oversample() : Float.NaN;
  }

  /** The query {@link #search(float[], int, Query)} runs: see {@link #defaultOversample()}. */
  public MatryoshkaKnnQuery query(float[] vector, int k, Query filter) {
    float os = defaultOversample();
    if (!Float.isNaN(os)) {
      return query(vector, k, os, filter);
    }
    checkDims(vector);
    return new MatryoshkaKnnQuery(settings.field(), vector, k).filter(filter);
  }

  /**
   * The query at an explicit oversample, or, when {@code oversample} is NaN, asking every
   * segment for {@code targetRecall} (NaN: {@link MatryoshkaKnnQuery#DEFAULT_TARGET_RECALL}).
   */
  public MatryoshkaKnnQuery query(float[] vector, int k, float oversample, double targetRecall, Query filter) {
    if (!Float.isNaN(oversample)) {
      return query(vector, k, oversample, filter);
    }
    checkDims(vector);
    MatryoshkaKnnQuery q = new MatryoshkaKnnQuery(settings.field(), vector, k).filter(filter);
    return Double.isNaN(targetRecall) ? q : q.targetRecall(targetRecall);
  }

  /** Top k as {@link #query(float[], int, float, double, Query)} builds the query. */
  public List<Hit> search(float[] vector, int k, float oversample, double targetRecall, Query filter)
      throws IOException {
    return hits(searcher.search(query(vector, k, oversample, targetRecall, filter), k));
  }

  /** Top k by full-dimension similarity, as {@link #query(float[], int, Query)} builds the query. */
  public List<Hit> search(float[] vector, int k, Query filter) throws IOException {
    return hits(searcher.search(query(vector, k, filter), k));
  }

  private void checkDims(float[] vector) {
    if (vector.length != settings.dims()) {
      throw new IllegalArgumentException(
          "query vector has " + vector.length + " dims; the index has " + settings.dims());
    }
  }

  /** Builds the query {@link #search} runs (an explicit oversample always wins). */
  public MatryoshkaKnnQuery query(float[] vector, int k, float oversample, Query filter) {
    if (Float.isNaN(oversample)) {
      return query(vector, k, filter); // "none given": the default
    }
    checkDims(vector);
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

  /** Result of a hybrid search: hits and, when a side could not run, a note saying why. */
  public record HybridResult(List<Hit> hits, String note) {}

  /** True when the index has the BM25 text field. */
  public boolean hasText() {
    return hasText;
  }

  /** The BM25 query for {@code text} (terms of the index's analyser), or null if none remain. */
  public Query bm25Query(String text) {
    if (!hasText()) {
      throw new IllegalArgumentException(
          "this index has no analysed text for BM25 (built from vectors without text); use vector search");
    }
    String name = TextAnalysis.recorded(userData);
    var terms = TextAnalysis.terms(TextAnalysis.analyzer(name == null ? TextAnalysis.DEFAULT_ANALYZER : name), text);
    if (terms.isEmpty()) {
      return null;
    }
    var b = new org.apache.lucene.search.BooleanQuery.Builder();
    for (String t : terms) {
      b.add(new org.apache.lucene.search.TermQuery(new org.apache.lucene.index.Term(TextAnalysis.FIELD, t)),
          org.apache.lucene.search.BooleanClause.Occur.SHOULD);
    }
    return b.build();
  }

  /** BM25 top n (empty when the text analyses to no terms). */
  public List<Hit> bm25(String text, int n, Query filter) throws IOException {
    Query q = bm25Query(text);
    if (q == null) {
      return List.of();
    }
    return hits(searcher.search(withFilter(q, filter), n));
  }

  private static Query withFilter(Query q, Query filter) {
    if (filter == null) return q;
    return new org.apache.lucene.search.BooleanQuery.Builder()
        .add(q, org.apache.lucene.search.BooleanClause.Occur.MUST)
        .add(filter, org.apache.lucene.search.BooleanClause.Occur.FILTER).build();
  }

  /**
   * Hybrid search: BM25 top {@code depth} and Matryoshka top {@code depth} under the same filter,
   * fused by reciprocal rank fusion ({@code "rrf"}, k = 60) or a min-max normalised linear
   * combination ({@code "linear"}, {@code weight} on the vector side). A text that analyses to no
   * terms falls back to vector search, and the note says so.
   */
  public HybridResult hybrid(float[] vector, String text, int k, float oversample, Query filter,
      String fusion, double weight, int depth) throws IOException {
    int n = Math.max(k, depth);
    Query bq = bm25Query(text);
    List<ScoreDoc> vec = java.util.Arrays.asList(searcher.search(query(vector, n, oversample, filter), n).scoreDocs);
    if (bq == null) {
      return new HybridResult(hits(new TopDocs(new org.apache.lucene.search.TotalHits(vec.size(),
          org.apache.lucene.search.TotalHits.Relation.EQUAL_TO), vec.subList(0, Math.min(k, vec.size())).toArray(ScoreDoc[]::new))),
          "query text \"" + text + "\" has no searchable terms after analysis; vector results only");
    }
    List<ScoreDoc> kw = java.util.Arrays.asList(searcher.search(withFilter(bq, filter), n).scoreDocs);
    ScoreDoc[] fused = switch (fusion) {
      case "rrf" -> dev.matryoshka.search.Fusion.rrf(k, dev.matryoshka.search.Fusion.DEFAULT_RRF_K, vec, kw);
      case "linear" -> dev.matryoshka.search.Fusion.linear(k, weight, vec, kw);
      default -> throw new IllegalArgumentException("unknown fusion \"" + fusion + "\"; expected rrf or linear");
    };
    return new HybridResult(hits(new TopDocs(new org.apache.lucene.search.TotalHits(fused.length,
        org.apache.lucene.search.TotalHits.Relation.EQUAL_TO), fused)), null);
  }

  /** The stored full vector of a document (a copy), or null if it has none. */
  public float[] vector(int doc) throws IOException {
    var leaves = reader.leaves();
    var leaf = leaves.get(org.apache.lucene.index.ReaderUtil.subIndex(doc, leaves));
    var values = leaf.reader().getFloatVectorValues(settings.field());
    if (values == null) {
      return null;
    }
    var it = values.iterator();
    int local = doc - leaf.docBase;
    return it.advance(local) == local ? values.vectorValue(it.index()).clone() : null;
  }

  /** Lucene doc number of a document id, or -1. */
  public int docOf(String id) throws IOException {
    TopDocs td = searcher.search(new org.apache.lucene.search.TermQuery(
        new org.apache.lucene.index.Term(MatryoshkaWriter.ID_FIELD, id)), 1);
    return td.scoreDocs.length == 0 ? -1 : td.scoreDocs[0].doc;
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
