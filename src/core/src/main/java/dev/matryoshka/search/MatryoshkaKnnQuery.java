package dev.matryoshka.search;

import dev.matryoshka.codec.MatryoshkaPrefix;
import dev.matryoshka.codec.VectorDomain;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;
import org.apache.lucene.index.FieldInfo;
import org.apache.lucene.index.FloatVectorValues;
import org.apache.lucene.index.KnnVectorValues;
import org.apache.lucene.index.LeafReaderContext;
import org.apache.lucene.index.VectorSimilarityFunction;
import org.apache.lucene.search.DocIdSetIterator;
import org.apache.lucene.search.FilteredDocIdSetIterator;
import org.apache.lucene.search.KnnFloatVectorQuery;
import org.apache.lucene.search.Query;
import org.apache.lucene.search.ScoreDoc;
import org.apache.lucene.search.Scorer;
import org.apache.lucene.search.TimeLimitingKnnCollectorManager;
import org.apache.lucene.search.TopDocs;
import org.apache.lucene.search.TotalHits;
import org.apache.lucene.search.Weight;
import org.apache.lucene.util.Bits;

/**
 * Prefix-then-rerank k-NN: walks the field's prefix graph for {@code K = ceil(k × oversample)}
 * candidates, rescores them with the full vectors, and returns the top {@code k} with
 * full-dimension scores in Lucene's score convention — the same scores a {@link
 * KnnFloatVectorQuery} gives on full vectors, so results can be mixed with it.
 *
 * <pre>{@code
 * Query q = new MatryoshkaKnnQuery("embedding", queryVector, 10).oversample(4).filter(filter);
 * TopDocs top = searcher.search(q, 10);
 * }</pre>
 *
 * <p>Lucene's own machinery does the candidate search: filters, deleted documents, per-segment
 * optimistic collection (a segment holding a share {@code p} of the documents is first searched
 * for {@code max(1, K·p + 16·sqrt(K·p·(1-p)))} candidates, and again for {@code K} when all of
 * them beat the merged k-th full-dimension score; see {@code ManySegmentRecallTest}), and the
 * switch to exact search when a filter leaves few documents. On top of it, segments with at most
 * {@link #exactSearchThreshold} vectors are searched exactly at full dimension (a graph walk costs
 * more than scanning them). How candidates become full-dimension scores is one {@link Rerank}
 * value: every candidate (the default), only the best few by their graph prefix score ({@link
 * #rerankDepth}), or a funnel that rescores at an intermediate prefix length first ({@link
 * #funnel}, e.g. 64 → 256 → full). Every builder method checks the whole query again, so their
 * order never matters.
 *
 * <p>{@link #getK()} is the number of hits, as for Lucene's own query; {@link #getCandidates()}
 * is {@code K}, the graph's candidate count.
 *
 * <p>The query vector must be finite; what else it must be depends on the field's similarity and
 * is checked when a segment is searched, by the same rule as documents ({@link VectorDomain}): a
 * COSINE query ranks by direction, so a 1e37- or 1e-40-scaled vector gives the hits and scores of
 * the unscaled one (it is searched as its unit vector, normalised in double); the zero vector is
 * refused for COSINE, and norms above {@link VectorDomain#MAX_NORM}, whose scores would overflow
 * float32, for the other similarities.
 */
public final class MatryoshkaKnnQuery extends KnnFloatVectorQuery {

  /** Oversample used when none is given; see the README for the curve it comes from. */
  public static final float DEFAULT_OVERSAMPLE = 4f;

  /** Largest accepted oversample, so a typo cannot ask for millions of candidates. */
  public static final float MAX_OVERSAMPLE = 100f;

  /** Default segment size at or below which search is exact at full dimension. */
  public static final int DEFAULT_EXACT_SEARCH_THRESHOLD = 128;

  private final int topK;
  private final float oversample;
  private final Rerank rerank;
  private final int exactSearchThreshold;
  private final float[] query;

  /** Top {@code k} by full-dimension similarity, with the default oversample and no filter. */
  public MatryoshkaKnnQuery(String field, float[] fullQuery, int k) {
    this(field, fullQuery, k, DEFAULT_OVERSAMPLE, null, Rerank.FULL, DEFAULT_EXACT_SEARCH_THRESHOLD);
  }

