package dev.matryoshka.codec;

import java.io.IOException;
import java.util.Objects;
import java.util.Random;
import org.apache.lucene.index.FloatVectorValues;
import org.apache.lucene.index.VectorSimilarityFunction;

/**
 * Calibration queries made from a segment's own full vectors, for measuring the recall curve of
 * the prefix graph + full rerank where no text and no encoder exist (inside the codec, at flush
 * and merge). Every generator is seeded and deterministic: the same vectors, similarity, count and
 * seed give the same queries on every JVM.
 *
 * <p>Real queries are out of distribution: they are short, carry an instruction, and sit farther
 * from every document than documents sit from each other. A query that is a document (or close to
 * one) finds its neighbours with the prefix alone more easily than a real query does, so the
 * generators below range from "in distribution" to "pushed off the document manifold", and the
 * study in {@code docs/calibration.md} ("Calibration queries from vectors") measured which one
 * predicts real-query recall on SciFact, ArguAna, STS-B and {@code test-corpus/}.
 *
 * <p>A query with an {@linkplain Queries#excluded() excluded} ordinal was built around that
 * document; the caller drops that document from both the exact top k and the prefix path's
 * results (search k + 1, drop it, keep k), so the query cannot score a free hit on itself.
 *
 * <p>For {@link VectorSimilarityFunction#COSINE} and {@link VectorSimilarityFunction#DOT_PRODUCT}
 * the inputs are normalised first and every query is unit length. For the other similarities
 * queries keep the documents' scale (a midpoint is the mean of its two ends, noise is scaled by
 * the anchor's length).
 *
 * <pre>{@code
 * CalibrationQueries.Queries q = CalibrationQueries.generate(fullVectors, VectorSimilarityFunction.COSINE, 200, 42);
 * // recall of q.vectors()[i] against exact search, without document q.excluded()[i] when it is >= 0;
 * // then pick the smallest oversample whose recall reaches CalibrationQueries.requiredRecall(0.97)
 * }</pre>
 */
public final class CalibrationQueries {

  /** How a calibration query is made from document vectors d (ordinals i, j, k drawn at random). */
  public enum Kind {
    /**
     * {@code q = d_i}, excluding {@code i}: the document itself, leave-one-out. In distribution;
     * what an index calibrated on its own vectors measures today.
     */
    DOCUMENT("document", 0, true),
    /**
     * {@code q = normalize(d_i + d_j)}: the midpoint of two random documents, nothing excluded.
     * Lies between topics, so its neighbours are less crowded around one document.
     */
    MIDPOINT("midpoint", 0, false),
    /**
     * {@code q = normalize(d_i + 0.5 (d_j - d_k))}, excluding {@code i}: a step along a
     * difference of two documents, i.e. noise shaped like the corpus (its covariance).
     */
    PERTURB_HALF("perturb-0.5", 0.5, true),
    /** As {@link #PERTURB_HALF} with step 1: {@code normalize(d_i + (d_j - d_k))}. */
    PERTURB_ONE("perturb-1", 1.0, true),
    /**
     * {@code q = normalize(u_i + 0.5 g)} with {@code u_i} the unit anchor and {@code g} a uniform
     * random unit direction, excluding {@code i}: isotropic noise, so the query carries energy in
     * the directions documents barely vary in (the tail dims a prefix drops), as an
     * out-of-distribution query does. cos(q, d_i) is about 0.89.
     */
    NOISE_HALF("noise-0.5", 0.5, true),
    /** As {@link #NOISE_HALF} with weight 1: cos(q, d_i) about 0.71. */
    NOISE_ONE("noise-1", 1.0, true);

    private final String label;
    private final double weight;
    private final boolean excludesAnchor;

    Kind(String label, double weight, boolean excludesAnchor) {
      this.label = label;
      this.weight = weight;
      this.excludesAnchor = excludesAnchor;
    }

    /** A short name for tables and JSON, e.g. {@code noise-0.5}. */
    public String label() {
      return label;
    }

    /** Whether each query excludes its anchor document. */
    public boolean excludesAnchor() {
      return excludesAnchor;
    }

    /** The kind with this {@link #label()} or enum name (case-insensitive). */
    public static Kind parse(String s) {
      for (Kind k : values()) {
        if (k.label.equalsIgnoreCase(s) || k.name().equalsIgnoreCase(s)) {
          return k;
        }
      }
      throw new IllegalArgumentException("unknown calibration query kind: " + s);
    }
  }

  /**
   * Generated queries.
   *
   * @param kind how they were made
   * @param vectors one query per row, the documents' dimension
   * @param excluded per query, the ordinal to leave out of truth and results, or -1 for none
   */
  public record Queries(Kind kind, float[][] vectors, int[] excluded) {
    public Queries {
      Objects.requireNonNull(kind, "kind");
      if (vectors.length != excluded.length) {
        throw new IllegalArgumentException(vectors.length + " vectors but " + excluded.length + " exclusions");
      }
    }

