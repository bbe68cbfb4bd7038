package dev.matryoshka.encode;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.Objects;
import java.util.Set;

/**
 * How to turn a model's token vectors into one text vector, and what the model expects around
 * the text. Stored as {@value #FILE_NAME} in a model folder:
 *
 * <pre>{@code
 * {"name": "bge-small-en-v1.5", "pooling": "cls", "queryPrefix": "Represent this ...: ",
 *  "documentPrefix": "", "maxTokens": 512, "dims": 384, "normalize": true,
 *  "layerNormBeforeTruncation": false, "trainedForTruncation": false}
 * }</pre>
 *
 * <p>Every key is optional; a missing key takes the value of {@link #defaults(String)}. Unknown
 * keys are an error, so that a misspelt key cannot silently fall back to a default.
 *
 * <pre>{@code
 * ModelConfig cfg = ModelConfig.read(dir.resolve(ModelConfig.FILE_NAME), dir.getFileName().toString());
 * cfg.withPooling(Pooling.CLS).write(otherDir.resolve(ModelConfig.FILE_NAME));
 * }</pre>
 *
 * @param name a short name recorded with every index built with the model
 * @param pooling how token vectors are pooled
 * @param queryPrefix prepended to every query text (instruction-tuned models need it)
 * @param documentPrefix prepended to every document text
 * @param maxTokens the longest token sequence, special tokens included; longer input is cut
 * @param dims the vector length, or 0 for "take it from the model"
 * @param normalize whether vectors are scaled to unit L2 norm
 * @param layerNormBeforeTruncation apply a parameter-free layer norm to the pooled vector before
 *     normalising, as nomic-embed does so that its prefixes renormalise well
 * @param trainedForTruncation whether the model was trained with a Matryoshka loss; if not,
 *     prefixes of its vectors need an adapter before they are useful on their own
 */
