package dev.matryoshka.eval;

import dev.matryoshka.adapt.Adapter;
import dev.matryoshka.codec.SegmentCalibration;
import dev.matryoshka.encode.Models;
import dev.matryoshka.encode.TextEncoder;
import dev.matryoshka.index.IndexSettings;
import dev.matryoshka.index.MatryoshkaSearcher;
import dev.matryoshka.index.MatryoshkaWriter;
import dev.matryoshka.index.SimilarityName;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * An index that grows without {@code tune}: a tenth of a BEIR corpus is indexed, then the rest is
 * appended in batches (each its own writer session and commit, merges as the writer's policy
 * decides), and after every step the default path (each segment's own calibration, no index-wide
 * one) is scored against exact full-dimension search over the documents indexed so far.
 *
 * <pre>{@code
 * bin/matryoshka eval --dataset ../shared/data/scifact --growth 5
 * }</pre>
 */
public final class GrowthEval {
  private GrowthEval() {}

  /** One step: documents indexed, segments, the default path against exact on those documents. */
  public record Step(int docs, int segments, String oversamples, double exact, double index) {
    public double ratio() {
      return index / exact;
    }
  }

  /** Runs the growth evaluation; one line per step goes to {@code out}, progress to {@code log}. */
  public static List<Step> run(Path dir, EvalRunner.Options o, int batches, PrintWriter out, PrintWriter log)
      throws IOException {
    if (batches < 1) {
      throw new IllegalArgumentException("--growth must be >= 1 batch; got=" + batches);
    }
    BeirDataset ds = BeirDataset.load(dir, o.split());
    if (o.keepSelfHits()) {
      ds = ds.keepingSelfHits();
    }
    EmbeddingCache cache = EmbeddingCache.defaultCache();
    List<Step> steps = new ArrayList<>();
    try (TextEncoder enc = Models.open(o.model(), o.encoder())) {
      EvalRunner.Options r = o.resolvedFor(enc);
      float[][] docs = cache.get(enc.info().fingerprint(), "document", ds.docTexts(), enc::encodeDocuments);
      boolean instruct = EvalRunner.instructQueries(r.queryInstruction(), ds);
      float[][] queries = instruct
          ? cache.get(enc.info().fingerprint(), "query", ds.queryTexts(), enc::encodeQueries)
          : cache.get(enc.info().fingerprint(), EvalRunner.PLAIN_QUERY_ROLE, ds.queryTexts(), enc::encodeDocuments);
      int n = docs.length;
      int first = Math.max(1, n / 10);
      // the adapter `index` picks for the model, fitted on what the first session sees
      String spec = EvalCalibration.resolve(dev.matryoshka.index.AdapterBuilder.AUTO, enc, first);
      Adapter a = EvalAdapters.build(spec, java.util.Arrays.copyOf(docs, first), null, enc.info().fingerprint(), log);
      float[][] d = EvalAdapters.apply(a, docs);
      float[][] q = EvalAdapters.apply(a, queries);
      int full = enc.info().dims();
      IndexSettings st = IndexSettings.forVectors(full, r.prefixDims(), SimilarityName.COSINE);
      out.printf(Locale.ROOT, "growth on %s: adapter %s (fitted on the first %,d documents), prefix %d, "
          + "target recall@10 %s, then %d batches%n", ds.name(), EvalAdapters.label(spec), first, r.prefixDims(),
          r.targetRecall(), batches);
      out.println("docs     segments  exact_ndcg@10  index_ndcg@10  ratio  oversample per segment");
      Path tmp = Files.createTempDirectory("matryoshka-growth");
      try {
        int done = 0;
        for (int step = 0; step <= batches; step++) {
          int upTo = step == 0 ? first : first + (int) ((long) (n - first) * step / batches);
          try (MatryoshkaWriter w = MatryoshkaWriter.open(tmp, st, step == 0)) {
            for (int i = done; i < upTo; i++) {
              w.add(ds.docs().get(i).id(), d[i], null, ds.docs().get(i).encodingText());
            }
            w.commit(Map.of());
          }
          done = upTo;
          float[][] sub = java.util.Arrays.copyOf(d, upTo);
          ExactRetrieval exact = new ExactRetrieval(sub, ExactRetrieval.Similarity.COSINE, full);
          BeirDataset data = ds;
          ExactRetrieval.Hits[] hits = exact.search(q, ds.fetch(100));
          RetrievalScores e = EvalRunner.scores(ds, (i, k) -> {
            List<String> ids = new ArrayList<>();
            int[] top = hits[i].docs();
            for (int j = 0; j < Math.min(k, top.length); j++) {
              ids.add(data.docs().get(top[j]).id());
            }
            return ids;
          });
          try (MatryoshkaSearcher s = MatryoshkaSearcher.open(tmp)) {
            RetrievalScores idx = EvalRunner.indexScores(s, ds, q, Float.NaN, r.targetRecall());
            StringBuilder os = new StringBuilder();
            var leaves = s.indexSearcher().getIndexReader().leaves();
            for (var leaf : leaves) {
              SegmentCalibration c = SegmentCalibration.of(leaf.reader(), st.field());
              os.append(os.isEmpty() ? "" : " ").append(leaf.reader().maxDoc()).append(':')
                  .append(c == null ? "exact/fallback" : String.format(Locale.ROOT, "%.1f", c.oversampleFor(r.targetRecall())));
            }
            Step st1 = new Step(upTo, leaves.size(), os.toString(), e.ndcgAt10(), idx.ndcgAt10());
            steps.add(st1);
            out.printf(Locale.ROOT, "%-8d %-9d %13.4f  %13.4f  %5.3f  %s%n", upTo, leaves.size(), st1.exact(),
                st1.index(), st1.ratio(), st1.oversamples());
            out.flush();
          }
        }
      } finally {
        try (var walk = Files.walk(tmp)) {
          walk.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
      }
    }
    return steps;
  }
}
