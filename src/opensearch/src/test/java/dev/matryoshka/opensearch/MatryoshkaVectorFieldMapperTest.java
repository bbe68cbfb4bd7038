package dev.matryoshka.opensearch;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
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
import org.junit.jupiter.api.io.TempDir;
import org.opensearch.common.settings.Settings;
import org.opensearch.common.xcontent.XContentFactory;
import org.opensearch.core.xcontent.ToXContent;
import org.opensearch.core.xcontent.XContentBuilder;
import org.opensearch.index.mapper.ContentPath;
import org.opensearch.index.mapper.Mapper;
import org.opensearch.index.mapper.MapperParsingException;
import dev.matryoshka.search.MatryoshkaKnnQuery;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import org.opensearch.common.xcontent.json.JsonXContent;
import org.opensearch.core.xcontent.DeprecationHandler;
import org.opensearch.core.xcontent.NamedXContentRegistry;
import org.opensearch.core.xcontent.XContentParser;

/** A document's JSON vector becoming the Lucene field, at the edges of float32, without a node. */
class MatryoshkaVectorFieldMapperTest {
  static final float[] V8 = {1, 2, 3, 4, 5, 6, 7, 8};

  static MatryoshkaVectorFieldMapper.VectorFieldType field(String similarity, int dims, String adapterName, Adapter adapter) {
    return field(similarity, dims, adapterName, adapter, null);
  }

