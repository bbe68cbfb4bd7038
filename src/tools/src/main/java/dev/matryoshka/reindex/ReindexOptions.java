package dev.matryoshka.reindex;

import dev.matryoshka.index.SimilarityName;
import java.nio.file.Path;
import java.time.Duration;

/**
 * Options of a reindex. Defaults suit a local run; every setter checks its argument and returns
 * {@code this}.
 *
 * <pre>{@code
 * ReindexOptions o = new ReindexOptions().prefixDims(128).commitEvery(5_000).strict(true);
 * }</pre>
 */
public final class ReindexOptions {

  /** Default documents between checkpoints. */
  public static final int DEFAULT_COMMIT_EVERY = 10_000;

  /** Default documents per step (read, encode, write). */
  public static final int DEFAULT_BATCH = 256;

  /** Default attempts after the first one for an HTTP request that fails transiently. */
  public static final int DEFAULT_MAX_RETRIES = 5;

  /** Default first back-off delay; it doubles each retry, capped at {@link #MAX_BACKOFF}. */
  public static final Duration DEFAULT_BACKOFF = Duration.ofMillis(500);

  /** Upper bound of one back-off delay. */
  public static final Duration MAX_BACKOFF = Duration.ofSeconds(30);

  Integer prefixDims;
  dev.matryoshka.codec.MatryoshkaPrefix.Encoding prefixEncoding = dev.matryoshka.codec.MatryoshkaPrefix.Encoding.FLOAT32;
  SimilarityName similarity;
  String idField;
  String textField;
  String vectorField;
  boolean reencode;
  Path adapter;
  int batch = DEFAULT_BATCH;
  int commitEvery = DEFAULT_COMMIT_EVERY;
  boolean overwrite;
  boolean strict;
  boolean forceMerge = true;
  int maxRetries = DEFAULT_MAX_RETRIES;
  Duration backoff = DEFAULT_BACKOFF;

  /** Prefix dims of the target (null: the source's, else 64 or dims/2). */
  public ReindexOptions prefixDims(Integer dims) {
    if (dims != null && dims < 1) {
      throw new IllegalArgumentException("prefix dims must be >= 1; got=" + dims);
    }
    this.prefixDims = dims;
    return this;
  }

  /** What the target's graph search scores: float32 prefixes (default) or int8 codes. */
  public ReindexOptions prefixEncoding(dev.matryoshka.codec.MatryoshkaPrefix.Encoding e) {
    this.prefixEncoding = e == null ? dev.matryoshka.codec.MatryoshkaPrefix.Encoding.FLOAT32 : e;
    return this;
  }

  /** SimilarityName of the target (null: the source's, else cosine). */
  public ReindexOptions similarity(SimilarityName s) {
    this.similarity = s;
    return this;
  }

  /** Id field or member of the source (null: "id", else "_id"; OpenSearch: the hit's _id). */
  public ReindexOptions idField(String f) {
    this.idField = f;
    return this;
  }

  /** Text field or member (null: BEIR title + text, else "text"). */
  public ReindexOptions textField(String f) {
    this.textField = f;
    return this;
  }

  /** Vector field or member (null: the source's own, or "vector" in JSONL). */
  public ReindexOptions vectorField(String f) {
    this.vectorField = f;
    return this;
  }

  /** Encode the text even when the source has vectors. */
  public ReindexOptions reencode(boolean b) {
    this.reencode = b;
    return this;
  }

  /** Adapter file applied to every vector written (null: none). */
  public ReindexOptions adapter(Path file) {
    this.adapter = file;
    return this;
  }

  /** Documents per step: read, encode, write (and per OpenSearch bulk request). */
  public ReindexOptions batch(int n) {
    if (n < 1) {
      throw new IllegalArgumentException("batch must be >= 1; got=" + n);
    }
    this.batch = n;
    return this;
  }

  /** Documents between checkpoints (commits). */
  public ReindexOptions commitEvery(int n) {
    if (n < 1) {
      throw new IllegalArgumentException("commit-every must be >= 1; got=" + n);
    }
    this.commitEvery = n;
    return this;
  }

  /** Replace an existing target instead of resuming or appending. */
  public ReindexOptions overwrite(boolean b) {
    this.overwrite = b;
    return this;
  }

  /** Fail on the first document that cannot be indexed instead of skipping and counting it. */
  public ReindexOptions strict(boolean b) {
    this.strict = b;
    return this;
  }

  /**
   * Merge the target down to one segment at the end of a successful run (default). One segment
   * searches fastest, and its graph is built from scratch, so a resumed reindex answers queries
   * exactly as a one-shot reindex of the same source does.
   */
  public ReindexOptions forceMerge(boolean b) {
    this.forceMerge = b;
    return this;
  }

  /** Retries of a transiently failing HTTP request (connection refused, 429, 502-504). */
  public ReindexOptions maxRetries(int n) {
    if (n < 0 || n > 20) {
      throw new IllegalArgumentException("max retries must be in [0, 20]; got=" + n);
    }
    this.maxRetries = n;
    return this;
  }

  /** First back-off delay between HTTP retries (doubles each time). */
  public ReindexOptions backoff(Duration d) {
    if (d.isNegative()) {
      throw new IllegalArgumentException("backoff must be >= 0; got=" + d);
    }
    this.backoff = d;
    return this;
  }

  /** Whether an existing target is replaced. */
  public boolean overwrite() {
    return overwrite;
  }

  /** Whether bad documents fail the run. */
  public boolean strict() {
    return strict;
  }
}
