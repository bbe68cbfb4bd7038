package dev.matryoshka.opensearch;

import dev.matryoshka.codec.VectorDomain;
import dev.matryoshka.search.MatryoshkaKnnQuery;
import java.io.IOException;
import java.util.Arrays;
import java.util.Objects;
import java.util.function.Supplier;
import org.apache.lucene.search.Query;
import org.apache.lucene.util.SetOnce;
import org.opensearch.core.action.ActionListener;
import org.opensearch.core.common.ParsingException;
import org.opensearch.core.common.io.stream.StreamInput;
import org.opensearch.core.common.io.stream.StreamOutput;
import org.opensearch.core.xcontent.XContentBuilder;
import org.opensearch.core.xcontent.XContentParser;
import org.opensearch.index.mapper.MappedFieldType;
import org.opensearch.index.query.AbstractQueryBuilder;
import org.opensearch.index.query.QueryBuilder;
import org.opensearch.index.query.QueryCoordinatorContext;
import org.opensearch.index.query.QueryRewriteContext;
import org.opensearch.index.query.QueryShardContext;
import org.opensearch.index.query.QueryShardException;

/**
 * The {@value #NAME} query: prefix-graph candidates, full-dimension rerank, top {@code k} with
 * full-dimension scores ({@link MatryoshkaKnnQuery} on each shard; the coordinating node merges
 * shard results by those scores, so the merged top {@code k} is the index-wide top {@code k}).
 *
 * <pre>{@code
 * {"matryoshka_knn": {"field": "embedding", "query_text": "what is lucene?", "k": 10,
 *                     "target_recall": 0.95, "filter": {"term": {"lang": "en"}}}}
 * }</pre>
 *
 * <p>Exactly one of {@code vector} (the full query vector) and {@code query_text} (encoded with the
 * query prefix of the field's {@code model}) is given. The vector follows the rule documents
 * follow ({@link VectorDomain}): on a cosine field any finite non-zero vector ranks by its
 * direction (one scaled by 1e37 or made of subnormals gives the unscaled hits and scores); on the
 * other similarities a norm above {@link VectorDomain#MAX_NORM}, whose scores would overflow
 * float32, is a 400 naming the field. How wide each shard searches: {@code oversample} (an
 * explicit override), else {@code target_recall} (recall@10 against exact full-dimension search,
 * in (0, 1], mapped by each segment to its own oversample), else the field's mapping ({@link
 * #shardQuery}); {@code "NaN"} or {@code "Infinity"} are refused like any other bad value.
 *
 * <h2>Where {@code query_text} is encoded</h2>
 *
 * Once per search, on the coordinating node, before the shards: the rewrite phase finds the
 * field's model in the mappings of the indices searched ({@link QueryTextEncoder#modelForSearch}),
 * registers an async action that encodes on the plugin's encode pool (never on a network thread),
 * and rewrites to a builder that carries the vector and the model it came from. Shards receive that
 * vector. A shard encodes for itself only when its field's model is not the one the vector came
 * from, or when the query reaches it un-rewritten (indices whose mappings name different models, a
 * path that skips the coordinator's rewrite); {@code query_texts_encoded_on_shards} in {@code GET
 * _plugins/matryoshka/stats} counts those.
 */
public final class MatryoshkaKnnQueryBuilder extends AbstractQueryBuilder<MatryoshkaKnnQueryBuilder> {
  /** The query's name in the search DSL. */
  public static final String NAME = "matryoshka_knn";
  /** Default number of hits. */
  public static final int DEFAULT_K = 10;
  /** Largest k accepted, as OpenSearch's own k-NN limits. */
  public static final int MAX_K = 10_000;
  /**
   * Longest {@code query_text} accepted, in characters: far past any model's token limit (the
   * encoder cuts at the limit anyway), short enough that a request cannot make a node tokenize
   * megabytes.
   */
  public static final int MAX_QUERY_TEXT_CHARS = 32_768;

