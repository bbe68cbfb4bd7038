package dev.matryoshka.opensearch;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.matryoshka.adapt.AdapterIO;
import dev.matryoshka.adapt.TestAdapters;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Hostile input against one real node: well over a hundred malformed requests, generated from
 * tables of parameters and bad values (mappings, queries, processors, documents) plus seeded
 * random malformed vectors. Every one must be answered 4xx, none 5xx, and the node log must hold
 * no stack trace from our code. Model and adapter names that try to leave {@code
 * config/matryoshka/} — {@code ../}, absolute paths, and symbolic links to files that would load
 * fine — are refused with 400 and never opened. Valid requests at the bounds ({@code k} = 10000,
 * {@code oversample} 1 and 100) answer 200. Vectors at the edges of float32 (scaled by 1e37,
 * made of 1e38s, subnormal) get finite scores, those of their direction, or a 400 saying why.
 */
class HostileInputIT {
  private static final int DIMS = 8;
  private static final String FIELD = "\"emb\":{\"type\":\"matryoshka_vector\",\"dims\":8,\"prefix_dims\":4,\"similarity\":\"cosine\"}";
  private static final String V8 = "[1,2,3,4,5,6,7,8]";
  private static TestCluster cluster;
  private static Rest rest;

  /** One malformed request and, optionally, a word its error message must contain. */
  private record Case(String what, String method, String path, String body, String mention) {}

  @BeforeAll
  static void start() throws Exception {
    cluster = TestCluster.start("hostile", 1);
    rest = cluster.rest();
    rest.ok("PUT", "/h", Json.index(1, 0, FIELD + ",\"title\":{\"type\":\"keyword\"},\"text\":{\"type\":\"text\"}"));
    rest.ok("PUT", "/h/_doc/1?refresh=true", "{\"emb\":" + V8 + ",\"title\":\"a\"}");
    // the default model writes 384 dims into an 8-dim field: every document through it is refused
    rest.ok("PUT", "/_ingest/pipeline/embed-h", "{\"processors\":[{\"matryoshka_embed\":{\"field\":\"text\",\"target_field\":\"emb\"}}]}");
    rest.ok("PUT", "/h384", Json.index(1, 0,
        "\"emb\":{\"type\":\"matryoshka_vector\",\"dims\":384,\"prefix_dims\":64,\"model\":\"linkmodel\"}"));
    // escape routes that would work if followed: a loadable adapter and a folder outside config/
    Path outside = cluster.home(0).resolve("outside");
    Files.createDirectories(outside.resolve("model"));
    AdapterIO.write(TestAdapters.linear(DIMS, 0.3, 9L), outside.resolve("evil.bin"));
    Path adapters = Files.createDirectories(cluster.home(0).resolve("config/matryoshka/adapters"));
    Files.createSymbolicLink(adapters.resolve("evil.bin"), outside.resolve("evil.bin"));
    Path models = Files.createDirectories(cluster.home(0).resolve("config/matryoshka/models"));
    Files.createSymbolicLink(models.resolve("linkmodel"), outside.resolve("model"));
  }

  @AfterAll
  static void stop() {
    if (cluster != null) {
      cluster.close();
    }
  }

