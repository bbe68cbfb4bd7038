package dev.matryoshka.cli;

import dev.matryoshka.bench.Bench;
import dev.matryoshka.bench.BenchOptions;
import dev.matryoshka.bench.BenchReport;
import dev.matryoshka.bench.BenchSystem;
import dev.matryoshka.bench.JvmLauncher;
import dev.matryoshka.codec.DecodedGraphBudget;
import dev.matryoshka.encode.Models;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * {@code matryoshka bench}: recall, QPS, latency, build time and bytes of the Matryoshka systems
 * side by side with Lucene's own vector formats, over the same vectors in one run. Re-launches
 * itself with {@code -XX:+AlwaysPreTouch} (and a fixed heap) unless the JVM already has it.
 */
@Command(
    name = "bench",
    mixinStandardHelpOptions = true,
    showDefaultValues = true,
    description = "Benchmark Matryoshka search against Lucene's HNSW formats (recall vs QPS).")
public final class BenchCommand implements Callable<Integer> {

  @Spec CommandSpec spec;

  @Option(names = "--dataset", defaultValue = "synthetic",
      description = "synthetic, scifact, wikipedia (the shared 500k paragraphs: first --docs as documents, "
          + "next --queries as queries), a BEIR folder, a .fvecs / JSONL (\"vector\") file, or a JSONL(.gz) text corpus.")
  String dataset;

  @Option(names = "--docs", defaultValue = "20000", description = "Documents (synthetic, file, text corpus).")
  int docs;

  @Option(names = "--dims", defaultValue = "768", description = "Dimensions (synthetic).")
  int dims;

  @Option(names = "--queries", defaultValue = "200", description = "Queries (synthetic, file, text corpus).")
  int queries;

  @Option(names = "--k", defaultValue = "10", description = "Hits per query; recall@k.")
  int k;

  // Not ModelOptions: bench's --threads are search threads (ModelOptions' are encoder threads),
  // and its --model below defaults to the named model, since bench always states what it encoded
  @Option(names = "--threads", defaultValue = "1",
      description = "Threads for the concurrent QPS column (1 = single-thread only).")
  int threads;

  @Option(names = "--passes", defaultValue = "3", description = "Timed passes; median reported.")
  int passes;

  @Option(names = "--segments", defaultValue = "4",
      description = "Segments flushed while building, then force-merged to one.")
  int segments;

  // lists, not TargetIndexOptions: bench builds one index per value
  @Option(names = "--prefix-dims", split = ",", defaultValue = "32,64,128",
      description = "Prefix lengths of matryoshka-prefix and lucene-sq-prefix-rescore.")
  List<Integer> prefixDims;

  @Option(names = "--prefix-quantization", split = ",", defaultValue = "none", paramLabel = "none|int8|int4",
      description = "Prefix encodings of matryoshka-prefix, e.g. none,int8,int4 (one index each).")
  List<String> prefixQuantization;

  @Option(names = "--lucene-prefix-bits", split = ",", defaultValue = "8,4", paramLabel = "8|4",
      description = "Bits per prefix dimension of lucene-sq-prefix-rescore (Lucene's scalar-quantized HNSW"
          + " over each --prefix-dims prefix, full-vector rerank): 8, 4 or 8,4; one index each.")
  List<Integer> lucenePrefixBits;

  @Option(names = "--oversample", split = ",", defaultValue = "1,2,3,4,6,10,20",
      description = "Oversample factors of matryoshka-prefix and lucene-sq-prefix-rescore.")
  List<Float> oversample;

  @Option(names = "--target-recall", split = ",", paramLabel = "R",
      description = "matryoshka-prefix settings that ask for a recall@k instead of an oversample "
          + "(the default path: each segment maps it to its own oversample from its calibration), "
          + "e.g. 0.9,0.95,0.97,0.99. Default: none.")
  List<Double> targetRecall = new java.util.ArrayList<>();

  @Option(names = "--k-prime", split = ",", defaultValue = "10,20,40,80,160,320",
      description = "Candidate list sizes k' of lucene-hnsw-float32.")
  List<Integer> kPrime;

  @Option(names = "--quant-oversample", split = ",", defaultValue = "1,2,3,5,10,20",
      description = "Oversample factors of the quantized + rescore systems.")
  List<Float> quantOversample;

  @Option(names = "--rerank-depth", split = ",", paramLabel = "N",
      description = "Also run each matryoshka-prefix oversample with only the best N candidates (by prefix score) "
          + "reranked at full dimension (MatryoshkaKnnQuery#rerankDepth), where N < k × oversample; e.g. 20,30.")
  List<Integer> rerankDepth = new java.util.ArrayList<>();

