package dev.matryoshka.training;

import dev.matryoshka.adapt.LearnedAdapter;
import dev.matryoshka.adapt.LearnedOptions;
import dev.matryoshka.adapt.LearnedTraining;
import dev.matryoshka.adapt.TrainingListener;

/** {@link LearnedTraining} through {@link AdapterTrainer}; registered in META-INF/services. */
public final class DjlLearnedTraining implements LearnedTraining {
  /** For {@link java.util.ServiceLoader}. */
  public DjlLearnedTraining() {}

  @Override
  public LearnedAdapter train(LearnedOptions options, TrainingListener listener, float[][] docs,
      float[][] queries, float[][] relevant) {
    AdapterTrainer trainer = new AdapterTrainer(options, listener);
    return queries == null ? trainer.train(docs) : trainer.train(docs, queries, relevant);
  }
}
