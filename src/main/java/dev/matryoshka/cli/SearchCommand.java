package dev.matryoshka.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.matryoshka.index.JsonlDocuments;
import dev.matryoshka.index.MatryoshkaSearcher;
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
    @Option(names = "--vector-json", paramLabel = "JSON", description = "Query vector as a JSON array.")
    String vectorJson;
  }

  @ArgGroup(exclusive = true, multiplicity = "1")
  QueryInput query;

  @Option(names = "--k", defaultValue = "10", paramLabel = "K", description = "Number of hits.")
  int k;

  @Option(names = "--oversample", paramLabel = "F",
      description = "Candidates = ceil(k x F) (default: " + MatryoshkaKnnQuery.DEFAULT_OVERSAMPLE + ").")
  Float oversample;

  @Option(names = "--json", description = "Print {\"hits\":[{\"id\",\"score\"}]} on stdout.")
  boolean json;

  @Override
  public Integer call() throws Exception {
    float os = oversample == null ? MatryoshkaKnnQuery.DEFAULT_OVERSAMPLE : oversample;
    try {
      MatryoshkaKnnQuery.candidates(k, os); // checks k and oversample before opening anything
    } catch (IllegalArgumentException e) {
      throw new picocli.CommandLine.ParameterException(spec.commandLine(), e.getMessage());
    }
    float[] q = JsonlDocuments.parseVector(query.vectorJson, "--vector-json");
    try (MatryoshkaSearcher s = MatryoshkaSearcher.open(index)) {
      long t0 = System.nanoTime();
      List<MatryoshkaSearcher.Hit> hits = s.search(q, k, os, null);
      double ms = (System.nanoTime() - t0) / 1e6;
      print(s, hits, ms);
    }
    return 0;
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
