package dev.matryoshka.opensearch;

import dev.matryoshka.search.MatryoshkaKnnQuery;
import java.io.IOException;
import java.util.Arrays;
import java.util.Objects;
import org.apache.lucene.search.Query;
import org.opensearch.core.common.ParsingException;
import org.opensearch.core.common.io.stream.StreamInput;
import org.opensearch.core.common.io.stream.StreamOutput;
import org.opensearch.core.xcontent.XContentBuilder;
import org.opensearch.core.xcontent.XContentParser;
import org.opensearch.index.mapper.MappedFieldType;
import org.opensearch.index.query.AbstractQueryBuilder;
import org.opensearch.index.query.QueryBuilder;
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
 *                     "oversample": 5, "filter": {"term": {"lang": "en"}}}}
 * }</pre>
 *
 * <p>Exactly one of {@code vector} (the full query vector) and {@code query_text} (encoded on the
 * shard's node with the query prefix of the field's {@code model}) is given.
 */
public final class MatryoshkaKnnQueryBuilder extends AbstractQueryBuilder<MatryoshkaKnnQueryBuilder> {
  /** The query's name in the search DSL. */
  public static final String NAME = "matryoshka_knn";
  /** Default number of hits. */
  public static final int DEFAULT_K = 10;
  /** Largest k accepted, as OpenSearch's own k-NN limits. */
  public static final int MAX_K = 10_000;

  private final String field;
  private final float[] vector;
  private final String queryText;
  private final int k;
  private final float oversample;
  private final QueryBuilder filter;
  private final QueryTextEncoder encoder;

  MatryoshkaKnnQueryBuilder(
      String field, float[] vector, String queryText, int k, float oversample, QueryBuilder filter,
      QueryTextEncoder encoder) {
    this.field = field;
    this.vector = vector;
    this.queryText = queryText;
    this.k = k;
    this.oversample = oversample;
    this.filter = filter;
    this.encoder = encoder;
  }

  /** Reads a builder sent between nodes. */
  MatryoshkaKnnQueryBuilder(StreamInput in, QueryTextEncoder encoder) throws IOException {
    super(in);
    this.field = in.readString();
    this.vector = in.readBoolean() ? in.readFloatArray() : null;
    this.queryText = in.readOptionalString();
    this.k = in.readVInt();
    this.oversample = in.readFloat();
    this.filter = in.readOptionalNamedWriteable(QueryBuilder.class);
    this.encoder = encoder;
  }

  @Override
  protected void doWriteTo(StreamOutput out) throws IOException {
    out.writeString(field);
    out.writeBoolean(vector != null);
    if (vector != null) {
      out.writeFloatArray(vector);
    }
    out.writeOptionalString(queryText);
    out.writeVInt(k);
    out.writeFloat(oversample);
    out.writeOptionalNamedWriteable(filter);
  }

  /** Parses the DSL object; every mistake is a 400 naming the parameter. */
  static MatryoshkaKnnQueryBuilder fromXContent(XContentParser parser, QueryTextEncoder encoder) throws IOException {
    String field = null;
    float[] vector = null;
    String text = null;
    int k = DEFAULT_K;
    float oversample = MatryoshkaKnnQuery.DEFAULT_OVERSAMPLE;
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
        case "field" -> field = parser.text();
        case "query_text" -> text = parser.text();
        case "k" -> k = parser.intValue();
        case "oversample" -> oversample = parser.floatValue();
        case "boost" -> boost = parser.floatValue();
        case "_name" -> queryName = parser.text();
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
    if (k < 1 || k > MAX_K) {
      throw new ParsingException(parser.getTokenLocation(), "[" + NAME + "] [k] must be in [1, " + MAX_K + "]; got " + k);
    }
    if (!(oversample >= 1f) || oversample > MatryoshkaKnnQuery.MAX_OVERSAMPLE) {
      throw new ParsingException(
          parser.getTokenLocation(),
          "[" + NAME + "] [oversample] must be in [1, " + MatryoshkaKnnQuery.MAX_OVERSAMPLE + "]; got " + oversample);
    }
    MatryoshkaKnnQueryBuilder b = new MatryoshkaKnnQueryBuilder(field, vector, text, k, oversample, filter, encoder);
    b.boost(boost);
    b.queryName(queryName);
    return b;
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
    if (vector != null) {
      builder.array("vector", vector);
    }
    if (queryText != null) {
      builder.field("query_text", queryText);
    }
    builder.field("k", k);
    builder.field("oversample", oversample);
    if (filter != null) {
      builder.field("filter", filter);
    }
    printBoostAndQueryName(builder);
    builder.endObject();
  }

  @Override
  protected QueryBuilder doRewrite(QueryRewriteContext context) throws IOException {
    if (filter == null) {
      return this;
    }
    QueryBuilder rewritten = filter.rewrite(context);
    if (rewritten == filter) {
      return this;
    }
    MatryoshkaKnnQueryBuilder b = new MatryoshkaKnnQueryBuilder(field, vector, queryText, k, oversample, rewritten, encoder);
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
    float[] q = vector != null ? vector : encoder.encodeQuery(v.model(), queryText);
    if (q.length != v.dims()) {
      throw new QueryShardException(
          context, "[" + NAME + "] the query vector has " + q.length + " dims; field [" + field + "] has " + v.dims());
    }
    // the field's adapter (if any) maps the model-space query as it mapped the documents
    q = v.adapt(q);
    Query filterQuery = filter == null ? null : filter.toQuery(context);
    return new MatryoshkaKnnQuery(field, q, k).oversample(oversample).filter(filterQuery);
  }

  @Override
  protected boolean doEquals(MatryoshkaKnnQueryBuilder o) {
    return field.equals(o.field) && Arrays.equals(vector, o.vector) && Objects.equals(queryText, o.queryText)
        && k == o.k && oversample == o.oversample && Objects.equals(filter, o.filter);
  }

  @Override
  protected int doHashCode() {
    return Objects.hash(field, Arrays.hashCode(vector), queryText, k, oversample, filter);
  }

  @Override
  public String getWriteableName() {
    return NAME;
  }
}