  @Test
  void malformedRequestsAreAll4xxNone5xxAndLeaveNoStackTraceOfOurs() throws Exception {
    List<Case> cases = new ArrayList<>();
    mappings(cases);
    queries(cases);
    processors(cases);
    documents(cases);
    randomVectors(cases, new Random(20261203));

    int fivexx = 0;
    StringBuilder wrong = new StringBuilder();
    for (int i = 0; i < cases.size(); i++) {
      Case c = cases.get(i);
      String path = c.path().replace("{i}", Integer.toString(i));
      Rest.Response r = rest.call(c.method(), path, c.body());
      fivexx += r.status() >= 500 ? 1 : 0;
      boolean ok = r.status() >= 400 && r.status() < 500 && (c.mention() == null || r.body().contains(c.mention()));
      if (!ok) {
        wrong.append(c.what()).append(": ").append(c.method()).append(' ').append(path).append(" -> ").append(r.status())
            .append(' ').append(abbreviate(r.body())).append('\n');
      }
    }
    System.out.println("HostileInputIT: " + cases.size() + " malformed requests, " + fivexx + " answered >= 500");
    assertTrue(cases.size() > 100, "only " + cases.size() + " requests");
    assertEquals("", wrong.toString(), fivexx + " of " + cases.size() + " answered >= 500; all not-4xx or unexpected answers:\n" + wrong);

    // the requests at the bounds are valid
    for (String ok : List.of(knn("\"vector\":" + V8 + ",\"k\":10000"), knn("\"vector\":" + V8 + ",\"oversample\":1"),
        knn("\"vector\":" + V8 + ",\"oversample\":100"), knn("\"vector\":" + V8 + ",\"k\":1,\"oversample\":\"2\""))) {
      assertEquals(200, rest.call("POST", "/h/_search", ok).status(), ok);
    }
    // nothing was indexed by the malformed documents
    rest.ok("POST", "/h/_refresh", null);
    assertEquals(1, rest.ok("GET", "/h/_count", null).path("count").asInt());
    assertNodeLogHasNoStackTraceFromOurCode();
  }

  /**
   * Vectors at the edges of float32. On a cosine field, documents and queries scaled by 1e37, made
   * of 1e38s or subnormal rank by their direction with finite scores (before: every score 0.5, a
   * null {@code _score}, or Infinity); on a dot_product field a norm whose scores would overflow
   * float32 is a 400 naming the problem, as are a zero cosine query and {@code "oversample":"NaN"}.
   */
  @Test
  void vectorsAtTheEdgesOfFloatScoreFinitelyOrAreRefusedWithAReason() {
    rest.ok("PUT", "/edges", Json.index(1, 0,
        "\"cos\":{\"type\":\"matryoshka_vector\",\"dims\":8,\"prefix_dims\":4,\"similarity\":\"cosine\"},"
            + "\"dot\":{\"type\":\"matryoshka_vector\",\"dims\":8,\"prefix_dims\":4,\"similarity\":\"dot_product\"}"));
    String huge = "[1e37,2e37,3e37,4e37,5e37,6e37,7e37,8e37]";
    String ones38 = "[1e38,1e38,1e38,1e38,1e38,1e38,1e38,1e38]";
    String sub = "[1e-40,2e-40,3e-40,4e-40,5e-40,6e-40,7e-40,8e-40]";
    String[] docs = {V8, huge, ones38, sub, "[8,7,6,5,4,3,2,1]", "[1,-2,3,-4,5,-6,7,-8]"};
    for (int i = 0; i < docs.length; i++) {
      rest.ok("PUT", "/edges/_doc/" + i, "{\"cos\":" + docs[i] + ",\"dot\":[0.5,0.5,0.5,0.5,0,0,0,0]}");
    }
    rest.ok("POST", "/edges/_refresh", null);
    Map<String, Double> want = scores("cos", V8);
    assertEquals(docs.length, want.size(), want.toString());
    // documents 0, 1 (1e37s) and 3 (subnormal, ~13 bits left) have V8's direction
    assertEquals(1.0, want.get("0"), 1e-6);
    assertEquals(1.0, want.get("1"), 1e-6);
    assertEquals(1.0, want.get("3"), 1e-4);
    for (String q : List.of(huge, sub)) {
      Map<String, Double> got = scores("cos", q);
      assertEquals(want.keySet(), got.keySet(), q);
      for (var e : want.entrySet()) {
        assertEquals(e.getValue(), got.get(e.getKey()), q.equals(sub) ? 1e-4 : 1e-6, q + ": doc " + e.getKey());
      }
    }
    assertEquals(1.0, scores("cos", ones38).get("2"), 1e-6, "the 1e38s document in the 1e38s' direction");
    assertEquals(docs.length, scores("dot", sub).size(), "a subnormal dot_product query has finite scores");
    String[][] refused = {
      {"PUT", "/edges/_doc/bad", "{\"dot\":" + huge + "}", "norm must be at most"},
      {"POST", "/edges/_search", knnOn("dot", huge, ""), "norm must be at most"},
      {"POST", "/edges/_search", knnOn("cos", "[0,0,0,0,0,0,0,0]", ""), "zero vector"},
      {"POST", "/edges/_search", knnOn("cos", V8, ",\"oversample\":\"NaN\""), "[oversample] must be a finite number"},
    };
    for (String[] r : refused) {
      Rest.Response res = rest.call(r[0], r[1], r[2]);
      assertEquals(400, res.status(), r[2] + " -> " + res.body());
      assertTrue(res.body().contains(r[3]), r[2] + " -> " + res.body());
    }
  }