  private final String field;
  private final float[] vector;
  private final String queryText;
  private final int k;
  /** The query's own oversample; null when not given (see {@link #shardQuery} for what applies). */
  private final Float oversample;
  /** The query's own target recall; null when not given (see {@link #shardQuery} for what applies). */
  private final Double targetRecall;
  private final QueryBuilder filter;
  private final QueryTextEncoder encoder;
  /** The model key {@code vector} was encoded with from {@code queryText}; null for a given vector. */
  private final String encodedWith;
  /** Set while the coordinating node's encode runs; never serialized. */
  private Supplier<float[]> pending;

  MatryoshkaKnnQueryBuilder(
      String field, float[] vector, String queryText, int k, Float oversample, QueryBuilder filter,
      QueryTextEncoder encoder) {
    this(field, vector, queryText, null, k, oversample, null, filter, encoder);
  }

  MatryoshkaKnnQueryBuilder(
      String field, float[] vector, String queryText, int k, Float oversample, Double targetRecall, QueryBuilder filter,
      QueryTextEncoder encoder) {
    this(field, vector, queryText, null, k, oversample, targetRecall, filter, encoder);
  }

  private MatryoshkaKnnQueryBuilder(
      String field, float[] vector, String queryText, String encodedWith, int k, Float oversample,
      Double targetRecall, QueryBuilder filter, QueryTextEncoder encoder) {
    this.field = field;
    this.vector = vector;
    this.queryText = queryText;
    this.encodedWith = encodedWith;
    this.k = k;
    this.oversample = oversample;
    this.targetRecall = targetRecall;
    this.filter = filter;
    this.encoder = encoder;
  }

  /** The given or encoded query vector; null while only text is known. */
  float[] vector() {
    return vector;
  }

  /** The query's own oversample, or null when it gives none. */
  Float oversample() {
    return oversample;
  }

  /** The query's own target recall, or null when it gives none. */
  Double targetRecall() {
    return targetRecall;
  }

  /** Reads a builder sent between nodes. */
  MatryoshkaKnnQueryBuilder(StreamInput in, QueryTextEncoder encoder) throws IOException {
    super(in);
    this.field = in.readString();
    this.vector = in.readBoolean() ? in.readFloatArray() : null;
    this.queryText = in.readOptionalString();
    this.encodedWith = in.readOptionalString();
    this.k = in.readVInt();
    this.oversample = in.readOptionalFloat();
    this.filter = in.readOptionalNamedWriteable(QueryBuilder.class);
    // an optional field, absent (false) when the query gives none; every node of a cluster runs the
    // same plugin build, as OpenSearch requires of plugins that add queries
    this.targetRecall = in.readOptionalDouble();
    this.encoder = encoder;
  }

  @Override
  protected void doWriteTo(StreamOutput out) throws IOException {
    if (pending != null) {
      throw new IllegalStateException(
          "[" + NAME + "] [query_text] is still being encoded; rewrite the query (Rewriteable.rewriteAndFetch) before sending it");
    }
    out.writeString(field);
    out.writeBoolean(vector != null);
    if (vector != null) {
      out.writeFloatArray(vector);
    }
    out.writeOptionalString(queryText);
    out.writeOptionalString(encodedWith);
    out.writeVInt(k);
    out.writeOptionalFloat(oversample);
    out.writeOptionalNamedWriteable(filter);
    out.writeOptionalDouble(targetRecall);
  }

