package dev.matryoshka.opensearch;

import dev.matryoshka.search.MatryoshkaKnnQuery;

import dev.matryoshka.adapt.Adapter;
import dev.matryoshka.codec.MatryoshkaHnswVectorsFormat;
import dev.matryoshka.codec.MatryoshkaPrefix;
import dev.matryoshka.codec.VectorDomain;
import dev.matryoshka.document.MatryoshkaVectorField;
import dev.matryoshka.index.SimilarityName;
import java.io.IOException;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Function;
import org.apache.lucene.codecs.lucene99.Lucene99HnswVectorsFormat;
import org.apache.lucene.document.FieldType;
import org.apache.lucene.index.VectorSimilarityFunction;
import org.apache.lucene.search.Query;
import org.opensearch.common.xcontent.support.XContentMapValues;
import org.opensearch.index.mapper.FieldMapper;
import org.opensearch.index.mapper.MappedFieldType;
import org.opensearch.index.mapper.MapperParsingException;
import org.opensearch.index.mapper.ParametrizedFieldMapper;
import org.opensearch.index.mapper.ParseContext;
import org.opensearch.index.mapper.SourceValueFetcher;
import org.opensearch.index.mapper.TextSearchInfo;
import org.opensearch.index.mapper.ValueFetcher;
import org.opensearch.index.query.QueryShardContext;
import org.opensearch.index.query.QueryShardException;
import org.opensearch.search.lookup.SearchLookup;
import org.opensearch.core.xcontent.XContentParser;

/**
 * The {@value #CONTENT_TYPE} field type: a document carries its full vector (a JSON array of
 * {@code dims} numbers); the index stores the full vector flat and links its first {@code
 * prefix_dims} dimensions in an HNSW graph, through {@link IndexCodec}.
 *
 * <pre>{@code
 * "embedding": {"type": "matryoshka_vector", "dims": 384, "model": "bge-small-en-v1.5"}
 * }</pre>
 *
 * <p>A field that names a {@code model} gets the library's defaults for it where the mapping is
 * silent ({@link ModelDefaults}): {@code prefix_dims} by how the model was trained (192 for
 * bge-small), and its default adapter when it has one; without a model, {@code prefix_dims} is
 * 64. {@code matryoshka_knn} on the field asks for {@code target_recall} (default {@value
 * MatryoshkaKnnQuery#DEFAULT_TARGET_RECALL}), which each segment maps to its own oversample from
 * the calibration the codec stored with it; an {@code oversample} in the mapping (absent by
 * default) or the query overrides that. Values the mapping sets always win.
 *
 * <p>{@code model} is the encoder that {@code matryoshka_knn} uses for {@code query_text};
 * {@code adapter} (optional) names a file {@code config/matryoshka/adapters/NAME.bin} on every
 * node ({@link NodeAdapters}): documents and queries stay in the model's space, the field maps
 * both through the adapter. The index must use {@code "index.codec": "matryoshka"}, which the
 * mapping checks.
 */
public final class MatryoshkaVectorFieldMapper extends ParametrizedFieldMapper {
  /** The mapping type name. */
  public static final String CONTENT_TYPE = "matryoshka_vector";

  /** {@code "adapter": "none"}: no adapter, not even the model's default one. */
  public static final String NO_ADAPTER = "none";

  /** Parses the mapping, resolving {@code adapter} names on this node; registered under {@value #CONTENT_TYPE}. */
  static TypeParser parser(NodeAdapters adapters, ModelDefaults modelDefaults) {
    return new TypeParser(
        (name, ctx) -> new Builder(name, ctx.getSettings().get("index.codec", "default"), adapters, modelDefaults));
  }

  private static MatryoshkaVectorFieldMapper toType(FieldMapper in) {
    return (MatryoshkaVectorFieldMapper) in;
  }

  /**
   * A fixed integer parameter whose parse error names the parameter, the field and the value
   * (OpenSearch's own {@code intParam} answers only "For input string: ...").
   */
  private static Parameter<Integer> intParam(String param, Function<FieldMapper, Integer> initializer, int defaultValue) {
    return new Parameter<>(param, false, () -> defaultValue, (field, ctx, value) -> {
      try {
        return XContentMapValues.nodeIntegerValue(value);
      } catch (IllegalArgumentException | ArithmeticException e) { // not a number, not whole, overflow
        throw new MapperParsingException(
            "[" + param + "] of field [" + field + "] must be an integer; got [" + value + "] (" + e.getMessage() + ")");
      }
    }, initializer);
  }