  /** Every builder method comes here, so the whole query is checked whatever the call order. */
  private MatryoshkaKnnQuery(
      String field, float[] query, int k, float oversample, Query filter, Rerank rerank,
      int exactSearchThreshold) {
    super(checkField(field), checkQuery(field, query), candidates(k, oversample), filter);
    this.query = query;
    this.topK = k;
    this.oversample = oversample;
    this.rerank = checkRerank(rerank, k, this.k, query.length);
    if (exactSearchThreshold < 0) {
      throw new IllegalArgumentException("exactSearchThreshold must be >= 0; got=" + exactSearchThreshold);
    }
    this.exactSearchThreshold = exactSearchThreshold;
  }

  private static String checkField(String field) {
    if (field == null || field.isEmpty()) {
      throw new IllegalArgumentException("field must be a non-empty field name; got=" + field);
    }
    return field;
  }

  private static float[] checkQuery(String field, float[] q) {
    if (q == null || q.length == 0) {
      throw new IllegalArgumentException("field \"" + field + "\": query vector must not be empty; got="
          + (q == null ? "null" : "[]"));
    }
    VectorDomain.checkFinite(field, "query vector", q);
    return q;
  }

  /** Checks a strategy against this query's k, candidate count and dimension. */
  private static Rerank checkRerank(Rerank rerank, int k, int candidates, int dims) {
    switch (rerank) {
      case null -> throw new IllegalArgumentException("rerank must not be null; got=null");
      case Rerank.Full full -> { }
      case Rerank.Depth d -> {
        if (d.depth() < k || d.depth() > candidates) {
          throw new IllegalArgumentException("rerank depth must be in [k, candidates] = [" + k + ", "
              + candidates + "]; got=" + d.depth());
        }
      }
      case Rerank.Funnel f -> {
        if (f.dims() >= dims) {
          throw new IllegalArgumentException("funnel dims must be in [1, " + dims + "); got=" + f.dims());
        }
        if (f.keep() < k || f.keep() > candidates) {
          throw new IllegalArgumentException("funnel keep must be in [k, candidates] = [" + k + ", "
              + candidates + "]; got=" + f.keep());
        }
      }
    }
    return rerank;
  }

  /** Number of prefix-graph candidates: {@code ceil(k × oversample)}, checked. */
  public static int candidates(int k, float oversample) {
    if (k < 1) {
      throw new IllegalArgumentException("k must be >= 1; got=" + k);
    }
    if (!(oversample >= 1f) || oversample > MAX_OVERSAMPLE) {
      throw new IllegalArgumentException(
          "oversample must be in [1, " + MAX_OVERSAMPLE + "]; got=" + oversample);
    }
    long c = (long) Math.ceil((double) k * oversample);
    if (c > Integer.MAX_VALUE / 2) {
      throw new IllegalArgumentException("k × oversample is too large: " + c);
    }
    return (int) c;
  }

  /** Same query with {@code ceil(k × oversample)} prefix candidates. */
  public MatryoshkaKnnQuery oversample(float oversample) {
    return new MatryoshkaKnnQuery(field, query, topK, oversample, filter, rerank, exactSearchThreshold);
  }

  /** Same query restricted to documents matching {@code filter} (null = no filter). */
  public MatryoshkaKnnQuery filter(Query filter) {
    return new MatryoshkaKnnQuery(field, query, topK, oversample, filter, rerank, exactSearchThreshold);
  }

  /**
   * Same query with another rerank strategy; it replaces the current one.
   *
   * @throws IllegalArgumentException when the strategy does not fit this query's k, candidate
   *     count or dimension (see {@link Rerank})
   */
  public MatryoshkaKnnQuery rerank(Rerank rerank) {
    return new MatryoshkaKnnQuery(field, query, topK, oversample, filter, rerank, exactSearchThreshold);
  }

  /**
   * {@code rerank(Rerank.funnel(dims, keep))}: candidates are rescored at {@code dims}
   * (renormalised prefix of the full vectors) and only the best {@code keep} go on to
   * full-dimension rescoring.
   *
   * @param dims in [1, query dimension)
   * @param keep in [k, candidates]
   */
  public MatryoshkaKnnQuery funnel(int dims, int keep) {
    return rerank(Rerank.funnel(dims, keep));
  }