  /** Parses the DSL object; every mistake is a 400 naming the parameter. */
  static MatryoshkaKnnQueryBuilder fromXContent(XContentParser parser, QueryTextEncoder encoder) throws IOException {
    String field = null;
    float[] vector = null;
    String text = null;
    int k = DEFAULT_K;
    Float oversample = null; // not given: see shardQuery
    Double targetRecall = null; // not given: see shardQuery
    QueryBuilder filter = null;
    float boost = DEFAULT_BOOST;
    String queryName = null;
    String current = null;
    for (XContentParser.Token t = parser.nextToken(); t != XContentParser.Token.END_OBJECT; t = parser.nextToken()) {
      if (t == XContentParser.Token.FIELD_NAME) {
        current = parser.currentName();
        continue;
      }
      if (current == null) {
        throw new ParsingException(parser.getTokenLocation(), "[" + NAME + "] malformed query");
      }
      switch (current) {
        case "field" -> field = string(parser, current);
        case "query_text" -> text = string(parser, current);
        case "k" -> k = (int) number(parser, current, true);
        case "oversample" -> oversample = (float) number(parser, current, false);
        case "target_recall" -> targetRecall = number(parser, current, false);
        case "boost" -> boost = (float) number(parser, current, false);
        case "_name" -> queryName = string(parser, current);
        case "vector" -> vector = parseVector(parser);
        case "filter" -> filter = parseInnerQueryBuilder(parser);
        default -> throw new ParsingException(parser.getTokenLocation(), "[" + NAME + "] unknown parameter [" + current + "]");
      }
    }
    if (field == null || field.isEmpty()) {
      throw new ParsingException(parser.getTokenLocation(), "[" + NAME + "] requires [field]");
    }
    if ((vector == null) == (text == null)) {
      throw new ParsingException(parser.getTokenLocation(), "[" + NAME + "] requires exactly one of [vector] and [query_text]");
    }
    if (text != null && text.isBlank()) {
      throw new ParsingException(parser.getTokenLocation(), "[" + NAME + "] [query_text] must not be empty");
    }
    if (text != null && text.length() > MAX_QUERY_TEXT_CHARS) {
      throw new ParsingException(
          parser.getTokenLocation(),
          "[" + NAME + "] [query_text] is " + text.length() + " characters; at most " + MAX_QUERY_TEXT_CHARS + " are accepted");
    }
    if (!Float.isFinite(boost) || boost < 0) {
      throw new ParsingException(parser.getTokenLocation(), "[" + NAME + "] [boost] must be a non-negative number; got " + boost);
    }
    if (k < 1 || k > MAX_K) {
      throw new ParsingException(parser.getTokenLocation(), "[" + NAME + "] [k] must be in [1, " + MAX_K + "]; got " + k);
    }
    if (oversample != null && (!(oversample >= 1f) || oversample > MatryoshkaKnnQuery.MAX_OVERSAMPLE)) {
      throw new ParsingException(
          parser.getTokenLocation(),
          "[" + NAME + "] [oversample] must be in [1, " + MatryoshkaKnnQuery.MAX_OVERSAMPLE + "]; got " + oversample);
    }
    if (targetRecall != null && !(targetRecall > 0 && targetRecall <= 1)) {
      throw new ParsingException(
          parser.getTokenLocation(), "[" + NAME + "] [target_recall] must be in (0, 1]; got " + targetRecall);
    }
    MatryoshkaKnnQueryBuilder b =
        new MatryoshkaKnnQueryBuilder(field, vector, text, k, oversample, targetRecall, filter, encoder);
    b.boost(boost);
    b.queryName(queryName);
    return b;
  }

  /** A string parameter; objects, arrays and nulls are refused naming it. */
  private static String string(XContentParser parser, String name) throws IOException {
    if (parser.currentToken() != XContentParser.Token.VALUE_STRING) {
      throw new ParsingException(
          parser.getTokenLocation(), "[" + NAME + "] [" + name + "] must be a string; got " + parser.currentToken());
    }
    return parser.text();
  }

