package dev.matryoshka.cli;

import dev.matryoshka.adapt.Adapter;
import dev.matryoshka.adapt.AdapterIO;
import dev.matryoshka.encode.Models;
import dev.matryoshka.encode.TextEncoder;
import dev.matryoshka.eval.EmbeddingCache;
import dev.matryoshka.index.AdapterBuilder;
import dev.matryoshka.index.ModelRotations;
import dev.matryoshka.index.JsonlDocuments;
import dev.matryoshka.index.SourceDocument;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** {@code matryoshka train-adapter}: fit or learn an adapter and write it to a file. */
@Command(
    name = "train-adapter",
    mixinStandardHelpOptions = true,
    showDefaultValues = true,
    description = {
      "Fit a rotation or learn a projection that puts the model's most useful directions first,",
      "so short prefixes search well. Use the file with: index --adapter-file FILE.",
      "rotation-supervised and learned-supervised also need --queries and --qrels from a TRAIN split (never the test split);",
      "rotation-distilled needs only --queries (sample query texts, e.g. a query log; --qrels, if given, only selects which)."
    })
public final class TrainAdapterCommand implements Callable<Integer> {

  @Spec CommandSpec spec;

  @Option(names = "--input", required = true, paramLabel = "FILE", description = "Corpus JSONL (BEIR or --text-field).")
  Path input;

  @Mixin DocumentFieldOptions fields;

  @Option(names = "--kind", defaultValue = "learned", description = "rotation, rotation-centered, rotation-supervised, rotation-distilled, learned or learned-supervised.")
  String kind;

  @Option(names = "--queries", paramLabel = "FILE", description = "Train queries JSONL ({\"_id\",\"text\"}).")
  Path queries;

  @Option(names = "--qrels", paramLabel = "FILE", description = "Train qrels TSV (query-id, corpus-id, score).")
  Path qrels;

  @Option(names = "--sample", defaultValue = "20000", description = "Documents to train on (the first N after --skip).")
  int sample;

  @Option(names = "--skip", defaultValue = "0", paramLabel = "N",
      description = "Documents to pass over before the sample (e.g. to fit on the end of a file whose start is a benchmark).")
  long skip;

  @Option(names = "--seed", defaultValue = "42", description = "Training seed: the same seed gives the same file.")
  long seed;

  @Mixin ModelOptions modelOptions;

  @Option(names = "--out", required = true, paramLabel = "FILE", description = "Adapter file to write.")
  Path out;

  @Override
  public Integer call() throws Exception {
    if (!AdapterBuilder.KINDS.contains(kind) || kind.equals("none") || kind.equals(ModelRotations.KIND)) {
      throw new picocli.CommandLine.ParameterException(spec.commandLine(),
          "--kind must be rotation, rotation-centered, rotation-supervised, rotation-distilled, learned or "
              + "learned-supervised; got=" + kind);
    }
    if (AdapterBuilder.supervised(kind) && (queries == null || qrels == null)) {
      throw new picocli.CommandLine.ParameterException(spec.commandLine(),
          "--kind " + kind + " needs --queries and --qrels");
    }
    if (AdapterBuilder.needsQueries(kind) && queries == null) {
      throw new picocli.CommandLine.ParameterException(spec.commandLine(), "--kind " + kind + " needs --queries");
    }
    if (skip < 0 || sample <= 0) {
      throw new picocli.CommandLine.ParameterException(spec.commandLine(),
          "--skip must be >= 0 and --sample > 0; got --skip " + skip + ", --sample " + sample);
    }
    PrintWriter err = spec.commandLine().getErr();
    List<String> ids = new ArrayList<>();
    List<String> texts = new ArrayList<>();
    try (JsonlDocuments in = new JsonlDocuments(input, fields.idField, fields.textField, null)) {
      long passed = 0;
      for (SourceDocument d = in.next(); d != null && texts.size() < sample; d = in.next()) {
        if (passed < skip) {
          passed++;
          continue;
        }
        if (d.text() != null && !d.text().isBlank()) {
          ids.add(d.id());
          texts.add(d.text());
        }
      }
    }
    if (texts.size() < sample) {
      err.printf(Locale.ROOT, "%s has %,d documents with text after skipping %,d (asked for %,d)%n", input,
          texts.size(), skip, sample);
    }
    long t0 = System.nanoTime();
    try (TextEncoder enc = Models.open(modelOptions.modelOr(Models.DEFAULT_MODEL), modelOptions.options())) {
      String fp = enc.info().fingerprint();
      EmbeddingCache cache = EmbeddingCache.defaultCache();
      err.printf(Locale.ROOT, "encoding %,d documents with %s (cached by model fingerprint) ...%n", texts.size(), enc.info().name());
      err.flush();
      float[][] docs = cache.get(fp, "document", texts, enc::encodeDocuments);
      float[][] qv = null;
      float[][] rel = null;
      if (AdapterBuilder.supervised(kind)) {
        float[][][] pairs = pairs(enc, cache, ids, docs, err);
        qv = pairs[0];
        rel = pairs[1];
      } else if (AdapterBuilder.needsQueries(kind)) {
        List<String> sampleQueries = sampleQueries();
        err.printf(Locale.ROOT, "%,d sample queries from %s%s (texts only: no relevance is used)%n", sampleQueries.size(),
            queries, qrels == null ? "" : ", those named in " + qrels);
        qv = cache.get(fp, "query-sample", sampleQueries, enc::encodeQueries);
      }
      long t1 = System.nanoTime();
      Adapter a = AdapterBuilder.build(kind, docs, qv, rel, fp, seed,
          dev.matryoshka.adapt.TrainingListener.printing(err));
      double trainSecs = (System.nanoTime() - t1) / 1e9;
      if (out.getParent() != null) Files.createDirectories(out.getParent());
      AdapterIO.write(a, out);
      err.printf(Locale.ROOT, "wrote %s adapter (%d -> %d dims) to %s: training %.1f s, total %.1f s%n",
          a.label(), a.inputDims(), a.outputDims(), out, trainSecs, (System.nanoTime() - t0) / 1e9);
    }
    return 0;
  }

