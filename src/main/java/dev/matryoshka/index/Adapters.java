package dev.matryoshka.index;

import java.nio.file.Path;
import java.util.function.UnaryOperator;

/** Finds the adapter an index was built with (none yet: identity). */
final class Adapters {
  private Adapters() {}

  static UnaryOperator<float[]> load(Path index, IndexSettings settings) {
    if (!"none".equals(settings.adapterKind())) {
      throw new IllegalStateException("index " + index + " uses adapter " + settings.adapterKind()
          + ", which this build cannot load");
    }
    return UnaryOperator.identity();
  }
}