  /**
   * {@code rerank(Rerank.depth(depth))}: rescores only the best {@code depth} of the {@code
   * ceil(k × oversample)} candidates, ranked by their prefix score from the graph search, with the
   * full vectors. Replaces a funnel.
   *
   * @param depth candidates read at full dimension, in [k, candidates]
   */
  public MatryoshkaKnnQuery rerankDepth(int depth) {
    return rerank(Rerank.depth(depth));
  }

  /** Segments with at most this many vectors are searched exactly (0 disables). */
  public MatryoshkaKnnQuery exactSearchThreshold(int threshold) {
    return new MatryoshkaKnnQuery(field, query, topK, oversample, filter, rerank, threshold);
  }

  /** Number of hits returned, {@code k}: what Lucene's {@link KnnFloatVectorQuery#getK()} means. */
  @Override
  public int getK() {
    return topK;
  }

  /** Number of hits returned; the same as {@link #getK()}. */
  public int topK() {
    return topK;
  }

  /** Number of prefix-graph candidates, {@code ceil(k × oversample)}. */
  public int getCandidates() {
    return k;
  }

  /** Oversample factor. */
  public float getOversample() {
    return oversample;
  }

  /** How candidates are rescored. */
  public Rerank getRerank() {
    return rerank;
  }

  @Override
  protected TopDocs searchLeaf(
      LeafReaderContext ctx, Weight filterWeight, TimeLimitingKnnCollectorManager manager)
      throws IOException {
    FloatVectorValues values = ctx.reader().getFloatVectorValues(field);
    if (values == null) {
      FloatVectorValues.checkField(ctx.reader(), field);
      return new TopDocs(new TotalHits(0, TotalHits.Relation.EQUAL_TO), new ScoreDoc[0]);
    }
    FieldInfo fi = ctx.reader().getFieldInfos().fieldInfo(field);
    if (fi.getVectorDimension() != query.length) {
      throw new IllegalArgumentException(
          "query vector has " + query.length + " dims, field \"" + field + "\" has "
              + fi.getVectorDimension());
    }
    MatryoshkaKnnQuery scored = scoredFor(fi.getVectorSimilarityFunction());
    if (scored != this) {
      // a COSINE query too large or small for float32 arithmetic: the same search with its unit
      // vector, which has the same cosine with every document (and is its own scored vector)
      return scored.searchLeaf(ctx, filterWeight, manager);
    }
    TopDocs candidates;
    if (values.size() <= Math.max(exactSearchThreshold, 0) && values.size() > 0) {
      candidates = exactSearch(ctx, acceptedDocs(ctx, values, filterWeight), null);
      globalise(candidates, ctx.docBase);
    } else {
      candidates = super.searchLeaf(ctx, filterWeight, manager);
    }
    return rescore(ctx, fi, values, candidates);
  }

  /** The query checked for a similarity, and the query to run for it (this one, or its unit-vector copy). */
  private record Scored(VectorSimilarityFunction similarity, MatryoshkaKnnQuery query) {}

  /** Set by the first segment searched; segments may be searched concurrently, hence volatile. */
  private volatile Scored scored;

  /**
   * This query as it is searched under {@code similarity}: checked by {@link VectorDomain} once
   * per query (not per segment), and replaced by its unit-vector copy when it is a COSINE query
   * outside float32's comfortable range.
   */
  private MatryoshkaKnnQuery scoredFor(VectorSimilarityFunction similarity) {
    Scored s = scored;
    if (s == null || s.similarity() != similarity) {
      float[] v = VectorDomain.query(field, query, similarity);
      s = new Scored(similarity, v == query ? this
          : new MatryoshkaKnnQuery(field, v, topK, oversample, filter, rerank, exactSearchThreshold));
      scored = s;
    }
    return s.query();
  }

  private static void globalise(TopDocs td, int docBase) {
    for (ScoreDoc sd : td.scoreDocs) {
      sd.doc += docBase;
    }
  }

  /** Live documents that have a vector and match the filter, in doc order. */
  private static DocIdSetIterator acceptedDocs(
      LeafReaderContext ctx, FloatVectorValues values, Weight filterWeight) throws IOException {
    DocIdSetIterator base;
    if (filterWeight != null) {
      Scorer s = filterWeight.scorer(ctx);
      if (s == null) {
        return DocIdSetIterator.empty();
      }
      base = s.iterator(); // the filter weight already requires the vector field to exist
    } else {
      base = values.iterator();
    }
    Bits live = ctx.reader().getLiveDocs();
    if (live == null) {
      return base;
    }
    return new FilteredDocIdSetIterator(base) {
      @Override
      protected boolean match(int doc) {
        return live.get(doc);
      }
    };
  }