  static MatryoshkaVectorFieldMapper.VectorFieldType field(
      String similarity, int dims, String adapterName, Adapter adapter, Float mappingOversample) {
    return new MatryoshkaVectorFieldMapper.VectorFieldType(
        "emb", dims, 4, similarity, 16, 100, MatryoshkaPrefix.Encoding.FLOAT32, null, adapterName, adapter, adapterName,
        mappingOversample, dev.matryoshka.search.MatryoshkaKnnQuery.DEFAULT_TARGET_RECALL, Map.of());
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

  @TempDir Path config;

  /** A field built from a mapping as a node builds it ({@code "index.codec": "matryoshka"}), with this node's models folder. */
  private MatryoshkaVectorFieldMapper mapper(String json) throws IOException {
    Map<String, Object> node = new LinkedHashMap<>(JsonXContent.jsonXContent
        .createParser(NamedXContentRegistry.EMPTY, DeprecationHandler.THROW_UNSUPPORTED_OPERATION, json).map());
    node.remove("type");
    var b = new MatryoshkaVectorFieldMapper.Builder(
        "emb", MatryoshkaPlugin.CODEC, new NodeAdapters(config.resolve("adapters")), new ModelDefaults(config.resolve("models")));
    b.parse("emb", null, node);
    return b.build(new Mapper.BuilderContext(Settings.EMPTY, new ContentPath()));
  }

  private static String print(MatryoshkaVectorFieldMapper m, boolean includeDefaults) throws IOException {
    XContentBuilder x = XContentFactory.jsonBuilder().startObject();
    m.toXContent(x, includeDefaults ? new ToXContent.MapParams(Map.of("include_defaults", "true")) : ToXContent.EMPTY_PARAMS);
    return x.endObject().toString();
  }

  @Test
  void aFieldThatNamesAModelGetsTheLibrarysDefaults() throws IOException {
    var minimal = mapper("{\"type\":\"matryoshka_vector\",\"dims\":384,\"model\":\"bge-small-en-v1.5\"}");
    // bge-small is not trained for truncation: half its dims, as `bin/matryoshka index` picks
    assertEquals(dev.matryoshka.index.IndexSettings.defaultPrefixDims(384, false), minimal.type().prefixDims());
    assertEquals(192, minimal.type().prefixDims());
    assertNull(minimal.type().oversample(), "no mapping oversample: each segment's calibration");
    assertEquals(MatryoshkaKnnQuery.DEFAULT_TARGET_RECALL, minimal.type().targetRecall());
    // the mapping prints what was given; with include_defaults, what applies
    String given = print(minimal, false);
    assertEquals("{\"emb\":{\"type\":\"matryoshka_vector\",\"dims\":384,\"model\":\"bge-small-en-v1.5\"}}", given);
    String all = print(minimal, true);
    assertTrue(all.contains("\"prefix_dims\":192") && all.contains("\"target_recall\":" + MatryoshkaKnnQuery.DEFAULT_TARGET_RECALL) && all.contains("\"oversample\":null"), all);
    // printed and parsed again: the same field (what every node does with the cluster's mapping)
    var again = mapper(given.substring(given.indexOf(':') + 1, given.length() - 1));
    assertEquals(192, again.type().prefixDims());
    // no model: the old default; a model trained for truncation: 64
    assertEquals(64, mapper("{\"dims\":384}").type().prefixDims());
    assertEquals(4, mapper("{\"dims\":8,\"model\":\"bge-small-en-v1.5\"}").type().prefixDims(), "64 does not fit 8 dims");
    Path trained = Files.createDirectories(config.resolve("models/mrl"));
    Files.writeString(trained.resolve("matryoshka-model.json"), "{\"trainedForTruncation\": true}");
    assertEquals(64, mapper("{\"dims\":768,\"model\":\"mrl\"}").type().prefixDims());
    Files.createDirectories(config.resolve("models/plain"));
    assertEquals(384, mapper("{\"dims\":768,\"model\":\"plain\"}").type().prefixDims(), "a folder without config: not trained");
    Path broken = Files.createDirectories(config.resolve("models/broken"));
    Files.writeString(broken.resolve("matryoshka-model.json"), "{\"trainedForTruncation\": \"maybe\"");
    MapperParsingException e = assertThrows(MapperParsingException.class, () -> mapper("{\"dims\":768,\"model\":\"broken\"}"));
    assertTrue(e.getMessage().contains("[model] of field [emb]") && e.getMessage().contains("broken"), e.getMessage());
  }

  @Test
  void aBundledModelBringsItsShippedRotationAFolderDoesNot() throws IOException {
    var minimal = mapper("{\"dims\":384,\"model\":\"bge-small-en-v1.5\"}");
    Adapter shipped = dev.matryoshka.index.ModelRotations.forModel("bge-small-en-v1.5");
    assertTrue(shipped != null, "the library ships a rotation for the default model");
    assertTrue(minimal.type().hasAdapter());
    float[] v = new float[384];
    v[0] = 1;
    assertArrayEquals(shipped.apply(v), minimal.type().adapt(v), 0f, "the model's own rotation");
    assertNull(minimal.type().adapterName(), "not an adapter the user named: the mapping stays as given");
    // an explicit adapter wins; a model folder of the same name on the node gets no shipped rotation
    Files.createDirectories(config.resolve("models/bge-small-en-v1.5"));
    assertFalse(mapper("{\"dims\":384,\"model\":\"bge-small-en-v1.5\"}").type().hasAdapter());
    // "adapter": "none" opts out of it
    assertFalse(mapper("{\"dims\":384,\"model\":\"bge-small-en-v1.5\",\"adapter\":\"none\"}").type().hasAdapter());
    // a field whose dims are not the model's holds other vectors: no rotation
    assertFalse(mapper("{\"dims\":8,\"model\":\"all-MiniLM-L6-v2\"}").type().hasAdapter());
  }

  @Test
  void valuesTheUserSetsWin() throws IOException {
    var set = mapper("{\"dims\":384,\"model\":\"bge-small-en-v1.5\",\"prefix_dims\":64,\"oversample\":6,\"target_recall\":0.9}");
    assertEquals(64, set.type().prefixDims());
    assertEquals(6f, set.type().oversample());
    assertEquals(0.9, set.type().targetRecall());
    String printed = print(set, false);
    assertTrue(printed.contains("\"prefix_dims\":64") && printed.contains("\"oversample\":6.0") && printed.contains("\"target_recall\":0.9"),
        printed);
    // oversample and target_recall are updatable; prefix_dims is not
    var updated = (MatryoshkaVectorFieldMapper) set.merge(mapper("{\"dims\":384,\"model\":\"bge-small-en-v1.5\",\"prefix_dims\":64,\"target_recall\":0.99}"));
    assertEquals(0.99, updated.type().targetRecall());
    assertNull(updated.type().oversample(), "an update without oversample returns the field to calibration");
    IllegalArgumentException conflict = assertThrows(IllegalArgumentException.class,
        () -> set.merge(mapper("{\"dims\":384,\"model\":\"bge-small-en-v1.5\"}")));
    assertTrue(conflict.getMessage().contains("prefix_dims"), conflict.getMessage());
  }

  @Test
  void badTargetRecallOrOversampleIsRefusedNamingFieldAndValue() {
    for (String[] c : new String[][] {{"0", "got 0.0"}, {"1.5", "got 1.5"}, {"-0.2", "got -0.2"}, {"\"x\"", "[x]"},
        {"\"NaN\"", "got NaN"}}) {
      MapperParsingException e = assertThrows(MapperParsingException.class,
          () -> mapper("{\"dims\":8,\"prefix_dims\":4,\"target_recall\":" + c[0] + "}"));
      assertTrue(e.getMessage().contains("[target_recall] of field [emb]") && e.getMessage().contains(c[1]), e.getMessage());
    }
    MapperParsingException e = assertThrows(MapperParsingException.class, () -> mapper("{\"dims\":8,\"prefix_dims\":4,\"oversample\":0.5}"));
    assertTrue(e.getMessage().contains("[oversample] of field [emb] must be in [1, 100.0]; got 0.5"), e.getMessage());
    assertEquals(1.0, assertDoesNotThrowTarget("1"));
  }

  private double assertDoesNotThrowTarget(String value) {
    try {
      return mapper("{\"dims\":8,\"prefix_dims\":4,\"target_recall\":" + value + "}").type().targetRecall();
    } catch (IOException e) {
      throw new AssertionError(e);
    }
  }
}
