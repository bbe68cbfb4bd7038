package dev.matryoshka.opensearch;

import static org.junit.jupiter.api.Assertions.assertFalse;

import com.fasterxml.jackson.databind.JsonNode;
import dev.matryoshka.codec.MatryoshkaCodec;
import dev.matryoshka.codec.MatryoshkaHnswVectorsFormat;
import dev.matryoshka.document.MatryoshkaVectorField;
import dev.matryoshka.encode.EncoderOptions;
import dev.matryoshka.encode.Models;
import dev.matryoshka.encode.TextEncoder;
import dev.matryoshka.eval.BeirDataset;
import dev.matryoshka.eval.TestCorpus;
import dev.matryoshka.search.MatryoshkaKnnQuery;
import java.io.IOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.lucene.document.Document;
import org.apache.lucene.document.Field;
import org.apache.lucene.document.FieldType;
import org.apache.lucene.document.StringField;
import org.apache.lucene.index.DirectoryReader;
import org.apache.lucene.index.IndexWriter;
import org.apache.lucene.index.IndexWriterConfig;
import org.apache.lucene.index.StoredFields;
import org.apache.lucene.index.VectorSimilarityFunction;
import org.apache.lucene.search.IndexSearcher;
import org.apache.lucene.search.ScoreDoc;
import org.apache.lucene.store.ByteBuffersDirectory;

/**
 * The project's own {@code test-corpus/} (240 passages, 60 queries; see {@link TestCorpus}): its
 * passages' text ({@code title + " " + text}, as the library's BEIR reader joins them) sent
 * through a node's pipeline, and its queries searched on the node and with the embedded library.
 */
final class NodeCorpus {
  private final List<String> ids = new ArrayList<>();
  private final List<String> texts = new ArrayList<>();
  private final List<String> queries = new ArrayList<>();

  static NodeCorpus load() {
    BeirDataset ds = TestCorpus.load();
    NodeCorpus c = new NodeCorpus();
    for (BeirDataset.Document d : ds.docs()) {
      c.ids.add(d.id());
      c.texts.add(d.encodingText());
    }
    c.queries.addAll(ds.queryTexts());
    return c;
  }

  /** Number of documents. */
  int size() {
    return ids.size();
  }

  /** Number of queries. */
  int queries() {
    return queries.size();
  }

  /** Indexes the documents' text through {@code pipeline}, 100 per bulk request. */
  void bulkIndex(Rest rest, String index, String pipeline) throws IOException {
    for (int from = 0; from < ids.size(); from += 100) {
      StringBuilder bulk = new StringBuilder();
      for (int i = from; i < Math.min(ids.size(), from + 100); i++) {
        bulk.append(Rest.JSON.writeValueAsString(Map.of("index", Map.of("_index", index, "_id", ids.get(i))))).append('\n');
        bulk.append(Rest.JSON.writeValueAsString(Map.of("text", texts.get(i)))).append('\n');
      }
      JsonNode res = Json.bulk(rest, "/_bulk?pipeline=" + pipeline, bulk.toString());
      assertFalse(res.path("errors").asBoolean(), res.toString());
    }
  }

  List<List<Hit>> searchNode(Rest rest, String index, int k, float oversample) throws IOException {
    List<List<Hit>> out = new ArrayList<>();
    for (String q : queries) {
      Map<String, Object> knn = Map.of("field", "emb", "query_text", q, "k", k, "oversample", oversample);
      String body = Rest.JSON.writeValueAsString(Map.of("size", k, "_source", false, "query", Map.of("matryoshka_knn", knn)));
      List<Hit> hits = new ArrayList<>();
      for (JsonNode h : rest.ok("POST", "/" + index + "/_search", body).path("hits").path("hits")) {
        hits.add(new Hit(h.path("_id").asText(), (float) h.path("_score").asDouble()));
      }
      out.add(hits);
    }
    return out;
  }

