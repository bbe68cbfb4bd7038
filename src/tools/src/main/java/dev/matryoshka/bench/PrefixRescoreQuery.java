package dev.matryoshka.bench;

import dev.matryoshka.search.FullVectorRescorer;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;
import org.apache.lucene.index.FloatVectorValues;
import org.apache.lucene.index.LeafReaderContext;
import org.apache.lucene.index.ReaderUtil;
import org.apache.lucene.index.VectorSimilarityFunction;
import org.apache.lucene.search.DocIdSetIterator;
import org.apache.lucene.search.Explanation;
import org.apache.lucene.search.IndexSearcher;
import org.apache.lucene.search.KnnFloatVectorQuery;
import org.apache.lucene.search.Query;
import org.apache.lucene.search.QueryVisitor;
import org.apache.lucene.search.ScoreDoc;
import org.apache.lucene.search.ScoreMode;
import org.apache.lucene.search.Scorer;
import org.apache.lucene.search.ScorerSupplier;
import org.apache.lucene.search.TopDocs;
import org.apache.lucene.search.Weight;

/**
 * Approximate search on a prefix vector field for {@code candidates} hits, then an exact rerank of
 * those hits by dot product with the full vectors of another field; the top {@code k} remain,
 * scored {@code (1 + dot) / 2} as Lucene scores {@link VectorSimilarityFunction#DOT_PRODUCT}.
 * The work happens at rewrite; the rewritten query matches the reranked documents only.
 */
final class PrefixRescoreQuery extends Query {
  private final String prefixField;
  private final float[] prefixQuery;
  private final int candidates;
  private final String fullField;
  private final float[] fullQuery;
  private final int k;

  PrefixRescoreQuery(String prefixField, float[] prefixQuery, int candidates, String fullField,
      float[] fullQuery, int k) {
    if (k < 1 || candidates < k) {
      throw new IllegalArgumentException("need 1 <= k <= candidates; got k=" + k
          + " candidates=" + candidates);
    }
    this.prefixField = prefixField;
    this.prefixQuery = prefixQuery;
    this.candidates = candidates;
    this.fullField = fullField;
    this.fullQuery = fullQuery;
    this.k = k;
  }

  @Override
  public Query rewrite(IndexSearcher searcher) throws IOException {
    TopDocs found = searcher.search(new KnnFloatVectorQuery(prefixField, prefixQuery, candidates),
        candidates);
    ScoreDoc[] hits = found.scoreDocs.clone();
    Arrays.sort(hits, Comparator.comparingInt(h -> h.doc));
    List<LeafReaderContext> leaves = searcher.getIndexReader().leaves();
    List<ScoreDoc> reranked = new ArrayList<>(hits.length);
    // one bulk rescoring call per segment, the same as MatryoshkaKnnQuery's rerank, so both
    // systems pay the same for reading full vectors
    for (int from = 0; from < hits.length; ) {
      LeafReaderContext leaf = leaves.get(ReaderUtil.subIndex(hits[from].doc, leaves));
      int end = leaf.docBase + leaf.reader().maxDoc();
      int to = from + 1;
      while (to < hits.length && hits[to].doc < end) {
        to++;
      }
      FloatVectorValues values = leaf.reader().getFloatVectorValues(fullField);
      if (values != null) { // else no full vectors in the segment: its hits cannot be reranked
        reranked.addAll(Arrays.asList(FullVectorRescorer.rescore(values,
            VectorSimilarityFunction.DOT_PRODUCT, fullQuery, Arrays.copyOfRange(hits, from, to), leaf.docBase)));
      }
      from = to;
    }
    ScoreDoc[] scored = reranked.toArray(ScoreDoc[]::new);
    int n = scored.length;
    Arrays.sort(scored, (a, b) -> a.score != b.score ? Float.compare(b.score, a.score)
        : Integer.compare(a.doc, b.doc));
    ScoreDoc[] top = Arrays.copyOf(scored, Math.min(k, n));
    Arrays.sort(top, Comparator.comparingInt(h -> h.doc));
    int[] docs = new int[top.length];
    float[] scores = new float[top.length];
    for (int i = 0; i < top.length; i++) {
      docs[i] = top[i].doc;
      scores[i] = top[i].score;
    }
    return new Hits(docs, scores, searcher.getIndexReader().getContext().id());
  }

  @Override
  public void visit(QueryVisitor visitor) {
    if (visitor.acceptField(prefixField) || visitor.acceptField(fullField)) {
      visitor.visitLeaf(this);
    }
  }