  /** Mapping parameters and their checks. */
  static final class Builder extends ParametrizedFieldMapper.Builder {
    private final Parameter<Integer> dims =
        intParam("dims", m -> toType(m).type().dims(), -1);
    // default: the library's for the field's model (192 of 384 for bge-small), else 64; see defaultPrefixDims()
    private final Parameter<Integer> prefixDims = new Parameter<>("prefix_dims", false, this::defaultPrefixDims,
        (field, ctx, value) -> {
          try {
            return XContentMapValues.nodeIntegerValue(value);
          } catch (IllegalArgumentException | ArithmeticException e) {
            throw new MapperParsingException(
                "[prefix_dims] of field [" + field + "] must be an integer; got [" + value + "] (" + e.getMessage() + ")");
          }
        }, m -> toType(m).type().prefixDims());
    private final Parameter<String> similarity =
        Parameter.restrictedStringParam(
            "similarity", false, m -> toType(m).type().similarityName(),
            SimilarityName.openSearchNames()); // the first, cosine, is the default
    private final Parameter<Integer> m =
        intParam("m", mapper -> toType(mapper).type().m(), MatryoshkaHnswVectorsFormat.DEFAULT_MAX_CONN);
    private final Parameter<Integer> efConstruction =
        intParam(
            "ef_construction", mapper -> toType(mapper).type().efConstruction(), MatryoshkaHnswVectorsFormat.DEFAULT_BEAM_WIDTH);
    private final Parameter<String> model =
        Parameter.stringParam("model", true, mapper -> toType(mapper).type().model(), null).acceptsNull();
    private final Parameter<String> prefixQuantization =
        Parameter.restrictedStringParam(
            "prefix_quantization", false, mapper -> toType(mapper).type().prefixQuantization(), "none", "int8", "int4");
    private final Parameter<String> adapter =
        Parameter.stringParam("adapter", false, mapper -> toType(mapper).type().adapterName(), null).acceptsNull();
    // search-time default of matryoshka_knn when set (a query's own oversample or target_recall
    // wins); absent (null), the default, means each segment's own calibration at target_recall.
    // Updatable, so an existing index takes a new value with a mapping update
    private final Parameter<Float> oversample = new Parameter<Float>("oversample", true,
        () -> null, (field, ctx, value) -> {
          if (value == null) {
            return null;
          }
          try {
            return XContentMapValues.nodeFloatValue(value);
          } catch (IllegalArgumentException e) {
            throw new MapperParsingException(
                "[oversample] of field [" + field + "] must be a number; got [" + value + "]");
          }
        }, mapper -> toType(mapper).type().oversample()).acceptsNull();
    // the recall@10 against exact full-dimension search that matryoshka_knn asks for by default;
    // every segment maps it to its own oversample from the calibration the codec stored with it
    private final Parameter<Double> targetRecall = new Parameter<>("target_recall", true,
        () -> MatryoshkaKnnQuery.DEFAULT_TARGET_RECALL, (field, ctx, value) -> {
          try {
            return XContentMapValues.nodeDoubleValue(value);
          } catch (IllegalArgumentException e) {
            throw new MapperParsingException(
                "[target_recall] of field [" + field + "] must be a number in (0, 1]; got [" + value + "]");
          }
        }, mapper -> toType(mapper).type().targetRecall());
    private final Parameter<Map<String, String>> meta = Parameter.metaParam();
    private final String indexCodec;
    private final NodeAdapters adapters;
    private final ModelDefaults modelDefaults;

    Builder(String name, String indexCodec, NodeAdapters adapters, ModelDefaults modelDefaults) {
      super(name);
      this.indexCodec = indexCodec;
      this.adapters = adapters;
      this.modelDefaults = modelDefaults;
    }

    @Override
    protected List<Parameter<?>> getParameters() {
      return List.of(
          dims, prefixDims, similarity, m, efConstruction, prefixQuantization, model, adapter, oversample, targetRecall, meta);
    }

