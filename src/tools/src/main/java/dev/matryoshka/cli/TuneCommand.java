package dev.matryoshka.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.matryoshka.index.IndexSettings;
import dev.matryoshka.index.MatryoshkaSearcher;
import dev.matryoshka.search.Calibration;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/** {@code matryoshka tune}: recalibrate the default oversample of an existing index. */
@Command(
    name = "tune",
    mixinStandardHelpOptions = true,
    showDefaultValues = true,
    description = {
      "Measure the smallest oversample at which the index path finds what exact full-dimension search finds",
      "(recall@k >= --target-recall) and store it in the index: searches that give no --oversample use it.",
      "Queries: --queries FILE, else pseudo-queries made from the stored text (encoded as queries with the",
      "index's model), else sampled document vectors. Nothing is re-encoded; documents are not touched.",
      "Prints the OpenSearch mapping line for an index built from the same corpus."
    })
public final class TuneCommand implements Callable<Integer> {

  @Spec CommandSpec spec;

  @Option(names = "--index", required = true, paramLabel = "DIR", description = "Index directory.")
  Path index;

  @Mixin CalibrationOptions calibration;

  @Mixin ModelOptions modelOptions;

  @Option(names = "--json", description = "Print the calibration as JSON on stdout.")
  boolean json;

  @Override
  public Integer call() throws Exception {
    try {
      calibration.check();
    } catch (IllegalArgumentException e) {
      throw new ParameterException(spec.commandLine(), e.getMessage());
    }
    if (calibration.skip) {
      throw new ParameterException(spec.commandLine(), "--no-calibrate makes no sense for tune");
    }
    if (!Files.isDirectory(index)) {
      throw new CliException("index directory does not exist: " + index);
    }
    PrintWriter err = spec.commandLine().getErr();
    IndexSettings settings;
    try (MatryoshkaSearcher s = MatryoshkaSearcher.open(index)) {
      settings = s.settings();
    }
    Calibration c = calibration.runWithIndexModel(index, modelOptions, err, true);
    PrintWriter out = spec.commandLine().getOut();
    if (json) {
      out.println(new ObjectMapper().writerWithDefaultPrettyPrinter().writeValueAsString(dev.matryoshka.index.CalibrationJson.toJsonNode(c)));
    } else {
      out.println("oversample  recall@" + c.k());
      for (Calibration.Point p : c.curve()) {
        out.printf(Locale.ROOT, "%10s  %.4f%s%n", Calibration.format(p.oversample()), p.recall(),
            p.oversample() == c.oversample() ? "  <- chosen" : "");
      }
      out.println("OpenSearch mapping for an index built from the same corpus and model:");
      out.println("  " + mappingLine(settings, c));
    }
    out.flush();
    return 0;
  }

  /** The {@code matryoshka_vector} mapping that reproduces this index's settings on a node. */
  static String mappingLine(IndexSettings st, Calibration c) {
    StringBuilder b = new StringBuilder();
    b.append("\"").append(st.field()).append("\": {\"type\": \"matryoshka_vector\", \"dims\": ")
        .append(st.dims()).append(", \"prefix_dims\": ").append(st.prefixDims())
        .append(", \"similarity\": \"").append(st.similarity().openSearchName()).append("\"");
    if (st.modelName() != null) {
      b.append(", \"model\": \"").append(st.modelName()).append("\"");
    }
    if (!"none".equals(st.adapterKind())) {
      b.append(", \"adapter\": \"NAME\"");
    }
    b.append(", \"oversample\": ").append(Calibration.format(c.oversample())).append("}");
    if (!"none".equals(st.adapterKind())) {
      b.append("\n  (copy this index's matryoshka-adapter.bin to config/matryoshka/adapters/NAME.bin on every node)");
    }
    return b.toString();
  }
}