public record ModelConfig(
    String name,
    Pooling pooling,
    String queryPrefix,
    String documentPrefix,
    int maxTokens,
    int dims,
    boolean normalize,
    boolean layerNormBeforeTruncation,
    boolean trainedForTruncation) {

  /** The file name in a model folder. */
  public static final String FILE_NAME = "matryoshka-model.json";

  /** Largest accepted {@code maxTokens}: far beyond any BERT-style position table. */
  public static final int MAX_TOKENS_LIMIT = 32_768;

  /** Default {@code maxTokens}: the position table size of BERT-family encoders. */
  public static final int DEFAULT_MAX_TOKENS = 512;

  private static final ObjectMapper JSON =
      new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
  private static final Set<String> KEYS =
      Set.of(
          "name",
          "pooling",
          "queryPrefix",
          "documentPrefix",
          "maxTokens",
          "dims",
          "normalize",
          "layerNormBeforeTruncation",
          "trainedForTruncation");

  /** Checks the arguments. */
  public ModelConfig {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(pooling, "pooling");
    Objects.requireNonNull(queryPrefix, "queryPrefix");
    Objects.requireNonNull(documentPrefix, "documentPrefix");
    if (name.isBlank()) {
      throw new IllegalArgumentException("name must not be blank");
    }
    // 3 = [CLS] + one token + [SEP]; anything shorter cannot hold text
    if (maxTokens < 3 || maxTokens > MAX_TOKENS_LIMIT) {
      throw new IllegalArgumentException(
          "maxTokens must be in [3, " + MAX_TOKENS_LIMIT + "]; got=" + maxTokens);
    }
    if (dims < 0) {
      throw new IllegalArgumentException("dims must be >= 0 (0 = from the model); got=" + dims);
    }
  }

  /**
   * The configuration of a model folder without {@value #FILE_NAME}: mean pooling (the
   * sentence-transformers default, and never worse than an untrained CLS vector), no prefixes,
   * {@value #DEFAULT_MAX_TOKENS} tokens, dims from the model, unit-normalised, no layer norm, not
   * Matryoshka-trained (so the index fits an adapter rather than trusting raw prefixes).
   */
  public static ModelConfig defaults(String name) {
    return new ModelConfig(name, Pooling.MEAN, "", "", DEFAULT_MAX_TOKENS, 0, true, false, false);
  }

  /** A copy with another pooling. */
  public ModelConfig withPooling(Pooling p) {
    return new ModelConfig(
        name, p, queryPrefix, documentPrefix, maxTokens, dims, normalize,
        layerNormBeforeTruncation, trainedForTruncation);
  }

  /** A copy with other prefixes. */
  public ModelConfig withPrefixes(String query, String document) {
    return new ModelConfig(
        name, pooling, query, document, maxTokens, dims, normalize, layerNormBeforeTruncation,
        trainedForTruncation);
  }

  /** A copy with another token limit. */
  public ModelConfig withMaxTokens(int max) {
    return new ModelConfig(
        name, pooling, queryPrefix, documentPrefix, max, dims, normalize,
        layerNormBeforeTruncation, trainedForTruncation);
  }

  /** A copy with another vector length (0 = from the model). */
  public ModelConfig withDims(int d) {
    return new ModelConfig(
        name, pooling, queryPrefix, documentPrefix, maxTokens, d, normalize,
        layerNormBeforeTruncation, trainedForTruncation);
  }

  /** A copy with other flags. */
  public ModelConfig withFlags(boolean norm, boolean layerNorm, boolean matryoshkaTrained) {
    return new ModelConfig(
        name, pooling, queryPrefix, documentPrefix, maxTokens, dims, norm, layerNorm,
        matryoshkaTrained);
  }

  /**
   * Reads a config file; keys it lacks take the values of {@link #defaults(String)}.
   *
   * @param file the JSON file
   * @param defaultName the name used when the file has none (usually the folder's name)
   * @throws IOException if the file cannot be read, is not JSON, or holds a wrong key or value;
   *     the message names the file
   */
  public static ModelConfig read(Path file, String defaultName) throws IOException {
    String text;
    try {
      text = Files.readString(file, StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new IOException("cannot read model config " + file + ": " + e, e);
    }
    try {
      return parse(text, defaultName);
    } catch (JsonProcessingException e) {
      throw new IOException(
          "model config " + file + " is not valid JSON: " + e.getOriginalMessage(), e);
    } catch (IllegalArgumentException e) {
      throw new IOException("model config " + file + ": " + e.getMessage(), e);
    }
  }

  /**
   * Parses the JSON text of a config.
   *
   * @throws JsonProcessingException if it is not JSON
   * @throws IllegalArgumentException if a key is unknown or a value has the wrong type or range
   */
  public static ModelConfig parse(String json, String defaultName) throws JsonProcessingException {
    JsonNode root = JSON.readTree(json);
    if (root == null || !root.isObject()) {
      throw new IllegalArgumentException("expected a JSON object");
    }
    for (Iterator<String> it = root.fieldNames(); it.hasNext(); ) {
      String key = it.next();
      if (!KEYS.contains(key)) {
        throw new IllegalArgumentException("unknown key \"" + key + "\"; known keys: " + KEYS);
      }
    }
    ModelConfig d = defaults(defaultName);
    return new ModelConfig(
        text(root, "name", d.name()),
        root.has("pooling") ? Pooling.parse(text(root, "pooling", null)) : d.pooling(),
        text(root, "queryPrefix", d.queryPrefix()),
        text(root, "documentPrefix", d.documentPrefix()),
        integer(root, "maxTokens", d.maxTokens()),
        integer(root, "dims", d.dims()),
        bool(root, "normalize", d.normalize()),
        bool(root, "layerNormBeforeTruncation", d.layerNormBeforeTruncation()),
        bool(root, "trainedForTruncation", d.trainedForTruncation()));
  }

  /** This config as pretty-printed JSON with every key. */
  public String toJson() {
    ObjectNode o = JSON.createObjectNode();
    o.put("name", name);
    o.put("pooling", pooling.jsonName());
    o.put("queryPrefix", queryPrefix);
    o.put("documentPrefix", documentPrefix);
    o.put("maxTokens", maxTokens);
    o.put("dims", dims);
    o.put("normalize", normalize);
    o.put("layerNormBeforeTruncation", layerNormBeforeTruncation);
    o.put("trainedForTruncation", trainedForTruncation);
    try {
      return JSON.writeValueAsString(o) + "\n";
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("cannot happen for a tree of strings and numbers", e);
    }
  }

  /** Writes {@link #toJson()} to a file, replacing it. */
  public void write(Path file) throws IOException {
    Files.writeString(file, toJson(), StandardCharsets.UTF_8);
  }

  private static String text(JsonNode root, String key, String dflt) {
    JsonNode n = root.get(key);
    if (n == null) {
      return dflt;
    }
    if (!n.isTextual()) {
      throw new IllegalArgumentException("\"" + key + "\" must be a string; got=" + n);
    }
    return n.asText();
  }

  private static int integer(JsonNode root, String key, int dflt) {
    JsonNode n = root.get(key);
    if (n == null) {
      return dflt;
    }
    if (!n.isIntegralNumber() || !n.canConvertToInt()) {
      throw new IllegalArgumentException("\"" + key + "\" must be an integer; got=" + n);
    }
    return n.asInt();
  }

  private static boolean bool(JsonNode root, String key, boolean dflt) {
    JsonNode n = root.get(key);
    if (n == null) {
      return dflt;
    }
    if (!n.isBoolean()) {
      throw new IllegalArgumentException("\"" + key + "\" must be true or false; got=" + n);
    }
    return n.asBoolean();
  }
}
