package dev.matryoshka.cli;

import dev.matryoshka.index.IndexSettings;
import dev.matryoshka.index.Indexer;
import dev.matryoshka.index.JsonlDocuments;
import dev.matryoshka.index.MatryoshkaWriter;
import dev.matryoshka.index.Similarity;
import dev.matryoshka.index.SourceDocument;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** {@code matryoshka index}: JSONL in, Matryoshka index out. */
@Command(
    name = "index",
    mixinStandardHelpOptions = true,
    showDefaultValues = true,
    description = {
      "Index a JSON Lines file (one object per line, .gz accepted).",
      "Lines carry a precomputed vector: {\"id\": \"...\", \"vector\": [...], ...}.",
      "Other string members are stored. Documents are keyed by id: indexing an id again replaces it.",
      "A malformed line stops the run with its line number; the documents before it are committed."
    })
public final class IndexCommand implements Callable<Integer> {

  @Spec CommandSpec spec;

  @Option(names = "--input", required = true, paramLabel = "FILE", description = "JSONL input file.")
  Path input;

  @Option(names = "--index", required = true, paramLabel = "DIR", description = "Index directory (created if missing).")
  Path index;

  @Option(names = "--prefix-dims", paramLabel = "N",
      description = "Prefix dimensions indexed in the graph (default: 64, or dims/2 for vectors of 64 dims or fewer).")
  Integer prefixDims;

  @Option(names = "--similarity", defaultValue = "cosine", paramLabel = "SIM",
      description = "cosine, dot, euclidean or mip.")
  String similarity;

  @Option(names = "--m", defaultValue = "16", paramLabel = "M", description = "HNSW max connections per node.")
  int maxConn;

  @Option(names = "--ef-construction", defaultValue = "100", paramLabel = "N", description = "HNSW beam width while building.")
  int beamWidth;

  @Option(names = "--id-field", paramLabel = "NAME", description = "Member holding the id (default: id, else _id).")
  String idField;

  @Option(names = "--vector-field", defaultValue = "vector", paramLabel = "NAME", description = "Member holding the vector.")
  String vectorField;

  @Option(names = "--commit-every", defaultValue = "50000", paramLabel = "N", description = "Commit every N documents.")
  int commitEvery;

  @Option(names = "--overwrite", description = "Replace an existing index instead of appending to it.")
  boolean overwrite;

  @Override
  public Integer call() throws Exception {
    Similarity sim = Similarity.parse(similarity);
    var err = spec.commandLine().getErr();
    try (JsonlDocuments docs = new JsonlDocuments(input, idField, null, vectorField)) {
      SourceDocument first = docs.next();
      if (first == null) {
        throw new CliException("input " + input + " has no documents");
      }
      if (first.vector() == null) {
        throw new CliException(input + ":" + docs.line() + ": no \"" + vectorField
            + "\" member; text input needs a model (see the encoder in a later release)");
      }
      int dims = first.vector().length;
      int prefix = prefixDims != null ? prefixDims : IndexSettings.defaultPrefixDims(dims);
      IndexSettings settings = new IndexSettings(IndexSettings.DEFAULT_FIELD, dims, prefix, sim,
          maxConn, beamWidth, null, null, "none", null);
      Progress progress = new Progress(err, "docs", -1, docs::fractionRead);
      try (MatryoshkaWriter writer = MatryoshkaWriter.open(index, settings, overwrite);
          Indexer indexer = new Indexer(writer, null, null, 256, commitEvery)) {
        SourceDocument d = first;
        try {
          while (d != null) {
            if (d.vector() == null) {
              throw new IllegalArgumentException("no \"" + vectorField + "\" member");
            }
            indexer.add(d);
            progress.update(indexer.stats().written);
            d = docs.next();
          }
        } catch (IllegalArgumentException e) {
          indexer.finish(Map.of());
          String where = e instanceof JsonlDocuments.BadLineException ? "" : input + ":" + docs.line() + ": ";
          throw new CliException(where + e.getMessage() + String.format(Locale.ROOT,
              " — the %,d documents before this line are committed", indexer.stats().written), e);
        }
        indexer.finish(Map.of());
        progress.finish();
        err.printf(Locale.ROOT, "indexed %,d documents (%d dims, prefix %d, %s) into %s%n",
            indexer.stats().written, dims, prefix, sim, index);
        if (indexer.stats().skippedTotal() > 0) {
          err.println("skipped: " + indexer.stats().skipped);
        }
      }
    }
    return 0;
  }
}
