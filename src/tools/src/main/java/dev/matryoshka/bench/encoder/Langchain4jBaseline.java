package dev.matryoshka.bench.encoder;

import java.lang.reflect.Method;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Benchmark baseline only: langchain4j's own in-process embedding class for the same model,
 * called through reflection so that our code has no compile-time langchain4j dependency. Its
 * classes are on the class path only under the Maven profile {@code langchain4j-baseline}
 * ({@code bin/bench-encoder}).
 */
final class Langchain4jBaseline {
  private static final Map<String, String> CLASSES = Map.of(
      "bge-small-en-v1.5", "dev.langchain4j.model.embedding.onnx.bgesmallenv15.BgeSmallEnV15EmbeddingModel",
      "bge-small-en-v1.5-q", "dev.langchain4j.model.embedding.onnx.bgesmallenv15q.BgeSmallEnV15QuantizedEmbeddingModel",
      "all-MiniLM-L6-v2", "dev.langchain4j.model.embedding.onnx.allminilml6v2.AllMiniLmL6V2EmbeddingModel",
      "all-MiniLM-L6-v2-q", "dev.langchain4j.model.embedding.onnx.allminilml6v2q.AllMiniLmL6V2QuantizedEmbeddingModel");

  private Langchain4jBaseline() {}

  /** langchain4j's embedding model object for one of our model names. */
  static Object load(String model) throws Exception {
    String cls = CLASSES.get(model);
    if (cls == null) {
      throw new IllegalArgumentException("no langchain4j class known for model " + model);
    }
    Object m;
    try {
      m = Class.forName(cls).getConstructor().newInstance();
    } catch (ClassNotFoundException e) {
      throw new IllegalStateException(
          "langchain4j is not on the class path; run bin/bench-encoder (Maven profile langchain4j-baseline)", e);
    }
    return m;
  }

  /** Docs/s of langchain4j's {@code embedAll} on {@code docs}, after a short warm-up. */
  static double docsPerSecond(Object m, List<String> docs) throws Exception {
    Method from = Class.forName("dev.langchain4j.data.segment.TextSegment").getMethod("from", String.class);
    Method embedAll = m.getClass().getMethod("embedAll", List.class);
    List<Object> segments = new ArrayList<>();
    for (String d : docs) segments.add(from.invoke(null, d));
    embedAll.invoke(m, segments.subList(0, Math.min(16, segments.size())));
    long t0 = System.nanoTime();
    embedAll.invoke(m, segments);
    return docs.size() / ((System.nanoTime() - t0) / 1e9);
  }
}
