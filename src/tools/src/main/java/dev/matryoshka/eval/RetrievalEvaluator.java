package dev.matryoshka.eval;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Scores retrieval on a {@link BeirDataset}: either exact search over embedding matrices, or
 * rankings produced elsewhere (an index, a reranker) for the dataset's queries.
 *
 * <pre>{@code
 * RetrievalScores full = RetrievalEvaluator.exact(ds, q, d, ExactRetrieval.Similarity.COSINE, 384);
 * RetrievalScores p64 = RetrievalEvaluator.exact(ds, q, d, ExactRetrieval.Similarity.COSINE, 64);
 * }</pre>
 */
public final class RetrievalEvaluator {
  private RetrievalEvaluator() {}

  /**
   * Exact top-{@value ExactRetrieval#DEFAULT_K} search on {@code dims}-prefixes, then the standard
   * metrics. A query's own document is left out when the dataset {@linkplain
   * BeirDataset#dropsSelfHits() drops self-hits} (one more hit is fetched, so 100 remain).
   *
   * @param queryVecs row {@code i} embeds {@code ds.queries().get(i)}
   * @param docVecs row {@code i} embeds {@code ds.docs().get(i)}
   * @param dims prefix length; the vectors' full dimension means no truncation
   */
  public static RetrievalScores exact(
      BeirDataset ds,
      float[][] queryVecs,
      float[][] docVecs,
      ExactRetrieval.Similarity similarity,
      int dims) {
    Objects.requireNonNull(ds, "ds");
    checkRows("queryVecs", queryVecs, ds.queries().size());
    checkRows("docVecs", docVecs, ds.docs().size());
    ExactRetrieval.Hits[] hits =
        new ExactRetrieval(docVecs, similarity, dims).search(queryVecs, ds.fetch(ExactRetrieval.DEFAULT_K));
    List<List<String>> rankings = new ArrayList<>(hits.length);
    for (int q = 0; q < hits.length; q++) {
      List<String> ids = new ArrayList<>(hits[q].docs().length);
      for (int d : hits[q].docs()) {
        ids.add(ds.docs().get(d).id());
      }
      rankings.add(ds.ranking(ds.queries().get(q).id(), ids, ExactRetrieval.DEFAULT_K));
    }
    return evaluate(ds, rankings);
  }

  /**
   * Scores rankings made by any system. A query's own document is removed when the dataset
   * {@linkplain BeirDataset#dropsSelfHits() drops self-hits}; fetch {@link BeirDataset#fetch} hits
   * so that enough remain.
   *
   * @param rankings entry {@code i} is the ranked document ids (best first) for {@code
   *     ds.queries().get(i)}; at least 100 long for a full recall@100
   */
  public static RetrievalScores evaluate(BeirDataset ds, List<List<String>> rankings) {
    Objects.requireNonNull(ds, "ds");
    Objects.requireNonNull(rankings, "rankings");
    if (rankings.size() != ds.queries().size()) {
      throw new IllegalArgumentException("got " + rankings.size() + " rankings for "
          + ds.queries().size() + " queries");
    }
    Map<String, List<String>> runs = new HashMap<>();
    for (int i = 0; i < rankings.size(); i++) {
      String qid = ds.queries().get(i).id();
      runs.put(qid, ds.ranking(qid, rankings.get(i), Integer.MAX_VALUE));
    }
    return Metrics.evaluate(runs, ds.qrels());
  }

  private static void checkRows(String what, float[][] rows, int expected) {
    Objects.requireNonNull(rows, what);
    if (rows.length != expected) {
      throw new IllegalArgumentException(
          what + " has " + rows.length + " rows; the dataset has " + expected);
    }
  }
}