  /**
   * A number parameter (a number or a numeric string, as OpenSearch accepts); integral when {@code
   * whole}. NaN and the infinities ({@code "NaN"}, {@code "Infinity"} as strings) are refused: no
   * parameter has a meaning for them.
   */
  private static double number(XContentParser parser, String name, boolean whole) throws IOException {
    XContentParser.Token t = parser.currentToken();
    double v;
    try {
      if (t == XContentParser.Token.VALUE_NUMBER) {
        v = parser.doubleValue();
      } else if (t == XContentParser.Token.VALUE_STRING) {
        v = Double.parseDouble(parser.text().trim());
      } else {
        throw new NumberFormatException("got " + t);
      }
    } catch (NumberFormatException e) {
      throw new ParsingException(
          parser.getTokenLocation(), "[" + NAME + "] [" + name + "] must be a number; " + e.getMessage());
    }
    if (!Double.isFinite(v)) {
      throw new ParsingException(parser.getTokenLocation(), "[" + NAME + "] [" + name + "] must be a finite number; got " + v);
    }
    if (whole && (v != Math.rint(v) || Math.abs(v) > Integer.MAX_VALUE)) {
      throw new ParsingException(parser.getTokenLocation(), "[" + NAME + "] [" + name + "] must be an integer; got " + v);
    }
    return v;
  }

  private static float[] parseVector(XContentParser parser) throws IOException {
    try {
      return VectorArrays.read(parser, "[" + NAME + "] [vector]");
    } catch (IllegalArgumentException e) {
      throw new ParsingException(parser.getTokenLocation(), e.getMessage());
    }
  }

  @Override
  protected void doXContent(XContentBuilder builder, Params params) throws IOException {
    builder.startObject(NAME);
    builder.field("field", field);
    if (vector != null && encodedWith == null) {
      builder.array("vector", vector);
    }
    if (queryText != null) {
      // an encoded builder prints its text only: parsed again, it means the same search
      builder.field("query_text", queryText);
    }
    builder.field("k", k);
    if (oversample != null) {
      builder.field("oversample", oversample.floatValue());
    }
    if (targetRecall != null) {
      builder.field("target_recall", targetRecall.doubleValue());
    }
    if (filter != null) {
      builder.field("filter", filter);
    }
    printBoostAndQueryName(builder);
    builder.endObject();
  }

  @Override
  protected QueryBuilder doRewrite(QueryRewriteContext context) throws IOException {
    if (pending != null) {
      float[] v = pending.get();
      // null: the encode is still running; the rewrite loop asks again once it has answered
      return v == null ? this : copy(v, encodedWith, filter);
    }
    QueryBuilder f = filter == null ? null : filter.rewrite(context);
    QueryCoordinatorContext coordinator = context.convertToCoordinatorContext();
    if (vector == null && coordinator != null) {
      String model = encoder.modelForSearch(field, coordinator.getSearchRequest());
      if (model != null) {
        SetOnce<float[]> encoded = new SetOnce<>();
        context.registerAsyncAction(
            (client, listener) ->
                encoder.encodeQueryAsync(
                    model, queryText, ActionListener.wrap(v -> {
                      encoded.set(v);
                      listener.onResponse(null);
                    }, listener::onFailure)));
        MatryoshkaKnnQueryBuilder b = copy(null, model, f);
        b.pending = encoded::get;
        return b;
      }
    }
    return f == filter ? this : copy(vector, encodedWith, f);
  }

  private MatryoshkaKnnQueryBuilder copy(float[] v, String model, QueryBuilder f) {
    MatryoshkaKnnQueryBuilder b =
        new MatryoshkaKnnQueryBuilder(field, v, queryText, model, k, oversample, targetRecall, f, encoder);
    b.boost(boost);
    b.queryName(queryName);
    return b;
  }

