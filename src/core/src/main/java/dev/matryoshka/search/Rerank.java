package dev.matryoshka.search;

/**
 * How {@link MatryoshkaKnnQuery} turns a segment's prefix-graph candidates into full-dimension
 * scores: one immutable value, so a query has exactly one strategy and one meaning for each
 * number.
 *
 * <pre>{@code
 * Query q = new MatryoshkaKnnQuery("emb", v, 10).oversample(10).rerank(Rerank.depth(20));
 * Query f = new MatryoshkaKnnQuery("emb", v, 10).oversample(10).rerank(Rerank.funnel(256, 30));
 * }</pre>
 *
 * <p>A value checks only what it knows alone (positive numbers); the query checks it against its
 * own {@code k}, candidate count and dimension each time it is built, so the order of the builder
 * calls never matters: {@code oversample(2).rerank(depth(30))} and {@code
 * rerank(depth(30)).oversample(2)} both refuse a depth above {@code k × 2}.
 */
public sealed interface Rerank {

  /** Every candidate is rescored with its full vector (the default). */
  Rerank FULL = new Full();

  /** See {@link Depth}. */
  static Rerank depth(int depth) {
    return new Depth(depth);
  }

  /** See {@link Funnel}. */
  static Rerank funnel(int dims, int keep) {
    return new Funnel(dims, keep);
  }

  /** Every candidate is rescored with its full vector. */
  record Full() implements Rerank {
    @Override
    public String toString() {
      return "full";
    }
  }

  /**
   * Only the best {@code depth} candidates by their prefix score from the graph search are read
   * and rescored at full dimension: the beam stays wide (graph recall) while full-vector reads per
   * segment drop to {@code depth}. Suits a long int8 prefix whose codes are the hot set. A query
   * accepts a depth in {@code [k, candidates]}.
   *
   * @param depth candidates read at full dimension per segment
   */
  record Depth(int depth) implements Rerank {
    /** @throws IllegalArgumentException when depth is below 1 */
    public Depth {
      if (depth < 1) {
        throw new IllegalArgumentException("rerank depth must be >= 1; got=" + depth);
      }
    }

    @Override
    public String toString() {
      return "depth " + depth;
    }
  }

  /**
   * Candidates are first rescored at {@code dims} (the renormalised prefix of their full vectors)
   * and only the best {@code keep} go on to full-dimension rescoring (e.g. 64 → 256 → full). A
   * query accepts dims in {@code [1, its dimension)} and keep in {@code [k, candidates]}.
   *
   * @param dims length of the intermediate prefix
   * @param keep candidates rescored at full dimension per segment
   */
  record Funnel(int dims, int keep) implements Rerank {
    /** @throws IllegalArgumentException when dims or keep is below 1 */
    public Funnel {
      if (dims < 1) {
        throw new IllegalArgumentException("funnel dims must be >= 1; got=" + dims);
      }
      if (keep < 1) {
        throw new IllegalArgumentException("funnel keep must be >= 1; got=" + keep);
      }
    }

    @Override
    public String toString() {
      return "funnel " + dims + "/" + keep;
    }
  }
}
