package dev.matryoshka.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.matryoshka.encode.Models;
import dev.matryoshka.index.SimilarityName;
import dev.matryoshka.reindex.DocumentEncoder;
import dev.matryoshka.reindex.ReindexOptions;
import dev.matryoshka.reindex.Reindexer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code matryoshka reindex}: files, Lucene/Matryoshka indexes or OpenSearch → Matryoshka index or OpenSearch. */
@Command(
    name = "reindex",
    mixinStandardHelpOptions = true,
    showDefaultValues = true,
    description = {
      "Copy documents into a Matryoshka index or an OpenSearch index with the plugin.",
      "SOURCE: JSONL/BEIR file (UTF-8, .gz accepted; not standard input: the file is read twice),",
      "Lucene or Matryoshka index folder, or http://host:port/INDEX.",
      "TARGET: index folder, or http://host:port/INDEX.",
      "Full vectors in the source are reused as they are, without loading a model:",
      "prefix dims, similarity or adapter change without re-encoding.",
      "A checkpoint is committed with the data every --commit-every documents; rerun",
      "the same command after a crash to continue from the last commit.",
      "Documents are keyed by id: nothing is duplicated."
    })
public final class ReindexCommand implements Callable<Integer> {

  @Spec CommandSpec spec;

  @Option(names = "--from", required = true, paramLabel = "SOURCE", description = "Where documents come from.")
  String from;

  @Option(names = "--to", required = true, paramLabel = "TARGET", description = "Where documents go.")
  String to;

  @Mixin TargetIndexOptions target;

  // not shared with index: no default here, so that the source's similarity carries over
  @Option(names = "--similarity", paramLabel = "SIM",
      description = "cosine, dot, euclidean or mip (default: the source's, else cosine).")
  String similarity;

  @Mixin DocumentFieldOptions fields;

  // not shared with index: no default here, so that the source index's vector field is found
  @Option(names = "--vector-field", paramLabel = "NAME",
      description = "Vector field/member (default: the source's vector field, \"vector\" in JSONL).")
  String vectorField;

  @Option(names = "--reencode", description = "Encode the text even when the source has vectors.")
  boolean reencode;

  @Option(names = "--adapter", paramLabel = "FILE", description = "Adapter file applied to every vector written.")
  Path adapter;

  @Mixin ModelOptions modelOptions;

  // not shared with index (50,000 there): each commit is a checkpoint a crashed run resumes from
  @Option(names = "--commit-every", defaultValue = "10000", paramLabel = "N",
      description = "Documents between commits (checkpoints).")
  int commitEvery;

  @Option(names = "--force-merge", negatable = true, defaultValue = "true", fallbackValue = "true",
      description = "Merge the target to one segment at the end (default: ${DEFAULT-VALUE}); "
          + "then a resumed reindex answers queries exactly as a one-shot one. --no-force-merge skips it.")
  boolean forceMerge;

  @Option(names = "--strict", description = "Fail on a document without id, text or valid vector instead of skipping it.")
  boolean strict;

  @Option(names = "--max-retries", defaultValue = "5", paramLabel = "N",
      description = "Retries of an OpenSearch request that fails transiently (unreachable, 429, 502-504).")
  int maxRetries;

  @Option(names = "--retry-backoff-ms", defaultValue = "500", paramLabel = "MS",
      description = "First retry delay; doubles each retry (at most 30 s).")
  long backoffMs;

  @Option(names = "--json", description = "Print the summary as JSON on stdout.")
  boolean json;

  @picocli.CommandLine.Mixin CalibrationOptions calibration;

