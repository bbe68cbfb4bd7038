package dev.matryoshka.bench;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;

/**
 * Entry point of the memory-capped search process: reads a {@link Plan}, runs {@link
 * SearchPhase} and writes the results as JSON. Started by {@link Bench} inside a {@link
 * MemoryCgroup}; not meant to be run by hand.
 */
public final class SearchWorker {

  /**
   * What the child searches.
   *
   * @param options the run's options
   * @param indexes the built indexes
   * @param queriesFile query vectors (bench cache format)
   * @param truth exact top-k ordinals per query
   */
  public record Plan(BenchOptions options, List<BuiltIndex> indexes, String queriesFile,
      int[][] truth) {}

  private SearchWorker() {}

  /** {@code SearchWorker PLAN.json OUT.json}. */
  public static void main(String[] args) throws Exception {
    ObjectMapper om = new ObjectMapper();
    Plan plan = om.readValue(Path.of(args[0]).toFile(), Plan.class);
    float[][] queries = BenchData.readCache(Path.of(plan.queriesFile()));
    PrintWriter err = new PrintWriter(System.err, true);
    List<SearchPhase.Result> results =
        SearchPhase.run(plan.options(), plan.indexes(), queries, plan.truth(), err);
    om.writeValue(Path.of(args[1]).toFile(), results);
  }

  static List<SearchPhase.Result> readResults(Path file) throws java.io.IOException {
    ObjectMapper om = new ObjectMapper();
    om.enable(com.fasterxml.jackson.core.JsonParser.Feature.ALLOW_NON_NUMERIC_NUMBERS);
    return om.readValue(file.toFile(), new TypeReference<>() {});
  }
}
