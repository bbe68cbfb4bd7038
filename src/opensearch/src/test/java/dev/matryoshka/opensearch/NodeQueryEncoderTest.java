package dev.matryoshka.opensearch;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.matryoshka.encode.Models;
import java.io.IOException;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.opensearch.common.io.stream.BytesStreamOutput;
import org.opensearch.common.xcontent.XContentHelper;
import org.opensearch.common.xcontent.json.JsonXContent;
import org.opensearch.common.xcontent.XContentFactory;
import org.opensearch.core.common.bytes.BytesReference;
import org.opensearch.core.xcontent.MediaTypeRegistry;
import org.opensearch.core.xcontent.ToXContent;
import org.opensearch.core.xcontent.XContentBuilder;
import org.opensearch.core.common.io.stream.StreamInput;

/** The coordinator's view of mappings, and the stats wire format, without a node. */
class NodeQueryEncoderTest {
  @Test
  void findsMatryoshkaFieldsAndTheirModelsInNestedObjects() {
    String mapping = "{\"properties\":{"
        + "\"title\":{\"type\":\"text\"},"
        + "\"emb\":{\"type\":\"matryoshka_vector\",\"dims\":8,\"model\":\"custom-1\"},"
        + "\"plain\":{\"type\":\"matryoshka_vector\",\"dims\":8},"
        + "\"meta\":{\"properties\":{\"inner\":{\"type\":\"matryoshka_vector\",\"dims\":4,\"model\":\" m2 \"},"
        + "\"n\":{\"type\":\"long\"}}}}}";
    Map<String, Object> source = XContentHelper.convertToMap(JsonXContent.jsonXContent, mapping, false);
    assertEquals(
        Map.of("emb", "custom-1", "plain", Models.DEFAULT_MODEL, "meta.inner", "m2"),
        NodeQueryEncoder.matryoshkaFields(source));
  }

  @Test
  void statsRoundTripOverTheWire() throws IOException {
    Map<String, EncoderStats.Model> models = new TreeMap<>();
    models.put("a", new EncoderStats.Model(10, 2, 3, 450, 1));
    models.put("b", new EncoderStats.Model(0, 7, 7, 12, 0));
    EncoderStats s = new EncoderStats(models, 5);
    try (BytesStreamOutput out = new BytesStreamOutput()) {
      s.writeTo(out);
      try (StreamInput in = out.bytes().streamInput()) {
        assertEquals(s, EncoderStats.readFrom(in));
      }
    }
    XContentBuilder b = XContentFactory.jsonBuilder().startObject();
    s.toXContent(b, ToXContent.EMPTY_PARAMS);
    b.endObject();
    Map<String, Object> map = XContentHelper.convertToMap(BytesReference.bytes(b), false, MediaTypeRegistry.JSON).v2();
    assertEquals(java.util.List.of("a", "b"), map.get("models_loaded"));
    assertEquals(19, ((Number) map.get("texts_encoded")).intValue());
    assertEquals(10, ((Number) map.get("batches")).intValue());
    assertEquals(462, ((Number) map.get("time_ms")).intValue());
  }
}
