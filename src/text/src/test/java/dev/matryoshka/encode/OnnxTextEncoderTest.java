package dev.matryoshka.encode;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** Real-model tests on the two fp32 bundled models. */
class OnnxTextEncoderTest {

  static final float TOL = 1e-4f;
  static OnnxTextEncoder bge;
  static OnnxTextEncoder minilm;

  static final List<String> MIXED =
      List.of(
          "Short.",
          "A considerably longer sentence about proteins folding in the endoplasmic reticulum,"
              + " written so that it needs many more tokens than the others in this batch.",
          "Medium length text about cats and dogs.",
          "x",
          "Vitamin D deficiency is associated with an increased risk of respiratory infection.",
          "Two words",
          "The quick brown fox jumps over the lazy dog near the river bank at dawn.",
          "Lucene");

  @BeforeAll
  static void open() throws Exception {
    EncoderOptions opts = EncoderOptions.defaults().withIntraOpThreads(2);
    bge = (OnnxTextEncoder) Models.open("bge-small-en-v1.5", opts);
    minilm = (OnnxTextEncoder) Models.open("all-MiniLM-L6-v2", opts);
  }

  @AfterAll
  static void close() {
    bge.close();
    minilm.close();
  }

  static Stream<OnnxTextEncoder> encoders() {
    return Stream.of(bge, minilm);
  }

  static double dot(float[] a, float[] b) {
    double s = 0;
    for (int i = 0; i < a.length; i++) {
      s += (double) a[i] * b[i];
    }
    return s;
  }

  @ParameterizedTest(autoCloseArguments = false) // the encoders are shared by the class
  @MethodSource("encoders")
  void vectorsAreUnitNormWith384Dims(OnnxTextEncoder enc) {
    assertEquals(384, enc.info().dims());
    assertEquals(384, enc.info().config().dims());
    float[][] v = enc.encodeDocuments(MIXED);
    assertEquals(MIXED.size(), v.length);
    for (float[] x : v) {
      assertEquals(384, x.length);
      assertEquals(1.0, Math.sqrt(dot(x, x)), 1e-5);
    }
  }

  @ParameterizedTest(autoCloseArguments = false) // the encoders are shared by the class
  @MethodSource("encoders")
  void batchEqualsSingleAndKeepsInputOrder(OnnxTextEncoder enc) {
    float[][] batch = enc.encodeDocuments(MIXED);
    for (int i = 0; i < MIXED.size(); i++) {
      assertArrayEquals(enc.encodeDocument(MIXED.get(i)), batch[i], TOL, "text " + i);
    }
  }

  @Test
  void orderPreservedAcrossSeveralSortedBatches() throws Exception {
    // batch size 3 over 8 texts of mixed length: sorting moves texts across batches
    try (TextEncoder small =
        Models.open("all-MiniLM-L6-v2", EncoderOptions.defaults().withBatchSize(3))) {
      List<String> reversed = new ArrayList<>(MIXED);
      Collections.reverse(reversed);
      float[][] a = small.encodeDocuments(MIXED);
      float[][] b = small.encodeDocuments(reversed);
      for (int i = 0; i < MIXED.size(); i++) {
        assertArrayEquals(a[i], b[MIXED.size() - 1 - i], TOL, "text " + i);
        assertArrayEquals(minilm.encodeDocument(MIXED.get(i)), a[i], TOL, "text " + i);
      }
    }
  }

  @ParameterizedTest(autoCloseArguments = false) // the encoders are shared by the class
  @MethodSource("encoders")
  void paraphraseIsCloserThanUnrelated(OnnxTextEncoder enc) {
    float[][] v =
        enc.encodeDocuments(
            List.of("A man is playing a guitar.", "A man plays the guitar.",
                "The stock market fell."));
    assertTrue(dot(v[0], v[1]) > dot(v[0], v[2]) + 0.3, enc.info().name());
  }

  @Test
  void bgeSimilaritiesMatchObservedValues() {
    float[][] v =
        bge.encodeDocuments(
            List.of("A man is playing a guitar.", "A man plays the guitar.",
                "The stock market fell."));
    // observed 0.989 and 0.386 with onnxruntime 1.22 / tokenizers 0.21
    assertTrue(dot(v[0], v[1]) > 0.95, "paraphrase " + dot(v[0], v[1]));
    assertTrue(dot(v[0], v[2]) < 0.5, "unrelated " + dot(v[0], v[2]));
  }

  @Test
  void miniLmMatchesSentenceTransformersReference() {
    // the similarity matrix printed in the sentence-transformers quickstart for all-MiniLM-L6-v2
    float[][] v =
        minilm.encodeDocuments(
            List.of("The weather is lovely today.", "It's so sunny outside!",
                "He drove to the stadium."));
    assertEquals(0.6660, dot(v[0], v[1]), 2e-3);
    assertEquals(0.1046, dot(v[0], v[2]), 2e-3);
    assertEquals(0.1411, dot(v[1], v[2]), 2e-3);
  }

  @Test
  void queryPrefixChangesTheQueryVector() {
    String text = "what causes vitamin d deficiency";
    float[] q = bge.encodeQuery(text);
    float[] d = bge.encodeDocument(text);
    double c = dot(q, d);
    assertTrue(c < 0.999 && c > 0.8, "cosine " + c);
    assertArrayEquals(bge.encodeDocument(Models.BGE_QUERY_PREFIX + text), q, TOL);
    // MiniLM has no prefixes: query and document vectors agree
    assertArrayEquals(minilm.encodeDocument(text), minilm.encodeQuery(text), TOL);
  }

