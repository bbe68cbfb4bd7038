package dev.matryoshka.reindex;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.matryoshka.index.IndexSettings;
import java.io.IOException;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * An OpenSearch index with the Matryoshka plugin as a reindex target. Creates the index with
 * {@code "index.codec": "matryoshka"} and a {@code matryoshka_vector} field; writes with the bulk
 * API ({@code index} actions keyed by {@code _id}); retries documents the node answers with 429;
 * keeps the checkpoint in the mapping's {@code _meta.matryoshka_reindex}, written only after the
 * bulk requests it covers have been acknowledged (durable in the translog).
 */
final class OpenSearchTarget implements ReindexTarget {
  /** Key of the checkpoint inside the mapping's {@code _meta}. */
  static final String META_KEY = "matryoshka_reindex";

  private final OpenSearchClient client;
  private final String index;
  private final int maxRetries;
  private final Duration backoff;
  private final Consumer<String> log;
  private IndexSettings settings;
  private boolean opened;

  OpenSearchTarget(String url, ReindexOptions options, Consumer<String> log) {
    String[] parts = OpenSearchClient.split(url);
    this.client = new OpenSearchClient(URI.create(parts[0]), options.maxRetries, options.backoff, log);
    this.index = parts[1];
    this.maxRetries = options.maxRetries;
    this.backoff = options.backoff;
    this.log = log;
  }

  static String similarityName(IndexSettings s) {
    return s.similarity().openSearchName();
  }

  @Override
  public Checkpoint open(IndexSettings settings, boolean overwrite) throws IOException {
    this.settings = settings;
    if (!"none".equals(settings.adapterKind())) {
      installAdapter(null);
    }
    int head = client.send("HEAD", "/" + index, null, null).status();
    if (head == 200 && overwrite) {
      client.json("DELETE", "/" + index, null);
      head = 404;
    }
    if (head == 200) {
      JsonNode mappings = client.json("GET", "/" + index + "/_mapping", null).path(index).path("mappings");
      JsonNode f = mappings.path("properties").path(settings.field());
      String why = differences(f, settings);
      if (why != null) {
        throw new IllegalArgumentException("target OpenSearch index " + client.base() + index
            + " exists with other settings (" + why + "); pass --overwrite to replace it");
      }
      JsonNode meta = mappings.path("_meta").path(META_KEY);
      opened = true;
      if (!meta.isObject()) {
        return null;
      }
      Map<String, String> m = new HashMap<>();
      meta.fields().forEachRemaining(e -> m.put(e.getKey(), e.getValue().asText()));
      return Checkpoint.fromUserData(m);
    }
    if (head != 404) {
      throw new IOException("OpenSearch HEAD " + client.base() + index + " -> HTTP " + head);
    }
    client.json("PUT", "/" + index, createBody(settings));
    opened = true;
    return null;
  }

  private static String differences(JsonNode f, IndexSettings s) {
    if (f.isMissingNode()) {
      return "no field \"" + s.field() + "\"";
    }
    List<String> d = new ArrayList<>();
    if (!"matryoshka_vector".equals(f.path("type").asText())) d.add("field type " + f.path("type").asText());
    if (f.path("dims").asInt() != s.dims()) d.add("dims " + f.path("dims").asInt() + " vs " + s.dims());
    int prefix = f.path("prefix_dims").asInt(dev.matryoshka.codec.MatryoshkaPrefix.DEFAULT_PREFIX_DIMS);
    if (prefix != s.prefixDims()) d.add("prefix dims " + prefix + " vs " + s.prefixDims());
    String sim = f.path("similarity").asText("cosine");
    if (!sim.equals(similarityName(s))) d.add("similarity " + sim + " vs " + similarityName(s));
    String quant = f.path("prefix_quantization").asText("none");
    String want = s.prefixEncoding().settingName();
    if (!quant.equals(want)) d.add("prefix quantization " + quant + " vs " + want);
    return d.isEmpty() ? null : String.join("; ", d);
  }

