package dev.matryoshka.search;

import dev.matryoshka.codec.MatryoshkaPrefix;
import dev.matryoshka.codec.SegmentCalibration;
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
import org.apache.lucene.index.LeafReader;
import org.apache.lucene.index.LeafReaderContext;
import org.apache.lucene.index.VectorSimilarityFunction;
import org.apache.lucene.search.DocIdSetIterator;
import org.apache.lucene.search.FilteredDocIdSetIterator;
import org.apache.lucene.search.IndexSearcher;
import org.apache.lucene.search.KnnCollector;
import org.apache.lucene.search.KnnFloatVectorQuery;
import org.apache.lucene.search.Query;
import org.apache.lucene.search.ScoreDoc;
import org.apache.lucene.search.Scorer;
import org.apache.lucene.search.TimeLimitingKnnCollectorManager;
import org.apache.lucene.search.TopDocs;
import org.apache.lucene.search.TopKnnCollector;
import org.apache.lucene.search.knn.KnnCollectorManager;
import org.apache.lucene.search.knn.KnnSearchStrategy;
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

  /**
   * Oversample of the segments that have no calibration of their own when the query asks for a
   * recall (segments written before calibrations existed, or whose calibration is damaged): wide
   * enough for the prefixes of models not trained for truncation, which need the most.
   */
  public static final float FALLBACK_OVERSAMPLE = 10f;

  /**
   * Recall@10 against exact full-dimension search that a query asks for when it gives neither an
   * oversample nor a target: 0.985, a miss rate half of 0.97's. Why 0.97 as the base: a miss
   * replaces one of the exact top 10 by the document just below it, and misses fall mostly in the
   * tail ranks, whose nDCG@10 weight (1/log2(rank+1), about 0.3 at ranks 8-10) is about a third of
   * the average over the ten; so 3 % of the top 10 missed costs about 1 % of nDCG@10 in the worst
   * case, where every missed document is relevant. Why half its miss rate: the segments'
   * calibration queries predict real queries' recall on every corpus measured, but one held-out
   * corpus of short keyword queries missed more than its pseudo-queries, so the default keeps a
   * factor 2 in hand for queries harder than any measured (docs/calibration.md). An explicit
   * {@link #targetRecall} gets no such factor.
   */
  public static final double DEFAULT_TARGET_RECALL = 0.985;

  /**
   * Former default oversample, kept for callers that compare with it; a query that gives no
   * oversample now asks for {@link #DEFAULT_TARGET_RECALL} instead.
   */
  public static final float DEFAULT_OVERSAMPLE = 4f;

  /** Largest accepted oversample, so a typo cannot ask for millions of candidates. */
  public static final float MAX_OVERSAMPLE = 100f;

  /** Default segment size at or below which search is exact at full dimension. */
  public static final int DEFAULT_EXACT_SEARCH_THRESHOLD = 128;

  private final int topK;
  /** The explicit oversample, or NaN: each segment picks its own from {@link #width}. */
  private final float oversample;
  private final Width width;
  private final Rerank rerank;
  private final int exactSearchThreshold;
  private final float[] query;

  /**
   * How wide a query searches when it gives no explicit oversample: the recall it asks for, and
   * the oversample of segments without a calibration. {@code perSegment} marks the query that
   * {@link #rewrite} makes: its {@code oversample} is the widest of its segments', and each segment
   * is searched with its own.
   */
  private record Width(double targetRecall, float fallbackOversample, boolean perSegment) {
    static final Width DEFAULT = new Width(DEFAULT_TARGET_RECALL, FALLBACK_OVERSAMPLE, false);
  }

  /**
   * Top {@code k} by full-dimension similarity, no filter, asking for {@link
   * #DEFAULT_TARGET_RECALL}: each segment is searched with the oversample its own calibration gives
   * for that recall ({@link SegmentCalibration}).
   */
  public MatryoshkaKnnQuery(String field, float[] fullQuery, int k) {
    this(field, fullQuery, k, Float.NaN, Width.DEFAULT, null, Rerank.FULL, DEFAULT_EXACT_SEARCH_THRESHOLD);
  }

  /** Every builder method comes here, so the whole query is checked whatever the call order. */
  private MatryoshkaKnnQuery(
      String field, float[] query, int k, float oversample, Width width, Query filter, Rerank rerank,
      int exactSearchThreshold) {
    super(checkField(field), checkQuery(field, query),
        candidates(k, Float.isNaN(oversample) ? width.fallbackOversample() : oversample), filter);
    this.query = query;
    this.topK = k;
    this.oversample = oversample;
    this.width = width;
    this.rerank = checkRerank(rerank, k, Float.isNaN(oversample) || width.perSegment() ? Integer.MAX_VALUE : this.k,
        query.length);
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
              + (candidates == Integer.MAX_VALUE ? "per segment" : candidates) + "]; got=" + d.depth());
        }
      }
      case Rerank.Funnel f -> {
        if (f.dims() >= dims) {
          throw new IllegalArgumentException("funnel dims must be in [1, " + dims + "); got=" + f.dims());
        }
        if (f.keep() < k || f.keep() > candidates) {
          throw new IllegalArgumentException("funnel keep must be in [k, candidates] = [" + k + ", "
              + (candidates == Integer.MAX_VALUE ? "per segment" : candidates) + "]; got=" + f.keep());
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

  /**
   * Same query with {@code ceil(k × oversample)} prefix candidates in every segment: the explicit
   * override of the calibrated width ({@link #targetRecall}).
   */
  public MatryoshkaKnnQuery oversample(float oversample) {
    if (Float.isNaN(oversample)) {
      candidates(topK, oversample); // refused with the usual message
    }
    return new MatryoshkaKnnQuery(field, query, topK, oversample, new Width(width.targetRecall(),
        width.fallbackOversample(), false), filter, rerank, exactSearchThreshold);
  }

  /**
   * Same query asking for a recall@10 against exact full-dimension search instead of an
   * oversample: each segment maps {@code target} to its own oversample from the calibration curve
   * the codec measured when it wrote the segment ({@link SegmentCalibration#oversampleFor}).
   * Replaces an explicit {@link #oversample}.
   *
   * @param target in (0, 1]
   */
  public MatryoshkaKnnQuery targetRecall(double target) {
    if (!(target > 0 && target <= 1)) {
      throw new IllegalArgumentException("target recall must be in (0, 1]; got=" + target);
    }
    return new MatryoshkaKnnQuery(field, query, topK, Float.NaN,
        new Width(target, width.fallbackOversample(), false), filter, rerank, exactSearchThreshold);
  }

  /**
   * Same query with another oversample for segments that have no calibration ({@link
   * #FALLBACK_OVERSAMPLE} by default; an application may know a better one, e.g. from an older
   * index-wide calibration). Used only when the query asks for a recall.
   */
  public MatryoshkaKnnQuery fallbackOversample(float fallback) {
    candidates(topK, fallback);
    return new MatryoshkaKnnQuery(field, query, topK, oversample,
        new Width(width.targetRecall(), fallback, width.perSegment()), filter, rerank, exactSearchThreshold);
  }

  /** Same query restricted to documents matching {@code filter} (null = no filter). */
  public MatryoshkaKnnQuery filter(Query filter) {
    return new MatryoshkaKnnQuery(field, query, topK, oversample, width, filter, rerank, exactSearchThreshold);
  }

  /**
   * Same query with another rerank strategy; it replaces the current one.
   *
   * @throws IllegalArgumentException when the strategy does not fit this query's k, candidate
   *     count or dimension (see {@link Rerank})
   */
  public MatryoshkaKnnQuery rerank(Rerank rerank) {
    return new MatryoshkaKnnQuery(field, query, topK, oversample, width, filter, rerank, exactSearchThreshold);
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
    return new MatryoshkaKnnQuery(field, query, topK, oversample, width, filter, rerank, threshold);
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

  /**
   * Number of prefix-graph candidates, {@code ceil(k × oversample)}; for a query that asks for a
   * recall, the count of a segment without calibration (each calibrated segment has its own).
   */
  public int getCandidates() {
    return k;
  }

  /** The explicit oversample, or NaN when each segment picks its own for {@link #getTargetRecall()}. */
  public float getOversample() {
    return width.perSegment() ? Float.NaN : oversample;
  }

  /** The recall asked for, when no explicit oversample is given. */
  public double getTargetRecall() {
    return width.targetRecall();
  }

  /** Oversample of segments without calibration, when the query asks for a recall. */
  public float getFallbackOversample() {
    return width.fallbackOversample();
  }

  /**
   * The oversample a segment is searched with: the explicit one, else what the segment's
   * calibration gives for the target recall, else the fallback.
   */
  public float oversampleFor(LeafReader segment) {
    if (!Float.isNaN(oversample) && !width.perSegment()) {
      return oversample;
    }
    SegmentCalibration c = SegmentCalibration.of(segment, field);
    if (c == null) {
      return width.fallbackOversample();
    }
    return Math.min(MAX_OVERSAMPLE, Math.max(1f, c.oversampleFor(width.targetRecall())));
  }

  /**
   * A query that asks for a recall becomes one whose segments are each searched with their own
   * oversample; the rest is Lucene's rewrite (per-segment optimistic collection included).
   */
  @Override
  public Query rewrite(IndexSearcher searcher) throws IOException {
    if (!Float.isNaN(oversample)) {
      return super.rewrite(searcher);
    }
    float widest = 1f;
    for (LeafReaderContext leaf : searcher.getIndexReader().leaves()) {
      widest = Math.max(widest, oversampleFor(leaf.reader()));
    }
    MatryoshkaKnnQuery perSegment = new MatryoshkaKnnQuery(field, query, topK, widest,
        new Width(width.targetRecall(), width.fallbackOversample(), true), filter, rerank,
        exactSearchThreshold);
    return perSegment.rewrite(searcher);
  }

  @Override
  protected KnnCollectorManager getKnnCollectorManager(int k, IndexSearcher searcher) {
    if (!width.perSegment()) {
      return super.getKnnCollectorManager(k, searcher);
    }
    return new KnnCollectorManager() {
      private int candidatesIn(LeafReaderContext ctx) {
        return candidates(topK, oversampleFor(ctx.reader()));
      }

      @Override
      public KnnCollector newCollector(int visitedLimit, KnnSearchStrategy strategy, LeafReaderContext ctx) {
        return new TopKnnCollector(candidatesIn(ctx), visitedLimit, strategy);
      }

      @Override
      public KnnCollector newOptimisticCollector(int visitedLimit, KnnSearchStrategy strategy,
          LeafReaderContext ctx, int perLeafK) {
        // Lucene sized perLeafK for the widest segment's count; the same rule (the segment's
        // expected share of the candidates plus 16 binomial standard deviations) for this one's
        int own = candidatesIn(ctx);
        double p = ctx.parent == null ? 1 : ctx.reader().maxDoc() / (double) Math.max(1, ctx.parent.reader().maxDoc());
        int share = (int) Math.max(1, own * p + 16 * Math.sqrt(own * p * (1 - p)));
        return new TopKnnCollector(Math.min(own, share), visitedLimit, strategy);
      }

      @Override
      public boolean isOptimistic() {
        return true;
      }
    };
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
          : new MatryoshkaKnnQuery(field, v, topK, oversample, width, filter, rerank, exactSearchThreshold));
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
    return "MatryoshkaKnnQuery[field=" + field + ", k=" + topK
        + (Float.isNaN(oversample) || width.perSegment()
            ? ", targetRecall=" + width.targetRecall() + ", fallbackOversample=" + width.fallbackOversample()
            : ", oversample=" + oversample)
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
    return topK == that.topK && Float.compare(oversample, that.oversample) == 0
        && width.equals(that.width) && rerank.equals(that.rerank)
        && exactSearchThreshold == that.exactSearchThreshold;
  }

  @Override
  public int hashCode() {
    return Objects.hash(super.hashCode(), topK, oversample, width, rerank, exactSearchThreshold);
  }
}