  /**
   * Rescores a segment's candidates (global doc ids) with full vectors, after the optional funnel
   * stage, and returns them sorted by score.
   */
  private TopDocs rescore(LeafReaderContext ctx, FieldInfo fi, FloatVectorValues values,
      TopDocs candidates) throws IOException {
    ScoreDoc[] docs = candidates.scoreDocs;
    if (docs.length == 0) {
      return candidates;
    }
    switch (rerank) {
      case Rerank.Full full -> { }
      case Rerank.Depth d -> {
        if (docs.length > d.depth()) {
          // the best by the graph's prefix score
          docs = docs.clone();
          Arrays.sort(docs, BY_SCORE);
          docs = Arrays.copyOf(docs, d.depth());
        }
      }
      case Rerank.Funnel f -> {
        if (docs.length > f.keep()) {
          docs = funnelStage(ctx, fi, values, docs, f);
        }
      }
    }
    ScoreDoc[] out = FullVectorRescorer.rescore(values, fi.getVectorSimilarityFunction(), query, docs, ctx.docBase);
    Arrays.sort(out, BY_SCORE);
    return new TopDocs(candidates.totalHits, out);
  }

  private ScoreDoc[] funnelStage(LeafReaderContext ctx, FieldInfo fi, FloatVectorValues values,
      ScoreDoc[] docs, Rerank.Funnel funnel) throws IOException {
    int funnelDims = funnel.dims();
    VectorSimilarityFunction sim = fi.getVectorSimilarityFunction();
    float[] q = MatryoshkaPrefix.prefix(query, funnelDims, sim);
    VectorSimilarityFunction prefixSim = MatryoshkaPrefix.graphSimilarity(sim);
    KnnVectorValues.DocIndexIterator it = values.iterator();
    ScoreDoc[] byDoc = docs.clone();
    Arrays.sort(byDoc, Comparator.comparingInt(sd -> sd.doc));
    List<ScoreDoc> scored = new ArrayList<>(byDoc.length);
    for (ScoreDoc sd : byDoc) {
      int local = sd.doc - ctx.docBase;
      if (it.docID() < local) {
        it.advance(local);
      }
      if (it.docID() == local) {
        float[] p = MatryoshkaPrefix.prefix(values.vectorValue(it.index()), funnelDims, sim);
        scored.add(new ScoreDoc(sd.doc, prefixSim.compare(q, p)));
      }
    }
    scored.sort(BY_SCORE);
    return scored.subList(0, Math.min(funnel.keep(), scored.size())).toArray(ScoreDoc[]::new);
  }

  private static final Comparator<ScoreDoc> BY_SCORE =
      (a, b) -> a.score != b.score ? Float.compare(b.score, a.score) : Integer.compare(a.doc, b.doc);

  @Override
  protected TopDocs mergeLeafResults(TopDocs[] perLeafResults) {
    TopDocs merged = TopDocs.merge(topK, perLeafResults);
    return new TopDocs(
        new TotalHits(merged.scoreDocs.length, merged.totalHits.relation()), merged.scoreDocs);
  }

  @Override
  public String toString(String f) {
    return "MatryoshkaKnnQuery[field=" + field + ", k=" + topK + ", oversample=" + oversample
        + switch (rerank) {
          case Rerank.Full full -> "";
          case Rerank.Depth d -> ", rerankDepth=" + d.depth();
          case Rerank.Funnel fu -> ", funnel=" + fu.dims() + "/" + fu.keep();
        }
        + (filter != null ? ", filter=" + filter : "") + "]";
  }

  @Override
  public boolean equals(Object o) {
    if (!super.equals(o)) {
      return false;
    }
    MatryoshkaKnnQuery that = (MatryoshkaKnnQuery) o;
    return topK == that.topK && oversample == that.oversample && rerank.equals(that.rerank)
        && exactSearchThreshold == that.exactSearchThreshold;
  }

  @Override
  public int hashCode() {
    return Objects.hash(super.hashCode(), topK, oversample, rerank, exactSearchThreshold);
  }
}