  /** id → {@code _score} of a k=10 query on index {@code edges}; each score a finite number in [0, 1]. */
  private static Map<String, Double> scores(String field, String vector) {
    JsonNode hits = rest.ok("POST", "/edges/_search", knnOn(field, vector, ",\"k\":10")).path("hits").path("hits");
    Map<String, Double> out = new HashMap<>();
    for (JsonNode h : hits) {
      JsonNode s = h.path("_score");
      assertTrue(s.isNumber() && Double.isFinite(s.asDouble()) && s.asDouble() >= 0 && s.asDouble() <= 1.00001,
          field + " " + vector + ": " + h);
      out.put(h.path("_id").asText(), s.asDouble());
    }
    return out;
  }

  private static String knnOn(String field, String vector, String more) {
    return "{\"query\":{\"matryoshka_knn\":{\"field\":\"" + field + "\",\"vector\":" + vector + more + "}}}";
  }

  private static void assertNodeLogHasNoStackTraceFromOurCode() throws Exception {
    int excused = 0;
    for (String entry : cluster.log(0).split("\n(?=\\[\\d{4}-)")) {
      if (!entry.contains("at dev.matryoshka.")) {
        continue;
      }
      // OpenSearch logs every mapping it refuses at index creation with the refusing frame, for
      // its own field types too; that entry is the server's log of a 400, not a failure of ours
      if (entry.contains("failed on parsing mappings on index creation")) {
        excused++;
        continue;
      }
      throw new AssertionError("stack trace from our code in the node log:\n" + entry);
    }
    System.out.println("HostileInputIT: node log has no stack trace from dev.matryoshka (" + excused
        + " refused-mapping entries logged by OpenSearch itself)");
  }

  // ---- the tables ----

  private static void mappings(List<Case> cases) {
    String[][] bad = {
      // parameter, value, a word the message names
      {"dims", "0", "dims"}, {"dims", "-1", "dims"}, {"dims", "100000", "dims"}, {"dims", "\"eight\"", "dims"},
      {"dims", "[8]", "dims"}, {"dims", "{\"a\":8}", "dims"}, {"dims", "true", "dims"}, {"dims", "8.5", "dims"},
      {"dims", "2147483648", "dims"}, {"dims", "null", "dims"},
      {"prefix_dims", "0", "prefix_dims"}, {"prefix_dims", "8", "prefix_dims"}, {"prefix_dims", "9", "prefix_dims"},
      {"prefix_dims", "-4", "prefix_dims"}, {"prefix_dims", "\"four\"", "prefix_dims"}, {"prefix_dims", "[4]", "prefix_dims"},
      {"similarity", "\"hamming\"", "similarity"}, {"similarity", "5", "similarity"}, {"similarity", "[\"cosine\"]", "similarity"},
      {"similarity", "{}", "similarity"}, {"similarity", "\"\"", "similarity"},
      {"m", "0", "[m]"}, {"m", "513", "[m]"}, {"m", "-1", "[m]"}, {"m", "\"many\"", "m"}, {"m", "[16]", "m"},
      {"ef_construction", "0", "ef_construction"}, {"ef_construction", "3201", "ef_construction"},
      {"ef_construction", "\"x\"", "ef_construction"}, {"ef_construction", "{}", "ef_construction"},
      {"prefix_quantization", "\"int2\"", "prefix_quantization"}, {"prefix_quantization", "8", "prefix_quantization"},
      {"prefix_quantization", "[\"int8\"]", "prefix_quantization"},
      {"model", "\"../models/x\"", "not a path"}, {"model", "\"/etc\"", "not a path"}, {"model", "\"a/b\"", "not a path"},
      {"model", "\"..\"", "not a path"}, {"model", "\".hidden\"", "not a path"}, {"model", "\"a\\\\b\"", "not a path"},
      {"model", "[\"x\"]", "model"}, {"model", "{\"name\":\"x\"}", "model"},
      {"adapter", "\"../adapters/x\"", "plain name"}, {"adapter", "\"/etc/passwd\"", "plain name"},
      {"adapter", "\"a/b\"", "plain name"}, {"adapter", "\"..\"", "plain name"}, {"adapter", "\"evil\"", "leads outside"},
      {"adapter", "\"missing\"", "missing.bin"}, {"adapter", "7", "adapter"},
      {"unknown_parameter", "1", "unknown_parameter"}, {"space", "\"l2\"", "space"},
    };
    for (String[] b : bad) {
      String field = "\"e\":{\"type\":\"matryoshka_vector\",\"dims\":8,\"prefix_dims\":4,\"" + b[0] + "\":" + b[1] + "}";
      if (b[0].equals("dims")) {
        field = "\"e\":{\"type\":\"matryoshka_vector\",\"prefix_dims\":4,\"dims\":" + b[1] + "}";
      }
      cases.add(new Case("mapping " + b[0] + "=" + b[1], "PUT", "/bad-{i}", Json.index(1, 0, field), b[2]));
    }
    cases.add(new Case("mapping without dims", "PUT", "/bad-{i}", Json.index(1, 0, "\"e\":{\"type\":\"matryoshka_vector\"}"), "dims"));
    cases.add(new Case("int8 with l2", "PUT", "/bad-{i}", Json.index(1, 0,
        "\"e\":{\"type\":\"matryoshka_vector\",\"dims\":8,\"prefix_dims\":4,\"similarity\":\"l2\",\"prefix_quantization\":\"int8\"}"), "int8"));
    cases.add(new Case("mapping on another codec", "PUT", "/bad-{i}",
        "{\"mappings\":{\"properties\":{\"e\":{\"type\":\"matryoshka_vector\",\"dims\":8}}}}", "index.codec"));
    cases.add(new Case("mapping update changing dims", "PUT", "/h/_mapping",
        "{\"properties\":{\"emb\":{\"type\":\"matryoshka_vector\",\"dims\":16,\"prefix_dims\":4}}}", "dims"));
  }

