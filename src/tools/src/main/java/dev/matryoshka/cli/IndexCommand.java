package dev.matryoshka.cli;

import dev.matryoshka.adapt.Adapter;
import dev.matryoshka.adapt.AdapterIO;
import dev.matryoshka.encode.Models;
import dev.matryoshka.encode.TextEncoder;
import dev.matryoshka.index.AdapterBuilder;
import dev.matryoshka.index.ModelRotations;
import dev.matryoshka.index.Adapters;
import dev.matryoshka.index.IndexSettings;
import dev.matryoshka.index.Indexer;
import dev.matryoshka.index.JsonlDocuments;
import dev.matryoshka.index.MatryoshkaWriter;
import dev.matryoshka.index.SimilarityName;
import dev.matryoshka.index.SourceDocument;
import dev.matryoshka.index.TextAnalysis;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.function.UnaryOperator;
import org.apache.lucene.index.DirectoryReader;
import org.apache.lucene.index.SegmentInfos;
import org.apache.lucene.store.FSDirectory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** {@code matryoshka index}: JSONL in, Matryoshka index out. */
@Command(
    name = "index",
    mixinStandardHelpOptions = true,
    showDefaultValues = true,
    description = {
      "Index JSON Lines: one object per line, UTF-8 (a byte-order mark is accepted),",
      "from a file (.gz accepted) or from standard input with --input -:",
      "  zcat corpus.jsonl.gz | matryoshka index --input - --index DIR",
      "Lines carry a precomputed vector: {\"id\": \"...\", \"vector\": [...], ...},",
      "or text to encode: BEIR {\"_id\", \"title\", \"text\"} (title + \" \" + text), or any member named by --text-field.",
      "Other string members are stored. Documents are keyed by id: indexing an id again replaces it.",
      "A line that cannot be indexed (not JSON, no id, a null or bad vector, neither",
      "vector nor text) stops the run, naming its line; the documents before it are",
      "committed."
    })
public final class IndexCommand implements Callable<Integer> {

  @Spec CommandSpec spec;

  @ParentCommand RootCommand root;

  @Option(names = "--input", required = true, paramLabel = "FILE",
      description = "JSONL input file, or - for standard input (gzip recognised by its first bytes). "
          + "The input is read once, front to back: the adapter sample (the first --adapter-sample documents) "
          + "is held in memory, so - needs no temporary file.")
  Path input;

  @Option(names = "--index", required = true, paramLabel = "DIR", description = "Index directory (created if missing).")
  Path index;

  @Mixin TargetIndexOptions target;

  // not shared with reindex: there the default is the source's similarity, here it is cosine
  @Option(names = "--similarity", defaultValue = "cosine", paramLabel = "SIM", description = "cosine, dot, euclidean or mip.")
  String similarity;

  @Option(names = "--m", defaultValue = "16", paramLabel = "M", description = "HNSW max connections per node.")
  int maxConn;

  @Option(names = "--ef-construction", defaultValue = "100", paramLabel = "N", description = "HNSW beam width while building.")
  int beamWidth;

  @Mixin DocumentFieldOptions fields;

  // not shared with reindex: there the default is the source index's vector field
  @Option(names = "--vector-field", defaultValue = "vector", paramLabel = "NAME", description = "Member holding the vector.")
  String vectorField;

  @Mixin ModelOptions modelOptions;

  @Mixin CalibrationOptions calibration;

  @Option(names = "--adapter", defaultValue = "auto", paramLabel = "KIND",
      description = "auto, none, rotation, rotation-centered, model-rotation or learned: fitted on the first --adapter-sample "
          + "documents (model-rotation: the rotation shipped with a bundled model, fitted once on general text), "
          + "stored in the index, applied to every document and query vector. auto: rotation-centered for text "
          + "encoded by a model not trained for truncation (its full-dimension scores are unchanged), or, with "
          + "fewer documents than dims, the bundled model's model-rotation; none otherwise.")
  String adapter;

  @Option(names = "--adapter-sample", defaultValue = "10000", paramLabel = "N", description = "Documents to fit the adapter on.")
  int adapterSample;

  @Option(names = "--adapter-file", paramLabel = "FILE", description = "Use an adapter made by train-adapter.")
  Path adapterFile;

  @Option(names = "--seed", defaultValue = "42", description = "Seed for a learned adapter.")
  long seed;

