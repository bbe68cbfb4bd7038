package dev.matryoshka.opensearch;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.opensearch.action.IndicesRequest;
import org.opensearch.action.search.SearchRequest;
import org.opensearch.core.action.ActionListener;
import org.opensearch.index.query.BaseQueryRewriteContext;
import org.opensearch.index.query.QueryBuilder;
import org.opensearch.index.query.QueryCoordinatorContext;
import org.opensearch.index.query.QueryRewriteContext;
import org.opensearch.index.query.Rewriteable;
import org.opensearch.common.io.stream.BytesStreamOutput;
import org.opensearch.common.xcontent.json.JsonXContent;
import org.opensearch.core.common.ParsingException;
import org.opensearch.core.common.io.stream.StreamInput;
import org.opensearch.core.xcontent.DeprecationHandler;
import org.opensearch.core.xcontent.NamedXContentRegistry;
import org.opensearch.core.xcontent.XContentParser;

/** Parsing and wire format of {@code matryoshka_knn}, without a node. */
class MatryoshkaKnnQueryBuilderTest {
  private static final QueryTextEncoder NO_ENCODER = (model, text) -> {
    throw new AssertionError("not used");
  };

  private static MatryoshkaKnnQueryBuilder parse(String json) throws IOException {
    return parse(json, NO_ENCODER);
  }

  private static MatryoshkaKnnQueryBuilder parse(String json, QueryTextEncoder encoder) throws IOException {
    try (XContentParser p =
        JsonXContent.jsonXContent.createParser(NamedXContentRegistry.EMPTY, DeprecationHandler.THROW_UNSUPPORTED_OPERATION, json)) {
      p.nextToken();
      return MatryoshkaKnnQueryBuilder.fromXContent(p, encoder);
    }
  }

  private static void rejects(String json, String mention) {
    ParsingException e = assertThrows(ParsingException.class, () -> parse(json));
    assertTrue(e.getMessage().contains(mention), e.getMessage());
  }

  @Test
  void parsesAndRoundTripsOverTheWire() throws IOException {
    MatryoshkaKnnQueryBuilder b =
        parse("{\"field\":\"emb\",\"vector\":[1,2.5,-3],\"k\":7,\"oversample\":3,\"boost\":2,\"_name\":\"q\"}");
    try (BytesStreamOutput out = new BytesStreamOutput()) {
      b.writeTo(out);
      try (StreamInput in = out.bytes().streamInput()) {
        MatryoshkaKnnQueryBuilder back = new MatryoshkaKnnQueryBuilder(in, NO_ENCODER);
        assertEquals(b, back);
        assertEquals(b.hashCode(), back.hashCode());
      }
    }
    assertEquals(b, parse("{\"field\":\"emb\",\"vector\":[1,2.5,-3],\"k\":7,\"oversample\":3,\"boost\":2,\"_name\":\"q\"}"));
    MatryoshkaKnnQueryBuilder text = parse("{\"field\":\"emb\",\"query_text\":\"what is lucene?\"}");
    assertTrue(text.toString().contains("what is lucene?"), text.toString());
  }

  @Test
  void rejectsMalformedQueriesNamingTheParameter() {
    rejects("{\"vector\":[1,2]}", "[field]");
    rejects("{\"field\":\"emb\"}", "[vector]");
    rejects("{\"field\":\"emb\",\"vector\":[1],\"query_text\":\"x\"}", "exactly one");
    rejects("{\"field\":\"emb\",\"query_text\":\"  \"}", "[query_text]");
    rejects("{\"field\":\"emb\",\"vector\":[1],\"k\":0}", "[k]");
    rejects("{\"field\":\"emb\",\"vector\":[1],\"k\":10001}", "[k]");
    rejects("{\"field\":\"emb\",\"vector\":[1],\"oversample\":0.5}", "[oversample]");
    rejects("{\"field\":\"emb\",\"vector\":[1],\"oversample\":101}", "[oversample]");
    rejects("{\"field\":\"emb\",\"vector\":[1,\"a\"]}", "numbers");
    rejects("{\"field\":\"emb\",\"vector\":[1],\"size\":3}", "unknown parameter [size]");
    rejects("{\"field\":\"emb\",\"vector\":[1],\"k\":[3]}", "[k] must be a number");
    rejects("{\"field\":\"emb\",\"vector\":[1],\"k\":\"three\"}", "[k] must be a number");
    rejects("{\"field\":\"emb\",\"vector\":[1],\"k\":2.5}", "[k] must be an integer");
    rejects("{\"field\":\"emb\",\"vector\":[1],\"k\":1e12}", "[k] must be an integer");
    rejects("{\"field\":{\"a\":1},\"vector\":[1]}", "[field] must be a string");
    rejects("{\"field\":\"emb\",\"query_text\":[\"a\"]}", "[query_text] must be a string");
    rejects("{\"field\":\"emb\",\"vector\":[1],\"boost\":-1}", "[boost]");
    rejects("{\"field\":\"emb\",\"query_text\":\"" + "a".repeat(MatryoshkaKnnQueryBuilder.MAX_QUERY_TEXT_CHARS + 1) + "\"}",
        "at most " + MatryoshkaKnnQueryBuilder.MAX_QUERY_TEXT_CHARS);
  }

