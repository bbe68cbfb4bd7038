package dev.matryoshka.search;

import dev.matryoshka.codec.MatryoshkaPrefix;
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
 * them beat the merged k-th full-dimension score; see {@code ManySegmentRecallTest}), and the switch to exact search when a filter leaves few documents. On top
 * of it, segments with at most {@link #exactSearchThreshold} vectors are searched exactly at full
 * dimension (a graph walk costs more than scanning them). An optional funnel rescores candidates
 * at an intermediate prefix length first (e.g. 64 → 256 → full), so only the best few pay for a
 * full-dimension read; {@link #rerankDepth} does the same from the graph's own prefix scores
 * (no extra read at all), which suits a long int8 prefix whose codes are the hot set: the graph
 * is walked with a wide beam, and only the best few candidates are read from the full vectors.
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
  private final int funnelDims;
  private final int funnelCandidates;
  private final int exactSearchThreshold;
  private final float[] query;

  /** Top {@code k} by full-dimension similarity, with the default oversample and no filter. */
  public MatryoshkaKnnQuery(String field, float[] fullQuery, int k) {
    this(field, fullQuery, k, DEFAULT_OVERSAMPLE, null, 0, 0, DEFAULT_EXACT_SEARCH_THRESHOLD);
  }

  private MatryoshkaKnnQuery(
      String field, float[] query, int k, float oversample, Query filter, int funnelDims,
      int funnelCandidates, int exactSearchThreshold) {
    super(checkField(field), checkQuery(field, query), candidates(k, oversample), filter);
    this.query = query;
    this.topK = k;
    this.oversample = oversample;
    this.funnelDims = funnelDims;
    this.funnelCandidates = funnelCandidates;
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
      throw new IllegalArgumentException("query vector for field \"" + field + "\" is empty");
    }
    for (int i = 0; i < q.length; i++) {
      if (!Float.isFinite(q[i])) {
        throw new IllegalArgumentException(
            "query vector for field \"" + field + "\": [" + i + "] = " + q[i] + " is not finite");
      }
    }
    return q;
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
    return new MatryoshkaKnnQuery(field, query, topK, oversample, filter, funnelDims,
        funnelCandidates, exactSearchThreshold);
  }

  /** Same query restricted to documents matching {@code filter} (null = no filter). */
  public MatryoshkaKnnQuery filter(Query filter) {
    return new MatryoshkaKnnQuery(field, query, topK, oversample, filter, funnelDims,
        funnelCandidates, exactSearchThreshold);
  }

  /**
   * Adds a funnel stage: candidates are rescored at {@code dims} (renormalised prefix of the full
   * vectors) and only the best {@code keep} go on to full-dimension rescoring.
   */
  public MatryoshkaKnnQuery funnel(int dims, int keep) {
    if (dims <= 0 || dims >= query.length) {
      throw new IllegalArgumentException(
          "funnel dims must be in [1, " + query.length + "); got=" + dims);
    }
    if (keep < topK || keep > k) {
      throw new IllegalArgumentException(
          "funnel keep must be in [k, candidates] = [" + topK + ", " + k + "]; got=" + keep);
    }
    return new MatryoshkaKnnQuery(field, query, topK, oversample, filter, dims, keep,
        exactSearchThreshold);
  }

  /**
   * Rescores only the best {@code depth} of the {@code ceil(k × oversample)} candidates, ranked by
   * their prefix score from the graph search, with the full vectors: the beam stays wide (graph
   * recall) while full-vector reads per segment drop to {@code depth}. Replaces a funnel.
   *
   * @param depth candidates read at full dimension, in [k, candidates]
   */
  public MatryoshkaKnnQuery rerankDepth(int depth) {
    if (depth < topK || depth > k) {
      throw new IllegalArgumentException(
          "rerank depth must be in [k, candidates] = [" + topK + ", " + k + "]; got=" + depth);
    }
    return new MatryoshkaKnnQuery(field, query, topK, oversample, filter, 0, depth, exactSearchThreshold);
  }

  /** Segments with at most this many vectors are searched exactly (0 disables). */
  public MatryoshkaKnnQuery exactSearchThreshold(int threshold) {
    if (threshold < 0) {
      throw new IllegalArgumentException("exactSearchThreshold must be >= 0; got=" + threshold);
    }
    return new MatryoshkaKnnQuery(field, query, topK, oversample, filter, funnelDims,
        funnelCandidates, threshold);
  }

  /** Number of hits returned. */
  public int topK() {
    return topK;
  }

  /** Oversample factor. */
  public float getOversample() {
    return oversample;
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
    if (fi.getVectorSimilarityFunction() == VectorSimilarityFunction.COSINE && isZero(query)) {
      throw new IllegalArgumentException(
          "query vector for COSINE field \"" + field + "\" is the zero vector");
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

  private static boolean isZero(float[] v) {
    for (float x : v) {
      if (x != 0f) {
        return false;
      }
    }
    return true;
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
    if (funnelCandidates > 0 && docs.length > funnelCandidates) {
      if (funnelDims > 0) {
        docs = funnelStage(ctx, fi, values, docs);
      } else {
        // rerank depth: the best by the graph's prefix score
        docs = docs.clone();
        Arrays.sort(docs, BY_SCORE);
        docs = Arrays.copyOf(docs, funnelCandidates);
      }
    }
    ScoreDoc[] out = FullVectorRescorer.rescore(values, fi.getVectorSimilarityFunction(), query, docs, ctx.docBase);
    Arrays.sort(out, BY_SCORE);
    return new TopDocs(candidates.totalHits, out);
  }

  private ScoreDoc[] funnelStage(LeafReaderContext ctx, FieldInfo fi, FloatVectorValues values,
      ScoreDoc[] docs) throws IOException {
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
    return scored.subList(0, Math.min(funnelCandidates, scored.size())).toArray(ScoreDoc[]::new);
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
        + (funnelDims > 0 ? ", funnel=" + funnelDims + "/" + funnelCandidates
            : funnelCandidates > 0 ? ", rerankDepth=" + funnelCandidates : "")
        + (filter != null ? ", filter=" + filter : "") + "]";
  }

  @Override
  public boolean equals(Object o) {
    if (!super.equals(o)) {
      return false;
    }
    MatryoshkaKnnQuery that = (MatryoshkaKnnQuery) o;
    return topK == that.topK && oversample == that.oversample && funnelDims == that.funnelDims
        && funnelCandidates == that.funnelCandidates
        && exactSearchThreshold == that.exactSearchThreshold;
  }

  @Override
  public int hashCode() {
    return Objects.hash(super.hashCode(), topK, oversample, funnelDims, funnelCandidates,
        exactSearchThreshold);
  }
}
