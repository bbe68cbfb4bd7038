package dev.matryoshka.codec;

/**
 * Dot products of int8 prefix codes with a float query: {@code Σ q[i] · code[i]}. The query has
 * already absorbed the per-dimension scales ({@link QuantizedPrefixScorer}), so this is the prefix
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

  /**
   * The int4 sum {@code Σ_j lo(c_j) · q[j] + hi(c_j) · q[j + h]} over the {@code h} bytes {@code c_j}
   * of a code at {@code off} ({@code lo}/{@code hi} its low and high four bits, unsigned);
   * {@code q} has {@code 2h} values.
   */
  abstract float int4Dot(byte[] codes, int off, float[] q, int h);

  /** Four {@link #int4Dot}s, as {@link #dot4}. */
  abstract void int4Dot4(byte[] codes, int o0, int o1, int o2, int o3, float[] q, int h, float[] out, int at);

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
      tail4(codes, o0, o1, o2, o3, q, 0, len, out, at);
    }

    /** {@link #dot4} over dimensions {@code from} to {@code len} only (a vector kernel's tail). */
    static void tail4(byte[] codes, int o0, int o1, int o2, int o3, float[] q, int from, int len, float[] out, int at) {
      float s0 = 0, s1 = 0, s2 = 0, s3 = 0;
      for (int i = from; i < len; i++) {
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
    float int4Dot(byte[] codes, int off, float[] q, int h) {
      float s = 0;
      for (int j = 0; j < h; j++) {
        int c = codes[off + j];
        s += (c & 15) * q[j] + ((c >>> 4) & 15) * q[j + h];
      }
      return s;
    }

    @Override
    void int4Dot4(byte[] codes, int o0, int o1, int o2, int o3, float[] q, int h, float[] out, int at) {
      out[at] = int4Dot(codes, o0, q, h);
      out[at + 1] = int4Dot(codes, o1, q, h);
      out[at + 2] = int4Dot(codes, o2, q, h);
      out[at + 3] = int4Dot(codes, o3, q, h);
    }

    @Override
    String name() {
      return "scalar";
    }
  }
}