  @Option(names = "--analyzer", paramLabel = "NAME",
      description = "Analyser of the BM25 text field: english (default), english-minimal, standard, whitespace.")
  String analyzer;

  // not shared with reindex (10,000 there): a reindex commit is also its resume checkpoint
  @Option(names = "--commit-every", defaultValue = "50000", paramLabel = "N", description = "Commit every N documents.")
  int commitEvery;

  @Override
  public Integer call() throws Exception {
    SimilarityName sim = SimilarityName.parse(similarity);
    if (!AUTO.equals(adapter) && (!AdapterBuilder.KINDS.contains(adapter) || AdapterBuilder.needsQueries(adapter))) {
      throw new picocli.CommandLine.ParameterException(spec.commandLine(),
          "--adapter must be auto, none, rotation, rotation-centered, model-rotation or learned (supervised adapters: train-adapter, then --adapter-file); got=" + adapter);
    }
    try {
      calibration.check();
    } catch (IllegalArgumentException e) {
      throw new picocli.CommandLine.ParameterException(spec.commandLine(), e.getMessage());
    }
    if (analyzer != null) {
      TextAnalysis.analyzer(analyzer); // unknown names fail before any file is touched
    }
    TargetIndexOptions.checkDirectory("--index", index);
    PrintWriter err = spec.commandLine().getErr();
    IndexSettings existing = existingSettings();
    try (JsonlDocuments docs = openInput(err)) {
      Line first = next(docs, false);
      if (first == null) {
        throw new CliException(docs.name() + " has no documents");
      }
      TextEncoder encoder = null;
      if (first.doc().vector() == null) {
        String model = modelOptions.modelOr(existing != null && existing.modelName() != null
            ? existing.modelName() : Models.DEFAULT_MODEL);
        err.println("loading model " + model + " ...");
        encoder = Models.open(model, modelOptions.options());
      }
      try (TextEncoder enc = encoder) {
        int dims = enc != null ? enc.info().dims() : first.doc().vector().length;
        int prefix = target.prefixDims != null ? target.prefixDims
            : enc != null ? IndexSettings.defaultPrefixDims(dims, enc.info().config().trainedForTruncation())
            : IndexSettings.defaultPrefixDims(dims);
        IndexSettings settings = new IndexSettings(IndexSettings.DEFAULT_FIELD, dims, prefix, sim,
            maxConn, beamWidth, null, null, "none", null,
            target.encoding());
        if (enc != null) {
          settings = settings.withModel(enc.info().name(), enc.info().fingerprint());
        }
        return run(docs, first, settings, existing, enc, err);
      }
    }
  }

  /** The input: the file, or standard input for {@value #STDIN}. */
  private JsonlDocuments openInput(PrintWriter err) throws java.io.IOException {
    if (STDIN.equals(input.toString())) {
      err.println("reading JSON Lines from standard input ...");
      err.flush();
      return new JsonlDocuments(root.stdin(), JsonlDocuments.STDIN_NAME, fields.idField, fields.textField, vectorField);
    }
    return new JsonlDocuments(input, fields.idField, fields.textField, vectorField);
  }

  /** The --input value that reads standard input. */
  static final String STDIN = "-";

  /** A document and the line it came from, for errors found after it was read. */
  private record Line(SourceDocument doc, long number) {}

  /**
   * The next document, or null at the end; refuses a line with nothing to index, and one without
   * a vector when {@code vectorsOnly} (an input of precomputed vectors has no model to encode text).
   */
  private Line next(JsonlDocuments docs, boolean vectorsOnly) throws java.io.IOException {
    SourceDocument d = docs.next();
    if (d == null) {
      return null;
    }
    if (d.vector() == null && d.text() == null) {
      throw docs.problem(JsonlDocuments.Problem.NO_CONTENT, "has neither \"" + vectorField + "\" nor text ("
          + (fields.textField != null ? "\"" + fields.textField + "\")" : "\"title\"/\"text\", or --text-field)"));
    }
    if (vectorsOnly && d.vector() == null) {
      throw docs.problem(JsonlDocuments.Problem.NO_CONTENT, "no \"" + vectorField + "\": the input holds "
          + "precomputed vectors (its first document has one), so every document needs one");
    }
    return new Line(d, docs.line());
  }

  /** Settings of the index already at --index (null when there is none or --overwrite). */
  private IndexSettings existingSettings() throws Exception {
    if (target.overwrite || !java.nio.file.Files.isDirectory(index)) {
      return null;
    }
    try (var dir = FSDirectory.open(index)) {
      return DirectoryReader.indexExists(dir)
          ? IndexSettings.fromUserData(SegmentInfos.readLatestCommit(dir).getUserData()) : null;
    }
  }

