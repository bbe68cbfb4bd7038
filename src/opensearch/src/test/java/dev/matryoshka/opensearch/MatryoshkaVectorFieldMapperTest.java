package dev.matryoshka.opensearch;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.matryoshka.adapt.Adapter;
import dev.matryoshka.adapt.RotationAdapter;
import dev.matryoshka.adapt.RotationOptions;
import dev.matryoshka.codec.MatryoshkaPrefix;
import java.io.IOException;
import java.util.Arrays;
import java.util.Map;
import java.util.Random;
import java.util.function.IntFunction;
import org.junit.jupiter.api.Test;
import org.opensearch.common.xcontent.json.JsonXContent;
import org.opensearch.core.xcontent.DeprecationHandler;
import org.opensearch.core.xcontent.NamedXContentRegistry;
import org.opensearch.core.xcontent.XContentParser;

/** A document's JSON vector becoming the Lucene field, at the edges of float32, without a node. */
class MatryoshkaVectorFieldMapperTest {
  static final float[] V8 = {1, 2, 3, 4, 5, 6, 7, 8};

  static MatryoshkaVectorFieldMapper.VectorFieldType field(String similarity, int dims, String adapterName, Adapter adapter) {
    return new MatryoshkaVectorFieldMapper.VectorFieldType(
        "emb", dims, 4, similarity, 16, 100, MatryoshkaPrefix.Encoding.FLOAT32, null, adapterName, adapter, 4f, Map.of());
  }

  static float[] json(String array) throws IOException {
    try (XContentParser p =
        JsonXContent.jsonXContent.createParser(NamedXContentRegistry.EMPTY, DeprecationHandler.THROW_UNSUPPORTED_OPERATION, array)) {
      p.nextToken();
      return VectorArrays.read(p, "field [emb]");
    }
  }

  /** A JSON array of {@code n} numbers, the i-th being {@code value.apply(i)}. */
  static String array(int n, IntFunction<String> value) {
    StringBuilder b = new StringBuilder("[");
    for (int i = 0; i < n; i++) b.append(i == 0 ? "" : ",").append(value.apply(i));
    return b.append(']').toString();
  }

  static float[] unit(float[] v) {
    double n = 0;
    for (float x : v) n += (double) x * x;
    float[] out = new float[v.length];
    for (int i = 0; i < v.length; i++) out[i] = (float) (v[i] / Math.sqrt(n));
    return out;
  }

  @Test
  void cosineDocumentsAtTheEdgesOfFloatIndexAsTheirDirection() throws IOException {
    var cosine = field("cosine", 8, null, null);
    float[] ordinary = json("[1,2,3,4,5,6,7,8]");
    assertSame(ordinary, MatryoshkaVectorFieldMapper.luceneField(cosine, ordinary).vectorValue(), "kept bit for bit");
    String[] edges = {array(8, i -> (i + 1) + "e37"), array(8, i -> "1e38"), array(8, i -> (i + 1) + "e-40")};
    float[][] want = {unit(V8), unit(new float[] {1, 1, 1, 1, 1, 1, 1, 1}), unit(V8)};
    for (int e = 0; e < edges.length; e++) {
      float[] indexed = MatryoshkaVectorFieldMapper.luceneField(cosine, json(edges[e])).vectorValue();
      // subnormal numbers keep ~13 bits: their direction is V8's to ~1e-4
      assertArrayEquals(want[e], indexed, e == 2 ? 1e-4f : 1e-7f, edges[e]);
    }
  }

  @Test
  void documentsNoSimilarityCanScoreAreRefusedNamingTheField() throws IOException {
    float[] huge = json(array(8, i -> (i + 1) + "e37"));
    for (String sim : new String[] {"dot_product", "max_inner_product", "l2"}) {
      var type = field(sim, 8, null, null);
      IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> MatryoshkaVectorFieldMapper.luceneField(type, huge));
      assertTrue(e.getMessage().contains("field \"emb\": vector norm must be at most 2^62"), e.getMessage());
      // tiny vectors have finite, correctly rounded scores there: accepted as given
      float[] tiny = json(array(8, i -> (i + 1) + "e-40"));
      assertSame(tiny, MatryoshkaVectorFieldMapper.luceneField(type, tiny).vectorValue(), sim);
    }
    var cosine = field("cosine", 8, null, null);
    IllegalArgumentException zero = assertThrows(IllegalArgumentException.class,
        () -> MatryoshkaVectorFieldMapper.luceneField(cosine, json("[0,0,0,0,0,0,0,0]")));
    assertTrue(zero.getMessage().contains("field \"emb\"") && zero.getMessage().contains("zero vector"), zero.getMessage());
    // numbers below float32's smallest subnormal arrive as 0: a cosine vector of them has no direction
    assertThrows(IllegalArgumentException.class, () -> MatryoshkaVectorFieldMapper.luceneField(cosine, json(array(8, i -> "1e-50"))));
    IllegalArgumentException inf = assertThrows(IllegalArgumentException.class, () -> json("[1,2,3,4,5,6,7,1e39]"));
    assertTrue(inf.getMessage().contains("field [emb]") && inf.getMessage().contains("position 7 (1e39)"), inf.getMessage());
  }

  @Test
  void anAdapterThatMapsAVectorOutOfFloatIsNamed() throws IOException {
    Random r = new Random(5);
    float[][] sample = new float[400][64];
    for (float[] row : sample) for (int i = 0; i < row.length; i++) row[i] = (float) r.nextGaussian();
    RotationAdapter rotation = RotationAdapter.fit(sample, RotationOptions.forModel("test"));
    var type = field("cosine", 64, "rot", rotation);
    // float32's largest value everywhere: finite, but a rotation's output leaves float32's range
    float[] max = new float[64];
    Arrays.fill(max, Float.MAX_VALUE);
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> MatryoshkaVectorFieldMapper.luceneField(type, max));
    assertTrue(e.getMessage().contains("adapter [rot] maps this vector to one the field cannot score"), e.getMessage());
    // a vector scaled by 1e30 rotates to a finite one, indexed as its direction
    float[] scaled = new float[64];
    for (int i = 0; i < 64; i++) scaled[i] = sample[0][i] * 1e30f;
    float[] indexed = MatryoshkaVectorFieldMapper.luceneField(type, scaled).vectorValue();
    assertArrayEquals(unit(rotation.apply(sample[0])), indexed, 1e-6f);
    assertEquals(1.0, dev.matryoshka.codec.VectorDomain.norm(indexed, 64), 1e-6);
  }
}
