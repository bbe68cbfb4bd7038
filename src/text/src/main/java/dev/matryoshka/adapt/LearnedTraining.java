package dev.matryoshka.adapt;

import java.util.ServiceLoader;

/**
 * Trains a {@link LearnedAdapter}. The implementation lives in {@code matryoshka-training} (DJL
 * PyTorch, a large native library), found through {@link ServiceLoader}, so that an application
 * that only applies adapters, or uses rotations, does not carry PyTorch.
 *
 * <pre>{@code
 * LearnedAdapter a = LearnedTraining.load().train(LearnedOptions.forModel(fp), TrainingListener.NONE, docs, null, null);
 * }</pre>
 */
public interface LearnedTraining {

  /**
   * @param options what to learn
   * @param listener progress per epoch
   * @param docs document vectors
   * @param queries query vectors of (query, relevant document) pairs, or null for unsupervised
   * @param relevant the relevant document vectors of those pairs, or null
   */
  LearnedAdapter train(LearnedOptions options, TrainingListener listener, float[][] docs,
      float[][] queries, float[][] relevant);

  /**
   * The trainer on the class path.
   *
   * @throws IllegalStateException naming the module to add when there is none
   */
  static LearnedTraining load() {
    return ServiceLoader.load(LearnedTraining.class, LearnedTraining.class.getClassLoader()).findFirst()
        .orElseThrow(() -> new IllegalStateException(
            "learned adapters are trained with DJL PyTorch, which is not on the class path: "
                + "add the dev.matryoshka:matryoshka-training dependency (or use a rotation adapter)"));
  }
}
