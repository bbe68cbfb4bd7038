package dev.matryoshka.adapt;

/**
 * A per-index map applied to every document vector at indexing and to every query vector at
 * search, so that the first dimensions of the output carry as much of the similarity structure as
 * possible. The same instance (read back with {@link AdapterIO}) must be used on both sides.
 *
 * <pre>{@code
 * Adapter adapter = RotationAdapter.fit(docVectors, RotationOptions.forModel("bge-small-en-v1.5"));
 * float[] indexed = adapter.apply(docVector); // then take and renormalise the prefix as usual
 * }</pre>
 *
 * <p><b>Norms.</b> A {@link RotationAdapter} is orthogonal: it preserves norms, dot products and
 * cosines exactly (up to float rounding), so it does not renormalise and is correct for every
 * similarity, normalised inputs or not. A {@link LearnedAdapter} is not norm-preserving; when
 * {@link #normalizesOutput()} is true (its default, the right choice for cosine and dot-product on
 * L2-normalised models such as bge-small-en-v1.5) it L2-normalises its full output. Taking the
 * prefix and renormalising it stays the job of the caller, with the same function at training,
 * indexing and search time.
 *
 * <p>Implementations are immutable and thread-safe; applying one needs no native library.
 */
public interface Adapter {

  /** {@link #kind()} of {@link RotationAdapter}. */
  String KIND_ROTATION = "rotation";

  /** {@link #kind()} of {@link LearnedAdapter}. */
  String KIND_LEARNED = "learned";

  /**
   * Maps one vector.
   *
   * @param v a vector of {@link #inputDims()} finite values; not modified
   * @return a new array of {@link #outputDims()} values
   * @throws IllegalArgumentException on a wrong length or a non-finite value
   */
  float[] apply(float[] v);

  /** Maps each vector with {@link #apply(float[])}; returns new arrays in the same order. */
  default float[][] applyAll(float[][] vectors) {
    float[][] out = new float[vectors.length][];
    for (int i = 0; i < vectors.length; i++) {
      out[i] = apply(vectors[i]);
    }
    return out;
  }

  /** Number of dimensions accepted by {@link #apply(float[])}. */
  int inputDims();

  /** Number of dimensions returned by {@link #apply(float[])}; equals the input for both kinds. */
  int outputDims();

  /** {@link #KIND_ROTATION} or {@link #KIND_LEARNED}; stored in the adapter file. */
  String kind();

  /**
   * The name users chose it by, for messages and {@code inspect}: the kind, or a more specific
   * variant such as {@code rotation-supervised}.
   */
  default String label() {
    return kind();
  }

  /**
   * Identifies the embedding model whose vectors this adapter was fitted on (for example {@code
   * "bge-small-en-v1.5"} or a model file hash). {@link AdapterIO#read(java.nio.file.Path, String)}
   * refuses to hand out an adapter fitted for another model.
   */
  String modelFingerprint();

  /** Whether {@link #apply(float[])} L2-normalises its output (see the class documentation). */
  boolean normalizesOutput();

  /** Shared argument check, so every kind words its errors the same way. */
  static void checkInput(float[] v, int dims) {
    if (v == null) {
      throw new IllegalArgumentException("vector must not be null");
    }
    if (v.length != dims) {
      throw new IllegalArgumentException(
          "vector has " + v.length + " dims but the adapter expects " + dims);
    }
    for (int i = 0; i < v.length; i++) {
      if (!Float.isFinite(v[i])) {
        throw new IllegalArgumentException("vector has a non-finite value (" + v[i] + ") at dim " + i);
      }
    }
  }
}
