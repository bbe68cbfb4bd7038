package dev.matryoshka.reindex;

import dev.matryoshka.index.DocumentText;
import dev.matryoshka.index.IndexSettings;
import dev.matryoshka.index.MatryoshkaWriter;
import dev.matryoshka.index.SimilarityName;
import dev.matryoshka.index.SourceDocument;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.lucene.document.Document;
import org.apache.lucene.index.DirectoryReader;
import org.apache.lucene.index.FieldInfo;
import org.apache.lucene.index.FieldInfos;
import org.apache.lucene.index.FloatVectorValues;
import org.apache.lucene.index.IndexableField;
import org.apache.lucene.index.KnnVectorValues;
import org.apache.lucene.index.LeafReader;
import org.apache.lucene.index.LeafReaderContext;
import org.apache.lucene.index.StoredFields;
import org.apache.lucene.index.VectorEncoding;
import org.apache.lucene.store.Directory;
import org.apache.lucene.store.FSDirectory;
import org.apache.lucene.util.Bits;

/**
 * A Lucene index as a reindex source: a Matryoshka index (settings in its commit; full vectors
 * reused, model and adapter carried over) or a plain Lucene index (a float vector field reused
 * as-is, or stored text to encode). Documents are read in index order from one commit; the
 * position is the global doc number, and the identity names the commit, so a checkpoint taken
 * against another commit of the source is not trusted.
 */
final class LuceneSource implements ReindexSource {
  private final Path path;
  private final Directory dir;
  private final DirectoryReader reader;
  private final String idField;
  private final String textField;
  private final Vectors vectors;
  private final String identity;
  private int leaf;
  private int doc;
  private long nextGlobal;
  private StoredFields stored;
  private FloatVectorValues values;
  private KnnVectorValues.DocIndexIterator valueIt;

  LuceneSource(Path path, ReindexOptions options) throws IOException {
    this.path = path.toAbsolutePath().normalize();
    if (!Files.isDirectory(path)) {
      throw new IllegalArgumentException("source index directory does not exist: " + path);
    }
    this.dir = FSDirectory.open(path);
    try {
      if (!DirectoryReader.indexExists(dir)) {
        throw new IllegalArgumentException("no Lucene index found in " + path);
      }
      this.reader = DirectoryReader.open(dir);
    } catch (Throwable t) {
      dir.close();
      throw t;
    }
    try {
      Map<String, String> userData = reader.getIndexCommit().getUserData();
      this.identity = "lucene:" + this.path + "@" + reader.getIndexCommit().getSegmentsFileName();
      FieldInfos infos = FieldInfos.getMergedFieldInfos(reader);
      IndexSettings settings = IndexSettings.fromUserData(userData);
      this.idField = idField(infos, options.idField, settings);
      this.textField = options.textField;
      this.vectors = vectors(infos, options, settings);
    } catch (Throwable t) {
      close();
      throw t;
    }
  }

  private String idField(FieldInfos infos, String requested, IndexSettings settings) {
    if (requested != null) {
      if (infos.fieldInfo(requested) == null) {
        throw new IllegalArgumentException("source index " + path + " has no field \"" + requested + "\" (--id-field)");
      }
      return requested;
    }
    for (String f : new String[] {MatryoshkaWriter.ID_FIELD, "_id"}) {
      if (infos.fieldInfo(f) != null) {
        return f;
      }
    }
    throw new IllegalArgumentException("source index " + path + " has no \"id\" or \"_id\" field; name it with --id-field");
  }

