package dev.matryoshka.document;

import dev.matryoshka.codec.MatryoshkaPrefix;
import dev.matryoshka.codec.VectorDomain;
import org.apache.lucene.document.FieldType;
import org.apache.lucene.document.KnnFloatVectorField;
import org.apache.lucene.index.VectorEncoding;
import org.apache.lucene.index.VectorSimilarityFunction;

/**
 * One field, one full vector: the Matryoshka codec stores the vector flat and indexes its prefix
 * in an HNSW graph. Search it with {@code MatryoshkaKnnQuery}.
 *
 * <pre>{@code
 * FieldType type = MatryoshkaVectorField.fieldType(768, 64, VectorSimilarityFunction.COSINE);
 * doc.add(new MatryoshkaVectorField("embedding", vector, type));
 * }</pre>
 *
 * <p>Every vector is checked before it reaches the index: dimension, finite values, and what its
 * similarity can score ({@link VectorDomain}): a COSINE vector must be non-zero, and one too large
 * or too small for float32 arithmetic (a 1e37- or 1e-40-scaled embedding) is indexed as its unit
 * vector, normalised in double; the other similarities refuse norms above {@link
 * VectorDomain#MAX_NORM}, whose scores would overflow float32. Errors name the field and the
 * offending value, and are thrown from the constructor, so a rejected document never reaches the
 * {@code IndexWriter}.
 */
public final class MatryoshkaVectorField extends KnnFloatVectorField {

  /**
   * A frozen field type carrying dims, prefix dims (as the {@link
   * MatryoshkaPrefix#PREFIX_DIMS_ATTRIBUTE} attribute the codec reads) and similarity.
   *
   * @throws IllegalArgumentException when dims ≤ 0, or prefixDims is not in [1, dims)
   */
  public static FieldType fieldType(int dims, int prefixDims, VectorSimilarityFunction similarity) {
    return fieldType(dims, prefixDims, similarity, MatryoshkaPrefix.Encoding.FLOAT32);
  }

  /**
   * As {@link #fieldType(int, int, VectorSimilarityFunction)}, with the prefix encoding the graph
   * search scores ({@link MatryoshkaPrefix#PREFIX_ENCODING_ATTRIBUTE}).
   *
   * @throws IllegalArgumentException also for INT8 with EUCLIDEAN, whose prefixes are not compared
   *     by dot product
   */
  public static FieldType fieldType(
      int dims, int prefixDims, VectorSimilarityFunction similarity, MatryoshkaPrefix.Encoding encoding) {
    if (encoding != null && encoding != MatryoshkaPrefix.Encoding.FLOAT32
        && !MatryoshkaPrefix.Encoding.int8Supports(similarity)) {
      throw new IllegalArgumentException(
          encoding.wireName() + " prefix quantization needs a dot-product similarity (cosine, dot_product, max_inner_product); got="
              + similarity);
    }
    if (dims <= 0) {
      throw new IllegalArgumentException("dims must be > 0; got=" + dims);
    }
    if (prefixDims <= 0 || prefixDims >= dims) {
      throw new IllegalArgumentException(
          "prefixDims must be in [1, dims) = [1, " + dims + "); got=" + prefixDims);
    }
    if (similarity == null) {
      throw new IllegalArgumentException("similarity must not be null");
    }
    FieldType type = new FieldType();
    type.setVectorAttributes(dims, VectorEncoding.FLOAT32, similarity);
    type.putAttribute(MatryoshkaPrefix.PREFIX_DIMS_ATTRIBUTE, Integer.toString(prefixDims));
    if (encoding != null && encoding != MatryoshkaPrefix.Encoding.FLOAT32) {
      type.putAttribute(MatryoshkaPrefix.PREFIX_ENCODING_ATTRIBUTE, encoding.wireName());
    }
    type.freeze();
    return type;
  }

  /** Prefix dims recorded in a field type made by {@link #fieldType}, or -1. */
  public static int prefixDims(FieldType type) {
    String v = type.getAttributes() == null ? null : type.getAttributes().get(MatryoshkaPrefix.PREFIX_DIMS_ATTRIBUTE);
    return v == null ? -1 : Integer.parseInt(v);
  }

  /**
   * @param name field name
   * @param vector the full vector (not copied, unless COSINE indexes its unit vector: do not modify
   *     it afterwards)
   * @param type a type from {@link #fieldType}
   */
  public MatryoshkaVectorField(String name, float[] vector, FieldType type) {
    super(name, checkVector(name, vector, type), type);
  }

  /** Convenience: builds the field type on the fly. */
  public MatryoshkaVectorField(
      String name, float[] vector, int prefixDims, VectorSimilarityFunction similarity) {
    this(name, vector, fieldType(vector == null ? 0 : vector.length, prefixDims, similarity));
  }

  /**
   * Checks a vector against a field's type and returns the vector to index, by the rule of {@link
   * VectorDomain#document}: finite values; for COSINE a non-zero vector, replaced by its unit
   * vector when its norm is outside [{@link VectorDomain#MIN_COSINE_NORM}, {@link
   * VectorDomain#MAX_NORM}]; for the other similarities a norm of at most {@link
   * VectorDomain#MAX_NORM}. The message names the field and the value.
   *
   * @return the same vector, or a new unit-length array (COSINE outside the range above)
   */
  public static float[] checkVector(String name, float[] vector, FieldType type) {
    if (vector == null) {
      throw new IllegalArgumentException("field \"" + name + "\": vector must not be null");
    }
    if (type.vectorDimension() != vector.length) {
      throw new IllegalArgumentException(
          "field \"" + name + "\": vector has " + vector.length + " dims, the field has "
              + type.vectorDimension());
    }
    return VectorDomain.document(name, vector, type.vectorSimilarityFunction());
  }
}