    /**
     * The default of {@code prefix_dims}: for a field that names a model, the library's default
     * for that model and the field's dims ({@link ModelDefaults#prefixDims}: half the dims for a
     * model not trained for truncation, 192 for bge-small's 384); else {@value
     * MatryoshkaPrefix#DEFAULT_PREFIX_DIMS}. Every node computes it from the same mapping, so a
     * mapping that leaves it out means the same prefix on every node.
     */
    private Integer defaultPrefixDims() {
      String name = model.getValue();
      int d = dims.getValue();
      if (name == null || d <= 1) {
        return MatryoshkaPrefix.DEFAULT_PREFIX_DIMS;
      }
      try {
        return modelDefaults.prefixDims(name, d);
      } catch (IllegalArgumentException e) { // a bad name or model config: build() says so, naming the field
        return MatryoshkaPrefix.DEFAULT_PREFIX_DIMS;
      }
    }

    @Override
    public MatryoshkaVectorFieldMapper build(BuilderContext context) {
      String field = buildFullName(context);
      int d = dims.getValue();
      if (!MatryoshkaPlugin.CODEC.equals(indexCodec)) {
        throw new MapperParsingException(
            "field [" + field + "] of type [" + CONTENT_TYPE + "] needs the index setting \"index.codec\": \""
                + MatryoshkaPlugin.CODEC + "\"; this index has [" + indexCodec + "]");
      }
      if (!dims.isConfigured()) {
        throw new MapperParsingException("[dims] is required for field [" + field + "] of type [" + CONTENT_TYPE + "]");
      }
      if (d <= 0 || d > MatryoshkaHnswVectorsFormat.MAX_DIMENSIONS) {
        throw new MapperParsingException(
            "[dims] must be in [1, " + MatryoshkaHnswVectorsFormat.MAX_DIMENSIONS + "] for field [" + field + "]; got " + d);
      }
      if (model.getValue() != null) {
        try {
          Encoders.checkName(model.getValue()); // a name, not a path; the model itself loads at the first query
          if (!prefixDims.isConfigured()) {
            modelDefaults.trainedForTruncation(model.getValue()); // a model config the default cannot be read from
          }
        } catch (IllegalArgumentException e) {
          throw new MapperParsingException("[model] of field [" + field + "]: " + e.getMessage());
        }
      }
      int p = prefixDims.getValue();
      if (p <= 0 || p >= d) {
        throw new MapperParsingException(
            "[prefix_dims] must be in [1, dims - 1] = [1, " + (d - 1) + "] for field [" + field + "]; got " + p);
      }
      if (m.getValue() <= 0 || m.getValue() > Lucene99HnswVectorsFormat.MAXIMUM_MAX_CONN) {
        throw new MapperParsingException(
            "[m] must be in [1, " + Lucene99HnswVectorsFormat.MAXIMUM_MAX_CONN + "] for field [" + field + "]; got " + m.getValue());
      }
      if (efConstruction.getValue() <= 0 || efConstruction.getValue() > Lucene99HnswVectorsFormat.MAXIMUM_BEAM_WIDTH) {
        throw new MapperParsingException(
            "[ef_construction] must be in [1, " + Lucene99HnswVectorsFormat.MAXIMUM_BEAM_WIDTH + "] for field [" + field
                + "]; got " + efConstruction.getValue());
      }
      MatryoshkaPrefix.Encoding encoding = MatryoshkaPrefix.Encoding.parse(prefixQuantization.getValue());
      if (encoding.quantized()
          && !MatryoshkaPrefix.Encoding.int8Supports(SimilarityName.fromOpenSearchName(similarity.getValue()).function())) {
        throw new MapperParsingException("[prefix_quantization] " + encoding.settingName() + " of field [" + field
            + "] needs a dot-product similarity (cosine, dot_product, max_inner_product); got [" + similarity.getValue() + "]");
      }
      Adapter a = null;
      String adapterLabel = null;
      if (NO_ADAPTER.equals(adapter.getValue())) {
        a = null; // the user opts out of the model's default adapter
      } else if (adapter.getValue() != null) {
        try {
          a = adapters.get(adapter.getValue());
        } catch (IllegalArgumentException e) {
          throw new MapperParsingException("[adapter] of field [" + field + "]: " + e.getMessage());
        }
        if (a.inputDims() != d) {
          throw new MapperParsingException("[adapter] [" + adapter.getValue() + "] of field [" + field + "] maps "
              + a.inputDims() + "-dim vectors; the field has [dims] " + d);
        }
        adapterLabel = adapter.getValue();
      } else if (model.getValue() != null) {
        // the model's default adapter, when it has one (ModelDefaults#adapter)
        a = modelDefaults.adapter(model.getValue());
        if (a != null && a.inputDims() != d) {
          a = null; // a field whose dims are not the model's holds other vectors: no default adapter for them
        }
        adapterLabel = a == null ? null : "default of model " + model.getValue();
      }
      Float os = oversample.getValue();
      if (os != null && (!(os >= 1f) || os > MatryoshkaKnnQuery.MAX_OVERSAMPLE)) {
        throw new MapperParsingException("[oversample] of field [" + field + "] must be in [1, "
            + MatryoshkaKnnQuery.MAX_OVERSAMPLE + "]; got " + os);
      }
      double recall = targetRecall.getValue();
      if (!(recall > 0 && recall <= 1)) {
        throw new MapperParsingException("[target_recall] of field [" + field + "] must be in (0, 1]; got " + recall);
      }
      VectorFieldType type =
          new VectorFieldType(
              field, d, p, similarity.getValue(), m.getValue(), efConstruction.getValue(), encoding, model.getValue(),
              adapter.getValue(), a, adapterLabel, os, recall, meta.getValue());
      return new MatryoshkaVectorFieldMapper(
          name, type, multiFieldsBuilder.build(this, context), copyTo.build(), adapters, modelDefaults);
    }
  }

