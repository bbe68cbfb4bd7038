package dev.matryoshka.cli;

import dev.matryoshka.document.SyntheticVectors;
import dev.matryoshka.index.IndexSettings;
import dev.matryoshka.index.MatryoshkaSearcher;
import dev.matryoshka.index.MatryoshkaWriter;
import dev.matryoshka.index.SimilarityName;
import dev.matryoshka.search.MatryoshkaKnnQuery;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import org.apache.lucene.index.VectorSimilarityFunction;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** {@code matryoshka demo}: the main job on the embedded default, right after cloning. */
@Command(
    name = "demo",
    mixinStandardHelpOptions = true,
    showDefaultValues = true,
    description = {
      "Index the project's test-corpus/ (240 passages) with the default text encoder,",
      "answer its queries, and compare the index path with exact search.",
      "--synthetic: the same on synthetic Matryoshka-like vectors, without a model."
    })
public final class DemoCommand implements Callable<Integer> {

  @Spec CommandSpec spec;

  @Option(names = "--index", paramLabel = "DIR", description = "Where to write the demo index (default: a temp dir).")
  Path index;

  @Option(names = "--docs", defaultValue = "20000", description = "Number of synthetic documents (--synthetic).")
  int docs;

  @Option(names = "--dims", defaultValue = "256", description = "Full dimensions (--synthetic).")
  int dims;

  @Option(names = "--prefix-dims", defaultValue = "32", description = "Prefix dimensions in the graph (--synthetic; text: what index picks for the model).")
  int prefixDims;

  @Option(names = "--synthetic", description = "Demo on synthetic vectors instead of text (no model needed).")
  boolean synthetic;

  @Option(names = "--corpus", paramLabel = "DIR", description = "BEIR folder to index (default: the project's test-corpus/).")
  Path corpus;

  @picocli.CommandLine.Mixin ModelOptions modelOptions;

  @Override
  public Integer call() throws Exception {
    return synthetic ? synthetic() : TextDemo.run(this);
  }

  private int synthetic() throws Exception {
    var out = spec.commandLine().getOut();
    Path dir = index != null ? index : Files.createTempDirectory("matryoshka-demo");
    float[][] vecs = SyntheticVectors.generate(docs, dims, 64, 42L);
    out.printf(Locale.ROOT, "Indexing %,d synthetic %d-dim vectors (prefix %d in HNSW) into %s%n", docs, dims, prefixDims, dir);
    IndexSettings settings = IndexSettings.forVectors(dims, prefixDims, SimilarityName.COSINE);
    Progress p = new Progress(spec.commandLine().getErr(), "docs", docs, null);
    try (MatryoshkaWriter w = MatryoshkaWriter.open(dir, settings, true)) {
      for (int i = 0; i < vecs.length; i++) {
        w.add("doc-" + i, vecs[i], Map.of());
        p.update(i + 1);
      }
      w.commit(Map.of());
    }
    p.finish();
    float[][] queries = SyntheticVectors.generate(20, dims, 64, 4242L);
    try (MatryoshkaSearcher s = MatryoshkaSearcher.open(dir)) {
      for (float oversample : new float[] {1, 4, 10, 20}) {
        double recall = 0;
        long nanos = 0;
        for (float[] q : queries) {
          long t0 = System.nanoTime();
          var hits = s.search(q, 10, oversample, null);
          nanos += System.nanoTime() - t0;
          Set<String> got = new HashSet<>();
          hits.forEach(h -> got.add(h.id()));
          int n = 0;
          for (int t : exactTop10(vecs, q)) if (got.contains("doc-" + t)) n++;
          recall += n / 10.0;
        }
        double ms = nanos / 1e6 / queries.length;
        out.printf(Locale.ROOT, "oversample %4.0f  candidates %3d  recall@10 %.3f  %.2f ms/query (first queries include JIT warm-up)%n",
            oversample, MatryoshkaKnnQuery.candidates(10, oversample), recall / queries.length, ms);
      }
      out.println("Top 5 for the first query (id, full-dimension cosine score):");
      for (var h : s.search(queries[0], 5, 10, null)) {
        out.printf(Locale.ROOT, "  %-10s %.5f%n", h.id(), h.score());
      }
    }
    return 0;
  }

  private static int[] exactTop10(float[][] docs, float[] q) {
    Integer[] ids = new Integer[docs.length];
    float[] s = new float[docs.length];
    for (int i = 0; i < docs.length; i++) {
      ids[i] = i;
      s[i] = VectorSimilarityFunction.COSINE.compare(q, docs[i]);
    }
    java.util.Arrays.sort(ids, (a, b) -> Float.compare(s[b], s[a]));
    int[] top = new int[10];
    for (int i = 0; i < 10; i++) top[i] = ids[i];
    return top;
  }
}
