package dev.matryoshka.opensearch;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import org.opensearch.ingest.AbstractProcessor;
import org.opensearch.ingest.ConfigurationUtils;
import org.opensearch.ingest.IngestDocument;
import org.opensearch.ingest.IngestDocumentWrapper;
import org.opensearch.ingest.Processor;

/**
 * The {@value #TYPE} ingest processor: encodes a text field with the model's document prefix and
 * writes the vector to a {@code matryoshka_vector} field.
 *
 * <pre>{@code
 * {"matryoshka_embed": {"field": "text", "target_field": "embedding", "model": "bge-small-en-v1.5"}}
 * }</pre>
 *
 * <p>The model is loaded when the pipeline is created (an unknown model is refused then) and shared
 * through {@link Encoders}. {@code ignore_missing} (default false) skips documents without the
 * text field instead of failing them.
 */
final class EmbedProcessor extends AbstractProcessor {
  /** The processor's name in pipelines. */
  static final String TYPE = "matryoshka_embed";

  private final String field;
  private final String targetField;
  private final boolean ignoreMissing;
  private final Encoders encoders;
  private final String model;

  private EmbedProcessor(
      String tag, String description, String field, String targetField, boolean ignoreMissing, Encoders encoders,
      String model) {
    super(tag, description);
    this.field = field;
    this.targetField = targetField;
    this.ignoreMissing = ignoreMissing;
    this.encoders = encoders;
    this.model = model;
  }

  @Override
  public IngestDocument execute(IngestDocument doc) {
    String text = textOf(doc);
    if (text != null) {
      write(doc, encoders.encodeDocuments(model, List.of(text))[0]);
    }
    return doc;
  }

  /** Encodes the texts of a whole bulk request in the encoder's batches instead of one by one. */
  @Override
  public void batchExecute(List<IngestDocumentWrapper> docs, Consumer<List<IngestDocumentWrapper>> handler) {
    List<IngestDocumentWrapper> todo = new ArrayList<>();
    List<String> texts = new ArrayList<>();
    for (IngestDocumentWrapper w : docs) {
      if (w.getException() != null || w.getIngestDocument() == null) {
        continue;
      }
      try {
        String text = textOf(w.getIngestDocument());
        if (text != null) {
          todo.add(w);
          texts.add(text);
        }
      } catch (RuntimeException e) {
        w.update(w.getIngestDocument(), e);
      }
    }
    if (!texts.isEmpty()) {
      try {
        float[][] vectors = encoders.encodeDocuments(model, texts);
        for (int i = 0; i < vectors.length; i++) {
          write(todo.get(i).getIngestDocument(), vectors[i]);
        }
      } catch (RuntimeException e) {
        for (IngestDocumentWrapper w : todo) {
          w.update(w.getIngestDocument(), e);
        }
      }
    }
    handler.accept(docs);
  }

  /** The text to encode, or null to leave the document alone; throws for a bad value. */
  private String textOf(IngestDocument doc) {
    Object value = doc.getFieldValue(field, Object.class, ignoreMissing);
    if (value == null) {
      if (ignoreMissing) {
        return null;
      }
      throw new IllegalArgumentException("[" + TYPE + "] field [" + field + "] is null");
    }
    if (!(value instanceof String text)) {
      throw new IllegalArgumentException("[" + TYPE + "] field [" + field + "] must be a string; got " + value.getClass().getSimpleName());
    }
    if (text.isBlank()) {
      throw new IllegalArgumentException("[" + TYPE + "] field [" + field + "] is empty");
    }
    return text;
  }

  private void write(IngestDocument doc, float[] v) {
    List<Float> out = new ArrayList<>(v.length);
    for (float x : v) {
      out.add(x);
    }
    doc.setFieldValue(targetField, out);
  }

  @Override
  public String getType() {
    return TYPE;
  }

  /** Reads the processor's configuration; mistakes answer HTTP 400 naming the property. */
  static final class Factory implements Processor.Factory {
    private final Encoders encoders;

    Factory(Encoders encoders) {
      this.encoders = encoders;
    }

    @Override
    public EmbedProcessor create(
        Map<String, Processor.Factory> registry, String tag, String description, Map<String, Object> config) {
      String field = ConfigurationUtils.readStringProperty(TYPE, tag, config, "field");
      String target = ConfigurationUtils.readStringProperty(TYPE, tag, config, "target_field");
      String model = ConfigurationUtils.readOptionalStringProperty(TYPE, tag, config, "model");
      boolean ignoreMissing = ConfigurationUtils.readBooleanProperty(TYPE, tag, config, "ignore_missing", false);
      try {
        encoders.load(model);
      } catch (IllegalArgumentException e) {
        throw ConfigurationUtils.newConfigurationException(TYPE, tag, "model", e.getMessage());
      }
      return new EmbedProcessor(tag, description, field, target, ignoreMissing, encoders, model);
    }
  }
}
