package dev.matryoshka.reindex;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A tiny in-process stand-in for an OpenSearch node, speaking just what the reindex client uses:
 * index create/exists/delete, mappings with {@code _meta}, bulk (with injected 429s), count, point
 * in time, and {@code search_after} paging sorted by {@code _id}. Not a real node: it checks the
 * client's requests, not the plugin.
 */
final class FakeOpenSearch implements AutoCloseable {
  static final class Index {
    ObjectNode mappings;
    final TreeMap<String, JsonNode> docs = new TreeMap<>();
  }

  final HttpServer server;
  final Map<String, Index> indices = new ConcurrentHashMap<>();
  /** Whole bulk requests still to answer with HTTP 429. */
  final AtomicInteger bulk429 = new AtomicInteger();
  /** Bulk requests still to answer with a per-item 429 on their first item. */
  final AtomicInteger item429 = new AtomicInteger();
  final AtomicInteger bulkRequests = new AtomicInteger();
  final AtomicInteger searches = new AtomicInteger();

  FakeOpenSearch() throws IOException {
    server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    server.createContext("/", this::handle);
    server.start();
  }

  String url(String index) {
    return "http://127.0.0.1:" + server.getAddress().getPort() + "/" + index;
  }

  private void handle(HttpExchange ex) throws IOException {
    try {
      String method = ex.getRequestMethod();
      String[] p = ex.getRequestURI().getPath().replaceAll("^/", "").split("/");
      String body = new String(ex.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
      ObjectNode out = TestData.JSON.createObjectNode();
      int status = 200;
      Index idx = indices.get(p[0]);
      if (p[0].equals("_search") && p.length == 1) {
        searches.incrementAndGet();
        JsonNode q = TestData.JSON.readTree(body);
        idx = indices.get(q.path("pit").path("id").asText().replace("pit-", ""));
        status = search(idx, q, out);
        out.put("pit_id", q.path("pit").path("id").asText());
      } else if (p[0].equals("_search") && method.equals("DELETE")) {
        out.put("succeeded", true);
      } else if (p.length == 1) {
        switch (method) {
          case "HEAD" -> status = idx == null ? 404 : 200;
          case "DELETE" -> indices.remove(p[0]);
          case "PUT" -> {
            Index n = new Index();
            n.mappings = (ObjectNode) TestData.JSON.readTree(body).path("mappings");
            indices.put(p[0], n);
            out.put("acknowledged", true);
          }
          default -> status = 405;
        }
      } else if (idx == null) {
        status = 404;
        out.put("error", "index_not_found_exception: no such index [" + p[0] + "]");
      } else {
        switch (p[1]) {
          case "_mapping" -> {
            if (method.equals("PUT")) {
              idx.mappings.set("_meta", TestData.JSON.readTree(body).path("_meta"));
            } else {
              out.putObject(p[0]).set("mappings", idx.mappings);
            }
          }
          case "_bulk" -> status = bulk(idx, body, out);
          case "_count" -> out.put("count", idx.docs.size());
          case "_refresh" -> out.put("ok", true);
          case "_search" -> {
            if (p.length > 2 && p[2].equals("point_in_time")) {
              out.put("pit_id", "pit-" + p[0]);
            } else {
              searches.incrementAndGet();
              status = search(idx, TestData.JSON.readTree(body), out);
            }
          }
          default -> status = 400;
        }
      }
      byte[] bytes = out.toString().getBytes(StandardCharsets.UTF_8);
      ex.getResponseHeaders().set("Content-Type", "application/json");
      if (method.equals("HEAD")) {
        ex.sendResponseHeaders(status, -1);
      } else {
        ex.sendResponseHeaders(status, bytes.length);
        ex.getResponseBody().write(bytes);
      }
    } catch (Exception e) {
      ex.sendResponseHeaders(500, -1);
    } finally {
      ex.close();
    }
  }

  private int bulk(Index idx, String body, ObjectNode out) throws IOException {
    bulkRequests.incrementAndGet();
    if (bulk429.getAndUpdate(x -> Math.max(0, x - 1)) > 0) {
      out.put("error", "rejected_execution_exception");
      return 429;
    }
    boolean reject = item429.getAndUpdate(x -> Math.max(0, x - 1)) > 0;
    String[] lines = body.split("\n");
    ArrayNode items = out.putArray("items");
    boolean errors = false;
    int dims = idx.mappings.path("properties").path("embedding").path("dims").asInt();
    for (int i = 0; i + 1 < lines.length; i += 2) {
      String id = TestData.JSON.readTree(lines[i]).path("index").path("_id").asText();
      JsonNode src = TestData.JSON.readTree(lines[i + 1]);
      ObjectNode item = items.addObject().putObject("index").put("_id", id);
      if (reject && i == 0) {
        item.put("status", 429).putObject("error").put("type", "es_rejected_execution_exception");
        errors = true;
      } else if (src.path("embedding").size() != dims) {
        item.put("status", 400).putObject("error").put("type", "mapper_parsing_exception");
        errors = true;
      } else {
        idx.docs.put(id, src);
        item.put("status", 201);
      }
    }
    out.put("errors", errors);
    return 200;
  }

  private static int search(Index idx, JsonNode q, ObjectNode out) {
    if (idx == null) {
      return 404;
    }
    int size = q.path("size").asInt(10);
    var tail = q.has("search_after") ? idx.docs.tailMap(q.path("search_after").get(0).asText(), false) : idx.docs;
    ArrayNode hits = out.putObject("hits").putArray("hits");
    for (var e : tail.entrySet()) {
      if (hits.size() >= size) break;
      ObjectNode h = hits.addObject().put("_id", e.getKey());
      h.set("_source", e.getValue());
      h.putArray("sort").add(e.getKey());
    }
    return 200;
  }

  @Override
  public void close() {
    server.stop(0);
  }
}
