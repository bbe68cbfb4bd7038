package dev.matryoshka.bench.encoder;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.matryoshka.encode.EncoderOptions;
import dev.matryoshka.encode.ModelFiles;
import dev.matryoshka.encode.Models;
import dev.matryoshka.encode.TextEncoder;
import dev.matryoshka.index.DocumentText;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/**
 * A throughput benchmark, not a test: documents per second of the ONNX encoder ({@link
 * Models#open}, one encoder per batch size) against plain ONNX Runtime calls ({@link
 * OnnxRuntimeBaseline}: a session and tokenizer of its own on the same model files, same session
 * settings), in input order, padded per batch (what a straightforward caller would write). The
 * difference is what length sorting and concurrent batches buy. With {@code --langchain4j}, also
 * langchain4j's own {@code embedAll} on the same texts ({@code bin/bench-encoder} puts it on the
 * class path).
 *
 * <pre>{@code
 * java --add-modules jdk.incubator.vector -cp ... dev.matryoshka.bench.encoder.EncoderThroughput \
 *   --input corpus.jsonl [--model bge-small-en-v1.5] [--n 1000] [--threads 2] [--batches 1,64]
 * }</pre>
 *
 * <p>Input is JSONL with {@code title} and {@code text} (BEIR style); each document is {@link
 * DocumentText#of}. Timings are printed, never asserted.
 */
@Command(
    name = "bench-encoder",
    mixinStandardHelpOptions = true,
    showDefaultValues = true,
    description = "Encoder throughput: our encoder vs raw ONNX Runtime (and langchain4j), same texts, one JVM.")
public final class EncoderThroughput implements Callable<Integer> {

  @Spec CommandSpec spec;

  @Option(names = "--input", required = true, paramLabel = "FILE.jsonl", description = "BEIR-style JSONL (title, text).")
  Path input;

  @Option(names = "--model", defaultValue = Models.DEFAULT_MODEL, paramLabel = "NAME|DIR", description = "Encoder.")
  String model;

  @Option(names = "--n", defaultValue = "1000", paramLabel = "N", description = "Documents (the first N with text).")
  int n;

  @Option(names = "--threads", defaultValue = "2", paramLabel = "N", description = "ONNX Runtime intra-op threads.")
  int threads;

  @Option(names = "--batches", split = ",", defaultValue = "1,64", paramLabel = "B", description = "Batch sizes to time.")
  List<Integer> batches;

  @Option(names = "--langchain4j", arity = "0..1", fallbackValue = "true", defaultValue = "false",
      description = "Also time langchain4j's embedAll (needs its jars on the class path).")
  boolean langchain4j;

  /** Runs the benchmark; see the class javadoc for the arguments. */
  public static void main(String[] args) {
    System.exit(new CommandLine(new EncoderThroughput()).execute(args));
  }

  @Override
  public Integer call() throws Exception {
    PrintWriter out = spec.commandLine().getOut();
    List<String> docs = readDocs(input, n);
    List<String> warmUp = docs.subList(0, Math.min(16, docs.size()));
    // the baseline gets a session and tokenizer of its own: the encoder does not lend out its
    // native handles, which its close() frees
    ModelFiles files = Models.files(model);
    String name = files.config().name();
    try (OnnxRuntimeBaseline raw = OnnxRuntimeBaseline.open(files)) {
      raw.run(warmUp, 8); // first calls pay for graph optimisation and allocator growth
      long truncated = 0;
      for (int i = 0; i < batches.size(); i++) {
        int b = batches.get(i);
        long t0 = System.nanoTime();
        try (TextEncoder enc = open(b)) {
          if (i == 0) {
            out.printf(
                Locale.ROOT, "model=%s docs=%d intra_op_threads=%d load_seconds=%.2f%n",
                name, docs.size(), threads, (System.nanoTime() - t0) / 1e9);
          }
          enc.encodeDocuments(warmUp);
          long truncatedBefore = enc.inputsTruncated();
          long s = System.nanoTime();
          enc.encodeDocuments(docs);
          double ours = docs.size() / ((System.nanoTime() - s) / 1e9);
          truncated += enc.inputsTruncated() - truncatedBefore;
          s = System.nanoTime();
          raw.run(docs, b);
          double base = docs.size() / ((System.nanoTime() - s) / 1e9);
          out.printf(
              Locale.ROOT,
              "batch=%d encoder_docs_per_s=%.1f raw_onnx_docs_per_s=%.1f ratio=%.2f%n",
              b, ours, base, ours / base);
          out.flush();
        }
      }
      if (langchain4j) {
        // same texts, same machine, same run: our encoder at batch 32 vs langchain4j's embedAll,
        // alternated three times (the machine's load drifts), best of each
        Object l4j = Langchain4jBaseline.load(name);
        double ours = 0;
        double theirs = 0;
        try (TextEncoder enc = open(32)) {
          enc.encodeDocuments(warmUp);
          for (int round = 0; round < 3; round++) {
            long s = System.nanoTime();
            enc.encodeDocuments(docs);
            ours = Math.max(ours, docs.size() / ((System.nanoTime() - s) / 1e9));
            theirs = Math.max(theirs, Langchain4jBaseline.docsPerSecond(l4j, docs));
          }
        }
        out.printf(Locale.ROOT,
            "langchain4j_embedAll_docs_per_s=%.2f encoder_batch32_docs_per_s=%.2f ratio=%.2f%n",
            theirs, ours, ours / theirs);
      }
      out.printf(Locale.ROOT, "truncated_per_pass=%d%n", truncated / Math.max(1, batches.size()));
      out.flush();
    }
    return 0;
  }

  /**
   * An encoder at one batch size, opened as an application opens it. One at a time: each holds a
   * session and worker threads of its own.
   */
  private TextEncoder open(int batchSize) throws IOException {
    return Models.open(model, EncoderOptions.defaults().withIntraOpThreads(threads).withBatchSize(batchSize));
  }

  static List<String> readDocs(Path jsonl, int n) throws IOException {
    ObjectMapper json = new ObjectMapper();
    List<String> docs = new ArrayList<>();
    try (BufferedReader r = Files.newBufferedReader(jsonl, StandardCharsets.UTF_8)) {
      String line;
      while (docs.size() < n && (line = r.readLine()) != null) {
        if (line.isBlank()) {
          continue;
        }
        JsonNode d = json.readTree(line);
        String text = DocumentText.of(d.path("title").asText(""), d.path("text").asText(""));
        if (!text.isEmpty()) {
          docs.add(text);
        }
      }
    }
    if (docs.isEmpty()) {
      throw new IOException("no documents with title or text in " + jsonl);
    }
    return docs;
  }
}
