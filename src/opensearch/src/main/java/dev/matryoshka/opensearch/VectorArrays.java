package dev.matryoshka.opensearch;

import java.io.IOException;
import java.util.Arrays;
import org.opensearch.core.xcontent.XContentParser;

/**
 * Reads one vector, a JSON array of finite numbers, for documents ({@link
 * MatryoshkaVectorFieldMapper}) and queries ({@link MatryoshkaKnnQueryBuilder}): one loop, so a
 * vector the index accepts is a vector a query accepts, and both refuse the same input.
 *
 * <p>This is the JSON half of the check: a number too large for float32 (1e39) is refused here,
 * where its text can be quoted. What a vector must be for its field's similarity (non-zero for
 * cosine, a norm float32 can score for the others) is core's rule, {@link
 * dev.matryoshka.codec.VectorDomain}, which the mapper and the query builder apply next.
 */
final class VectorArrays {
  private VectorArrays() {}

  /**
   * Reads the array at the parser's current token, leaving the parser on its {@code END_ARRAY}.
   *
   * @param what names the value in messages, e.g. {@code field [emb]}
   * @throws IllegalArgumentException when the value is not an array, holds anything but numbers
   *     (strings, nested arrays, objects, nulls), or a number that does not fit a float
   */
  static float[] read(XContentParser parser, String what) throws IOException {
    XContentParser.Token start = parser.currentToken();
    if (start != XContentParser.Token.START_ARRAY) {
      throw new IllegalArgumentException(what + " must be an array of numbers; got " + start);
    }
    float[] values = new float[64];
    int n = 0;
    for (XContentParser.Token t = parser.nextToken(); t != XContentParser.Token.END_ARRAY; t = parser.nextToken()) {
      if (t != XContentParser.Token.VALUE_NUMBER) {
        throw new IllegalArgumentException(what + " must hold numbers only; got " + t + " at position " + n);
      }
      float v = parser.floatValue();
      if (!Float.isFinite(v)) {
        throw new IllegalArgumentException(what + " holds a non-finite number at position " + n + " (" + parser.text() + ")");
      }
      if (n == values.length) {
        values = Arrays.copyOf(values, 2 * n);
      }
      values[n++] = v;
    }
    return Arrays.copyOf(values, n);
  }
}
