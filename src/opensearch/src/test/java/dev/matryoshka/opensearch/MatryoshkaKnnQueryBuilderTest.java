package dev.matryoshka.opensearch;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.matryoshka.codec.MatryoshkaCodec;
import dev.matryoshka.search.MatryoshkaKnnQuery;
import java.io.IOException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.lucene.document.Document;
import org.apache.lucene.index.DirectoryReader;
import org.apache.lucene.index.IndexWriter;
import org.apache.lucene.index.IndexWriterConfig;
import org.apache.lucene.search.IndexSearcher;
import org.apache.lucene.search.ScoreDoc;
import org.apache.lucene.search.TopDocs;
import org.apache.lucene.store.ByteBuffersDirectory;
import org.apache.lucene.store.Directory;
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

  @Test
  void oversampleNaNOrInfinityIsRefusedNotTakenAsNotGiven() throws IOException {
    for (String bad : new String[] {"\"NaN\"", "\"Infinity\"", "\"-Infinity\"", "\" NaN \""}) {
      rejects("{\"field\":\"emb\",\"vector\":[1],\"oversample\":" + bad + "}", "[oversample] must be a finite number");
      rejects("{\"field\":\"emb\",\"vector\":[1],\"k\":" + bad + "}", "[k] must be a finite number");
      rejects("{\"field\":\"emb\",\"vector\":[1],\"boost\":" + bad + "}", "[boost] must be a finite number");
    }
    rejects("{\"field\":\"emb\",\"vector\":[1],\"oversample\":\"nan\"}", "[oversample] must be a number");
    ParsingException e = assertThrows(ParsingException.class,
        () -> parse("{\"field\":\"emb\",\"vector\":[1],\"oversample\":\"NaN\"}"));
    assertTrue(e.getMessage().contains("got NaN"), e.getMessage());
    // not given stays not given, over the wire and in the DSL; a given one stays given
    MatryoshkaKnnQueryBuilder none = parse("{\"field\":\"emb\",\"vector\":[1]}");
    MatryoshkaKnnQueryBuilder three = parse("{\"field\":\"emb\",\"vector\":[1],\"oversample\":\"3\"}");
    assertEquals(null, none.oversample());
    assertEquals(3f, three.oversample());
    assertNotEquals(none, three);
    for (MatryoshkaKnnQueryBuilder b : new MatryoshkaKnnQueryBuilder[] {none, three}) {
      try (BytesStreamOutput out = new BytesStreamOutput()) {
        b.writeTo(out);
        try (StreamInput in = out.bytes().streamInput()) {
          MatryoshkaKnnQueryBuilder back = new MatryoshkaKnnQueryBuilder(in, NO_ENCODER);
          assertEquals(b, back);
          assertEquals(b.oversample(), back.oversample());
        }
      }
    }
    assertFalse(none.toString().contains("oversample"), none.toString());
    assertTrue(three.toString().contains("\"oversample\" : 3.0"), three.toString());
    // the shard takes the field's oversample when the query gives none
    var type = MatryoshkaVectorFieldMapperTest.field("cosine", 8, null, null, 4f);
    assertEquals(4f, MatryoshkaKnnQueryBuilder.shardQuery(type, MatryoshkaVectorFieldMapperTest.V8, 10, none.oversample(), null, null).getOversample());
    assertEquals(3f, MatryoshkaKnnQueryBuilder.shardQuery(type, MatryoshkaVectorFieldMapperTest.V8, 10, three.oversample(), null, null).getOversample());
  }

  @Test
  void targetRecallIsParsedCheckedSentAndPrinted() throws IOException {
    MatryoshkaKnnQueryBuilder none = parse("{\"field\":\"emb\",\"vector\":[1]}");
    MatryoshkaKnnQueryBuilder r95 = parse("{\"field\":\"emb\",\"vector\":[1],\"target_recall\":0.95}");
    MatryoshkaKnnQueryBuilder both = parse("{\"field\":\"emb\",\"vector\":[1],\"target_recall\":\"0.9\",\"oversample\":3}");
    assertEquals(null, none.targetRecall());
    assertEquals(0.95, r95.targetRecall());
    assertEquals(0.9, both.targetRecall());
    assertNotEquals(none, r95);
    assertNotEquals(r95.hashCode(), parse("{\"field\":\"emb\",\"vector\":[1],\"target_recall\":0.96}").hashCode());
    assertEquals(r95, parse("{\"field\":\"emb\",\"vector\":[1],\"target_recall\":0.95}"));
    for (MatryoshkaKnnQueryBuilder b : new MatryoshkaKnnQueryBuilder[] {none, r95, both}) {
      try (BytesStreamOutput out = new BytesStreamOutput()) {
        b.writeTo(out);
        out.writeString("after"); // the builder reads exactly what it wrote, not into what follows it
        try (StreamInput in = out.bytes().streamInput()) {
          MatryoshkaKnnQueryBuilder back = new MatryoshkaKnnQueryBuilder(in, NO_ENCODER);
          assertEquals(b, back);
          assertEquals(b.hashCode(), back.hashCode());
          assertEquals(b.targetRecall(), back.targetRecall());
          assertEquals("after", in.readString());
        }
      }
      // printed, it parses back to the same query
      String printed = b.toString();
      String inner = printed.substring(printed.indexOf('{', printed.indexOf("matryoshka_knn")), printed.lastIndexOf('}'));
      assertEquals(b, parse(inner.trim()), printed);
    }
    assertFalse(none.toString().contains("target_recall"), none.toString());
    assertTrue(r95.toString().contains("\"target_recall\" : 0.95"), r95.toString());
    for (String bad : new String[] {"0", "-0.5", "1.0001", "2", "\"NaN\"", "\"x\"", "{}"}) {
      rejects("{\"field\":\"emb\",\"vector\":[1],\"target_recall\":" + bad + "}", "[target_recall]");
    }
    rejects("{\"field\":\"emb\",\"vector\":[1],\"target_recall\":1.5}", "[target_recall] must be in (0, 1]; got 1.5");
    assertEquals(1.0, parse("{\"field\":\"emb\",\"vector\":[1],\"target_recall\":1}").targetRecall());
  }

  /** Which width a shard searches with: query oversample, query target, mapping oversample, mapping target. */
  @Test
  void explicitOversampleWinsThenTheQueryTargetThenTheMapping() {
    float[] v = MatryoshkaVectorFieldMapperTest.V8;
    var plain = MatryoshkaVectorFieldMapperTest.field("cosine", 8, null, null, null);
    var pinned = MatryoshkaVectorFieldMapperTest.field("cosine", 8, null, null, 7f);
    var recall90 = new MatryoshkaVectorFieldMapper.VectorFieldType(
        "emb", 8, 4, "cosine", 16, 100, dev.matryoshka.codec.MatryoshkaPrefix.Encoding.FLOAT32, null, null, null, null,
        null, 0.9, java.util.Map.of());
    // nothing set anywhere: the mapping's default target, each segment its own oversample
    MatryoshkaKnnQuery q = MatryoshkaKnnQueryBuilder.shardQuery(plain, v, 10, null, null, null);
    assertTrue(Float.isNaN(q.getOversample()), "no explicit oversample: " + q.getOversample());
    assertEquals(MatryoshkaKnnQuery.DEFAULT_TARGET_RECALL, q.getTargetRecall());
    q = MatryoshkaKnnQueryBuilder.shardQuery(recall90, v, 10, null, null, null);
    assertTrue(Float.isNaN(q.getOversample()));
    assertEquals(0.9, q.getTargetRecall());
    // the mapping's oversample, set by the user, beats the mapping's target
    assertEquals(7f, MatryoshkaKnnQueryBuilder.shardQuery(pinned, v, 10, null, null, null).getOversample());
    // the query's target beats the mapping's oversample and target
    q = MatryoshkaKnnQueryBuilder.shardQuery(pinned, v, 10, null, 0.95, null);
    assertTrue(Float.isNaN(q.getOversample()));
    assertEquals(0.95, q.getTargetRecall());
    assertEquals(0.99, MatryoshkaKnnQueryBuilder.shardQuery(recall90, v, 10, null, 0.99, null).getTargetRecall());
    // the query's oversample beats everything
    assertEquals(2f, MatryoshkaKnnQueryBuilder.shardQuery(pinned, v, 10, 2f, 0.95, null).getOversample());
    assertEquals(2f, MatryoshkaKnnQueryBuilder.shardQuery(recall90, v, 10, 2f, null, null).getOversample());
  }

  /** JSON query vectors at the edges of float32 against a field whose documents came through the mapper. */
  @Test
  void cosineQueriesAtTheEdgesOfFloatGiveTheHitsOfTheirDirection() throws IOException {
    var type = MatryoshkaVectorFieldMapperTest.field("cosine", 8, null, null);
    java.util.Random r = new java.util.Random(11);
    try (Directory dir = new ByteBuffersDirectory()) {
      try (IndexWriter w = new IndexWriter(dir, new IndexWriterConfig().setCodec(new MatryoshkaCodec()))) {
        for (int i = 0; i < 300; i++) {
          float[] v = new float[8];
          for (int d = 0; d < 8; d++) v[d] = (float) r.nextGaussian();
          Document doc = new Document();
          doc.add(MatryoshkaVectorFieldMapper.luceneField(type, v));
          w.addDocument(doc);
        }
      }
      try (DirectoryReader reader = DirectoryReader.open(dir)) {
        IndexSearcher s = new IndexSearcher(reader);
        TopDocs want = search(s, type, "[1,2,3,4,5,6,7,8]");
        TopDocs ones = search(s, type, "[1,1,1,1,1,1,1,1]");
        String[][] cases = {
          {"[1e37,2e37,3e37,4e37,5e37,6e37,7e37,8e37]", "1e-6"},
          {"[1e38,1e38,1e38,1e38,1e38,1e38,1e38,1e38]", "1e-6"},
          {"[1e-40,2e-40,3e-40,4e-40,5e-40,6e-40,7e-40,8e-40]", "1e-4"}, // subnormal: ~13 bits left
        };
        for (String[] c : cases) {
          TopDocs got = search(s, type, c[0]);
          TopDocs expected = c[0].startsWith("[1e38") ? ones : want;
          for (int i = 0; i < 10; i++) {
            ScoreDoc g = got.scoreDocs[i];
            assertTrue(Float.isFinite(g.score) && g.score >= 0 && g.score <= 1.000001f, c[0] + ": " + g.score);
            assertEquals(expected.scoreDocs[i].score, g.score, Float.parseFloat(c[1]), c[0] + " at " + i);
            if (!c[1].equals("1e-4")) {
              assertEquals(expected.scoreDocs[i].doc, g.doc, c[0] + " at " + i);
            }
          }
        }
      }
    }
  }

  private static TopDocs search(IndexSearcher s, MatryoshkaVectorFieldMapper.VectorFieldType type, String vector) throws IOException {
    MatryoshkaKnnQueryBuilder b = parse("{\"field\":\"emb\",\"vector\":" + vector + ",\"k\":10}");
    MatryoshkaKnnQuery q = MatryoshkaKnnQueryBuilder.shardQuery(type, b.vector(), 10, b.oversample(), b.targetRecall(), null);
    return s.search(q.exactSearchThreshold(0), 10);
  }

  @Test
  void queriesNoSimilarityCanScoreAreRefusedNamingTheField() throws IOException {
    float[] huge = parse("{\"field\":\"emb\",\"vector\":[1e37,2e37,3e37,4e37,5e37,6e37,7e37,8e37]}").vector();
    for (String sim : new String[] {"dot_product", "max_inner_product", "l2"}) {
      var type = MatryoshkaVectorFieldMapperTest.field(sim, 8, null, null);
      IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
          () -> MatryoshkaKnnQueryBuilder.shardQuery(type, huge, 10, null, null, null));
      assertTrue(e.getMessage().contains("field \"emb\": query vector norm must be at most 2^62"), e.getMessage());
    }
    var cosine = MatryoshkaVectorFieldMapperTest.field("cosine", 8, null, null);
    IllegalArgumentException zero = assertThrows(IllegalArgumentException.class,
        () -> MatryoshkaKnnQueryBuilder.shardQuery(cosine, new float[8], 10, null, null, null));
    assertTrue(zero.getMessage().contains("\"emb\"") && zero.getMessage().contains("zero vector"), zero.getMessage());
    IllegalArgumentException dims = assertThrows(IllegalArgumentException.class,
        () -> MatryoshkaKnnQueryBuilder.shardQuery(cosine, new float[7], 10, null, null, null));
    assertTrue(dims.getMessage().contains("7 dims; field [emb] has 8"), dims.getMessage());
    rejects("{\"field\":\"emb\",\"vector\":[1,2,3,4,5,6,7,1e39]}", "non-finite number at position 7");
  }
}
