package dev.matryoshka.reindex;

import dev.matryoshka.index.IndexSettings;
import java.io.Closeable;
import java.io.IOException;
import java.util.List;
import java.util.Map;

/**
 * Where a reindex writes: a local Matryoshka index or an OpenSearch index with the plugin.
 * Documents are keyed by id (writing an id again replaces it), and a checkpoint is committed
 * together with the documents written before it.
 */
public interface ReindexTarget extends Closeable {

  /**
   * One document ready to write: id, full vector (adapted, checked), stored fields, and the text
   * (for the target's BM25 field; may be null).
   */
  record Doc(String id, float[] vector, Map<String, String> stored, String text) {}

  /** A document the target refused, with the reason and the target's message. */
  record Rejected(String id, String reason, String detail) {}

  /**
   * Opens or creates the target.
   *
   * @param overwrite replace an existing target
   * @return the checkpoint of the last commit, or null (new target, or none recorded)
   * @throws IllegalArgumentException when the target exists with other settings and {@code
   *     overwrite} is false
   */
  Checkpoint open(IndexSettings settings, boolean overwrite) throws IOException;

  /**
   * Stores the adapter file the written vectors went through, so that queries get the same
   * adapter; called after {@link #open} when the settings name an adapter.
   *
   * @throws IllegalArgumentException when the target cannot hold an adapter
   */
  void installAdapter(java.nio.file.Path file) throws IOException;

  /** Writes (adds or replaces) documents; returns those the target refused. */
  List<Rejected> write(List<Doc> docs) throws IOException;

  /** Makes everything written so far durable, together with {@code checkpoint}. */
  void commit(Checkpoint checkpoint) throws IOException;

  /**
   * Called once after the final commit of a successful run: let background work (merges) finish.
   * {@link #close()} alone, after a failure, keeps only what was committed.
   */
  default void finish() throws IOException {}

  /**
   * Merges the target down to one segment, after the final commit of a successful run; the
   * result is committed with {@code checkpoint} again. A crash here loses nothing: a rerun finds
   * the finished checkpoint and merges again.
   */
  void forceMerge(Checkpoint checkpoint) throws IOException;

  /** Where this target is, for messages. */
  String describe();
}