  /**
   * The document vectors the node's pipeline wrote, read back from {@code _source}; the first
   * {@code check} of them are compared with the embedded encoder's (max abs difference 1e-4), so
   * the node and the library encode alike without paying for every document twice on 2 cores.
   */
  float[][] nodeVectors(Rest rest, String index, int check) throws IOException {
    String body = Rest.JSON.writeValueAsString(Map.of("size", ids.size(), "_source", List.of("emb")));
    Map<String, float[]> byId = new HashMap<>();
    for (JsonNode h : rest.ok("POST", "/" + index + "/_search", body).path("hits").path("hits")) {
      byId.put(h.path("_id").asText(), Json.toFloats(h.path("_source").path("emb")));
    }
    float[][] out = new float[ids.size()][];
    for (int i = 0; i < out.length; i++) {
      out[i] = byId.get(ids.get(i));
      if (out[i] == null) {
        throw new AssertionError("document " + ids.get(i) + " has no vector on the node");
      }
    }
    try (TextEncoder enc = Models.open(Models.DEFAULT_MODEL, EncoderOptions.defaults())) {
      float[][] local = enc.encodeDocuments(texts.subList(0, check));
      for (int i = 0; i < check; i++) {
        for (int d = 0; d < local[i].length; d++) {
          if (Math.abs(local[i][d] - out[i][d]) > 1e-4) {
            throw new AssertionError("document " + ids.get(i) + " dim " + d + ": node " + out[i][d] + ", library " + local[i][d]);
          }
        }
      }
    }
    return out;
  }

  /**
   * The node's document order (Lucene doc ids of the index's one segment), read with a {@code
   * _doc} sort. OpenSearch interleaves segments on a forced merge (its ShuffleForcedMergePolicy),
   * so after {@code _forcemerge} this is not the bulk order.
   */
  List<Integer> nodeDocOrder(Rest rest, String index) throws IOException {
    String body = Rest.JSON.writeValueAsString(Map.of("size", ids.size(), "_source", false, "sort", List.of("_doc")));
    Map<String, Integer> position = new HashMap<>();
    for (int i = 0; i < ids.size(); i++) {
      position.put(ids.get(i), i);
    }
    List<Integer> order = new ArrayList<>();
    for (JsonNode h : rest.ok("POST", "/" + index + "/_search", body).path("hits").path("hits")) {
      order.add(position.get(h.path("_id").asText()));
    }
    if (order.size() != ids.size() || order.contains(null)) {
      throw new AssertionError("node returned " + order.size() + " documents in _doc order, expected " + ids.size());
    }
    return order;
  }

  /**
   * The same documents (added in {@code order}, positions into the corpus), model and settings
   * (prefix 64, m 16, ef_construction 100) in-process.
   */
  List<List<Hit>> searchEmbedded(float[][] vectors, List<Integer> order, int k, float oversample) throws IOException {
    FieldType type = MatryoshkaVectorField.fieldType(384, 64, VectorSimilarityFunction.COSINE);
    // like the node: several segments (here a commit every 97 documents) kept in order by a log
    // merge policy, then forceMerge(1), which builds the graph from scratch in document order
    IndexWriterConfig iwc =
        new IndexWriterConfig().setCodec(new MatryoshkaCodec(new MatryoshkaHnswVectorsFormat(64, 16, 100)))
            .setMergePolicy(new org.apache.lucene.index.LogByteSizeMergePolicy());
    List<List<Hit>> out = new ArrayList<>();
    // the field names the bundled model and no adapter, so the node maps documents and queries
    // through the model's shipped rotation: the library does the same
    dev.matryoshka.adapt.Adapter rotation = dev.matryoshka.index.ModelRotations.forModel(Models.DEFAULT_MODEL);
    try (TextEncoder enc = Models.open(Models.DEFAULT_MODEL, EncoderOptions.defaults());
        ByteBuffersDirectory dir = new ByteBuffersDirectory()) {
      try (IndexWriter w = new IndexWriter(dir, iwc)) {
        for (int n = 0; n < order.size(); n++) {
          int i = order.get(n);
          Document d = new Document();
          d.add(new StringField("id", ids.get(i), Field.Store.YES));
          d.add(new MatryoshkaVectorField("emb", rotation.apply(vectors[i]), type));
          w.addDocument(d);
          if (n % 97 == 96) {
            w.commit();
          }
        }
        w.forceMerge(1);
      }
      try (DirectoryReader reader = DirectoryReader.open(dir)) {
        IndexSearcher searcher = new IndexSearcher(reader);
        StoredFields stored = reader.storedFields();
        // one query per call, as the node encodes each request's query_text: a batch pads
        // queries to a common length, and other matrix shapes round the last bits differently
        for (String text : queries) {
          float[] q = rotation.apply(enc.encodeQueries(List.of(text))[0]);
          List<Hit> hits = new ArrayList<>();
          for (ScoreDoc sd : searcher.search(new MatryoshkaKnnQuery("emb", q, k).oversample(oversample), k).scoreDocs) {
            hits.add(new Hit(stored.document(sd.doc).get("id"), sd.score));
          }
          out.add(hits);
        }
      }
    }
    return out;
  }
}
