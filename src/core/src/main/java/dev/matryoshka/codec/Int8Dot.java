package dev.matryoshka.codec;

/**
 * Dot products of int8 prefix codes with a float query: {@code Σ q[i] · code[i]}. The query has
 * already absorbed the per-dimension scales ({@link Int8PrefixScorer}), so this is the prefix
 * dot product up to the documents' rounding; the query itself is not quantized.
 *
 * <p>Two implementations with the same results up to float summation order: {@link
 * PanamaInt8Dot} (the JDK's vector API; chosen when the {@code jdk.incubator.vector} module is
 * in the boot layer and the CPU has 256-bit or wider vectors) and a scalar loop. {@link #dot4}
 * scores four codes in one pass over the query, so four cache misses are in flight at once
 * instead of one after the other: a graph walk scores a node's unvisited neighbours together.
 */
abstract class Int8Dot {

  /** The implementation this JVM uses. */
  static final Int8Dot INSTANCE = pick();

  /** {@code Σ q[i] · codes[off + i]} for {@code i < len}. */
  abstract float dot(byte[] codes, int off, float[] q, int len);

  /** Four {@link #dot}s of codes at {@code o0..o3} of {@code codes}, into {@code out[at..at+3]}. */
  abstract void dot4(byte[] codes, int o0, int o1, int o2, int o3, float[] q, int len, float[] out, int at);

  /** Short name for diagnostics ({@code panama-256}, {@code scalar}). */
  abstract String name();

  private static Int8Dot pick() {
    if (ModuleLayer.boot().findModule("jdk.incubator.vector").isPresent()) {
      try {
        Int8Dot panama = PanamaInt8Dot.createOrNull();
        if (panama != null) {
          return panama;
        }
      } catch (LinkageError | RuntimeException e) {
        // the module is there but unusable (a JVM without the intrinsics): the scalar loop
      }
    }
    return new Scalar();
  }

  /** The plain loop (C2 may still vectorise parts of it). */
  static final class Scalar extends Int8Dot {
    @Override
    float dot(byte[] codes, int off, float[] q, int len) {
      float s0 = 0, s1 = 0;
      int i = 0;
      for (; i + 1 < len; i += 2) {
        s0 += q[i] * codes[off + i];
        s1 += q[i + 1] * codes[off + i + 1];
      }
      if (i < len) {
        s0 += q[i] * codes[off + i];
      }
      return s0 + s1;
    }

    @Override
    void dot4(byte[] codes, int o0, int o1, int o2, int o3, float[] q, int len, float[] out, int at) {
      float s0 = 0, s1 = 0, s2 = 0, s3 = 0;
      for (int i = 0; i < len; i++) {
        float qi = q[i];
        s0 += qi * codes[o0 + i];
        s1 += qi * codes[o1 + i];
        s2 += qi * codes[o2 + i];
        s3 += qi * codes[o3 + i];
      }
      out[at] = s0;
      out[at + 1] = s1;
      out[at + 2] = s2;
      out[at + 3] = s3;
    }

    @Override
    String name() {
      return "scalar";
    }
  }
}