  /** A coordinating node that knows the field's model encodes once, in the rewrite, and ships the vector. */
  @Test
  void coordinatorRewriteEncodesOnceAndShipsTheVector() throws Exception {
    AtomicInteger asyncEncodes = new AtomicInteger();
    QueryTextEncoder enc = new QueryTextEncoder() {
      @Override
      public float[] encodeQuery(String model, String text) {
        throw new AssertionError("the coordinator encodes asynchronously");
      }

      @Override
      public String modelForSearch(String field, IndicesRequest request) {
        assertEquals("emb", field);
        assertArrayEquals(new String[] {"idx"}, request.indices());
        return "m1";
      }

      @Override
      public void encodeQueryAsync(String model, String text, ActionListener<float[]> listener) {
        asyncEncodes.incrementAndGet();
        new Thread(() -> listener.onResponse(new float[] {text.length(), 2f, 3f})).start(); // off the caller's thread
      }
    };
    MatryoshkaKnnQueryBuilder text = parse("{\"field\":\"emb\",\"query_text\":\"hello\",\"k\":4}", enc);
    QueryRewriteContext base = new BaseQueryRewriteContext(null, null, null, () -> 0L);
    QueryCoordinatorContext coordinator = new QueryCoordinatorContext(base, new SearchRequest("idx"));
    CompletableFuture<QueryBuilder> done = new CompletableFuture<>();
    Rewriteable.rewriteAndFetch(text, coordinator, ActionListener.wrap(done::complete, done::completeExceptionally));
    MatryoshkaKnnQueryBuilder rewritten = (MatryoshkaKnnQueryBuilder) done.get(10, TimeUnit.SECONDS);
    assertEquals(1, asyncEncodes.get());
    assertNotEquals(text, rewritten);
    // the shard receives the vector and the model it came from; the text stays for display
    try (BytesStreamOutput out = new BytesStreamOutput()) {
      rewritten.writeTo(out);
      try (StreamInput in = out.bytes().streamInput()) {
        assertEquals(rewritten, new MatryoshkaKnnQueryBuilder(in, NO_ENCODER));
      }
    }
    assertTrue(rewritten.toString().contains("hello") && !rewritten.toString().contains("vector"), rewritten.toString());
    // a second rewrite changes nothing and encodes nothing
    CompletableFuture<QueryBuilder> again = new CompletableFuture<>();
    Rewriteable.rewriteAndFetch(rewritten, coordinator, ActionListener.wrap(again::complete, again::completeExceptionally));
    assertSame(rewritten, again.get(10, TimeUnit.SECONDS));
    assertEquals(1, asyncEncodes.get());
  }

  /** Without a coordinating node (or a known model) the builder stays text and still serializes. */
  @Test
  void unknownModelOrShardContextLeavesTheTextForTheShard() throws Exception {
    MatryoshkaKnnQueryBuilder text = parse("{\"field\":\"emb\",\"query_text\":\"hello\"}");
    QueryRewriteContext base = new BaseQueryRewriteContext(null, null, null, () -> 0L);
    assertSame(text, text.rewrite(base));
    assertSame(text, text.rewrite(new QueryCoordinatorContext(base, new SearchRequest("idx")))); // modelForSearch: null
    assertFalse(base.hasAsyncActions());
    try (BytesStreamOutput out = new BytesStreamOutput()) {
      text.writeTo(out);
      try (StreamInput in = out.bytes().streamInput()) {
        assertEquals(text, new MatryoshkaKnnQueryBuilder(in, NO_ENCODER));
      }
    }
  }
}
