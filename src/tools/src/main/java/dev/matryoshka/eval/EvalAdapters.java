package dev.matryoshka.eval;

import dev.matryoshka.adapt.Adapter;
import dev.matryoshka.adapt.AdapterIO;
import dev.matryoshka.adapt.LearnedOptions;
import dev.matryoshka.adapt.RotationAdapter;
import dev.matryoshka.adapt.RotationOptions;
import dev.matryoshka.adapt.TrainingListener;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;

/**
 * Builds the adapters an evaluation compares: {@code none}, {@code rotation} (fitted on the
 * corpus), {@code learned} (unsupervised, on the corpus), the supervised kinds (plus train-split
 * query/document pairs) or an adapter FILE.
 */
final class EvalAdapters {
  private EvalAdapters() {}

  /** Training data a learned-supervised adapter needs; null pairs when there is no train split. */
  record Pairs(float[][] queries, float[][] docs) {}

  static Adapter build(String spec, float[][] docs, Pairs pairs, String fingerprint, PrintWriter log)
      throws IOException {
    long t0 = System.nanoTime();
    if (spec.equals("none")) {
      return null;
    }
    if (dev.matryoshka.index.AdapterBuilder.needsQueries(spec) && pairs == null) {
      throw new IllegalArgumentException(
          "adapter " + spec + " needs a train split (qrels/train.tsv) in the dataset");
    }
    Adapter a = dev.matryoshka.index.AdapterBuilder.build(spec, docs,
        pairs == null ? null : pairs.queries(), pairs == null ? null : pairs.docs(), fingerprint, 42L, listener(log));
    log.printf(Locale.ROOT, "adapter %s ready in %.1f s%n", spec, (System.nanoTime() - t0) / 1e9);
    log.flush();
    return a;
  }

  static String label(String spec) {
    return dev.matryoshka.index.AdapterBuilder.label(spec);
  }

  private static TrainingListener listener(PrintWriter log) {
    return TrainingListener.printing(log);
  }

  static float[][] apply(Adapter a, float[][] vecs) {
    return a == null ? vecs : a.applyAll(vecs);
  }
}
