package dev.matryoshka.opensearch;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import org.junit.jupiter.api.Test;
import org.opensearch.common.xcontent.json.JsonXContent;
import org.opensearch.core.xcontent.DeprecationHandler;
import org.opensearch.core.xcontent.NamedXContentRegistry;
import org.opensearch.core.xcontent.XContentParser;

/** The one vector-array reader shared by documents and queries. */
class VectorArraysTest {
  private static float[] read(String json) throws IOException {
    try (XContentParser p =
        JsonXContent.jsonXContent.createParser(NamedXContentRegistry.EMPTY, DeprecationHandler.THROW_UNSUPPORTED_OPERATION, json)) {
      p.nextToken();
      float[] v = VectorArrays.read(p, "field [emb]");
      assertEquals(XContentParser.Token.END_ARRAY, p.currentToken());
      return v;
    }
  }

  private static void refuses(String json, String mention) {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> read(json));
    assertTrue(e.getMessage().startsWith("field [emb]") && e.getMessage().contains(mention), e.getMessage());
  }

  @Test
  void readsArraysOfAnyLength() throws IOException {
    assertArrayEquals(new float[0], read("[]"));
    assertArrayEquals(new float[] {1f, -2.5f, 3e-3f}, read("[1, -2.5, 3e-3]"));
    StringBuilder long1 = new StringBuilder("[");
    float[] want = new float[300];
    for (int i = 0; i < want.length; i++) {
      want[i] = i * 0.5f;
      long1.append(i == 0 ? "" : ",").append(want[i]);
    }
    assertArrayEquals(want, read(long1.append(']').toString()));
  }

  @Test
  void refusesWhatIsNotAFiniteNumberArray() {
    refuses("\"[1,2]\"", "must be an array");
    refuses("{\"a\":1}", "must be an array");
    refuses("[1,\"2\"]", "numbers only");
    refuses("[1,[2,3]]", "numbers only");
    refuses("[1,null]", "numbers only");
    refuses("[1,{\"x\":2}]", "numbers only");
    refuses("[1,1e40]", "non-finite number at position 1");
  }
}