  private static void queries(List<Case> cases) {
    String[] bodies = {
      "{\"vector\":" + V8 + "}", "{\"field\":\"emb\"}", "{\"field\":\"emb\",\"vector\":" + V8 + ",\"query_text\":\"x\"}",
      "{\"field\":\"emb\",\"field\":\"emb\",\"vector\":" + V8 + "}", "{\"field\":\"emb\",\"vector\":" + V8 + ",\"vector\":" + V8 + "}",
      "{\"field\":\"emb\",\"vector\":[1,2,3,4,5,6,7]}", "{\"field\":\"emb\",\"vector\":[1,2,3,4,5,6,7,8,9]}",
      "{\"field\":\"emb\",\"vector\":[]}", "{\"field\":\"emb\",\"vector\":[1,2,3,4,5,6,7,\"8\"]}",
      "{\"field\":\"emb\",\"vector\":[1,2,3,4,5,6,7,null]}", "{\"field\":\"emb\",\"vector\":[1,2,3,4,5,6,7,true]}",
      "{\"field\":\"emb\",\"vector\":[1,2,3,4,5,6,7,[8]]}", "{\"field\":\"emb\",\"vector\":[1,2,3,4,5,6,7,{\"x\":8}]}",
      "{\"field\":\"emb\",\"vector\":[1,2,3,4,5,6,7,1e40]}", "{\"field\":\"emb\",\"vector\":\"" + V8 + "\"}",
      "{\"field\":\"emb\",\"vector\":{\"0\":1}}", "{\"field\":\"emb\",\"vector\":[0,0,0,0,0,0,0,0]}",
      "{\"field\":\"emb\",\"vector\":" + V8 + ",\"k\":0}", "{\"field\":\"emb\",\"vector\":" + V8 + ",\"k\":-1}",
      "{\"field\":\"emb\",\"vector\":" + V8 + ",\"k\":10001}", "{\"field\":\"emb\",\"vector\":" + V8 + ",\"k\":2147483648}",
      "{\"field\":\"emb\",\"vector\":" + V8 + ",\"k\":\"ten\"}", "{\"field\":\"emb\",\"vector\":" + V8 + ",\"k\":1.5}",
      "{\"field\":\"emb\",\"vector\":" + V8 + ",\"k\":[3]}", "{\"field\":\"emb\",\"vector\":" + V8 + ",\"k\":null}",
      "{\"field\":\"emb\",\"vector\":" + V8 + ",\"oversample\":0.99}", "{\"field\":\"emb\",\"vector\":" + V8 + ",\"oversample\":0}",
      "{\"field\":\"emb\",\"vector\":" + V8 + ",\"oversample\":-2}", "{\"field\":\"emb\",\"vector\":" + V8 + ",\"oversample\":100.01}",
      "{\"field\":\"emb\",\"vector\":" + V8 + ",\"oversample\":1e300}", "{\"field\":\"emb\",\"vector\":" + V8 + ",\"oversample\":\"x\"}",
      "{\"field\":\"emb\",\"vector\":" + V8 + ",\"oversample\":{}}",
      "{\"field\":\"emb\",\"vector\":" + V8 + ",\"oversample\":\"NaN\"}",
      "{\"field\":\"emb\",\"vector\":" + V8 + ",\"oversample\":\"Infinity\"}",
      "{\"field\":\"emb\",\"vector\":" + V8 + ",\"filter\":5}", "{\"field\":\"emb\",\"vector\":" + V8 + ",\"filter\":\"title:a\"}",
      "{\"field\":\"emb\",\"vector\":" + V8 + ",\"filter\":[]}", "{\"field\":\"emb\",\"vector\":" + V8 + ",\"filter\":{\"nope\":{}}}",
      "{\"field\":\"emb\",\"vector\":" + V8 + ",\"filter\":{\"term\":5}}", "{\"field\":\"emb\",\"vector\":" + V8 + ",\"filter\":{}}",
      "{\"field\":\"emb\",\"query_text\":\"\"}", "{\"field\":\"emb\",\"query_text\":5}", "{\"field\":\"emb\",\"query_text\":[\"a\"]}",
      "{\"field\":\"emb\",\"query_text\":\"" + "lorem ipsum ".repeat(1 << 17).substring(0, 1 << 20) + "\"}",
      "{\"field\":\"title\",\"vector\":" + V8 + "}", "{\"field\":\"nope\",\"vector\":" + V8 + "}",
      "{\"field\":\"\",\"vector\":" + V8 + "}", "{\"field\":7,\"vector\":" + V8 + "}", "{\"field\":[\"emb\"],\"vector\":" + V8 + "}",
      "{\"field\":\"emb\",\"vector\":" + V8 + ",\"size\":3}", "{\"field\":\"emb\",\"vector\":" + V8 + ",\"boost\":\"big\"}",
      "{\"field\":\"emb\",\"vector\":" + V8 + ",\"boost\":-1}", "{\"field\":\"emb\",\"vector\":" + V8 + ",\"_name\":{}}",
    };
    for (String b : bodies) {
      cases.add(new Case("query " + abbreviate(b), "POST", "/h/_search", "{\"query\":{\"matryoshka_knn\":" + b + "}}", null));
    }
    cases.add(new Case("query is an array", "POST", "/h/_search", "{\"query\":{\"matryoshka_knn\":[" + V8 + "]}}", null));
    cases.add(new Case("query is a string", "POST", "/h/_search", "{\"query\":{\"matryoshka_knn\":\"emb\"}}", null));
    cases.add(new Case("query truncated JSON", "POST", "/h/_search", "{\"query\":{\"matryoshka_knn\":{\"field\":\"emb\",\"vector\":[1,2", null));
    // the field's model is a symbolic link out of config/matryoshka/models: refused, not opened
    cases.add(new Case("query_text with a symlinked model", "POST", "/h384/_search",
        "{\"query\":{\"matryoshka_knn\":{\"field\":\"emb\",\"query_text\":\"hello\"}}}", "leads outside"));
  }

