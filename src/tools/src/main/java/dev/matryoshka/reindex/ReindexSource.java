package dev.matryoshka.reindex;

import dev.matryoshka.index.SourceDocument;
import dev.matryoshka.index.SimilarityName;
import java.io.Closeable;
import java.io.IOException;

/**
 * Where a reindex reads documents: a JSONL file, a Lucene or Matryoshka index, or an OpenSearch
 * index. Documents come in a stable order with a position after each one, so a rerun can skip
 * what a committed checkpoint already covers.
 *
 * <pre>{@code
 * try (ReindexSource src = Sources.open("corpus.jsonl", options)) {
 *   src.resumeAfter(checkpointPosition);
 *   for (Record r; (r = src.next()) != null; ) { ... }
 * }
 * }</pre>
 */
public interface ReindexSource extends Closeable {

  /**
   * One item read from the source: a document, or a reason why the item at this position cannot
   * become one (no id, malformed line, ...).
   *
   * @param doc the document, or null when skipped
   * @param skipReason short reason for the summary (e.g. "no id"), or null
   * @param detail the full message for a skip (names file/line or id), or null
   * @param position the source position just after this item
   */
  record Record(SourceDocument doc, String skipReason, String detail, String position) {
    /** A document. */
    public static Record of(SourceDocument doc, String position) {
      return new Record(doc, null, null, position);
    }

    /** An item that cannot become a document. */
    public static Record skip(String reason, String detail, String position) {
      return new Record(null, reason, detail, position);
    }
  }

  /**
   * What the source knows about its full vectors, when it has them.
   *
   * @param field the vector field or member read
   * @param dims full dimension
   * @param similarity similarity recorded by the source, or null
   * @param prefixDims prefix dims of a Matryoshka source, or null
   * @param modelName encoder recorded by the source, or null
   * @param modelFingerprint its fingerprint, or null
   * @param adapterKind adapter already applied to the vectors ("none" when not)
   * @param adapterFingerprint its fingerprint, or null
   */
  record Vectors(String field, int dims, SimilarityName similarity, Integer prefixDims, String modelName,
      String modelFingerprint, String adapterKind, String adapterFingerprint) {
    /** Vectors with nothing known but field and dimension. */
    public static Vectors plain(String field, int dims, SimilarityName similarity) {
      return new Vectors(field, dims, similarity, null, null, null, "none", null);
    }
  }

  /** Stable name of this source (kind and location), stored in checkpoints. */
  String identity();

  /** Full vectors the source carries, or null when it only has text. */
  Vectors vectors();

  /** The adapter file the source's vectors went through (to travel with them), or null. */
  default java.nio.file.Path adapterFile() {
    return null;
  }

  /** Number of documents, or -1 when unknown. */
  long total();

  /** Fraction of the source read so far, in [0, 1], or -1 when unknown. */
  double fractionRead();

  /** Skips to just after {@code position} (a value from {@link Record#position()}); null: start. */
  void resumeAfter(String position) throws IOException;

  /** The next item, or null at the end. */
  Record next() throws IOException;
}
