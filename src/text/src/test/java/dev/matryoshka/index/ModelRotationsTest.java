package dev.matryoshka.index;

import static org.junit.jupiter.api.Assertions.*;

import dev.matryoshka.adapt.Adapter;
import dev.matryoshka.adapt.AdapterIO;
import dev.matryoshka.adapt.RotationAdapter;
import dev.matryoshka.encode.EncoderOptions;
import dev.matryoshka.encode.ModelConfig;
import dev.matryoshka.encode.ModelInfo;
import dev.matryoshka.encode.Models;
import dev.matryoshka.encode.TextEncoder;
import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import org.apache.lucene.index.CorruptIndexException;
import org.apache.lucene.index.VectorSimilarityFunction;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The rotations shipped with the bundled models, and {@code auto} choosing them. */
class ModelRotationsTest {

  @TempDir Path tmp;

  @Test
  void everyBundledModelShipsAnOrthogonalRotationFittedOnItsOwnBytes() throws Exception {
    assertEquals(Models.knownNames(), ModelRotations.models(), "a rotation ships for every bundled model");
    for (String name : Models.knownNames()) {
      Adapter a = ModelRotations.forModel(name);
      assertNotNull(a, name);
      assertSame(a, ModelRotations.forModel(name.toUpperCase(java.util.Locale.ROOT)), "names match ignoring case");
      assertEquals(384, a.inputDims(), name);
      assertEquals(384, a.outputDims(), name);
      assertEquals(Models.fingerprint(name), a.modelFingerprint(), name + ": fitted on this model's bytes");
      assertSame(a, ModelRotations.forFingerprint(a.modelFingerprint()), name);
      RotationAdapter r = assertInstanceOf(RotationAdapter.class, a, name);
      assertTrue(r.centered(), name + " is a centred PCA");
      assertEquals(RotationAdapter.Fit.PCA, r.fitKind(), name);
      assertEquals("rotation-centered", a.label(), name);

      float[] m = r.matrix();
      int d = a.inputDims();
      double worst = 0;
      for (int i = 0; i < d; i++) {
        for (int j = i; j < d; j++) {
          double dot = 0;
          for (int k = 0; k < d; k++) {
            dot += (double) m[i * d + k] * m[j * d + k];
          }
          worst = Math.max(worst, Math.abs(dot - (i == j ? 1 : 0)));
        }
      }
      assertTrue(worst < 1e-5, name + ": R R^T differs from I by " + worst);

      float[] var = r.variances();
      for (int i = 1; i < var.length; i++) {
        assertTrue(var[i] <= var[i - 1], name + ": variances by decreasing size at " + i);
      }
      assertTrue(var[0] > 0, name);
      // general text puts a real share of the variance in the prefix (the raw prefix would hold
      // about 64/384 = 0.17 of it if the variance were spread evenly)
      assertTrue(r.capturedFraction(64) > 0.3, name + ": 64 dims hold " + r.capturedFraction(64));

      Random rnd = new Random(name.hashCode());
      double change = 0;
      for (int t = 0; t < 200; t++) {
        float[] x = gaussian(rnd, d);
        float[] y = gaussian(rnd, d);
        float before = VectorSimilarityFunction.COSINE.compare(x, y);
        float after = VectorSimilarityFunction.COSINE.compare(a.apply(x), a.apply(y));
        change = Math.max(change, Math.abs(before - after));
      }
      assertTrue(change < 1e-5, name + ": full-dimension cosines change by " + change);
    }
  }

  @Test
  void autoUsesTheShippedRotationWhereNoRotationCanBeFittedOnTheCorpus() throws Exception {
    for (String name : Models.knownNames()) {
      try (TextEncoder enc = Models.open(name, EncoderOptions.defaults())) {
        ModelInfo info = enc.info();
        assertSame(ModelRotations.forModel(name), ModelRotations.forEncoder(info), name);
        // the per-index fit measured better, so it stays first; a corpus too small for it (fewer
        // documents than dims) gets the shipped rotation instead of none
        assertEquals("rotation-centered", AdapterBuilder.auto(info, 10_000, info.dims()), name);
        assertEquals("rotation-centered", AdapterBuilder.auto(info, info.dims(), info.dims()), name);
        assertEquals(ModelRotations.KIND, AdapterBuilder.auto(info, info.dims() - 1, info.dims()), name);
        assertEquals(ModelRotations.KIND, AdapterBuilder.auto(info, 0, info.dims()), name);
        Adapter built = AdapterBuilder.build(ModelRotations.KIND, null, null, null, info.fingerprint(), 1, null);
        assertSame(ModelRotations.forModel(name), built, name);
        if (name.equals(Models.DEFAULT_MODEL)) {
          // the fp32 and int8 models are different bytes, so each has its own rotation
          assertNotSame(built, ModelRotations.forModel(name + "-q"));
        }
      }
    }
  }