  private static void processors(List<Case> cases) {
    String[] configs = {
      "{\"target_field\":\"emb\"}", "{\"field\":\"text\"}", "{\"field\":5,\"target_field\":\"emb\"}",
      "{\"field\":\"text\",\"target_field\":[\"emb\"]}", "{\"field\":\"text\",\"target_field\":\"emb\",\"model\":\"no-such-model\"}",
      "{\"field\":\"text\",\"target_field\":\"emb\",\"model\":\"../../etc\"}",
      "{\"field\":\"text\",\"target_field\":\"emb\",\"model\":\"/tmp\"}",
      "{\"field\":\"text\",\"target_field\":\"emb\",\"model\":\"linkmodel\"}",
      "{\"field\":\"text\",\"target_field\":\"emb\",\"model\":7}", "{\"field\":\"text\",\"target_field\":\"emb\",\"ignore_missing\":\"maybe\"}",
      "{\"field\":\"text\",\"target_field\":\"emb\",\"batch\":64}", "\"text\"", "[]",
    };
    for (String c : configs) {
      String mention = c.contains("linkmodel") ? "leads outside" : c.contains("etc") || c.contains("/tmp") ? "not a path" : null;
      cases.add(new Case("processor " + c, "PUT", "/_ingest/pipeline/bad", "{\"processors\":[{\"matryoshka_embed\":" + c + "}]}", mention));
    }
  }

