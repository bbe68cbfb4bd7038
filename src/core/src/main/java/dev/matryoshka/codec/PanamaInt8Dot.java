package dev.matryoshka.codec;

import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorSpecies;

/**
 * {@link Int8Dot} on the JDK's vector API: a lane-count of codes is loaded as bytes, widened to
 * floats in one conversion and multiplied into float accumulators (one fused multiply-add per
 * lane-count of dimensions, the same count as a float prefix needs, on a quarter of the bytes).
 * Only this class names {@code jdk.incubator.vector}; {@link Int8Dot} loads it only when the
 * module is present.
 */
final class PanamaInt8Dot extends Int8Dot {
  private static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;
  /** As many bytes as {@link #F} has float lanes. */
  private static final VectorSpecies<Byte> B =
      F.vectorBitSize() >= 256 ? VectorSpecies.of(byte.class, VectorShape.forBitSize(F.vectorBitSize() / 4)) : null;
  private static final int L = F.length();

  private PanamaInt8Dot() {}

  /** Null where vectors are narrower than 256 bits (the scalar loop is as good there). */
  static PanamaInt8Dot createOrNull() {
    if (B == null || B.length() != L) {
      return null;
    }
    PanamaInt8Dot d = new PanamaInt8Dot();
    // one call through each path, so a JVM that cannot run them fails here, not in a search
    float[] out = new float[4];
    d.dot4(new byte[L + 1], 0, 0, 0, 0, new float[L + 1], L + 1, out, 0);
    d.dot(new byte[L + 1], 0, new float[L + 1], L + 1);
    d.int4Dot4(new byte[L + 1], 0, 0, 0, 0, new float[2 * L + 2], L + 1, out, 0);
    d.int4Dot(new byte[L + 1], 0, new float[2 * L + 2], L + 1);
    return d;
  }

  private static FloatVector load(byte[] codes, int at) {
    return (FloatVector) ByteVector.fromArray(B, codes, at).convertShape(VectorOperators.B2F, F, 0);
  }

  @Override
  float dot(byte[] codes, int off, float[] q, int len) {
    FloatVector acc0 = FloatVector.zero(F);
    FloatVector acc1 = FloatVector.zero(F);
    int i = 0;
    for (; i + 2 * L <= len; i += 2 * L) {
      acc0 = load(codes, off + i).fma(FloatVector.fromArray(F, q, i), acc0);
      acc1 = load(codes, off + i + L).fma(FloatVector.fromArray(F, q, i + L), acc1);
    }
    if (i + L <= len) {
      acc0 = load(codes, off + i).fma(FloatVector.fromArray(F, q, i), acc0);
      i += L;
    }
    float s = acc0.add(acc1).reduceLanes(VectorOperators.ADD);
    for (; i < len; i++) {
      s += q[i] * codes[off + i];
    }
    return s;
  }

  @Override
  void dot4(byte[] codes, int o0, int o1, int o2, int o3, float[] q, int len, float[] out, int at) {
    FloatVector a0 = FloatVector.zero(F);
    FloatVector a1 = FloatVector.zero(F);
    FloatVector a2 = FloatVector.zero(F);
    FloatVector a3 = FloatVector.zero(F);
    int i = 0;
    for (; i + L <= len; i += L) {
      FloatVector qv = FloatVector.fromArray(F, q, i);
      a0 = load(codes, o0 + i).fma(qv, a0);
      a1 = load(codes, o1 + i).fma(qv, a1);
      a2 = load(codes, o2 + i).fma(qv, a2);
      a3 = load(codes, o3 + i).fma(qv, a3);
    }
    // the tail (fewer than a vector's lanes) through the scalar loop, added to the lanes' sums
    Int8Dot.Scalar.tail4(codes, o0, o1, o2, o3, q, i, len, out, at);
    out[at] += a0.reduceLanes(VectorOperators.ADD);
    out[at + 1] += a1.reduceLanes(VectorOperators.ADD);
    out[at + 2] += a2.reduceLanes(VectorOperators.ADD);
    out[at + 3] += a3.reduceLanes(VectorOperators.ADD);
  }

  private static FloatVector low(ByteVector b) {
    return (FloatVector) b.lanewise(VectorOperators.AND, (byte) 15).convertShape(VectorOperators.B2F, F, 0);
  }

  private static FloatVector high(ByteVector b) {
    return (FloatVector) b.lanewise(VectorOperators.LSHR, 4).lanewise(VectorOperators.AND, (byte) 15)
        .convertShape(VectorOperators.B2F, F, 0);
  }

  @Override
  float int4Dot(byte[] codes, int off, float[] q, int h) {
    FloatVector acc0 = FloatVector.zero(F);
    FloatVector acc1 = FloatVector.zero(F);
    int j = 0;
    for (; j + L <= h; j += L) {
      ByteVector b = ByteVector.fromArray(B, codes, off + j);
      acc0 = low(b).fma(FloatVector.fromArray(F, q, j), acc0);
      acc1 = high(b).fma(FloatVector.fromArray(F, q, j + h), acc1);
    }
    float s = acc0.add(acc1).reduceLanes(VectorOperators.ADD);
    for (; j < h; j++) {
      int c = codes[off + j];
      s += (c & 15) * q[j] + ((c >>> 4) & 15) * q[j + h];
    }
    return s;
  }

  @Override
  void int4Dot4(byte[] codes, int o0, int o1, int o2, int o3, float[] q, int h, float[] out, int at) {
    FloatVector a0 = FloatVector.zero(F);
    FloatVector a1 = FloatVector.zero(F);
    FloatVector a2 = FloatVector.zero(F);
    FloatVector a3 = FloatVector.zero(F);
    int j = 0;
    for (; j + L <= h; j += L) {
      FloatVector ql = FloatVector.fromArray(F, q, j);
      FloatVector qh = FloatVector.fromArray(F, q, j + h);
      ByteVector b0 = ByteVector.fromArray(B, codes, o0 + j);
      ByteVector b1 = ByteVector.fromArray(B, codes, o1 + j);
      ByteVector b2 = ByteVector.fromArray(B, codes, o2 + j);
      ByteVector b3 = ByteVector.fromArray(B, codes, o3 + j);
      a0 = high(b0).fma(qh, low(b0).fma(ql, a0));
      a1 = high(b1).fma(qh, low(b1).fma(ql, a1));
      a2 = high(b2).fma(qh, low(b2).fma(ql, a2));
      a3 = high(b3).fma(qh, low(b3).fma(ql, a3));
    }
    float s0 = a0.reduceLanes(VectorOperators.ADD);
    float s1 = a1.reduceLanes(VectorOperators.ADD);
    float s2 = a2.reduceLanes(VectorOperators.ADD);
    float s3 = a3.reduceLanes(VectorOperators.ADD);
    for (; j < h; j++) {
      int c0 = codes[o0 + j], c1 = codes[o1 + j], c2 = codes[o2 + j], c3 = codes[o3 + j];
      float ql = q[j], qh = q[j + h];
      s0 += (c0 & 15) * ql + ((c0 >>> 4) & 15) * qh;
      s1 += (c1 & 15) * ql + ((c1 >>> 4) & 15) * qh;
      s2 += (c2 & 15) * ql + ((c2 >>> 4) & 15) * qh;
      s3 += (c3 & 15) * ql + ((c3 >>> 4) & 15) * qh;
    }
    out[at] = s0;
    out[at + 1] = s1;
    out[at + 2] = s2;
    out[at + 3] = s3;
  }

  @Override
  String name() {
    return "panama-" + F.vectorBitSize();
  }
}