  /** What queries and the codec need to know about a field. */
  public static final class VectorFieldType extends MappedFieldType {
    private final int dims;
    private final int prefixDims;
    private final String similarityName;
    private final int m;
    private final int efConstruction;
    private final String model;
    private final String adapterName;
    private final Adapter adapter;
    private final MatryoshkaPrefix.Encoding encoding;
    private final FieldType luceneType;
    /** The mapping's oversample, or null (the default): each segment's calibration at {@link #targetRecall}. */
    private final Float oversample;
    private final double targetRecall;
    /** How messages name the adapter: the mapping's name, or the model default's description. */
    private final String adapterLabel;

    /** A field with no adapter, no mapping oversample and the default target recall. */
    VectorFieldType(
        String name, int dims, int prefixDims, String similarity, int m, int efConstruction,
        MatryoshkaPrefix.Encoding encoding, String model, Map<String, String> meta) {
      this(name, dims, prefixDims, similarity, m, efConstruction, encoding, model, null, null, null, null,
          MatryoshkaKnnQuery.DEFAULT_TARGET_RECALL, meta);
    }

    VectorFieldType(
        String name, int dims, int prefixDims, String similarity, int m, int efConstruction,
        MatryoshkaPrefix.Encoding encoding, String model, String adapterName, Adapter adapter, String adapterLabel,
        Float oversample, double targetRecall, Map<String, String> meta) {
      super(name, true, false, false, TextSearchInfo.NONE, meta);
      this.oversample = oversample;
      this.targetRecall = targetRecall;
      this.adapterLabel = adapterLabel;
      this.dims = dims;
      this.prefixDims = prefixDims;
      this.similarityName = similarity;
      this.m = m;
      this.efConstruction = efConstruction;
      this.model = model;
      this.adapterName = adapterName;
      this.adapter = adapter;
      this.encoding = encoding;
      this.luceneType = MatryoshkaVectorField.fieldType(dims, prefixDims, similarity(), encoding);
    }

    public int dims() {
      return dims;
    }

    public int prefixDims() {
      return prefixDims;
    }

    public String similarityName() {
      return similarityName;
    }

    public VectorSimilarityFunction similarity() {
      return SimilarityName.fromOpenSearchName(similarityName).function();
    }

    public int m() {
      return m;
    }

    public int efConstruction() {
      return efConstruction;
    }

    /** The encoder for {@code query_text}, or null for the default model. */
    public String model() {
      return model;
    }

    /** {@code none} (float32 prefixes), {@code int8} or {@code int4}, as in the mapping. */
    public String prefixQuantization() {
      return encoding.settingName();
    }

    /**
     * The mapping's {@code oversample}: what {@code matryoshka_knn} uses when the query gives
     * neither an oversample nor a target recall; null (the default) when the mapping sets none.
     */
    public Float oversample() {
      return oversample;
    }

    /**
     * The recall@10 against exact full-dimension search that {@code matryoshka_knn} asks for when
     * neither the query nor the mapping gives an oversample; each segment maps it to its own
     * oversample.
     */
    public double targetRecall() {
      return targetRecall;
    }