    /** The number of queries. */
    public int size() {
      return vectors.length;
    }
  }

  /**
   * The generator the codec uses, {@link Kind#NOISE_ONE}. In the study in {@code
   * docs/calibration.md} ("Calibration queries from vectors") it was the only generator whose pick
   * gave real queries at least the target recall (0.90, 0.95, 0.97, 0.99) on every corpus
   * (SciFact, STS-B as retrieval, {@code test-corpus/}) with no margin, also leave-one-corpus-out;
   * documents themselves (leave-one-out) are far too easy (they reach recall 1.000 at oversample 3
   * on SciFact, where real queries have 0.966), the corpus-shaped kinds need m = 2-2.5.
   */
  public static final Kind DEFAULT_KIND = Kind.NOISE_ONE;

  /**
   * Factor on the miss rate between real queries and {@link #DEFAULT_KIND} queries: calibrate so
   * that {@code 1 - recall <= (1 - target) / MISS_MARGIN} on generated queries ({@link
   * #requiredRecall}). 1: on every corpus measured (SciFact, STS-B as retrieval, {@code
   * test-corpus/}), real queries reached the target at the oversample the generated queries picked
   * (by 0.006-0.03), also leave-one-corpus-out, so a target asked for is what real queries get, to
   * about +0.02. Safety for corpora whose queries are harder than any measured lives in the default
   * target instead ({@code MatryoshkaKnnQuery.DEFAULT_TARGET_RECALL}), so that an explicit target
   * stays accurate.
   */
  public static final double MISS_MARGIN = 1.0;

  /** Default number of queries per calibration. */
  public static final int DEFAULT_COUNT = 200;

  /** Default seed. */
  public static final long DEFAULT_SEED = 42;

  private CalibrationQueries() {}

  /**
   * The recall generated queries must reach for real queries to reach {@code target}: {@code 1 -
   * (1 - target) / MISS_MARGIN}.
   */
  public static double requiredRecall(double target) {
    return requiredRecall(target, MISS_MARGIN);
  }

  /** {@code 1 - (1 - target) / margin}; {@code margin} >= 1. */
  public static double requiredRecall(double target, double margin) {
    if (!(target > 0 && target <= 1)) {
      throw new IllegalArgumentException("target recall must be in (0, 1]; got=" + target);
    }
    if (!(margin >= 1)) {
      throw new IllegalArgumentException("miss margin must be >= 1; got=" + margin);
    }
    return 1 - (1 - target) / margin;
  }

  /** {@link #DEFAULT_KIND} queries from a segment's full vectors. */
  public static Queries generate(FloatVectorValues full, VectorSimilarityFunction sim, int count, long seed)
      throws IOException {
    return generate(DEFAULT_KIND, full, sim, count, seed);
  }

  /**
   * Queries of {@code kind} from a segment's full vectors (read by ordinal; the values are copied).
   *
   * @param count wanted queries; at most {@code full.size()} are made (one per anchor document)
   * @throws IllegalArgumentException when there are fewer than 2 vectors or {@code count < 1}
   */
  public static Queries generate(Kind kind, FloatVectorValues full, VectorSimilarityFunction sim, int count,
      long seed) throws IOException {
    Objects.requireNonNull(full, "full");
    int n = full.size();
    float[][] rows = new float[n][];
    // only the ordinals a generator touches are read; the rest stay null
    Plan plan = plan(kind, n, count, seed);
    for (int[] used : new int[][] {plan.anchors, plan.partners1, plan.partners2}) {
      if (used == null) continue;
      for (int o : used) {
        if (rows[o] == null) {
          rows[o] = full.vectorValue(o).clone();
        }
      }
    }
    return build(kind, rows, full.dimension(), sim, plan);
  }

  /** Queries of {@code kind} from an in-memory matrix (one document per row). */
  public static Queries generate(Kind kind, float[][] full, VectorSimilarityFunction sim, int count, long seed) {
    Objects.requireNonNull(full, "full");
    if (full.length == 0) {
      throw new IllegalArgumentException("calibration queries need at least 2 vectors; got 0");
    }
    return build(kind, full, full[0].length, sim, plan(kind, full.length, count, seed));
  }

  /** Which ordinals each query uses: drawn first, so a reader only loads those. */
  private record Plan(int[] anchors, int[] partners1, int[] partners2, long noiseSeed) {}

