package dev.matryoshka.opensearch;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import org.junit.jupiter.api.Test;
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
    try (XContentParser p =
        JsonXContent.jsonXContent.createParser(NamedXContentRegistry.EMPTY, DeprecationHandler.THROW_UNSUPPORTED_OPERATION, json)) {
      p.nextToken();
      return MatryoshkaKnnQueryBuilder.fromXContent(p, NO_ENCODER);
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
  }
}
