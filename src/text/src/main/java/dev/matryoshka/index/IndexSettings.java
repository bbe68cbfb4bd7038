package dev.matryoshka.index;

import dev.matryoshka.codec.MatryoshkaHnswVectorsFormat;
import dev.matryoshka.codec.MatryoshkaPrefix;
import java.util.HashMap;
import java.util.Map;

/**
 * What a Matryoshka index was built with. Stored in every commit's user data (keys {@code
 * matryoshka.*}), so settings and data are committed together and an index describes itself.
 *
 * @param field name of the vector field
 * @param dims full vector dimension
 * @param prefixDims prefix dimension indexed in the graph
 * @param similarity similarity of the field
 * @param maxConn HNSW M
 * @param beamWidth HNSW ef_construction
 * @param modelName encoder model name, or null for precomputed vectors
 * @param modelFingerprint SHA-256 of the model file, or null
 * @param adapterKind "none", "rotation", "learned", or another adapter name
 * @param adapterFingerprint checksum of the adapter file, or null
 * @param prefixEncoding what the graph search scores: float32 prefixes (default) or int8 codes
 */
public record IndexSettings(
    String field,
    int dims,
    int prefixDims,
    SimilarityName similarity,
    int maxConn,
    int beamWidth,
    String modelName,
    String modelFingerprint,
    String adapterKind,
    String adapterFingerprint,
    MatryoshkaPrefix.Encoding prefixEncoding) {

  /** Default field name of the vector. */
  public static final String DEFAULT_FIELD = "embedding";

  /** Version of the user-data layout below. */
  public static final int LAYOUT_VERSION = 1;

  static final String P = "matryoshka.";

  /** Checks every value; messages name the setting and the value. */
  public IndexSettings {
    if (field == null || field.isBlank()) {
      throw new IllegalArgumentException("field must be a non-empty name; got=" + field);
    }
    if (dims <= 0 || dims > MatryoshkaHnswVectorsFormat.MAX_DIMENSIONS) {
      throw new IllegalArgumentException(
          "dims must be in [1, " + MatryoshkaHnswVectorsFormat.MAX_DIMENSIONS + "]; got=" + dims);
    }
    if (prefixDims <= 0 || prefixDims >= dims) {
      throw new IllegalArgumentException(
          "prefix dims must be in [1, dims) = [1, " + dims + "); got=" + prefixDims);
    }
    if (similarity == null) {
      throw new IllegalArgumentException("similarity must not be null");
    }
    new MatryoshkaHnswVectorsFormat(prefixDims, maxConn, beamWidth); // checks M and beam width
    if (adapterKind == null) {
      adapterKind = "none";
    }
    if (prefixEncoding == null) {
      prefixEncoding = MatryoshkaPrefix.Encoding.FLOAT32;
    }
    if (prefixEncoding.quantized()
        && !MatryoshkaPrefix.Encoding.int8Supports(similarity.function())) {
      throw new IllegalArgumentException(
          "prefix quantization " + prefixEncoding.settingName() + " needs a dot-product similarity (cosine, dot, mip); got=" + similarity.label());
    }
  }

  /** Settings for precomputed vectors with default graph parameters. */
  public static IndexSettings forVectors(int dims, int prefixDims, SimilarityName similarity) {
    return new IndexSettings(DEFAULT_FIELD, dims, prefixDims, similarity,
        MatryoshkaHnswVectorsFormat.DEFAULT_MAX_CONN, MatryoshkaHnswVectorsFormat.DEFAULT_BEAM_WIDTH,
        null, null, "none", null, MatryoshkaPrefix.Encoding.FLOAT32);
  }

  /**
   * The prefix length to use by default for vectors whose prefixes are informative (a model
   * trained for truncation, or precomputed vectors: the user knows their model): 64, or dims/2 if
   * smaller.
   */
  public static int defaultPrefixDims(int dims) {
    return dims > MatryoshkaPrefix.DEFAULT_PREFIX_DIMS ? MatryoshkaPrefix.DEFAULT_PREFIX_DIMS : Math.max(1, dims / 2);
  }

  /**
   * The default prefix length for text encoded by a model. A model trained for truncation gets
   * {@link #defaultPrefixDims(int)}. One that was not (bge-small, MiniLM) gets half of its
   * dimensions, rounded up to a multiple of 32 (384 → 192, 768 → 384): even after the centred
   * rotation of {@code --adapter auto}, its first 64 dimensions rank so loosely that the
   * calibrated oversample has to be large, and a query then pays for a wide beam and many full
   * reads. Measured with bge-small on SciFact and on 100k Wikipedia paragraphs (BENCHMARKS.md,
   * issue 15): at recall 0.95–0.99, 192 dims were the best or tied-best prefix on both (128 was
   * 0–25 % behind, 64 less than half as fast), and the prefix index still keeps about half of
   * float32 HNSW's hot bytes (a quarter with int8 codes).
   */
  public static int defaultPrefixDims(int dims, boolean trainedForTruncation) {
    int narrow = defaultPrefixDims(dims);
    if (trainedForTruncation) {
      return narrow;
    }
    int half = (dims / 2 + 31) / 32 * 32;
    return half > narrow && half < dims ? half : narrow;
  }

  /** With model identity. */
  public IndexSettings withModel(String name, String fingerprint) {
    return new IndexSettings(field, dims, prefixDims, similarity, maxConn, beamWidth, name,
        fingerprint, adapterKind, adapterFingerprint, prefixEncoding);
  }

  /** With adapter identity. */
  public IndexSettings withAdapter(String kind, String fingerprint) {
    return new IndexSettings(field, dims, prefixDims, similarity, maxConn, beamWidth, modelName,
        modelFingerprint, kind, fingerprint, prefixEncoding);
  }

  /** The Lucene field type of the vector field these settings describe. */
  public org.apache.lucene.document.FieldType vectorFieldType() {
    return dev.matryoshka.document.MatryoshkaVectorField.fieldType(
        dims, prefixDims, similarity.function(), prefixEncoding);
  }

  /** With the prefix encoding the graph search scores. */
  public IndexSettings withPrefixEncoding(MatryoshkaPrefix.Encoding encoding) {
    return new IndexSettings(field, dims, prefixDims, similarity, maxConn, beamWidth, modelName,
        modelFingerprint, adapterKind, adapterFingerprint, encoding);
  }

  /** As commit user data. */
  public Map<String, String> toUserData() {
    Map<String, String> m = new HashMap<>();
    m.put(P + "layout_version", Integer.toString(LAYOUT_VERSION));
    m.put(P + "field", field);
    m.put(P + "dims", Integer.toString(dims));
    m.put(P + "prefix_dims", Integer.toString(prefixDims));
    m.put(P + "similarity", similarity.label());
    m.put(P + "m", Integer.toString(maxConn));
    m.put(P + "beam_width", Integer.toString(beamWidth));
    m.put(P + "adapter", adapterKind);
    m.put(P + "prefix_encoding", prefixEncoding.wireName());
    if (modelName != null) m.put(P + "model", modelName);
    if (modelFingerprint != null) m.put(P + "model_fingerprint", modelFingerprint);
    if (adapterFingerprint != null) m.put(P + "adapter_fingerprint", adapterFingerprint);
    return m;
  }

  /** Reads settings from commit user data; null when the commit has none (not our index). */
  public static IndexSettings fromUserData(Map<String, String> m) {
    if (!m.containsKey(P + "dims")) {
      return null;
    }
    int layout = Integer.parseInt(m.getOrDefault(P + "layout_version", "1"));
    if (layout > LAYOUT_VERSION) {
      throw new IllegalStateException(
          "index was written by a newer version (settings layout " + layout + " > " + LAYOUT_VERSION + ")");
    }
    return new IndexSettings(
        m.get(P + "field"),
        Integer.parseInt(m.get(P + "dims")),
        Integer.parseInt(m.get(P + "prefix_dims")),
        SimilarityName.parse(m.get(P + "similarity")),
        Integer.parseInt(m.get(P + "m")),
        Integer.parseInt(m.get(P + "beam_width")),
        m.get(P + "model"),
        m.get(P + "model_fingerprint"),
        m.getOrDefault(P + "adapter", "none"),
        m.get(P + "adapter_fingerprint"),
        MatryoshkaPrefix.Encoding.parse(m.get(P + "prefix_encoding")));
  }

  /**
   * Explains how {@code requested} differs from these (stored) settings in ways that matter for an
   * existing index, or returns null when they are compatible.
   */
  public String incompatibility(IndexSettings requested) {
    StringBuilder sb = new StringBuilder();
    diff(sb, "field", field, requested.field);
    diff(sb, "dims", dims, requested.dims);
    diff(sb, "prefix dims", prefixDims, requested.prefixDims);
    diff(sb, "similarity", similarity, requested.similarity);
    diff(sb, "prefix quantization", prefixEncoding.wireName(), requested.prefixEncoding.wireName());
    if (requested.modelFingerprint != null && modelFingerprint != null) {
      diff(sb, "model", modelName + " (" + shortFp(modelFingerprint) + ")",
          requested.modelName + " (" + shortFp(requested.modelFingerprint) + ")");
    }
    if (requested.adapterFingerprint != null || adapterFingerprint != null) {
      diff(sb, "adapter", adapterKind + "/" + shortFp(adapterFingerprint),
          requested.adapterKind + "/" + shortFp(requested.adapterFingerprint));
    }
    return sb.isEmpty() ? null : sb.toString();
  }

  static String shortFp(String fp) {
    return fp == null ? "none" : fp.length() > 12 ? fp.substring(0, 12) : fp;
  }

  private static void diff(StringBuilder sb, String what, Object have, Object want) {
    if (!String.valueOf(have).equals(String.valueOf(want))) {
      if (!sb.isEmpty()) sb.append("; ");
      sb.append(what).append(": index has ").append(have).append(", requested ").append(want);
    }
  }
}
