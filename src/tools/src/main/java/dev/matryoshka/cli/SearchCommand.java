package dev.matryoshka.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.matryoshka.index.Adapters;
import dev.matryoshka.index.JsonlDocuments;
import dev.matryoshka.index.MatryoshkaSearcher;
import dev.matryoshka.index.TextSearcher;
import dev.matryoshka.search.MatryoshkaKnnQuery;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** {@code matryoshka search}: top k of an index for a query vector. */
@Command(
    name = "search",
    mixinStandardHelpOptions = true,
    showDefaultValues = true,
    description = "Search an index: prefix graph for k x oversample candidates, full-vector rerank, top k.")
public final class SearchCommand implements Callable<Integer> {

  @Spec CommandSpec spec;

  @Option(names = "--index", required = true, paramLabel = "DIR", description = "Index directory.")
  Path index;

  static final class QueryInput {
    @Option(names = "--vector-json", paramLabel = "JSON", description = "Query vector as a JSON array, in the model's space: the index's adapter, "
        + "if it has one, is applied to it as to the documents.")
    String vectorJson;

    @Option(names = "--query", paramLabel = "TEXT", description = "Query text, encoded with the index's model.")
    String text;
  }

  @ArgGroup(exclusive = true, multiplicity = "1")
  QueryInput query;

  @Option(names = "--k", defaultValue = "10", paramLabel = "K", description = "Number of hits.")
  int k;

  @Option(names = "--oversample", paramLabel = "F",
      description = "Candidates = ceil(k x F) in every segment (default: each segment's own oversample for "
          + "recall@10 " + MatryoshkaKnnQuery.DEFAULT_TARGET_RECALL + ", from the calibration the codec stored with it; "
          + "an index-wide oversample stored by 'tune' wins).")
  Float oversample;

  @picocli.CommandLine.Mixin ModelOptions modelOptions;

  @Option(names = "--mode", defaultValue = "vector", description = "vector, bm25 or hybrid (BM25 + vector fused).")
  String mode;

  @Option(names = "--fusion", defaultValue = "rrf", description = "Hybrid fusion: rrf (k=60) or linear.")
  String fusion;

  @Option(names = "--weight", defaultValue = "0.5", description = "Linear fusion: weight of the vector side.")
  double weight;

  @Option(names = "--depth", defaultValue = "100", description = "Hybrid: hits taken from each side before fusing.")
  int depth;

  @Option(names = "--json", description = "Print {\"hits\":[{\"id\",\"score\"}]} on stdout.")
  boolean json;

  @Override
  public Integer call() throws Exception {
    try {
      // checks k and oversample before opening anything
      MatryoshkaKnnQuery.candidates(k, oversample == null ? 1f : oversample);
    } catch (IllegalArgumentException e) {
      throw new picocli.CommandLine.ParameterException(spec.commandLine(), e.getMessage());
    }
    if (!List.of("vector", "bm25", "hybrid").contains(mode)) {
      throw new picocli.CommandLine.ParameterException(spec.commandLine(),
          "--mode must be vector, bm25 or hybrid; got=" + mode);
    }
    if (!mode.equals("vector") && query.text == null) {
      throw new picocli.CommandLine.ParameterException(spec.commandLine(), "--mode " + mode + " needs --query TEXT");
    }
    if (mode.equals("bm25")) {
      try (MatryoshkaSearcher s = MatryoshkaSearcher.open(index)) {
        long t0 = System.nanoTime();
        var hits = s.bm25(query.text, k, null);
        if (hits.isEmpty() && s.bm25Query(query.text) == null) {
          spec.commandLine().getErr().println("note: query has no searchable terms after analysis");
        }
        print(s, hits, (System.nanoTime() - t0) / 1e6);
      }
      return 0;
    }
    if (query.text != null) {
      try (TextSearcher ts = TextSearcher.open(index, modelOptions.model, modelOptions.options())) {
        long t0 = System.nanoTime();
        List<MatryoshkaSearcher.Hit> hits;
        if (mode.equals("hybrid")) {
          var r = ts.hybrid(query.text, k, oversampleFor(ts.vectors()), null, fusion, weight, depth);
          if (r.note() != null) spec.commandLine().getErr().println("note: " + r.note());
          hits = r.hits();
        } else {
          hits = ts.search(query.text, k, oversampleFor(ts.vectors()), null);
        }
        print(ts.vectors(), hits, (System.nanoTime() - t0) / 1e6);
      }
      return 0;
    }
    float[] q = JsonlDocuments.parseVector(query.vectorJson, "--vector-json");
    try (MatryoshkaSearcher s = MatryoshkaSearcher.open(index)) {
      // the documents went through the adapter at index time, so the query must too
      q = Adapters.load(index, s.settings()).apply(q);
      long t0 = System.nanoTime();
      List<MatryoshkaSearcher.Hit> hits = s.search(q, k, oversampleFor(s), null);
      double ms = (System.nanoTime() - t0) / 1e6;
      print(s, hits, ms);
    }
    return 0;
  }

  /** The caller's oversample when given (it always wins), else the index's calibrated default. */
  private float oversampleFor(MatryoshkaSearcher s) {
    return oversample != null ? oversample : s.defaultOversample();
  }

  void print(MatryoshkaSearcher s, List<MatryoshkaSearcher.Hit> hits, double ms) throws Exception {
    var out = spec.commandLine().getOut();
    if (json) {
      ObjectMapper om = new ObjectMapper();
      ObjectNode root = om.createObjectNode();
      ArrayNode arr = root.putArray("hits");
      for (var h : hits) {
        arr.addObject().put("id", h.id()).put("score", h.score());
      }
      out.println(om.writeValueAsString(root));
    } else {
      out.printf(Locale.ROOT, "%d hits in %.1f ms%n", hits.size(), ms);
      int rank = 1;
      for (var h : hits) {
        var stored = s.stored(h.doc());
        String label = stored.getOrDefault("title", stored.getOrDefault("text", ""));
        if (label.length() > 90) label = label.substring(0, 87) + "...";
        out.printf(Locale.ROOT, "%3d  %.5f  %-16s %s%n", rank++, h.score(), h.id(), label);
      }
    }
    out.flush();
  }
}
