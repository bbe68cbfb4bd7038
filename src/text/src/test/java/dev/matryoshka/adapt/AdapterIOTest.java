package dev.matryoshka.adapt;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Random;
import org.apache.lucene.codecs.CodecUtil;
import org.apache.lucene.index.CorruptIndexException;
import org.apache.lucene.store.Directory;
import org.apache.lucene.store.FSDirectory;
import org.apache.lucene.store.IOContext;
import org.apache.lucene.store.IndexOutput;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AdapterIOTest {

  @TempDir Path tmp;

  static LearnedAdapter randomLearned(int dims, int hidden, long seed) {
    Random r = new Random(seed);
    float[][] parts = {
      new float[dims * dims], new float[dims], new float[hidden * dims], new float[hidden], new float[dims * hidden]
    };
    for (float[] p : parts) {
      for (int i = 0; i < p.length; i++) {
        p[i] = (float) r.nextGaussian();
      }
    }
    LearnedAdapter.Info info = new LearnedAdapter.Info(new int[] {2, dims}, 7, 5, 0.125, seed);
    return new LearnedAdapter("model-x", dims, hidden, true, parts[0], parts[1], parts[2], parts[3], parts[4], info);
  }

  private static void assertSameOutputs(Adapter a, Adapter b, int dims) {
    Random r = new Random(1);
    for (int t = 0; t < 5; t++) {
      float[] x = new float[dims];
      for (int i = 0; i < dims; i++) {
        x[i] = (float) r.nextGaussian();
      }
      assertArrayEquals(a.apply(x), b.apply(x));
    }
  }

  @Test
  void rotationRoundTrip() throws IOException {
    RotationAdapter rotation =
        RotationAdapter.fit(Synthetic.mixedDecaying(40, 16, 0.8, 1), new RotationOptions("bge", true));
    Path file = tmp.resolve("sub/adapter.mtad");
    AdapterIO.write(rotation, file);
    RotationAdapter back = assertInstanceOf(RotationAdapter.class, AdapterIO.read(file, "bge"));
    assertEquals("rotation", back.kind());
    assertEquals("bge", back.modelFingerprint());
    assertEquals(16, back.inputDims());
    assertTrue(back.centered());
    assertArrayEquals(rotation.matrixRef(), back.matrixRef());
    assertArrayEquals(rotation.variances(), back.variances());
    assertSameOutputs(rotation, back, 16);
  }

  @Test
  void learnedRoundTripWithAndWithoutMlp() throws IOException {
    for (int hidden : new int[] {0, 5}) {
      LearnedAdapter learned = randomLearned(6, hidden, hidden);
      Path file = tmp.resolve("learned" + hidden + ".mtad");
      AdapterIO.write(learned, file);
      LearnedAdapter back = assertInstanceOf(LearnedAdapter.class, AdapterIO.read(file));
      assertEquals(hidden, back.hiddenDims());
      assertTrue(back.normalizesOutput());
      assertEquals(learned.info().epochs(), back.info().epochs());
      assertEquals(learned.info().bestEpoch(), back.info().bestEpoch());
      assertEquals(learned.info().validationLoss(), back.info().validationLoss());
      assertEquals(learned.info().seed(), back.info().seed());
      assertArrayEquals(learned.info().prefixDims(), back.info().prefixDims());
      assertSameOutputs(learned, back, 6);
    }
  }

  @Test
  void overwritesAndLeavesNoTemporaryFiles() throws IOException {
    Path file = tmp.resolve("a.mtad");
    AdapterIO.write(randomLearned(3, 0, 1), file);
    AdapterIO.write(randomLearned(4, 0, 2), file);
    assertEquals(4, AdapterIO.read(file).inputDims());
    try (var files = Files.list(tmp)) {
      assertEquals(1, files.count());
    }
  }

  @Test
  void everyFlippedByteIsDetectedAndNamesThePath() throws IOException {
    Path file = tmp.resolve("flip.mtad");
    AdapterIO.write(randomLearned(3, 2, 3), file);
    byte[] good = Files.readAllBytes(file);
    int headerLength = CodecUtil.headerLength(AdapterIO.CODEC_NAME);
    for (int pos = 0; pos < good.length; pos++) {
      byte[] bad = good.clone();
      bad[pos] ^= 0x10;
      Files.write(file, bad);
      IOException e = assertThrows(IOException.class, () -> AdapterIO.read(file), "flip at " + pos);
      assertTrue(e.getMessage().contains(file.toString()), e.getMessage());
      if (pos >= headerLength - 4) { // outside magic and codec name; version flips say "version"
        assertTrue(e.getMessage().contains("corrupt") || e.getMessage().contains("version"), e.getMessage());
      }
      if (pos >= headerLength) {
        assertInstanceOf(CorruptIndexException.class, e);
        assertTrue(e.getMessage().contains("adapter file is corrupt"), e.getMessage());
      }
    }
  }

  @Test
  void truncatedFileIsCorrupt() throws IOException {
    Path file = tmp.resolve("cut.mtad");
    AdapterIO.write(randomLearned(4, 0, 4), file);
    byte[] good = Files.readAllBytes(file);
    for (int length : new int[] {0, 3, 20, good.length / 2, good.length - 1}) {
      Files.write(file, Arrays.copyOf(good, length));
      CorruptIndexException e = assertThrows(CorruptIndexException.class, () -> AdapterIO.read(file));
      assertTrue(e.getMessage().contains("corrupt"), e.getMessage());
      assertTrue(e.getMessage().contains(file.toString()), e.getMessage());
    }
  }

  @Test
  void foreignFileAndNewerVersionGetClearErrors() throws IOException {
    Path text = tmp.resolve("notes.txt");
    Files.writeString(text, "this is not an adapter, just some text that is long enough", StandardCharsets.UTF_8);
    CorruptIndexException foreign = assertThrows(CorruptIndexException.class, () -> AdapterIO.read(text));
    assertTrue(foreign.getMessage().contains("not an adapter file"), foreign.getMessage());

    try (Directory dir = FSDirectory.open(tmp);
        IndexOutput out = dir.createOutput("future.mtad", IOContext.DEFAULT)) {
      CodecUtil.writeHeader(out, AdapterIO.CODEC_NAME, AdapterIO.VERSION_CURRENT + 1);
      CodecUtil.writeFooter(out);
    }
    IOException future = assertThrows(IOException.class, () -> AdapterIO.read(tmp.resolve("future.mtad")));
    assertTrue(future.getMessage().contains("unsupported format version"), future.getMessage());
    assertTrue(future.getMessage().contains("future.mtad"), future.getMessage());

    assertThrows(java.nio.file.NoSuchFileException.class, () -> AdapterIO.read(tmp.resolve("missing.mtad")));
  }

  @Test
  void refusesAdapterMadeForAnotherModel() throws IOException {
    Path file = tmp.resolve("m.mtad");
    AdapterIO.write(randomLearned(3, 0, 5), file);
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> AdapterIO.read(file, "all-MiniLM-L6-v2"));
    assertTrue(e.getMessage().contains("'model-x'"), e.getMessage());
    assertTrue(e.getMessage().contains("'all-MiniLM-L6-v2'"), e.getMessage());
    assertEquals("model-x", AdapterIO.read(file, "model-x").modelFingerprint());
  }
}