  private static Plan plan(Kind kind, int n, int count, long seed) {
    Objects.requireNonNull(kind, "kind");
    if (n < 2) {
      throw new IllegalArgumentException("calibration queries need at least 2 vectors; got " + n);
    }
    if (count < 1) {
      throw new IllegalArgumentException("calibration query count must be >= 1; got=" + count);
    }
    int m = Math.min(count, n);
    Random r = new Random(seed);
    // anchors: a seeded partial Fisher-Yates shuffle, distinct documents
    int[] perm = new int[n];
    for (int i = 0; i < n; i++) perm[i] = i;
    int[] anchors = new int[m];
    for (int i = 0; i < m; i++) {
      int j = i + r.nextInt(n - i);
      int t = perm[i];
      perm[i] = perm[j];
      perm[j] = t;
      anchors[i] = perm[i];
    }
    int[] p1 = null;
    int[] p2 = null;
    switch (kind) {
      case MIDPOINT -> p1 = others(r, anchors, n);
      case PERTURB_HALF, PERTURB_ONE -> {
        if (n < 3) {
          throw new IllegalArgumentException(kind.label() + " calibration queries need at least 3 vectors; got " + n);
        }
        p1 = others(r, anchors, n);
        p2 = new int[m];
        for (int i = 0; i < m; i++) {
          // a third document, neither the anchor nor the first partner: d_j - d_k is never zero
          int lo = Math.min(anchors[i], p1[i]);
          int hi = Math.max(anchors[i], p1[i]);
          int o = r.nextInt(n - 2);
          if (o >= lo) o++;
          if (o >= hi) o++;
          p2[i] = o;
        }
      }
      default -> {}
    }
    return new Plan(anchors, p1, p2, r.nextLong());
  }

  /** One ordinal per anchor, uniform over the other documents. */
  private static int[] others(Random r, int[] anchors, int n) {
    int[] out = new int[anchors.length];
    for (int i = 0; i < anchors.length; i++) {
      int o = r.nextInt(n - 1);
      out[i] = o >= anchors[i] ? o + 1 : o;
    }
    return out;
  }

  private static Queries build(Kind kind, float[][] docs, int dims, VectorSimilarityFunction sim, Plan plan) {
    Objects.requireNonNull(sim, "sim");
    boolean unit = sim == VectorSimilarityFunction.COSINE || sim == VectorSimilarityFunction.DOT_PRODUCT;
    int m = plan.anchors.length;
    float[][] out = new float[m][];
    int[] excluded = new int[m];
    Random noise = new Random(plan.noiseSeed);
    for (int qi = 0; qi < m; qi++) {
      int a = plan.anchors[qi];
      float[] d = view(docs[a], dims, unit);
      float[] q;
      switch (kind) {
        case DOCUMENT -> q = d.clone();
        case MIDPOINT -> {
          float[] e = view(docs[plan.partners1[qi]], dims, unit);
          q = new float[dims];
          for (int x = 0; x < dims; x++) q[x] = unit ? d[x] + e[x] : (d[x] + e[x]) / 2f;
        }
        case PERTURB_HALF, PERTURB_ONE -> {
          float[] e = view(docs[plan.partners1[qi]], dims, unit);
          float[] f = view(docs[plan.partners2[qi]], dims, unit);
          q = new float[dims];
          float w = (float) kind.weight;
          for (int x = 0; x < dims; x++) q[x] = d[x] + w * (e[x] - f[x]);
        }
        case NOISE_HALF, NOISE_ONE -> {
          double[] g = new double[dims];
          double gn = 0;
          for (int x = 0; x < dims; x++) {
            g[x] = noise.nextGaussian();
            gn += g[x] * g[x];
          }
          double scale = kind.weight * norm(d) / Math.sqrt(gn);
          q = new float[dims];
          for (int x = 0; x < dims; x++) q[x] = (float) (d[x] + scale * g[x]);
        }
        default -> throw new AssertionError(kind);
      }
      if (unit) {
        double qn = norm(q);
        if (qn == 0 || !Double.isFinite(qn)) {
          q = d.clone(); // d + e cancelled out exactly: fall back to the anchor
        } else {
          for (int x = 0; x < dims; x++) q[x] = (float) (q[x] / qn);
        }
      }
      out[qi] = q;
      excluded[qi] = kind.excludesAnchor ? a : -1;
    }
    return new Queries(kind, out, excluded);
  }

  /** The vector, or a unit copy of it for cosine/dot. */
  private static float[] view(float[] v, int dims, boolean unit) {
    if (v.length != dims) {
      throw new IllegalArgumentException("vector has " + v.length + " dims, expected " + dims);
    }
    if (!unit) {
      return v;
    }
    double n = norm(v);
    if (n == 0) {
      return v.clone();
    }
    float[] u = new float[dims];
    for (int x = 0; x < dims; x++) u[x] = (float) (v[x] / n);
    return u;
  }

  private static double norm(float[] v) {
    double s = 0;
    for (float x : v) s += (double) x * x;
    return Math.sqrt(s);
  }
}