  private static ObjectNode createBody(IndexSettings s) {
    ObjectNode body = OpenSearchClient.JSON.createObjectNode();
    body.putObject("settings").put("index.codec", "matryoshka");
    ObjectNode field = body.putObject("mappings").putObject("properties").putObject(s.field());
    field.put("type", "matryoshka_vector").put("dims", s.dims()).put("prefix_dims", s.prefixDims())
        .put("similarity", similarityName(s)).put("m", s.maxConn()).put("ef_construction", s.beamWidth());
    if (s.modelName() != null) {
      field.put("model", s.modelName());
    }
    if (s.prefixEncoding().quantized()) {
      field.put("prefix_quantization", s.prefixEncoding().settingName());
    }
    return body;
  }

  @Override
  public void installAdapter(java.nio.file.Path file) {
    throw new IllegalArgumentException("the OpenSearch plugin does not apply adapters to queries; reindex into "
        + client.base() + index + " from unadapted vectors or text, without --adapter");
  }

  @Override
  public List<Rejected> write(List<Doc> docs) throws IOException {
    List<Rejected> rejected = new ArrayList<>();
    List<Doc> pending = docs; // an empty bulk request is an error on a real node: none is sent

    for (int attempt = 0; !pending.isEmpty(); attempt++) {
      StringBuilder nd = new StringBuilder();
      for (Doc d : pending) {
        ObjectNode action = OpenSearchClient.JSON.createObjectNode();
        action.putObject("index").put("_id", d.id());
        ObjectNode src = OpenSearchClient.JSON.createObjectNode();
        for (var e : d.stored().entrySet()) {
          if (!e.getKey().equals(settings.field())) src.put(e.getKey(), e.getValue());
        }
        var arr = src.putArray(settings.field());
        for (float x : d.vector()) arr.add(x);
        nd.append(action).append('\n').append(src).append('\n');
      }
      JsonNode r = client.check("POST", "/" + index + "/_bulk",
          client.send("POST", "/" + index + "/_bulk", nd.toString(), "application/x-ndjson"));
      List<Doc> again = new ArrayList<>();
      if (r.path("errors").asBoolean(false)) {
        Iterator<JsonNode> items = r.path("items").elements();
        for (Doc d : pending) {
          JsonNode item = items.hasNext() ? items.next().path("index") : null;
          int status = item == null ? 500 : item.path("status").asInt(500);
          if (status == 429) {
            again.add(d);
          } else if (status / 100 != 2) {
            rejected.add(new Rejected(d.id(), "rejected by target",
                "OpenSearch refused \"" + d.id() + "\": " + (item == null ? "no bulk item" : item.path("error"))));
          }
        }
      }
      if (!again.isEmpty()) {
        if (attempt >= maxRetries) {
          throw new IOException("OpenSearch at " + client.base() + " still answers 429 (too many requests) for "
              + again.size() + " documents after " + (attempt + 1) + " bulk attempts");
        }
        long delay = Math.min(backoff.toMillis() << Math.min(attempt, 20), ReindexOptions.MAX_BACKOFF.toMillis());
        log.accept("opensearch: " + again.size() + " documents got 429; retry " + (attempt + 1) + "/" + maxRetries
            + " in " + delay + " ms");
        try {
          Thread.sleep(delay);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          throw new IOException("interrupted during bulk back-off", e);
        }
      }
      pending = again;
    }
    return rejected;
  }

  @Override
  public void commit(Checkpoint checkpoint) throws IOException {
    ObjectNode body = OpenSearchClient.JSON.createObjectNode();
    ObjectNode meta = body.putObject("_meta").putObject(META_KEY);
    checkpoint.toUserData().forEach(meta::put);
    client.json("PUT", "/" + index + "/_mapping", body);
  }

  @Override
  public void forceMerge(Checkpoint checkpoint) throws IOException {
    client.send("POST", "/" + index + "/_refresh", null, null);
    client.send("POST", "/" + index + "/_forcemerge?max_num_segments=1", null, null);
  }

  @Override
  public String describe() {
    return client.base() + index;
  }

  @Override
  public void close() {
    if (!opened) {
      return;
    }
    try {
      client.send("POST", "/" + index + "/_refresh", null, null);
    } catch (IOException ignored) {
      // refresh only makes the documents visible sooner; the data is already acknowledged
    }
  }
}