  @Override
  public Integer call() throws Exception {
    var err = spec.commandLine().getErr();
    try {
      calibration.check();
    } catch (IllegalArgumentException e) {
      throw new picocli.CommandLine.ParameterException(spec.commandLine(), e.getMessage());
    }
    if (IndexCommand.STDIN.equals(from)) {
      throw new picocli.CommandLine.ParameterException(spec.commandLine(), "--from - (standard input) is not "
          + "supported: reindex reads a file twice (to probe it) and resumes a stopped run by line number; "
          + "save the input to a file, or use index --input -");
    }
    if (!isUrl(to)) {
      TargetIndexOptions.checkDirectory("--to", Path.of(to));
    }
    ReindexOptions o = new ReindexOptions()
        .prefixDims(target.prefixDims)
        .prefixEncoding(target.encoding())
        .similarity(similarity == null ? null : SimilarityName.parse(similarity))
        .idField(fields.idField).textField(fields.textField).vectorField(vectorField)
        .reencode(reencode).adapter(adapter)
        .batch(Math.max(256, modelOptions.batch * 4))
        .commitEvery(commitEvery).overwrite(target.overwrite).strict(strict).forceMerge(forceMerge)
        .maxRetries(maxRetries).backoff(Duration.ofMillis(backoffMs));
    String model = modelOptions.modelOr(Models.DEFAULT_MODEL);
    Progress[] progress = new Progress[1];
    double[] frac = {-1};
    Reindexer.Listener listener = new Reindexer.Listener() {
      @Override
      public void log(String line) {
        err.println(line);
        err.flush();
      }

      @Override
      public void progress(long readThisRun, double fraction) {
        if (progress[0] == null) {
          progress[0] = new Progress(err, "docs", -1, () -> frac[0]);
        }
        frac[0] = fraction;
        progress[0].update(readThisRun);
      }
    };
    Reindexer.Summary s = new Reindexer(o, DocumentEncoder.models(model, modelOptions.options()), listener).run(from, to);
    if (progress[0] != null) {
      progress[0].finish();
    }
    var t = s.totals();
    err.printf(Locale.ROOT, "reindexed %s -> %s in %.1f s: this run read %,d, wrote %,d (%,.0f docs/s)%s%n",
        from, to, s.seconds(), s.readThisRun(), s.writtenThisRun(), s.readThisRun() / Math.max(s.seconds(), 1e-9),
        s.resumedFrom() == null ? "" : ", resumed after position " + s.resumedFrom());
    err.printf(Locale.ROOT, "total: read %,d, written %,d, skipped %,d%s; encoder %s%n",
        t.read(), t.written(), t.skippedTotal(), t.skipped().isEmpty() ? "" : " " + t.skipped(),
        s.encoderLoaded() ? "loaded (" + s.settings().modelName() + ")" : "not loaded");
    dev.matryoshka.search.Calibration cal = null;
    if (!calibration.skip && calibration.queries != null && isLocalIndex(to)) {
      // the user's own queries: an index-wide oversample measured on them
      cal = calibration.runWithIndexModel(java.nio.file.Path.of(to), modelOptions, err, false);
    } else if (isLocalIndex(to)) {
      SegmentCalibrations.print(java.nio.file.Path.of(to), err);
    }
    if (json) {
      ObjectNode n = new ObjectMapper().createObjectNode();
      n.put("from", from).put("to", to).put("read", t.read()).put("written", t.written())
          .put("skipped_total", t.skippedTotal()).put("read_this_run", s.readThisRun())
          .put("written_this_run", s.writtenThisRun()).put("seconds", s.seconds())
          .put("encoder_loaded", s.encoderLoaded()).put("dims", s.settings().dims())
          .put("prefix_dims", s.settings().prefixDims()).put("resumed_from", s.resumedFrom());
      if (cal != null) {
        n.set("calibration", dev.matryoshka.index.CalibrationJson.toJsonNode(cal));
      }
      ObjectNode sk = n.putObject("skipped");
      t.skipped().forEach(sk::put);
      spec.commandLine().getOut().println(n);
    }
    return 0;
  }

  private static boolean isUrl(String place) {
    return place.startsWith("http://") || place.startsWith("https://");
  }

  /** Whether the target is a folder holding a Matryoshka index (not an OpenSearch URL). */
  private static boolean isLocalIndex(String to) {
    if (isUrl(to)) {
      return false;
    }
    java.nio.file.Path p = java.nio.file.Path.of(to);
    try (var dir = org.apache.lucene.store.FSDirectory.open(p)) {
      return java.nio.file.Files.isDirectory(p) && org.apache.lucene.index.DirectoryReader.indexExists(dir)
          && dev.matryoshka.index.IndexSettings.fromUserData(
              org.apache.lucene.index.SegmentInfos.readLatestCommit(dir).getUserData()) != null;
    } catch (java.io.IOException e) {
      return false;
    }
  }
}
