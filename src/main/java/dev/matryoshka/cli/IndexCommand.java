package dev.matryoshka.cli;

import dev.matryoshka.encode.Models;
import dev.matryoshka.encode.TextEncoder;
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
      "Lines carry a precomputed vector: {\"id\": \"...\", \"vector\": [...], ...},",
      "or text to encode: BEIR {\"_id\", \"title\", \"text\"} (title + \" \" + text), or any member named by --text-field.",
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

  @Option(names = "--text-field", paramLabel = "NAME", description = "Member holding the text (default: BEIR title + text).")
  String textField;

  @picocli.CommandLine.Mixin ModelOptions modelOptions;

  @Option(names = "--commit-every", defaultValue = "50000", paramLabel = "N", description = "Commit every N documents.")
  int commitEvery;

  @Option(names = "--overwrite", description = "Replace an existing index instead of appending to it.")
  boolean overwrite;

  @Override
  public Integer call() throws Exception {
    Similarity sim = Similarity.parse(similarity);
    var err = spec.commandLine().getErr();
    try (JsonlDocuments docs = new JsonlDocuments(input, idField, textField, vectorField)) {
      SourceDocument first = docs.next();
      if (first == null) {
        throw new CliException("input " + input + " has no documents");
      }
      boolean textMode = first.vector() == null;
      TextEncoder encoder = null;
      int dims;
      if (textMode) {
        err.println("loading model " + modelOptions.modelOr(Models.DEFAULT_MODEL) + " ...");
        encoder = Models.open(modelOptions.modelOr(Models.DEFAULT_MODEL), modelOptions.options());
        dims = encoder.info().dims();
      } else {
        dims = first.vector().length;
      }
      int prefix = prefixDims != null ? prefixDims : IndexSettings.defaultPrefixDims(dims);
      IndexSettings settings = new IndexSettings(IndexSettings.DEFAULT_FIELD, dims, prefix, sim,
          maxConn, beamWidth, null, null, "none", null);
      if (encoder != null) {
        settings = settings.withModel(encoder.info().name(), encoder.info().fingerprint());
      }
      try (TextEncoder enc = encoder) {
        return run(docs, first, settings, enc, err);
      }
    }
  }

  private int run(JsonlDocuments docs, SourceDocument first, IndexSettings settings,
      TextEncoder encoder, java.io.PrintWriter err) throws Exception {
    int dims = settings.dims();
    int prefix = settings.prefixDims();
    Similarity sim = settings.similarity();
    boolean textMode = encoder != null;
    {
      Progress progress = new Progress(err, "docs", -1, docs::fractionRead);
      try (MatryoshkaWriter writer = MatryoshkaWriter.open(index, settings, overwrite);
          Indexer indexer = new Indexer(writer, textMode ? encoder::encodeDocuments : null, null,
              textMode ? modelOptions.batch * 4 : 256, commitEvery)) {
        SourceDocument d = first;
        try {
          while (d != null) {
            if (!textMode && d.vector() == null) {
              throw new IllegalArgumentException("no \"" + vectorField + "\" member");
            }
            indexer.add(d);
            progress.update(docs.line());
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
        err.printf(Locale.ROOT, "indexed %,d documents (%d dims, prefix %d, %s%s) into %s%n",
            indexer.stats().written, dims, prefix, sim,
            textMode ? ", model " + encoder.info().name() : "", index);
        if (textMode && encoder.inputsTruncated() > 0) {
          err.printf(Locale.ROOT, "%,d texts were longer than the model's %d tokens and were truncated%n",
              encoder.inputsTruncated(), encoder.info().config().maxTokens());
        }
        if (indexer.stats().skippedTotal() > 0) {
          err.println("skipped: " + indexer.stats().skipped);
        }
      }
    }
    return 0;
  }
}
