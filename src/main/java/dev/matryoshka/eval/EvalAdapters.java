package dev.matryoshka.eval;

import dev.matryoshka.adapt.Adapter;
import dev.matryoshka.adapt.AdapterIO;
import dev.matryoshka.adapt.AdapterTrainer;
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
 * corpus), {@code learned} (unsupervised, on the corpus), {@code learned-supervised} (plus
 * train-split query/document pairs) or an adapter FILE.
 */
final class EvalAdapters {
  private EvalAdapters() {}

  /** Training data a learned-supervised adapter needs; null pairs when there is no train split. */
  record Pairs(float[][] queries, float[][] docs) {}

  static Adapter build(String spec, float[][] docs, Pairs pairs, String fingerprint, PrintWriter log)
      throws IOException {
    long t0 = System.nanoTime();
    Adapter a;
    switch (spec) {
      case "none" -> { return null; }
      case "rotation" -> a = RotationAdapter.fit(docs, RotationOptions.forModel(fingerprint));
      case "learned" -> a = new AdapterTrainer(LearnedOptions.forModel(fingerprint), listener(log)).train(docs);
      case "learned-supervised" -> {
        if (pairs == null) {
          throw new IllegalArgumentException(
              "adapter learned-supervised needs a train split (qrels/train.tsv) in the dataset");
        }
        a = new AdapterTrainer(LearnedOptions.forModel(fingerprint).withContrastive(1.0, 0.05), listener(log))
            .train(docs, pairs.queries(), pairs.docs());
      }
      default -> {
        Path p = Path.of(spec);
        if (!Files.isRegularFile(p)) {
          throw new IllegalArgumentException(
              "unknown adapter \"" + spec + "\": expected none, rotation, learned, learned-supervised or an adapter file");
        }
        a = AdapterIO.read(p, fingerprint);
      }
    }
    log.printf(Locale.ROOT, "adapter %s ready in %.1f s%n", spec, (System.nanoTime() - t0) / 1e9);
    log.flush();
    return a;
  }

  static String label(String spec) {
    return switch (spec) {
      case "none", "rotation", "learned", "learned-supervised" -> spec;
      default -> "file:" + Path.of(spec).getFileName();
    };
  }

  private static TrainingListener listener(PrintWriter log) {
    return r -> {
      log.printf(Locale.ROOT, "  epoch %2d  train %.5f  held-out %.5f%s  (%.1f s)%n", r.epoch(),
          r.trainLoss(), r.validationLoss(), r.improved() ? " *" : "", r.seconds());
      log.flush();
    };
  }

  static float[][] apply(Adapter a, float[][] vecs) {
    return a == null ? vecs : a.applyAll(vecs);
  }
}