  private int run(JsonlDocuments docs, Line first, IndexSettings settings, IndexSettings existing,
      TextEncoder enc, PrintWriter err) throws Exception {
    boolean textMode = enc != null;
    String fp = enc != null ? enc.info().fingerprint() : "precomputed-" + settings.dims();
    List<Line> head = new ArrayList<>();
    head.add(first);
    UnaryOperator<float[]> transform = UnaryOperator.identity();
    boolean explicit = adapterFile != null || !AUTO.equals(adapter);
    if (existing != null && !"none".equals(existing.adapterKind())) {
      if (explicit && !(adapterFile == null && existing.adapterKind().equals(adapter))) {
        throw new CliException("index " + index + " already has adapter " + existing.adapterKind()
            + "; it is reused when appending (pass --overwrite to rebuild with another)");
      }
      settings = settings.withAdapter(existing.adapterKind(), existing.adapterFingerprint());
      transform = Adapters.load(index, existing);
    } else if (existing != null && explicit && (adapterFile != null || !"none".equals(adapter))) {
      throw new CliException("index " + index + " has no adapter; pass --overwrite to rebuild it with one");
    }
    Adapter a = null;
    if (existing == null && !"none".equals(chosenAdapter(enc))) {
      if (adapterFile != null) {
        a = AdapterIO.read(adapterFile, fp);
      } else {
        String kind = chosenAdapter(enc);
        if (AUTO.equals(adapter)) {
          err.printf(Locale.ROOT, "model %s was not trained for truncation: %s %s adapter "
              + "(full-dimension scores unchanged; --adapter none to skip)%n", enc.info().name(),
              ModelRotations.KIND.equals(kind) ? "using its shipped" : "fitting a", kind);
        }
        a = ModelRotations.KIND.equals(kind)
            ? AdapterBuilder.build(kind, null, null, null, fp, seed, null)
            : fitAdapter(docs, head, enc, fp, kind, err);
      }
    }
    if (a != null) {
      String afp = Adapters.install(index, a);
      // the shipped rotation is a rotation-centered file; the index names where it came from
      boolean shipped = enc != null && adapterFile == null && a == ModelRotations.forFingerprint(fp);
      settings = settings.withAdapter(shipped ? ModelRotations.KIND : a.label(), afp);
      transform = a::apply;
      err.printf(Locale.ROOT, "adapter %s stored in %s%n", a.label(), index.resolve(Adapters.FILE_NAME));
    }
    Progress progress = new Progress(err, "docs", -1, docs::fractionRead);
    try (MatryoshkaWriter writer = MatryoshkaWriter.open(index, settings, target.overwrite, analyzer);
        Indexer indexer = new Indexer(writer, textMode ? enc::encodeDocuments : null, transform,
            textMode ? modelOptions.batch * 4 : 256, commitEvery)) {
      long line = 0;
      try {
        for (Line l : head) {
          line = l.number();
          indexer.add(l.doc());
        }
        for (Line l = next(docs, !textMode); l != null; l = next(docs, !textMode)) {
          line = l.number();
          indexer.add(l.doc());
          progress.update(line);
        }
      } catch (IllegalArgumentException e) {
        indexer.finish(Map.of());
        String where = e instanceof JsonlDocuments.BadLineException ? "" : docs.name() + " line " + line + ": ";
        throw new CliException(where + e.getMessage() + String.format(Locale.ROOT,
            " — the %,d documents before this line are committed", indexer.stats().written), e);
      }
      indexer.finish(Map.of());
      progress.update(docs.line());
      progress.finish();
      err.printf(Locale.ROOT, "indexed %,d documents (%d dims, prefix %d%s, %s%s, adapter %s) into %s%n",
          indexer.stats().written, settings.dims(), settings.prefixDims(),
          settings.prefixEncoding().quantized() ? " " + settings.prefixEncoding().settingName() : "",
          settings.similarity(),
          textMode ? ", model " + enc.info().name() : "", settings.adapterKind(), index);
      if (textMode && enc.inputsTruncated() > 0) {
        err.printf(Locale.ROOT, "%,d texts were longer than the model's %d tokens and were truncated%n",
            enc.inputsTruncated(), enc.info().config().maxTokens());
      }
      if (indexer.stats().skippedTotal() > 0) {
        err.println("skipped: " + indexer.stats().skipped);
      }
    }
    if (!calibration.skip && calibration.queries != null) {
      calibration.run(index, enc, err, false);
    } else {
      SegmentCalibrations.print(index, err);
    }
    return 0;
  }

