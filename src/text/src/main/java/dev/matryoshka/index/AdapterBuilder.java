package dev.matryoshka.index;

import dev.matryoshka.adapt.Adapter;
import dev.matryoshka.adapt.AdapterIO;
import dev.matryoshka.adapt.LearnedTraining;
import dev.matryoshka.adapt.LearnedOptions;
import dev.matryoshka.adapt.RotationAdapter;
import dev.matryoshka.adapt.RotationOptions;
import dev.matryoshka.adapt.QueryRotationTrainer;
import dev.matryoshka.adapt.TrainingListener;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Turns an adapter choice into an adapter: {@code none}, {@code rotation} (fitted on document
 * vectors; {@code rotation-centered} on their covariance), {@code model-rotation} (the bundled
 * model's shipped rotation, fitted once on general text: {@link ModelRotations}), {@code rotation-supervised} (an
 * orthogonal rotation trained on query/relevant-document pairs), {@code rotation-distilled} (one
 * trained on sample queries alone, no judgments), {@code learned} (unsupervised on
 * document vectors), {@code learned-supervised} (plus query/relevant-document pairs), or a path to
 * an adapter file. Used by {@code index}, {@code
 * train-adapter} and {@code eval}, so all three build adapters the same way.
 */
public final class AdapterBuilder {
  private AdapterBuilder() {}

  /** The choices that are not files. */
  public static final java.util.List<String> KINDS = java.util.List.of("none", "rotation", "rotation-centered", ModelRotations.KIND, "rotation-supervised",
      "rotation-distilled", "learned", "learned-supervised");

  /** The choice that lets the model decide; see {@link #auto}. */
  public static final String AUTO = "auto";

  /**
   * What {@value #AUTO} means: a centred rotation (the cheapest adapter that keeps full-dimension
   * scores exactly, and needs no queries) for text encoded by a model that was not trained for
   * truncation, when the sample has enough vectors to fit one; no adapter otherwise (precomputed
   * vectors: the user knows their model; a Matryoshka-trained model: its prefixes are already
   * informative).
   */
  public static String auto(boolean encodedByModel, boolean trainedForTruncation, int samples, int dims) {
    if (!encodedByModel || trainedForTruncation || samples < RotationAdapter.minSamples(dims)) {
      return "none";
    }
    return "rotation-centered";
  }

  /**
   * What {@value #AUTO} means for text encoded by {@code model}: as {@link #auto(boolean, boolean,
   * int, int)} (a centred rotation fitted on the corpus for a model not trained for truncation,
   * none for a Matryoshka-trained one), except that a corpus too small to fit a rotation on gets
   * the model's shipped rotation ({@value ModelRotations#KIND}) where one ships (every bundled
   * model) instead of none. The per-index fit stays first because it measured better wherever it
   * can be fitted (docs/adapters.md, "The shipped model rotation").
   *
   * @param model the encoder's model, or null for precomputed vectors
   */
  public static String auto(dev.matryoshka.encode.ModelInfo model, int samples, int dims) {
    String perIndex = auto(model != null, model != null && model.config().trainedForTruncation(), samples, dims);
    if ("none".equals(perIndex) && model != null && !model.config().trainedForTruncation()
        && ModelRotations.forEncoder(model) != null) {
      return ModelRotations.KIND;
    }
    return perIndex;
  }

  /** Whether a choice trains on (query, relevant document) pairs. */
  public static boolean supervised(String spec) {
    return spec.equals("rotation-supervised") || spec.equals("learned-supervised") || spec.startsWith("learned-supervised:");
  }

