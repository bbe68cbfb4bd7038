package dev.matryoshka.index;

import dev.matryoshka.adapt.Adapter;
import dev.matryoshka.adapt.AdapterIO;
import dev.matryoshka.adapt.AdapterTrainer;
import dev.matryoshka.adapt.LearnedOptions;
import dev.matryoshka.adapt.RotationAdapter;
import dev.matryoshka.adapt.RotationOptions;
import dev.matryoshka.adapt.TrainingListener;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Turns an adapter choice into an adapter: {@code none}, {@code rotation} (fitted on document
 * vectors), {@code learned} (unsupervised on document vectors), {@code learned-supervised} (plus
 * query/relevant-document pairs), or a path to an adapter file. Used by {@code index}, {@code
 * train-adapter} and {@code eval}, so all three build adapters the same way.
 */
public final class AdapterBuilder {
  private AdapterBuilder() {}

  /** The choices that are not files. */
  public static final java.util.List<String> KINDS = java.util.List.of("none", "rotation", "rotation-centered", "learned", "learned-supervised");

  /**
   * @param spec the choice
   * @param docs document vectors to fit on
   * @param queries query vectors of (query, relevant doc) pairs, or null
   * @param relevant document vectors of those pairs, or null
   * @param modelFingerprint the model the vectors came from
   * @param seed training seed (learned adapters)
   * @return the adapter, or null for {@code none}
   */
  public static Adapter build(String spec, float[][] docs, float[][] queries, float[][] relevant,
      String modelFingerprint, long seed, TrainingListener listener) throws IOException {
    TrainingListener l = listener == null ? TrainingListener.NONE : listener;
    switch (spec) {
      case "none":
        return null;
      case "rotation":
        return RotationAdapter.fit(docs, RotationOptions.forModel(modelFingerprint));
      case "rotation-centered":
        // covariance instead of second moment: directions ordered by how much they vary
        return RotationAdapter.fit(docs, RotationOptions.forModel(modelFingerprint).withCentered(true));
      case "learned":
        return new AdapterTrainer(LearnedOptions.forModel(modelFingerprint).withSeed(seed), l).train(docs);
      case "learned-supervised":
        if (queries == null || queries.length == 0) {
          throw new IllegalArgumentException(
              "adapter learned-supervised needs (query, relevant document) pairs: give --queries and --qrels");
        }
        return new AdapterTrainer(
                LearnedOptions.forModel(modelFingerprint).withSeed(seed).withContrastive(1.0, 0.05), l)
            .train(docs, queries, relevant);
      default:
        Path p = Path.of(spec);
        if (!Files.isRegularFile(p)) {
          throw new IllegalArgumentException("unknown adapter \"" + spec + "\": expected one of " + KINDS
              + " or an adapter file");
        }
        return AdapterIO.read(p, modelFingerprint);
    }
  }

  /** Short label of a choice for reports: the kind, or file:NAME. */
  public static String label(String spec) {
    return KINDS.contains(spec) ? spec : "file:" + Path.of(spec).getFileName();
  }
}
