package dev.matryoshka.cli;

import dev.matryoshka.encode.Models;
import dev.matryoshka.encode.TextEncoder;
import dev.matryoshka.eval.BeirDataset;
import dev.matryoshka.eval.ExactRetrieval;
import dev.matryoshka.eval.Metrics;
import dev.matryoshka.eval.RetrievalEvaluator;
import dev.matryoshka.index.IndexSettings;
import dev.matryoshka.index.Indexer;
import dev.matryoshka.index.MatryoshkaWriter;
import dev.matryoshka.index.SimilarityName;
import dev.matryoshka.index.SourceDocument;
import dev.matryoshka.index.TextSearcher;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** The text demo: index test-corpus/, answer its queries, compare with exact search. */
final class TextDemo {
  private TextDemo() {}

  static Path defaultCorpus() {
    String home = System.getProperty("matryoshka.home");
    Path base = home != null ? Path.of(home) : Path.of("");
    return base.resolve("test-corpus");
  }

  static int run(DemoCommand cmd) throws Exception {
    var out = cmd.spec.commandLine().getOut();
    var err = cmd.spec.commandLine().getErr();
    Path corpusDir = cmd.corpus != null ? cmd.corpus : defaultCorpus();
    if (!Files.isRegularFile(corpusDir.resolve("corpus.jsonl"))) {
      throw new CliException("no corpus.jsonl in " + corpusDir.toAbsolutePath()
          + " (run from the project folder, or pass --corpus DIR)");
    }
    BeirDataset ds = BeirDataset.load(corpusDir, "test");
    Path dir = cmd.index != null ? cmd.index : Files.createTempDirectory("matryoshka-demo");
    String model = cmd.modelOptions.modelOr(Models.DEFAULT_MODEL);
    out.printf(Locale.ROOT, "Indexing %d passages from %s with %s into %s%n", ds.docs().size(), corpusDir, model, dir);
    out.flush();
    float[][] docVecs = new float[ds.docs().size()][];
    int prefix;
    try (TextEncoder enc = Models.open(model, cmd.modelOptions.options())) {
      // the prefix index would pick for this model (192 for bge-small)
      prefix = IndexSettings.defaultPrefixDims(enc.info().dims(), enc.info().config().trainedForTruncation());
      IndexSettings st = IndexSettings.forVectors(enc.info().dims(), prefix, SimilarityName.COSINE)
          .withModel(enc.info().name(), enc.info().fingerprint());
      Progress p = new Progress(err, "passages", ds.docs().size(), null);
      try (MatryoshkaWriter w = MatryoshkaWriter.open(dir, st, true);
          Indexer ix = new Indexer(w, enc::encodeDocuments, null, 32, 0)) {
        for (var d : ds.docs()) {
          ix.add(new SourceDocument(d.id(), null, d.encodingText(), Map.of("title", d.title(), "text", d.text())));
          p.update(ix.stats().written);
        }
        ix.finish(Map.of());
        p.update(ix.stats().written);
      }
      p.finish();
      // as 'index' does: the codec calibrated every segment as it wrote it
      SegmentCalibrations.print(dir, new java.io.PrintWriter(out, true));
    }
    try (TextSearcher s = TextSearcher.open(dir, null, cmd.modelOptions.options())) {
      // the exact baseline scores the same stored full vectors the index reranks with
      for (int i = 0; i < docVecs.length; i++) {
        docVecs[i] = s.vectors().vector(s.vectors().docOf(ds.docs().get(i).id()));
      }
      out.println();
      for (var q : ds.queries().subList(0, Math.min(4, ds.queries().size()))) {
        out.println("Q: " + q.text());
        for (var h : s.search(q.text(), 3, null)) {
          var stored = s.vectors().stored(h.doc());
          out.printf(Locale.ROOT, "   %.4f  %-5s %s%n", h.score(), h.id(), stored.get("title"));
        }
      }
      float[][] qv = new float[ds.queries().size()][];
      Map<String, List<String>> runs = new HashMap<>();
      for (int i = 0; i < qv.length; i++) {
        qv[i] = s.queryVector(ds.queries().get(i).text());
        runs.put(ds.queries().get(i).id(), s.vectors().search(qv[i], 10, null)
            .stream().map(h -> h.id()).toList());
      }
      double idx = Metrics.evaluate(runs, ds.qrels()).ndcgAt10();
      double exact = RetrievalEvaluator.exact(ds, qv, docVecs, ExactRetrieval.Similarity.COSINE, docVecs[0].length).ndcgAt10();
      double exactPrefix = RetrievalEvaluator.exact(ds, qv, docVecs, ExactRetrieval.Similarity.COSINE, prefix).ndcgAt10();
      out.println();
      out.printf(Locale.ROOT, "nDCG@10 over %d queries: exact full-dim %.4f | exact %d-dim prefix only %.4f | "
          + "index path (%d-dim graph + full rerank, %s) %.4f = %.3fx exact%n",
          qv.length, exact, prefix, exactPrefix, prefix, oversampleLabel(s.vectors()), idx, idx / exact);
      out.println("Try: bin/matryoshka search --index " + dir + " --query \"how do bees make honey\"");
      out.flush();
    }
    return 0;
  }

  /** How the index path's width was chosen, for the summary line. */
  static String oversampleLabel(dev.matryoshka.index.MatryoshkaSearcher s) {
    float os = s.defaultOversample();
    return Float.isNaN(os)
        ? "each segment's calibrated oversample for recall@10 " + dev.matryoshka.search.MatryoshkaKnnQuery.DEFAULT_TARGET_RECALL
        : "oversample " + dev.matryoshka.search.Calibration.format(os);
  }
}