  private Vectors vectors(FieldInfos infos, ReindexOptions options, IndexSettings settings) {
    String field = options.vectorField != null ? options.vectorField : settings != null ? settings.field() : null;
    if (field == null) {
      List<String> found = new ArrayList<>();
      for (FieldInfo fi : infos) {
        if (fi.getVectorDimension() > 0 && fi.getVectorEncoding() == VectorEncoding.FLOAT32) found.add(fi.name);
      }
      if (found.size() > 1) {
        throw new IllegalArgumentException("source index " + path + " has several vector fields " + found
            + "; choose one with --vector-field");
      }
      field = found.isEmpty() ? null : found.get(0);
    }
    if (field == null) {
      return null;
    }
    FieldInfo fi = infos.fieldInfo(field);
    if (fi == null || fi.getVectorDimension() == 0 || fi.getVectorEncoding() != VectorEncoding.FLOAT32) {
      throw new IllegalArgumentException("source index " + path + " has no float vector field \"" + field + "\"");
    }
    if (settings != null && field.equals(settings.field())) {
      return new Vectors(field, settings.dims(), settings.similarity(), settings.prefixDims(),
          settings.modelName(), settings.modelFingerprint(), settings.adapterKind(), settings.adapterFingerprint());
    }
    return Vectors.plain(field, fi.getVectorDimension(), SimilarityName.of(fi.getVectorSimilarityFunction()));
  }

  @Override
  public String identity() {
    return identity;
  }

  @Override
  public Vectors vectors() {
    return vectors;
  }

  @Override
  public Path adapterFile() {
    return vectors == null || "none".equals(vectors.adapterKind()) ? null
        : path.resolve(dev.matryoshka.index.Adapters.FILE_NAME);
  }

  @Override
  public long total() {
    return reader.numDocs();
  }

  @Override
  public double fractionRead() {
    return reader.maxDoc() == 0 ? 1 : nextGlobal / (double) reader.maxDoc();
  }

  @Override
  public void resumeAfter(String position) throws IOException {
    long start = position == null ? 0 : Long.parseLong(position);
    List<LeafReaderContext> leaves = reader.leaves();
    leaf = 0;
    while (leaf < leaves.size() && leaves.get(leaf).docBase + leaves.get(leaf).reader().maxDoc() <= start) {
      leaf++;
    }
    openLeaf();
    doc = leaf < leaves.size() ? (int) (start - leaves.get(leaf).docBase) : 0;
    nextGlobal = start;
  }

  private void openLeaf() throws IOException {
    if (leaf >= reader.leaves().size()) {
      return;
    }
    LeafReader r = reader.leaves().get(leaf).reader();
    stored = r.storedFields();
    values = vectors == null ? null : r.getFloatVectorValues(vectors.field());
    valueIt = values == null ? null : values.iterator();
    doc = 0;
  }

  @Override
  public Record next() throws IOException {
    if (stored == null && leaf == 0) {
      resumeAfter(null);
    }
    List<LeafReaderContext> leaves = reader.leaves();
    while (leaf < leaves.size()) {
      LeafReaderContext ctx = leaves.get(leaf);
      Bits live = ctx.reader().getLiveDocs();
      while (doc < ctx.reader().maxDoc()) {
        int d = doc++;
        nextGlobal = ctx.docBase + doc;
        if (live == null || live.get(d)) {
          return read(d, Long.toString(nextGlobal));
        }
      }
      leaf++;
      openLeaf();
    }
    return null;
  }

  private Record read(int d, String position) throws IOException {
    Document document = stored.document(d);
    Map<String, String> fields = new LinkedHashMap<>();
    for (IndexableField f : document) {
      String v = f.stringValue() != null ? f.stringValue() : f.numericValue() != null ? f.numericValue().toString() : null;
      if (v != null) fields.putIfAbsent(f.name(), v);
    }
    String id = fields.get(idField);
    if (id == null || id.isEmpty()) {
      return Record.skip("no id", path + ": doc " + d + " of segment " + leaf + " has no stored \"" + idField + "\"", position);
    }
    float[] vector = null;
    if (valueIt != null) {
      if (valueIt.docID() < d) valueIt.advance(d);
      if (valueIt.docID() == d) vector = values.vectorValue(valueIt.index()).clone();
    }
    // a named field as it is; otherwise the BEIR rule over the stored title and text
    String text = textField != null
        ? (fields.get(textField) == null ? null : fields.get(textField).strip())
        : DocumentText.of(fields.get("title"), fields.get("text"));
    if (!idField.equals(MatryoshkaWriter.ID_FIELD)) {
      fields.remove(idField);
    }
    return Record.of(new SourceDocument(id, vector, text == null || text.isEmpty() ? null : text, fields), position);
  }

  @Override
  public void close() throws IOException {
    try {
      if (reader != null) reader.close();
    } finally {
      dir.close();
    }
  }
}