  @Override
  protected Query doToQuery(QueryShardContext context) throws IOException {
    MappedFieldType type = context.fieldMapper(field);
    if (type == null) {
      throw new QueryShardException(context, "[" + NAME + "] no such field [" + field + "]");
    }
    if (!(type instanceof MatryoshkaVectorFieldMapper.VectorFieldType v)) {
      throw new QueryShardException(
          context, "[" + NAME + "] field [" + field + "] is of type [" + type.typeName() + "], not ["
              + MatryoshkaVectorFieldMapper.CONTENT_TYPE + "]");
    }
    float[] q = vector;
    if (queryText != null && (q == null || !Encoders.key(v.model()).equals(encodedWith))) {
      // no coordinating node encoded for this field's model (see the class javadoc)
      encoder.countShardEncode();
      q = encoder.encodeQuery(v.model(), queryText);
    }
    Query filterQuery = filter == null ? null : filter.toQuery(context);
    try {
      return shardQuery(v, q, k, oversample, targetRecall, filterQuery);
    } catch (IllegalArgumentException e) {
      throw new QueryShardException(context, "[" + NAME + "] " + e.getMessage(), e);
    }
  }

  /**
   * The Lucene query one shard runs for a model-space query vector {@code q}: checked against the
   * field by the rule documents follow ({@link VectorDomain#query}: finite; COSINE non-zero, and
   * searched as its unit vector, normalised in double, when float32 cannot score it as given; the
   * other similarities a norm of at most {@link VectorDomain#MAX_NORM}), mapped through the
   * field's adapter, searched as wide as the first of these that is set asks:
   *
   * <ol>
   *   <li>the query's {@code oversample} (the explicit override);
   *   <li>the query's {@code target_recall};
   *   <li>the mapping's {@code oversample} (set by the user; absent by default);
   *   <li>the mapping's {@code target_recall} (default {@link MatryoshkaKnnQuery#DEFAULT_TARGET_RECALL}).
   * </ol>
   *
   * A target recall is mapped by each segment to its own oversample, from the calibration the
   * codec stored with the segment ({@link MatryoshkaKnnQuery#targetRecall}); a segment without one
   * uses {@link MatryoshkaKnnQuery#FALLBACK_OVERSAMPLE}.
   *
   * @param oversample the query's own, or null
   * @param targetRecall the query's own, or null
   * @throws IllegalArgumentException naming the field and what is wrong with the vector
   */
  static MatryoshkaKnnQuery shardQuery(
      MatryoshkaVectorFieldMapper.VectorFieldType v, float[] q, int k, Float oversample, Double targetRecall,
      Query filter) {
    String field = v.name();
    if (q.length != v.dims()) {
      throw new IllegalArgumentException("the query vector has " + q.length + " dims; field [" + field + "] has " + v.dims());
    }
    // the user's vector first, so a message is about the vector they sent
    VectorDomain.query(field, q, v.similarity());
    // the field's adapter (if any) maps the model-space query as it mapped the documents: the raw
    // vector, as the mapper and the embedded facade do; the Lucene query then applies the same rule
    // to what it searches (a COSINE vector out of float32's range becomes its unit vector there)
    float[] mapped = v.adaptChecked(q, true);
    MatryoshkaKnnQuery query = new MatryoshkaKnnQuery(field, mapped, k).filter(filter);
    if (oversample != null) {
      return query.oversample(oversample);
    }
    if (targetRecall != null) {
      return query.targetRecall(targetRecall);
    }
    if (v.oversample() != null) {
      return query.oversample(v.oversample());
    }
    return query.targetRecall(v.targetRecall());
  }

  @Override
  protected boolean doEquals(MatryoshkaKnnQueryBuilder o) {
    return field.equals(o.field) && Arrays.equals(vector, o.vector) && Objects.equals(queryText, o.queryText)
        && Objects.equals(encodedWith, o.encodedWith) && pending == o.pending && k == o.k && Objects.equals(oversample, o.oversample)
        && Objects.equals(targetRecall, o.targetRecall) && Objects.equals(filter, o.filter);
  }

  @Override
  protected int doHashCode() {
    return Objects.hash(field, Arrays.hashCode(vector), queryText, encodedWith, k, oversample, targetRecall, filter);
  }

  @Override
  public String getWriteableName() {
    return NAME;
  }
}
