package dev.matryoshka.reindex;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.matryoshka.index.DocumentText;
import dev.matryoshka.index.SimilarityName;
import dev.matryoshka.index.SourceDocument;
import java.io.IOException;
import java.net.URI;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Consumer;

/**
 * An OpenSearch index as a reindex source: a point in time (when the node offers one) paged with
 * {@code search_after}, sorted by {@code _id}. Sorting by id makes the position (the last id
 * read) meaningful across runs, so a resumed reindex asks only for the ids after it. Vectors come
 * from a {@code matryoshka_vector} / {@code knn_vector} field (or {@code --vector-field});
 * otherwise the text is encoded.
 */
final class OpenSearchSource implements ReindexSource {
  private static final String KEEP_ALIVE = "5m";

  private final OpenSearchClient client;
  private final String index;
  private final ReindexOptions options;
  private final Vectors vectors;
  private final long total;
  private final Deque<JsonNode> page = new ArrayDeque<>();
  private String pit;
  private String after;
  private boolean exhausted;
  private long read;

  OpenSearchSource(String url, ReindexOptions options, Consumer<String> log) throws IOException {
    String[] parts = OpenSearchClient.split(url);
    this.client = new OpenSearchClient(URI.create(parts[0]), options.maxRetries, options.backoff, log);
    this.index = parts[1];
    this.options = options;
    JsonNode mapping;
    try {
      mapping = client.json("GET", "/" + index + "/_mapping", null);
    } catch (OpenSearchClient.StatusException e) {
      if (e.status() == 404) {
        throw new IllegalArgumentException("source OpenSearch index \"" + index + "\" does not exist at " + parts[0], e);
      }
      throw e;
    }
    this.vectors = vectors(mapping.path(index).path("mappings").path("properties"));
    this.total = client.json("GET", "/" + index + "/_count", null).path("count").asLong(-1);
    try {
      pit = client.json("POST", "/" + index + "/_search/point_in_time?keep_alive=" + KEEP_ALIVE, null)
          .path("pit_id").asText(null);
    } catch (OpenSearchClient.StatusException e) {
      pit = null; // no PIT support: search_after on _id alone still pages consistently by id
      log.accept("opensearch: no point in time (" + e.getMessage() + "); paging by _id without it");
    }
  }

  private Vectors vectors(JsonNode props) {
    String field = options.vectorField;
    if (field == null) {
      for (Iterator<Map.Entry<String, JsonNode>> it = props.fields(); it.hasNext(); ) {
        var e = it.next();
        String type = e.getValue().path("type").asText();
        if (type.equals("matryoshka_vector") || type.equals("knn_vector") || type.equals("dense_vector")) {
          field = e.getKey();
          break;
        }
      }
    }
    if (field == null) {
      return null;
    }
    JsonNode m = props.path(field);
    if (m.isMissingNode()) {
      throw new IllegalArgumentException("source OpenSearch index \"" + index + "\" has no field \"" + field + "\"");
    }
    int dims = m.has("dims") ? m.path("dims").asInt() : m.path("dimension").asInt(-1);
    SimilarityName sim = null;
    String s = m.path("similarity").asText(m.path("method").path("space_type").asText(m.path("space_type").asText("")));
    if (!s.isEmpty()) {
      try {
        sim = SimilarityName.parse(s.equals("cosinesimil") ? "cosine" : s);
      } catch (IllegalArgumentException ignored) {
        sim = null;
      }
    }
    Integer prefix = m.has("prefix_dims") ? m.path("prefix_dims").asInt() : null;
    String model = m.hasNonNull("model") ? m.path("model").asText() : null;
    if (dims <= 0) {
      throw new IllegalArgumentException("cannot tell the dimension of vector field \"" + field + "\" from the mapping of "
          + index + ": " + m);
    }
    return new Vectors(field, dims, sim, prefix, model, null, "none", null);
  }

  @Override
  public String identity() {
    return "opensearch:" + client.base() + index;
  }

  @Override
  public Vectors vectors() {
    return vectors;
  }

  @Override
  public long total() {
    return total;
  }

  @Override
  public double fractionRead() {
    return total <= 0 ? -1 : Math.min(1.0, read / (double) total);
  }

  @Override
  public void resumeAfter(String position) {
    after = position;
    page.clear();
    exhausted = false;
  }

  @Override
  public Record next() throws IOException {
    if (page.isEmpty() && !exhausted) {
      fetch();
    }
    JsonNode hit = page.pollFirst();
    if (hit == null) {
      return null;
    }
    read++;
    String id = hit.path("_id").asText();
    after = id;
    return Record.of(document(id, hit.path("_source")), id);
  }

  private void fetch() throws IOException {
    ObjectNode body = OpenSearchClient.JSON.createObjectNode();
    body.put("size", Math.max(options.batch, 100));
    body.putArray("sort").addObject().put("_id", "asc");
    if (after != null) {
      body.putArray("search_after").add(after);
    }
    String path;
    if (pit != null) {
      body.putObject("pit").put("id", pit).put("keep_alive", KEEP_ALIVE);
      path = "/_search";
    } else {
      path = "/" + index + "/_search";
    }
    JsonNode r = client.json("POST", path, body);
    if (r.hasNonNull("pit_id")) {
      pit = r.path("pit_id").asText();
    }
    ArrayNode hits = (ArrayNode) r.path("hits").path("hits");
    if (hits == null || hits.isEmpty()) {
      exhausted = true;
      return;
    }
    hits.forEach(page::addLast);
  }

  private SourceDocument document(String id, JsonNode src) {
    float[] vector = null;
    String vf = vectors != null ? vectors.field() : options.vectorField;
    JsonNode v = vf == null ? null : src.get(vf);
    if (v != null && v.isArray() && !v.isEmpty()) {
      vector = new float[v.size()];
      for (int i = 0; i < vector.length; i++) vector[i] = (float) v.get(i).asDouble();
    }
    Map<String, String> stored = new LinkedHashMap<>();
    for (Iterator<Map.Entry<String, JsonNode>> it = src.fields(); it.hasNext(); ) {
      var e = it.next();
      if (!e.getKey().equals(vf) && e.getValue().isValueNode() && !e.getValue().isNull()) {
        stored.put(e.getKey(), e.getValue().asText());
      }
    }
    String text;
    if (options.textField != null) {
      text = stored.get(options.textField);
    } else {
      text = DocumentText.of(stored.get("title"), stored.get("text"));
    }
    return new SourceDocument(id, vector, text, stored);
  }

  @Override
  public void close() throws IOException {
    if (pit != null) {
      try {
        ObjectNode body = OpenSearchClient.JSON.createObjectNode();
        body.putArray("pit_id").add(pit);
        client.send("DELETE", "/_search/point_in_time", OpenSearchClient.JSON.writeValueAsString(body), null);
      } catch (IOException ignored) {
        // the point in time expires by itself after its keep-alive
      }
    }
  }
}
