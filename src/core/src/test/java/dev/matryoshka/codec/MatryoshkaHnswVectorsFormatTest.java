package dev.matryoshka.codec;

import org.apache.lucene.codecs.Codec;
import org.apache.lucene.index.VectorSimilarityFunction;
import org.apache.lucene.tests.index.BaseKnnVectorsFormatTestCase;

/**
 * Lucene's own vectors-format test suite, run with a short default prefix (4 dims) so that nearly
 * every random field in the suite is stored as full vectors plus a truncated prefix graph.
 */
public class MatryoshkaHnswVectorsFormatTest extends BaseKnnVectorsFormatTestCase {

  @Override
  protected Codec getCodec() {
    return new MatryoshkaCodec(new MatryoshkaHnswVectorsFormat(4, 16, 100));
  }

  @Override
  protected boolean supportsFloatVectorFallback() {
    // No quantized copy that could fall back to raw floats: full vectors are the primary data.
    return false;
  }

  public void testToStringNamesEveryParameter() {
    String s = new MatryoshkaHnswVectorsFormat(32, 12, 90).toString();
    assertTrue(s, s.contains("defaultPrefixDims=32"));
    assertTrue(s, s.contains("maxConn=12"));
    assertTrue(s, s.contains("beamWidth=90"));
  }

  public void testEveryLuceneSimilarityHasOneWireNumber() {
    for (VectorSimilarityFunction f : VectorSimilarityFunction.values()) {
      assertEquals(f.toString(), 1, java.util.Collections.frequency(MatryoshkaFlatVectorsFormat.SIMILARITIES, f));
    }
  }

  public void testLimits() {
    expectThrows(IllegalArgumentException.class, () -> new MatryoshkaHnswVectorsFormat(-1, 16, 100));
    expectThrows(IllegalArgumentException.class, () -> new MatryoshkaHnswVectorsFormat(64, 0, 100));
    expectThrows(IllegalArgumentException.class, () -> new MatryoshkaHnswVectorsFormat(64, 16, 0));
    expectThrows(IllegalArgumentException.class, () -> new MatryoshkaHnswVectorsFormat(64, 513, 100));
    assertEquals(MatryoshkaHnswVectorsFormat.MAX_DIMENSIONS,
        new MatryoshkaHnswVectorsFormat().getMaxDimensions("f"));
  }
}