  static String words(int n) {
    StringBuilder sb = new StringBuilder();
    String[] w = {"protein", "cell", "the", "of", "mutation", "growth", "signal", "tumour"};
    for (int i = 0; i < n; i++) {
      sb.append(w[i % w.length]).append(i % 7 == 6 ? ". " : " ");
    }
    return sb.toString();
  }

  @ParameterizedTest(autoCloseArguments = false) // the encoders are shared by the class
  @MethodSource("encoders")
  void longTextIsTruncatedAndCounted(OnnxTextEncoder enc) {
    long before = enc.inputsTruncated();
    String longText = words(5000);
    float[] v = enc.encodeDocument(longText);
    assertEquals(1.0, Math.sqrt(dot(v, v)), 1e-5);
    assertEquals(before + 1, enc.inputsTruncated());
    enc.encodeDocuments(List.of("short text", "another short one"));
    assertEquals(before + 1, enc.inputsTruncated());
    int max = enc.info().config().maxTokens();
    assertEquals(max, enc.tokenizer().encode(longText).getIds().length);
  }

  @Test
  void tokenizerFilesOwnPaddingAndTruncationAreOverridden() {
    // MiniLM's tokenizer.json pads and cuts at 128; we want no padding and a cut at 256
    assertEquals(3, minilm.tokenizer().encode("hello").getIds().length);
    String text = words(200);
    int n = minilm.tokenizer().encode(text).getIds().length;
    assertTrue(n > 128 && n <= 256, "tokens " + n);
    long before = minilm.inputsTruncated();
    minilm.encodeDocument(text);
    assertEquals(before, minilm.inputsTruncated());
  }

  @ParameterizedTest(autoCloseArguments = false) // the encoders are shared by the class
  @MethodSource("encoders")
  void emptyAndBlankTextsAreRejectedNamingTheIndex(OnnxTextEncoder enc) {
    for (String bad : List.of("", "   ", "\t\n", "\u0000\u0001")) {
      IllegalArgumentException e =
          assertThrows(
              IllegalArgumentException.class,
              () -> enc.encodeDocuments(List.of("fine", "also fine", bad)));
      assertTrue(e.getMessage().contains("index 2"), e.getMessage());
    }
    assertThrows(IllegalArgumentException.class, () -> enc.encodeQuery(" "));
  }

  @Test
  void nullsAreRejectedWithClearMessages() {
    NullPointerException e =
        assertThrows(
            NullPointerException.class, () -> bge.encodeDocuments(Arrays.asList("a", null)));
    assertTrue(e.getMessage().contains("index 1"), e.getMessage());
    assertThrows(NullPointerException.class, () -> bge.encodeDocuments(null));
    e = assertThrows(NullPointerException.class, () -> bge.encodeQuery(null));
    assertTrue(e.getMessage().contains("null"), e.getMessage());
  }

  @ParameterizedTest(autoCloseArguments = false) // the encoders are shared by the class
  @MethodSource("encoders")
  void unpairedSurrogatesAndControlCharactersDoNotCrash(OnnxTextEncoder enc) {
    List<String> bad =
        List.of("abc\uD800def", "\uDC00 lone low first", "ends with high \uD83D",
            "nul\u0000inside\u0007bell", "emoji \uD83D\uDE00 is fine");
    float[][] v = enc.encodeDocuments(bad);
    for (float[] x : v) {
      assertEquals(1.0, Math.sqrt(dot(x, x)), 1e-5);
    }
    assertArrayEquals(enc.encodeDocument("abc\uFFFDdef"), v[0], TOL);
    assertArrayEquals(enc.encodeDocument("nul inside bell"), v[3], TOL);
  }

  @Test
  void countersCountTexts() {
    long before = minilm.textsEncoded();
    minilm.encodeDocuments(List.of("one", "two", "three"));
    minilm.encodeQuery("four");
    assertEquals(before + 4, minilm.textsEncoded());
  }

  @Test
  void concurrentCallsGiveTheSameVectors() throws Exception {
    float[][] expected = minilm.encodeDocuments(MIXED);
    ExecutorService pool = Executors.newFixedThreadPool(3);
    try {
      List<Future<float[][]>> futures = new ArrayList<>();
      for (int i = 0; i < 6; i++) {
        futures.add(pool.submit(() -> minilm.encodeDocuments(MIXED)));
      }
      for (Future<float[][]> f : futures) {
        float[][] got = f.get();
        for (int i = 0; i < expected.length; i++) {
          assertArrayEquals(expected[i], got[i], TOL);
        }
      }
    } finally {
      pool.shutdown();
    }
  }

  @Test
  void closedEncoderRefusesWork() throws Exception {
    TextEncoder e = Models.open("all-MiniLM-L6-v2-q", EncoderOptions.defaults());
    assertEquals(384, e.encodeDocument("int8 works").length);
    e.close();
    e.close(); // idempotent
    assertThrows(IllegalStateException.class, () -> e.encodeDocument("too late"));
  }

  @Test
  void infoDescribesTheModel() {
    ModelInfo i = bge.info();
    assertEquals("bge-small-en-v1.5", i.name());
    assertEquals(Pooling.CLS, i.config().pooling());
    assertEquals(512, i.config().maxTokens());
    assertEquals(64, i.fingerprint().length());
    assertFalse(i.config().trainedForTruncation());
    assertEquals(Pooling.MEAN, minilm.info().config().pooling());
    assertEquals(256, minilm.info().config().maxTokens());
  }
}