  private static void documents(List<Case> cases) {
    String[] values = {
      "[1,2,3]", "[1,2,3,4,5,6,7,8,9]", "[]", "[0,0,0,0,0,0,0,0]", "\"" + V8 + "\"", "\"abc\"", "[\"1\",2,3,4,5,6,7,8]",
      "[[1,2,3,4,5,6,7,8]]", "[[1,2],[3,4],[5,6],[7,8]]", "[1,2,3,4,5,6,7,{\"v\":8}]", "{\"vector\":" + V8 + "}", "5", "true",
      "[1,2,3,4,5,6,7,1e39]", "[1,2,3,4,5,6,7,null]", "[1,2,3,4,5,6,7,false]",
    };
    for (String v : values) {
      cases.add(new Case("document emb=" + v, "PUT", "/h/_doc/d{i}", "{\"emb\":" + v + "}", null));
    }
    // through the pipeline: the text is missing, not a string, empty; or the model's vectors do not fit the field
    cases.add(new Case("pipeline target of other dims", "PUT", "/h/_doc/p{i}?pipeline=embed-h", "{\"text\":\"hello world\"}", "dims"));
    for (String doc : List.of("{\"title\":\"no text\"}", "{\"text\":5}", "{\"text\":\"\"}", "{\"text\":[\"a\",\"b\"]}", "{\"text\":{\"a\":1}}")) {
      cases.add(new Case("pipeline document " + doc, "PUT", "/h/_doc/p{i}?pipeline=embed-h", doc, null));
    }
  }

  /** Seeded random vectors each broken in one way: length, a non-number, nesting, non-finite. */
  private static void randomVectors(List<Case> cases, Random r) {
    String[] poison = {"\"x\"", "null", "true", "[1]", "{}", "1e39", "-1e39", "\"NaN\""};
    for (int i = 0; i < 24; i++) {
      int kind = r.nextInt(3);
      int len = kind == 0 ? pickWrongLength(r) : DIMS;
      StringBuilder v = new StringBuilder("[");
      int bad = kind == 0 ? -1 : r.nextInt(len);
      for (int d = 0; d < len; d++) {
        v.append(d == 0 ? "" : ",").append(d == bad ? poison[r.nextInt(poison.length)] : Float.toString(r.nextFloat() - 0.5f));
      }
      String vec = v.append(']').toString();
      if (i % 2 == 0) {
        cases.add(new Case("random document " + vec, "PUT", "/h/_doc/r{i}", "{\"emb\":" + vec + "}", null));
      } else {
        cases.add(new Case("random query " + vec, "POST", "/h/_search", knn("\"vector\":" + vec), null));
      }
    }
  }

  private static int pickWrongLength(Random r) {
    int len;
    do {
      len = r.nextInt(20);
    } while (len == DIMS);
    return len;
  }

  private static String knn(String params) {
    return "{\"query\":{\"matryoshka_knn\":{\"field\":\"emb\"," + params + "}}}";
  }

  private static String abbreviate(String s) {
    return s.length() <= 160 ? s : s.substring(0, 160) + "...(" + s.length() + " chars)";
  }
}
