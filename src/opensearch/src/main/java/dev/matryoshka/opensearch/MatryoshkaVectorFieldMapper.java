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
 * "embedding": {"type": "matryoshka_vector", "dims": 384, "prefix_dims": 64,
 *               "similarity": "cosine", "m": 16, "ef_construction": 100,
 *               "model": "bge-small-en-v1.5"}
 * }</pre>
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

  /** Parses the mapping, resolving {@code adapter} names on this node; registered under {@value #CONTENT_TYPE}. */
  static TypeParser parser(NodeAdapters adapters) {
    return new TypeParser((name, ctx) -> new Builder(name, ctx.getSettings().get("index.codec", "default"), adapters));
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
    private final Parameter<Integer> prefixDims =
        intParam("prefix_dims", m -> toType(m).type().prefixDims(), MatryoshkaPrefix.DEFAULT_PREFIX_DIMS);
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
            "prefix_quantization", false, mapper -> toType(mapper).type().prefixQuantization(), "none", "int8");
    private final Parameter<String> adapter =
        Parameter.stringParam("adapter", false, mapper -> toType(mapper).type().adapterName(), null).acceptsNull();
    // search-time default of matryoshka_knn (a query's own oversample wins); updatable, so the
    // line `matryoshka tune` prints can be applied to an existing index with a mapping update
    private final Parameter<Float> oversample = new Parameter<>("oversample", true,
        () -> MatryoshkaKnnQuery.DEFAULT_OVERSAMPLE, (field, ctx, value) -> {
          try {
            return XContentMapValues.nodeFloatValue(value);
          } catch (IllegalArgumentException e) {
            throw new MapperParsingException(
                "[oversample] of field [" + field + "] must be a number; got [" + value + "]");
          }
        }, mapper -> toType(mapper).type().oversample());
    private final Parameter<Map<String, String>> meta = Parameter.metaParam();
    private final String indexCodec;
    private final NodeAdapters adapters;

    Builder(String name, String indexCodec, NodeAdapters adapters) {
      super(name);
      this.indexCodec = indexCodec;
      this.adapters = adapters;
    }

    @Override
    protected List<Parameter<?>> getParameters() {
      return List.of(dims, prefixDims, similarity, m, efConstruction, prefixQuantization, model, adapter, oversample, meta);
    }

    @Override
    public MatryoshkaVectorFieldMapper build(BuilderContext context) {
      String field = buildFullName(context);
      int d = dims.getValue();
      int p = prefixDims.getValue();
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
      if (encoding == MatryoshkaPrefix.Encoding.INT8
          && !MatryoshkaPrefix.Encoding.int8Supports(SimilarityName.fromOpenSearchName(similarity.getValue()).function())) {
        throw new MapperParsingException("[prefix_quantization] int8 of field [" + field
            + "] needs a dot-product similarity (cosine, dot_product, max_inner_product); got [" + similarity.getValue() + "]");
      }
      if (model.getValue() != null) {
        try {
          Encoders.checkName(model.getValue()); // a name, not a path; the model itself loads at the first query
        } catch (IllegalArgumentException e) {
          throw new MapperParsingException("[model] of field [" + field + "]: " + e.getMessage());
        }
      }
      Adapter a = null;
      if (adapter.getValue() != null) {
        try {
          a = adapters.get(adapter.getValue());
        } catch (IllegalArgumentException e) {
          throw new MapperParsingException("[adapter] of field [" + field + "]: " + e.getMessage());
        }
        if (a.inputDims() != d) {
          throw new MapperParsingException("[adapter] [" + adapter.getValue() + "] of field [" + field + "] maps "
              + a.inputDims() + "-dim vectors; the field has [dims] " + d);
        }
      }
      float os = oversample.getValue();
      if (!(os >= 1f) || os > MatryoshkaKnnQuery.MAX_OVERSAMPLE) {
        throw new MapperParsingException("[oversample] of field [" + field + "] must be in [1, "
            + MatryoshkaKnnQuery.MAX_OVERSAMPLE + "]; got " + os);
      }
      VectorFieldType type =
          new VectorFieldType(
              field, d, p, similarity.getValue(), m.getValue(), efConstruction.getValue(), encoding, model.getValue(),
              adapter.getValue(), a, os, meta.getValue());
      return new MatryoshkaVectorFieldMapper(name, type, multiFieldsBuilder.build(this, context), copyTo.build(), adapters);
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
    private final float oversample;

    VectorFieldType(
        String name, int dims, int prefixDims, String similarity, int m, int efConstruction,
        MatryoshkaPrefix.Encoding encoding, String model, String adapterName, Adapter adapter, float oversample,
        Map<String, String> meta) {
      super(name, true, false, false, TextSearchInfo.NONE, meta);
      this.oversample = oversample;
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

    /** {@code none} (float32 prefixes) or {@code int8}, as in the mapping. */
    public String prefixQuantization() {
      return encoding == MatryoshkaPrefix.Encoding.INT8 ? "int8" : "none";
    }

    /** The oversample {@code matryoshka_knn} uses when the query gives none. */
    public float oversample() {
      return oversample;
    }

    /** The adapter's name in the mapping, or null. */
    public String adapterName() {
      return adapterName;
    }

    /**
     * Maps a model-space vector (a document's, or a query's) into the space the field indexes:
     * through the adapter when the mapping names one, else unchanged.
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
        throw new IllegalArgumentException("field [" + name() + "]: adapter [" + adapterName + "] maps this " + what
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

  private MatryoshkaVectorFieldMapper(
      String simpleName, VectorFieldType type, MultiFields multiFields, CopyTo copyTo, NodeAdapters adapters) {
    super(simpleName, type, multiFields, copyTo);
    this.adapters = adapters;
  }

  VectorFieldType type() {
    return (VectorFieldType) fieldType();
  }

  @Override
  public ParametrizedFieldMapper.Builder getMergeBuilder() {
    return new Builder(simpleName(), MatryoshkaPlugin.CODEC, adapters).init(this);
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
