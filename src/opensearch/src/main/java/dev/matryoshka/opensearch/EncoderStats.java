package dev.matryoshka.opensearch;

import java.io.IOException;
import java.util.Map;
import java.util.TreeMap;
import org.opensearch.core.common.io.stream.StreamInput;
import org.opensearch.core.common.io.stream.StreamOutput;
import org.opensearch.core.common.io.stream.Writeable;
import org.opensearch.core.xcontent.ToXContentFragment;
import org.opensearch.core.xcontent.XContentBuilder;

/**
 * One node's encoder counters since it started: per loaded model, texts encoded (documents by
 * {@code matryoshka_embed}, queries by {@code matryoshka_knn}), encoder calls ("batches") and time
 * spent in them; plus how many query texts a shard encoded because no coordinating node had (see
 * {@link MatryoshkaKnnQueryBuilder}: normally 0).
 *
 * <pre>{@code
 * "models_loaded": ["bge-small-en-v1.5"],
 * "texts_encoded": 1203, "batches": 14, "time_ms": 5120, "query_texts_encoded_on_shards": 0,
 * "models": {"bge-small-en-v1.5": {"document_texts": 1200, "query_texts": 3, ...}}
 * }</pre>
 *
 * @param models counters by model key, in name order
 * @param queryTextsOnShards query texts encoded by a shard rather than once per search
 */
public record EncoderStats(Map<String, Model> models, long queryTextsOnShards) implements Writeable, ToXContentFragment {
  /**
   * One model's counters.
   *
   * @param documentTexts texts encoded with the document prefix
   * @param queryTexts texts encoded with the query prefix
   * @param batches encoder calls (a bulk request's texts are one call)
   * @param timeMillis wall time spent in encoder calls
   * @param truncated texts cut at the model's token limit
   */
  public record Model(long documentTexts, long queryTexts, long batches, long timeMillis, long truncated) {
    long texts() {
      return documentTexts + queryTexts;
    }
  }

  /** Reads counters sent by another node. */
  static EncoderStats readFrom(StreamInput in) throws IOException {
    int n = in.readVInt();
    Map<String, Model> models = new TreeMap<>();
    for (int i = 0; i < n; i++) {
      models.put(in.readString(), new Model(in.readVLong(), in.readVLong(), in.readVLong(), in.readVLong(), in.readVLong()));
    }
    return new EncoderStats(models, in.readVLong());
  }

  @Override
  public void writeTo(StreamOutput out) throws IOException {
    out.writeVInt(models.size());
    for (Map.Entry<String, Model> e : models.entrySet()) {
      Model m = e.getValue();
      out.writeString(e.getKey());
      out.writeVLong(m.documentTexts());
      out.writeVLong(m.queryTexts());
      out.writeVLong(m.batches());
      out.writeVLong(m.timeMillis());
      out.writeVLong(m.truncated());
    }
    out.writeVLong(queryTextsOnShards);
  }

  @Override
  public XContentBuilder toXContent(XContentBuilder b, Params params) throws IOException {
    long texts = 0;
    long batches = 0;
    long millis = 0;
    for (Model m : models.values()) {
      texts += m.texts();
      batches += m.batches();
      millis += m.timeMillis();
    }
    b.array("models_loaded", models.keySet().toArray(String[]::new));
    b.field("texts_encoded", texts);
    b.field("batches", batches);
    b.field("time_ms", millis);
    b.field("query_texts_encoded_on_shards", queryTextsOnShards);
    b.startObject("models");
    for (Map.Entry<String, Model> e : models.entrySet()) {
      Model m = e.getValue();
      b.startObject(e.getKey());
      b.field("document_texts", m.documentTexts());
      b.field("query_texts", m.queryTexts());
      b.field("batches", m.batches());
      b.field("time_ms", m.timeMillis());
      b.field("truncated", m.truncated());
      b.endObject();
    }
    return b.endObject(); // models
  }
}