  /** The texts of --queries; with --qrels, only the queries it names (their judgments are not read). */
  private List<String> sampleQueries() throws Exception {
    java.util.Set<String> named = null;
    if (qrels != null) {
      named = new java.util.HashSet<>();
      for (String line : Files.readAllLines(qrels)) {
        String[] f = line.split("\t");
        if (f.length >= 2) named.add(f[0]);
      }
    }
    List<String> out = new ArrayList<>();
    try (JsonlDocuments in = new JsonlDocuments(queries, null, "text", null)) {
      for (SourceDocument d = in.next(); d != null; d = in.next()) {
        if ((named == null || named.contains(d.id())) && d.text() != null && !d.text().isBlank()) {
          out.add(d.text());
        }
      }
    }
    if (out.isEmpty()) {
      throw new CliException("no queries found in " + queries + (qrels == null ? "" : " named in " + qrels));
    }
    return out;
  }

  private float[][][] pairs(TextEncoder enc, EmbeddingCache cache, List<String> ids, float[][] docs,
      PrintWriter err) throws Exception {
    Map<String, String> qtext = new HashMap<>();
    try (JsonlDocuments in = new JsonlDocuments(queries, null, "text", null)) {
      for (SourceDocument d = in.next(); d != null; d = in.next()) qtext.put(d.id(), d.text());
    }
    Map<String, Integer> docAt = new HashMap<>();
    for (int i = 0; i < ids.size(); i++) docAt.put(ids.get(i), i);
    List<String> pq = new ArrayList<>();
    List<float[]> pd = new ArrayList<>();
    int lineNo = 0;
    for (String line : Files.readAllLines(qrels)) {
      lineNo++;
      String[] f = line.split("\t");
      if (f.length < 3 || (lineNo == 1 && !f[2].trim().matches("-?\\d+"))) continue; // header
      String q = qtext.get(f[0]);
      Integer d = docAt.get(f[1]);
      if (q != null && d != null && Integer.parseInt(f[2].trim()) > 0) {
        pq.add(q);
        pd.add(docs[d]);
      }
    }
    if (pq.isEmpty()) {
      throw new CliException("no (query, relevant document) pairs found in " + qrels + " for the documents in " + input);
    }
    err.printf(Locale.ROOT, "%,d training pairs from %s%n", pq.size(), qrels);
    float[][] qv = cache.get(enc.info().fingerprint(), "query-pairs", pq, enc::encodeQueries);
    return new float[][][] {qv, pd.toArray(float[][]::new)};
  }
}