  /**
   * "auto" resolves to rotation-centered for text from a model not trained for truncation (or to
   * the model's shipped rotation when the sample turns out too small: see fitAdapter).
   */
  private String chosenAdapter(TextEncoder enc) {
    if (adapterFile != null) {
      return "file";
    }
    if (!AUTO.equals(adapter)) {
      return adapter;
    }
    // first of two steps: the choice the model allows, before any document is read (the sample
    // is not known yet, so it is taken as large enough); fitAdapter applies the same rule again
    // to the sample actually read and falls back to none when it is too small for a rotation
    int sampleNotYetRead = Integer.MAX_VALUE;
    return AdapterBuilder.auto(enc != null ? enc.info() : null, sampleNotYetRead, enc != null ? enc.info().dims() : 1);
  }

  private static final String AUTO = AdapterBuilder.AUTO;

  /**
   * Reads up to --adapter-sample documents into {@code head}, encodes them once, fits the adapter
   * on their vectors; the head documents then carry their vectors so they are not encoded twice.
   */
  private Adapter fitAdapter(JsonlDocuments docs, List<Line> head, TextEncoder enc, String fp,
      String kind, PrintWriter err) throws Exception {
    // the one pass over the input: these documents are indexed from memory afterwards
    for (Line l = head.size() < adapterSample ? next(docs, enc == null) : null; l != null;
        l = head.size() < adapterSample ? next(docs, enc == null) : null) {
      head.add(l);
    }
    List<String> texts = new ArrayList<>();
    List<Integer> at = new ArrayList<>();
    for (int i = 0; i < head.size(); i++) {
      SourceDocument d = head.get(i).doc();
      if (d.vector() == null && d.text() != null && !d.text().isBlank()) {
        texts.add(d.text());
        at.add(i);
      }
    }
    err.printf(Locale.ROOT, "encoding %,d documents to fit the %s adapter ...%n", head.size(), kind);
    err.flush();
    if (enc != null && !texts.isEmpty()) {
      // in chunks, so a long fit shows progress like indexing does
      Progress p = new Progress(err, "docs (adapter sample)", texts.size(), null);
      int chunk = Math.max(64, modelOptions.batch * 8);
      for (int from = 0; from < texts.size(); from += chunk) {
        int to = Math.min(texts.size(), from + chunk);
        float[][] v = enc.encodeDocuments(texts.subList(from, to));
        for (int j = 0; j < v.length; j++) {
          Line l = head.get(at.get(from + j));
          SourceDocument d = l.doc();
          // text kept for BM25
          head.set(at.get(from + j), new Line(new SourceDocument(d.id(), v[j], d.text(), d.stored()), l.number()));
        }
        p.update(to);
      }
      p.finish();
    }
    float[][] sample = head.stream().map(Line::doc).filter(d -> d.vector() != null).map(SourceDocument::vector)
        .toArray(float[][]::new);
    int dims = sample.length > 0 ? sample[0].length : 0;
    String small = AUTO.equals(adapter) ? AdapterBuilder.auto(enc != null ? enc.info() : null, sample.length, dims) : kind;
    if (ModelRotations.KIND.equals(small)) {
      err.printf(Locale.ROOT, "%,d documents are fewer than the %,d a rotation of %d dims needs: using the "
          + "%s adapter shipped with %s instead%n", sample.length,
          dev.matryoshka.adapt.RotationAdapter.minSamples(dims), dims, ModelRotations.KIND, enc.info().name());
      return AdapterBuilder.build(ModelRotations.KIND, null, null, null, fp, seed, null);
    }
    if (AUTO.equals(adapter) && "none".equals(small)) {
      err.printf(Locale.ROOT, "no adapter: %,d documents are fewer than the %,d a rotation of %d dims needs; "
          + "the calibrated oversample makes up for the raw prefix%n", sample.length,
          dev.matryoshka.adapt.RotationAdapter.minSamples(dims), dims);
      return null;
    }
    return AdapterBuilder.build(kind, sample, null, null, fp, seed,
        dev.matryoshka.adapt.TrainingListener.printing(err));
  }
}
