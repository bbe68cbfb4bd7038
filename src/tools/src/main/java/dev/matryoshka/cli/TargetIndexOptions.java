package dev.matryoshka.cli;

import dev.matryoshka.codec.MatryoshkaPrefix;
import java.nio.file.Files;
import java.nio.file.Path;
import picocli.CommandLine.Option;

/**
 * How the Matryoshka index being written is laid out: shared by {@code index} and {@code
 * reindex}. ({@code --similarity} and {@code --commit-every} stay with each command: their
 * defaults differ, see there.)
 */
public final class TargetIndexOptions {

  @Option(names = "--prefix-dims", paramLabel = "N",
      description = "Prefix dimensions indexed in the graph (default: the source index's when reindexing one; "
          + "for text, half the model's dims rounded up to 32 when it was not trained for truncation "
          + "(bge-small, MiniLM: 192), else 64, or dims/2 for vectors of 64 dims or fewer).")
  Integer prefixDims;

  @Option(names = "--prefix-quantization", defaultValue = "none", paramLabel = "none|int8|int4",
      description = "What the graph search scores: float32 prefixes (none, default), int8 codes "
          + "(a quarter of the hot bytes) or int4 codes (an eighth; needs a wider oversample); codes for "
          + "cosine, dot and mip only. Full-dimension rerank either way.")
  String prefixQuantization;

  @Option(names = "--overwrite",
      description = "Replace an existing index instead of appending to it (reindex: also discards its checkpoint).")
  boolean overwrite;

  /**
   * Refuses an index path that is a file, or lies under one, before any work is done (the file
   * system would only say "file already exists").
   *
   * @param option the option that named the path, for the message
   * @throws CliException e.g. {@code --index /tmp/x.txt is a file, not a directory}
   */
  static void checkDirectory(String option, Path dir) {
    for (Path p = dir; p != null; p = p.getParent()) {
      if (Files.exists(p)) {
        if (!Files.isDirectory(p)) {
          throw new CliException(p.equals(dir)
              ? option + " " + dir + " is a file, not a directory"
              : option + " " + dir + ": " + p + " is a file, not a directory");
        }
        return;
      }
    }
  }

  /** The parsed {@code --prefix-quantization}. */
  MatryoshkaPrefix.Encoding encoding() {
    return MatryoshkaPrefix.Encoding.parse(prefixQuantization);
  }
}