    /** Whether vectors are mapped through an adapter: the mapping's, or the model's default. */
    public boolean hasAdapter() {
      return adapter != null;
    }

    /** The adapter's name in the mapping, or null (also when the model's default adapter applies). */
    public String adapterName() {
      return adapterName;
    }

    /**
     * Maps a model-space vector (a document's, or a query's) into the space the field indexes:
     * through the adapter: the one the mapping names, else the model's shipped rotation, else unchanged.
     */
    public float[] adapt(float[] v) {
      return adapter == null ? v : adapter.apply(v);
    }

    /**
     * {@link #adapt}, then the field's rule ({@link VectorDomain}) on the adapter's output, so a
     * vector the adapter maps out of float32's range (a rotation of 1e38s) is refused naming the
     * adapter, not as a vector the user never sent.
     *
     * @param query whether {@code v} is a query's vector (else a document's), for messages
     * @throws IllegalArgumentException naming the field and the adapter
     */
    float[] adaptChecked(float[] v, boolean query) {
      if (adapter == null) {
        return v;
      }
      float[] mapped = adapter.apply(v);
      String what = query ? "query vector" : "vector";
      try {
        if (query) {
          VectorDomain.query(name(), mapped, similarity());
        } else {
          VectorDomain.document(name(), mapped, similarity());
        }
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException("field [" + name() + "]: adapter [" + adapterLabel + "] maps this " + what
            + " to one the field cannot score: " + e.getMessage(), e);
      }
      return mapped;
    }

    @Override
    public String typeName() {
      return CONTENT_TYPE;
    }

    @Override
    public ValueFetcher valueFetcher(QueryShardContext context, SearchLookup lookup, String format) {
      return SourceValueFetcher.identity(name(), context, format);
    }

    @Override
    public Query termQuery(Object value, QueryShardContext context) {
      throw new QueryShardException(
          context, "field [" + name() + "] of type [" + CONTENT_TYPE + "] is searched with [matryoshka_knn] only");
    }
  }

  private final NodeAdapters adapters;
  private final ModelDefaults modelDefaults;

  private MatryoshkaVectorFieldMapper(
      String simpleName, VectorFieldType type, MultiFields multiFields, CopyTo copyTo, NodeAdapters adapters,
      ModelDefaults modelDefaults) {
    super(simpleName, type, multiFields, copyTo);
    this.adapters = adapters;
    this.modelDefaults = modelDefaults;
  }

  VectorFieldType type() {
    return (VectorFieldType) fieldType();
  }

  @Override
  public ParametrizedFieldMapper.Builder getMergeBuilder() {
    return new Builder(simpleName(), MatryoshkaPlugin.CODEC, adapters, modelDefaults).init(this);
  }

  @Override
  public boolean parsesArrayValue() {
    return true; // the whole JSON array is one vector
  }

  @Override
  protected void parseCreateField(ParseContext context) throws IOException {
    VectorFieldType type = type();
    XContentParser parser = context.parser();
    if (parser.currentToken() == XContentParser.Token.VALUE_NULL) {
      return;
    }
    context.doc().add(luceneField(type, VectorArrays.read(parser, "field [" + name() + "]")));
  }

  /**
   * The Lucene field one document's vector becomes: checked by the rule queries follow too
   * ({@link MatryoshkaVectorField#checkVector}: length, finite values, COSINE non-zero, other
   * similarities a norm of at most {@link VectorDomain#MAX_NORM}), mapped through the field's
   * adapter; a COSINE vector float32 cannot score as given is indexed as its unit vector.
   *
   * @throws IllegalArgumentException naming the field and what is wrong with the vector
   */
  static MatryoshkaVectorField luceneField(VectorFieldType type, float[] vector) {
    // the user's vector first, so a message is about the vector they sent
    MatryoshkaVectorField.checkVector(type.name(), vector, type.luceneType);
    return new MatryoshkaVectorField(type.name(), type.adaptChecked(vector, false), type.luceneType);
  }

  @Override
  protected String contentType() {
    return CONTENT_TYPE;
  }

  @Override
  public String toString() {
    return String.format(Locale.ROOT, "%s[%s, dims=%d, prefix_dims=%d]", CONTENT_TYPE, name(), type().dims(), type().prefixDims());
  }
}