  @Option(names = "--funnel-dims", defaultValue = "256",
      description = "Middle stage of matryoshka-funnel (prefix 64 → this → full).")
  int funnelDims;

  @Option(names = "--systems", split = ",",
      defaultValue = "exact,lucene-hnsw-float32,lucene-hnsw-int8-rescore,"
          + "lucene-hnsw-int4-rescore,lucene-hnsw-1bit-rescore,matryoshka-prefix,matryoshka-funnel",
      description = "Systems to run, from: exact, lucene-hnsw-float32, lucene-hnsw-int8-rescore,"
          + " lucene-hnsw-int4-rescore, lucene-hnsw-1bit-rescore, matryoshka-prefix, matryoshka-funnel,"
          + " lucene-sq-prefix-rescore (Lucene's scalar-quantized HNSW over the renormalised prefix,"
          + " reranked with the full vectors; not run by default).")
  List<String> systems;

  @Option(names = "--memory-limit", paramLabel = "BYTES", defaultValue = "0",
      description = "Cap the search phase (child JVM in a memory cgroup, page cache included);"
          + " suffixes k, m, g. 0 = no cap.")
  String memoryLimit;

  @Option(names = "--search-heap", defaultValue = "160m",
      description = "Heap of the capped search JVM.")
  String searchHeap;

  @Option(names = "--decoded-graph-max-bytes", paramLabel = "BYTES",
      description = "Heap budget of the decoded prefix graphs (and their int8/int4 codes) in the searching"
          + " JVM (suffixes k, m, g); 0 = always Lucene's off-heap graph. Default: the library's, "
          + DecodedGraphBudget.DEFAULT_HEAP_PERCENT + "%% of that JVM's heap.")
  String decodedGraphMaxBytes;

  @Option(names = "--heap", defaultValue = "4g",
      description = "Heap of the benchmark JVM (fixed, pre-touched).")
  String heap;

  @Option(names = "--regime", description = "Regime label in reports (default: from the data).")
  String regime;

  @Option(names = "--work-dir", description = "Where indexes are built (default: target/bench-work).")
  Path workDir;

  @Option(names = "--cache-dir",
      description = "Cache of generated synthetic vectors (default: ~/.cache/matryoshka/bench); BEIR vectors share eval's cache.")
  Path cacheDir;

  @Option(names = "--model", defaultValue = Models.DEFAULT_MODEL,
      description = "Encoder for BEIR datasets and text corpora.")
  String model;

  @Option(names = "--adapter", defaultValue = "none", paramLabel = "KIND|FILE",
      description = "Adapter applied to documents and queries before building: none, rotation, rotation-centered "
          + "(fitted on the documents), model-rotation (shipped with a bundled model), learned, rotation-distilled (trained in-run on --train-queries query texts), "
          + "or a file from train-adapter (the supervised kinds).")
  String adapter;

  @Option(names = "--train-queries", defaultValue = "0", paramLabel = "N",
      description = "Query texts for --adapter rotation-distilled, disjoint from the test queries: "
          + "wikipedia/text corpora take the N paragraphs after the test queries, a BEIR folder its "
          + "train-split queries (judgments unused). Default: ${DEFAULT-VALUE}.")
  int trainQueries;

  @Option(names = "--rotate", description = "Same as --adapter rotation (kept for old scripts).")
  boolean rotate;

  @Option(names = "--seed", defaultValue = "42", description = "Seed of synthetic data.")
  long seed;

  @Option(names = "--clusters", defaultValue = "256", description = "Clusters of synthetic data.")
  int clusters;

  @Option(names = "--max-conn", defaultValue = "16", description = "HNSW fan-out, every system.")
  int maxConn;

  @Option(names = "--beam-width", defaultValue = "100",
      description = "HNSW construction beam, every system.")
  int beamWidth;

  @Option(names = "--json", paramLabel = "OUT", description = "Write the rows as JSON.")
  Path json;

  @Option(names = "--plot", paramLabel = "OUT.svg|png", description = "Write recall vs QPS.")
  Path plot;

  @Option(names = "--report", paramLabel = "RUN.json",
      description = "Do not benchmark: print the table and summary of a saved --json run again (and --plot it).")
  Path report;

  @Option(names = "--growth", split = ",", paramLabel = "RUN.json",
      description = "Do not benchmark: read saved --json runs of one corpus at several sizes and print how"
          + " matryoshka-prefix's CPU-QPS over the best Lucene format moves with N (at recall 0.95 and 0.98),"
          + " with a line in log N and where it points at 1M; --plot draws the ratios against N.")
  List<Path> growth;

  @Option(names = "--no-relaunch",
      description = "Run in this JVM even without -XX:+AlwaysPreTouch (timings less stable).")
  boolean noRelaunch;