  @Test
  void aUserModelFallsBackToTheRotationFittedPerIndex() throws Exception {
    // a folder holding a bundled model's exact bytes is still a user model: its config (and so
    // its vectors) may differ, so it is fitted on its corpus as before
    Path dir = Files.createDirectories(tmp.resolve("my-model"));
    try (InputStream in = Models.class.getResourceAsStream("/all-minilm-l6-v2-q.onnx")) {
      Files.copy(in, dir.resolve(Models.MODEL_FILE));
    }
    String fp = Models.fingerprint(dir.toString());
    assertEquals(Models.fingerprint("all-MiniLM-L6-v2-q"), fp);
    assertNull(ModelRotations.forModel(dir.toString()), "a folder is not a bundled name");
    ModelConfig config = ModelConfig.defaults("my-model").withFlags(true, false, false);
    ModelInfo folder = new ModelInfo("all-MiniLM-L6-v2-q", 384, fp, config, dir.toString());
    assertNull(ModelRotations.forEncoder(folder), "a folder, even named like a bundled model");
    assertEquals("rotation-centered", AdapterBuilder.auto(folder, 10_000, 384));
    assertEquals("none", AdapterBuilder.auto(folder, 383, 384), "too few documents to fit a rotation");
    ModelInfo trained = new ModelInfo("m", 384, fp, config.withFlags(true, false, true), dir.toString());
    assertEquals("none", AdapterBuilder.auto(trained, 10_000, 384), "Matryoshka-trained");
    assertEquals("none", AdapterBuilder.auto(trained, 10, 384), "Matryoshka-trained");
    assertEquals("none", AdapterBuilder.auto(null, 10_000, 384), "precomputed vectors");

    // a bundled name whose bytes are not the ones the rotation was fitted on gets none either
    ModelInfo changed = new ModelInfo(Models.DEFAULT_MODEL, 384, "0".repeat(64), config, "classpath:/x.onnx");
    assertNull(ModelRotations.forEncoder(changed));
    assertEquals("rotation-centered", AdapterBuilder.auto(changed, 10_000, 384));
    assertEquals("none", AdapterBuilder.auto(changed, 100, 384));

    // asked for explicitly where none ships: an error naming the kind and the fingerprint
    var e = assertThrows(IllegalArgumentException.class,
        () -> AdapterBuilder.build(ModelRotations.KIND, null, null, null, "f".repeat(64), 1, null));
    assertTrue(e.getMessage().contains("model-rotation") && e.getMessage().contains("f".repeat(64))
        && e.getMessage().contains("rotation-centered"), e.getMessage());
    assertNull(ModelRotations.forModel("no-such-model-here/"), "an unknown folder-like name");
  }

  @Test
  void aShippedFileIsCheckedLikeAnyAdapterFile() throws Exception {
    String res = ModelRotations.resourceName(Models.DEFAULT_MODEL);
    byte[] bytes;
    try (InputStream in = ModelRotations.class.getResourceAsStream(res)) {
      bytes = in.readAllBytes();
    }
    Adapter a = AdapterIO.read(new ByteArrayInputStream(bytes), "classpath:" + res, Models.fingerprint(Models.DEFAULT_MODEL));
    assertArrayEquals(((RotationAdapter) ModelRotations.forModel(Models.DEFAULT_MODEL)).matrix(), ((RotationAdapter) a).matrix());
    bytes[bytes.length / 2] ^= 0x10;
    var corrupt = assertThrows(CorruptIndexException.class,
        () -> AdapterIO.read(new ByteArrayInputStream(bytes), "classpath:" + res, null));
    assertTrue(corrupt.getMessage().contains("classpath:" + res), corrupt.getMessage());
  }

  private static float[] gaussian(Random rnd, int d) {
    float[] v = new float[d];
    for (int i = 0; i < d; i++) {
      v[i] = (float) rnd.nextGaussian();
    }
    return v;
  }
}