  @Override
  public String toString(String field) {
    return "PrefixRescoreQuery[" + prefixField + " top " + candidates + " → " + fullField
        + " top " + k + "]";
  }

  @Override
  public boolean equals(Object o) {
    return sameClassAs(o) && equalsTo((PrefixRescoreQuery) o);
  }

  private boolean equalsTo(PrefixRescoreQuery o) {
    return candidates == o.candidates && k == o.k && prefixField.equals(o.prefixField)
        && fullField.equals(o.fullField) && Arrays.equals(prefixQuery, o.prefixQuery)
        && Arrays.equals(fullQuery, o.fullQuery);
  }

  @Override
  public int hashCode() {
    return Objects.hash(classHash(), prefixField, fullField, candidates, k,
        Arrays.hashCode(prefixQuery), Arrays.hashCode(fullQuery));
  }

  /** Fixed documents (global ids, ascending) with fixed scores, for one reader. */
  private static final class Hits extends Query {
    private final int[] docs;
    private final float[] scores;
    private final Object readerId;

    Hits(int[] docs, float[] scores, Object readerId) {
      this.docs = docs;
      this.scores = scores;
      this.readerId = readerId;
    }

    @Override
    public Weight createWeight(IndexSearcher searcher, ScoreMode scoreMode, float boost) {
      if (searcher.getIndexReader().getContext().id() != readerId) {
        throw new IllegalStateException("rewritten for another reader");
      }
      return new Weight(this) {
        @Override
        public Explanation explain(LeafReaderContext ctx, int doc) {
          int i = Arrays.binarySearch(docs, ctx.docBase + doc);
          return i < 0 ? Explanation.noMatch("not among the reranked hits")
              : Explanation.match(scores[i] * boost, "full-vector dot product, reranked");
        }

        @Override
        public ScorerSupplier scorerSupplier(LeafReaderContext ctx) {
          int from = lowerBound(ctx.docBase);
          int to = lowerBound(ctx.docBase + ctx.reader().maxDoc());
          return from == to ? null : new DefaultScorerSupplier(new RangeScorer(ctx.docBase, from, to, boost));
        }

        @Override
        public boolean isCacheable(LeafReaderContext ctx) {
          return true;
        }
      };
    }

    /** First index whose doc is >= doc. */
    private int lowerBound(int doc) {
      int i = Arrays.binarySearch(docs, doc);
      return i >= 0 ? i : -i - 1;
    }

    private final class RangeScorer extends Scorer {
      private final int docBase;
      private final int from;
      private final int to;
      private final float boost;
      private int at = -1;

      RangeScorer(int docBase, int from, int to, float boost) {
        this.docBase = docBase;
        this.from = from;
        this.to = to;
        this.boost = boost;
      }

      private int current() {
        return at < 0 ? -1 : at >= to ? DocIdSetIterator.NO_MORE_DOCS : docs[at] - docBase;
      }

      @Override
      public int docID() {
        return current();
      }

      @Override
      public float score() {
        return scores[at] * boost;
      }

      @Override
      public float getMaxScore(int upTo) {
        float max = 0;
        for (int i = from; i < to; i++) {
          max = Math.max(max, scores[i]);
        }
        return max * boost;
      }

      @Override
      public DocIdSetIterator iterator() {
        return new DocIdSetIterator() {
          @Override
          public int docID() {
            return current();
          }

          @Override
          public int nextDoc() {
            at = at < 0 ? from : Math.min(at + 1, to);
            return current();
          }

          @Override
          public int advance(int target) {
            at = Math.max(at < 0 ? from : at, from);
            while (at < to && docs[at] - docBase < target) {
              at++;
            }
            return current();
          }

          @Override
          public long cost() {
            return to - from;
          }
        };
      }
    }

    @Override
    public void visit(QueryVisitor visitor) {
      visitor.visitLeaf(this);
    }

    @Override
    public String toString(String field) {
      return "RerankedHits[" + docs.length + " docs]";
    }

    @Override
    public boolean equals(Object o) {
      return sameClassAs(o) && readerId == ((Hits) o).readerId && Arrays.equals(docs, ((Hits) o).docs)
          && Arrays.equals(scores, ((Hits) o).scores);
    }

    @Override
    public int hashCode() {
      return Objects.hash(classHash(), readerId, Arrays.hashCode(docs), Arrays.hashCode(scores));
    }
  }
}