  /** Whether a choice needs sample queries: the supervised kinds and {@code rotation-distilled}. */
  public static boolean needsQueries(String spec) {
    return supervised(spec) || spec.equals("rotation-distilled");
  }

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
    // a learned kind may carry settings: "learned:hidden=64+epochs=80+lr=3e-4" (eval experiments)
    String kind = spec;
    String settings = null;
    int colon = spec.indexOf(':');
    if (colon > 0 && spec.startsWith("learned") && KINDS.contains(spec.substring(0, colon))) {
      kind = spec.substring(0, colon);
      settings = spec.substring(colon + 1);
    }
    switch (kind) {
      case "none":
        return null;
      case "rotation":
        return RotationAdapter.fit(docs, RotationOptions.forModel(modelFingerprint));
      case "rotation-centered":
        // covariance instead of second moment: directions ordered by how much they vary
        return RotationAdapter.fit(docs, RotationOptions.forModel(modelFingerprint).withCentered(true));
      case ModelRotations.KIND: {
        Adapter shipped = ModelRotations.forFingerprint(modelFingerprint);
        if (shipped == null) {
          throw new IllegalArgumentException("adapter " + spec + ": no rotation ships for model fingerprint "
              + modelFingerprint + " (shipped for " + ModelRotations.models()
              + "); use rotation-centered to fit one on the corpus");
        }
        return shipped;
      }
      case "rotation-supervised":
        requirePairs(spec, queries);
        return new QueryRotationTrainer(QueryRotationTrainer.Options.forModel(modelFingerprint), l)
            .train(docs, queries, relevant);
      case "rotation-distilled":
        if (queries == null || queries.length == 0) {
          throw new IllegalArgumentException("adapter " + spec + " needs sample queries: give --queries");
        }
        return new QueryRotationTrainer(QueryRotationTrainer.Options.forModel(modelFingerprint), l)
            .distill(docs, queries);
      case "learned":
        return LearnedTraining.load().train(learnedOptions(modelFingerprint, seed, settings), l, docs, null, null);
      case "learned-supervised":
        requirePairs(spec, queries);
        return LearnedTraining.load().train(
            learnedOptions(modelFingerprint, seed, settings).withContrastive(1.0, 0.05), l, docs, queries, relevant);
      default:
        Path p = Path.of(spec);
        if (!Files.isRegularFile(p)) {
          throw new IllegalArgumentException("unknown adapter \"" + spec + "\": expected one of " + KINDS
              + " or an adapter file");
        }
        return AdapterIO.read(p, modelFingerprint);
    }
  }

  private static void requirePairs(String spec, float[][] queries) {
    if (queries == null || queries.length == 0) {
      throw new IllegalArgumentException(
          "adapter " + spec + " needs (query, relevant document) pairs: give --queries and --qrels");
    }
  }

  private static LearnedOptions learnedOptions(String modelFingerprint, long seed, String settings) {
    LearnedOptions o = LearnedOptions.forModel(modelFingerprint).withSeed(seed);
    return settings == null ? o : tuned(o, settings);
  }

  /**
   * Applies {@code key=value} settings joined by {@code +}: hidden, epochs, lr, batch, topk,
   * pair, topk-weight, recon, patience, init (rotation|identity).
   *
   * @throws IllegalArgumentException naming an unknown key or a bad value
   */
  static LearnedOptions tuned(LearnedOptions o, String settings) {
    double pair = 1;
    double topKWeight = 1;
    double recon = 0.1;
    boolean weights = false;
    for (String kv : settings.split("\\+")) {
      int eq = kv.indexOf('=');
      if (eq <= 0) {
        throw new IllegalArgumentException("adapter setting must be key=value; got=" + kv);
      }
      String k = kv.substring(0, eq).trim();
      String v = kv.substring(eq + 1).trim();
      try {
        switch (k) {
          case "hidden" -> o = o.withHiddenDims(Integer.parseInt(v));
          case "epochs" -> o = o.withMaxEpochs(Integer.parseInt(v));
          case "lr" -> o = o.withLearningRate(Double.parseDouble(v));
          case "batch" -> o = o.withBatchSize(Integer.parseInt(v));
          case "topk" -> o = o.withTopK(Integer.parseInt(v));
          case "patience" -> o = o.withPatience(Integer.parseInt(v));
          case "pair" -> { pair = Double.parseDouble(v); weights = true; }
          case "topk-weight" -> { topKWeight = Double.parseDouble(v); weights = true; }
          case "recon" -> { recon = Double.parseDouble(v); weights = true; }
          case "init" -> o = o.withInit(LearnedOptions.Init.valueOf(v.toUpperCase(java.util.Locale.ROOT)));
          default -> throw new IllegalArgumentException("unknown adapter setting \"" + k
              + "\" (hidden, epochs, lr, batch, topk, patience, pair, topk-weight, recon, init)");
        }
      } catch (NumberFormatException e) {
        throw new IllegalArgumentException("adapter setting " + k + " must be a number; got=" + v, e);
      }
    }
    return weights ? o.withLossWeights(pair, topKWeight, recon) : o;
  }

  /** Short label of a choice for reports: the kind, or file:NAME. */
  public static String label(String spec) {
    if (KINDS.contains(spec) || (spec.startsWith("learned") && spec.contains(":"))) {
      return spec;
    }
    return "file:" + Path.of(spec).getFileName();
  }
}
