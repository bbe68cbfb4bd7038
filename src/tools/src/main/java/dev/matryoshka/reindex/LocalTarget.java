package dev.matryoshka.reindex;

import dev.matryoshka.index.Adapters;
import dev.matryoshka.index.IndexSettings;
import dev.matryoshka.index.MatryoshkaWriter;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;

/**
 * A local Matryoshka index as a reindex target. The checkpoint rides in the user data of the
 * same Lucene commit as the documents, so after a crash the index and its checkpoint always
 * describe the same state. Closing without {@link #commit} rolls back to the last commit.
 */
final class LocalTarget implements ReindexTarget {
  private final Path path;
  private MatryoshkaWriter writer;

  LocalTarget(Path path) {
    this.path = path;
  }

  @Override
  public Checkpoint open(IndexSettings settings, boolean overwrite) throws IOException {
    writer = MatryoshkaWriter.open(path, settings, overwrite);
    return Checkpoint.fromUserData(writer.extraUserData());
  }

  /** Copies the adapter file into the index directory, where {@link Adapters#load} finds it. */
  @Override
  public void installAdapter(Path file) throws IOException {
    Path dest = path.resolve(Adapters.FILE_NAME);
    if (!Files.exists(dest) || !Files.isSameFile(file, dest)) {
      Files.copy(file, dest, StandardCopyOption.REPLACE_EXISTING);
    }
  }

  @Override
  public List<Rejected> write(List<Doc> docs) throws IOException {
    for (Doc d : docs) {
      writer.add(d.id(), d.vector(), d.stored(), d.text());
    }
    return List.of();
  }

  @Override
  public void commit(Checkpoint checkpoint) throws IOException {
    writer.commit(checkpoint.toUserData());
  }

  @Override
  public void forceMerge(Checkpoint checkpoint) throws IOException {
    writer.indexWriter().forceMerge(1);
    writer.commit(checkpoint.toUserData());
  }

  /** Closes the writer normally: merges finish and are committed with the same checkpoint. */
  @Override
  public void finish() throws IOException {
    if (writer != null) {
      MatryoshkaWriter w = writer;
      writer = null;
      w.close();
    }
  }

  @Override
  public String describe() {
    return path.toString();
  }

  /** Rolls back what was not committed: the checkpoint decides what a rerun redoes. */
  @Override
  public void close() throws IOException {
    if (writer != null) {
      writer.rollback();
      writer = null;
    }
  }
}