  @Override
  public Integer call() throws Exception {
    if (plot != null) {
      String n = plot.getFileName().toString().toLowerCase(Locale.ROOT);
      if (!n.endsWith(".svg") && !n.endsWith(".png")) {
        throw new ParameterException(spec.commandLine(), "--plot must end in .svg or .png");
      }
    }
    if (growth != null && !growth.isEmpty()) {
      List<BenchReport> runs = new java.util.ArrayList<>();
      for (Path run : growth) {
        if (!java.nio.file.Files.isRegularFile(run)) {
          throw new ParameterException(spec.commandLine(), "--growth: no such file: " + run);
        }
        BenchReport r = BenchReport.readJson(run);
        if (r.docs() <= 0) {
          throw new ParameterException(spec.commandLine(), "--growth: " + run + " has no meta.docs");
        }
        runs.add(r);
      }
      spec.commandLine().getOut().print(BenchReport.growth(runs, BenchSystem.MATRYOSHKA_PREFIX.label(),
          new double[] {0.95, 0.98}, plot));
      if (plot != null) {
        spec.commandLine().getOut().println("plot: " + plot);
      }
      return 0;
    }
    if (report != null) {
      if (!java.nio.file.Files.isRegularFile(report)) {
        throw new ParameterException(spec.commandLine(), "--report: no such file: " + report);
      }
      write(BenchReport.readJson(report));
      return 0;
    }
    BenchOptions o = options();
    if (!JvmLauncher.preTouching() && !noRelaunch) {
      // the parse result holds the whole command line, "bench" included
      List<String> args = spec.commandLine().getParseResult().originalArgs();
      List<String> cmd = JvmLauncher.childCommand(heap, Main.class.getName(), args);
      spec.commandLine().getErr().println("bench: re-launching with " + JvmLauncher.PRE_TOUCH
          + " -Xms" + heap + " -Xmx" + heap);
      return new ProcessBuilder(cmd).inheritIO().start().waitFor();
    }
    PrintWriter err = spec.commandLine().getErr();
    err.println("bench: JVM " + Runtime.version() + " flags "
        + java.lang.management.ManagementFactory.getRuntimeMXBean().getInputArguments());
    err.println("bench: SIMD (Panama vector API) " + Bench.vectorization());
    err.flush();
    write(Bench.run(o, err));
    return 0;
  }

  /** The table and summary on stdout, then --json and --plot when given. */
  private void write(BenchReport r) throws java.io.IOException {
    PrintWriter out = spec.commandLine().getOut();
    out.println(r.table());
    out.println(r.summary());
    out.flush();
    if (json != null) {
      r.writeJson(json);
    }
    if (plot != null) {
      r.writePlot(plot);
    }
  }

  private BenchOptions options() {
    try {
      String home = System.getProperty("matryoshka.home", ".");
      Path work = workDir != null ? workDir : Path.of(home, "target", "bench-work");
      Path cache = cacheDir != null ? cacheDir
          : Path.of(System.getProperty("user.home"), ".cache", "matryoshka", "bench");
      String reg = regime != null ? regime
          : dataset.equals("synthetic") ? "synthetic-" + dims + "d" : dataset;
      return new BenchOptions(reg, dataset, docs, dims, queries, k, threads, passes, segments,
          prefixDims, oversample, kPrime, quantOversample, funnelDims, systems,
          parseBytes("--memory-limit", memoryLimit), searchHeap, work.toString(), cache.toString(), model, rotate ? "rotation" : adapter,
          seed, clusters, maxConn, beamWidth, prefixQuantization, trainQueries, rerankDepth, lucenePrefixBits,
          decodedGraphMaxBytes == null ? -1 : parseBytes("--decoded-graph-max-bytes", decodedGraphMaxBytes),
          targetRecall);
    } catch (IllegalArgumentException e) {
      throw new ParameterException(spec.commandLine(), e.getMessage(), e);
    }
  }

  static long parseBytes(String option, String s) {
    String t = s.trim().toLowerCase(Locale.ROOT);
    long mult = 1;
    char last = t.isEmpty() ? ' ' : t.charAt(t.length() - 1);
    int shift = switch (last) {
      case 'k' -> 10;
      case 'm' -> 20;
      case 'g' -> 30;
      default -> 0;
    };
    if (shift > 0) {
      t = t.substring(0, t.length() - 1);
      mult = 1L << shift;
    }
    try {
      long bytes = Long.parseLong(t) * mult;
      if (bytes < 0) {
        throw new NumberFormatException("negative");
      }
      return bytes;
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(option + " must be bytes >= 0 (e.g. 536870912 or 512m);"
          + " got=" + s);
    }
  }

  static String systemsList() {
    return String.join(",", Arrays.stream(BenchSystem.values()).map(BenchSystem::label).toList());
  }
}
