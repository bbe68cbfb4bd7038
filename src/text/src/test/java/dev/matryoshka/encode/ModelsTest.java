package dev.matryoshka.encode;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Loading by name and by folder, and every way loading can fail. */
class ModelsTest {

  @TempDir static Path shared;
  static Path modelFile;
  static Path tokenizerFile;

  /** A real (small, int8) model laid out as a folder, copied once from the class path. */
  @BeforeAll
  static void extract() throws IOException {
    modelFile = shared.resolve("all-minilm-l6-v2-q.onnx");
    tokenizerFile = shared.resolve("all-minilm-l6-v2-q-tokenizer.json");
    for (Path p : new Path[] {modelFile, tokenizerFile}) {
      try (InputStream in = Models.class.getResourceAsStream("/" + p.getFileName())) {
        Files.copy(in, p);
      }
    }
  }

  static Path folder(Path parent, String name, boolean model, boolean tokenizer)
      throws IOException {
    Path dir = Files.createDirectories(parent.resolve(name));
    if (model) {
      Files.copy(modelFile, dir.resolve(Models.MODEL_FILE), StandardCopyOption.REPLACE_EXISTING);
    }
    if (tokenizer) {
      Files.copy(tokenizerFile, dir.resolve(Models.TOKENIZER_FILE));
    }
    return dir;
  }

  static String msg(Throwable t) {
    return String.valueOf(t.getMessage());
  }

  @Test
  void unknownNameListsTheKnownNames() {
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class,
            () -> Models.open("bge-large-xx", EncoderOptions.defaults()));
    assertTrue(msg(e).contains("bge-large-xx"), msg(e));
    for (String known : Models.knownNames()) {
      assertTrue(msg(e).contains(known), msg(e));
    }
    assertEquals(
        java.util.List.of(
            "bge-small-en-v1.5", "bge-small-en-v1.5-q", "all-MiniLM-L6-v2", "all-MiniLM-L6-v2-q"),
        Models.knownNames());
  }

  @Test
  void missingFolderIsNamed(@TempDir Path tmp) {
    Path missing = tmp.resolve("no-such-model");
    IOException e =
        assertThrows(
            IOException.class, () -> Models.open(missing.toString(), EncoderOptions.defaults()));
    assertTrue(msg(e).contains(missing.toString()), msg(e));
  }

  @Test
  void missingFilesAreNamed(@TempDir Path tmp) throws IOException {
    Path noModel = folder(tmp, "no-model", false, true);
    IOException e =
        assertThrows(
            IOException.class, () -> Models.open(noModel.toString(), EncoderOptions.defaults()));
    assertTrue(msg(e).contains(noModel.resolve("model.onnx").toString()), msg(e));

    Path noTok = folder(tmp, "no-tokenizer", true, false);
    e = assertThrows(
        IOException.class, () -> Models.open(noTok.toString(), EncoderOptions.defaults()));
    assertTrue(msg(e).contains(noTok.resolve("tokenizer.json").toString()), msg(e));
  }

  @Test
  void corruptModelGivesAClearError(@TempDir Path tmp) throws IOException {
    Path dir = folder(tmp, "corrupt", false, true);
    Path model = dir.resolve(Models.MODEL_FILE);
    Files.writeString(model, "this is not an ONNX protobuf, just garbage \u0001\u0002\u0003");
    IOException e =
        assertThrows(
            IOException.class, () -> Models.open(dir.toString(), EncoderOptions.defaults()));
    assertTrue(msg(e).contains(model.toString()), msg(e));
    assertTrue(msg(e).contains("ONNX"), msg(e));
  }

  @Test
  void corruptTokenizerGivesAClearError(@TempDir Path tmp) throws IOException {
    Path dir = folder(tmp, "bad-tokenizer", true, false);
    Path tok = dir.resolve(Models.TOKENIZER_FILE);
    Files.writeString(tok, "{\"not\": \"a tokenizer\"");
    IOException e =
        assertThrows(
            IOException.class, () -> Models.open(dir.toString(), EncoderOptions.defaults()));
    assertTrue(msg(e).contains(tok.toString()), msg(e));
  }

  @Test
  void malformedConfigIsNamed(@TempDir Path tmp) throws IOException {
    Path dir = folder(tmp, "bad-config", true, true);
    Path cfg = dir.resolve(ModelConfig.FILE_NAME);
    Files.writeString(cfg, "{\"pooling\": \"max\"}");
    IOException e =
        assertThrows(
            IOException.class, () -> Models.open(dir.toString(), EncoderOptions.defaults()));
    assertTrue(msg(e).contains(cfg.toString()) && msg(e).contains("pooling"), msg(e));
  }

  @Test
  void folderWithoutConfigUsesDefaultsAndMatchesTheBundledModel(@TempDir Path tmp)
      throws IOException {
    Path dir = folder(tmp, "my-minilm", true, true);
    String text = "Folder models and bundled models share one code path.";
    try (TextEncoder fromDir = Models.open(dir.toString(), EncoderOptions.defaults());
        TextEncoder bundled = Models.open("all-minilm-l6-v2-q", EncoderOptions.defaults())) {
      ModelInfo i = fromDir.info();
      assertEquals("my-minilm", i.name());
      assertEquals(Pooling.MEAN, i.config().pooling());
      assertEquals(ModelConfig.DEFAULT_MAX_TOKENS, i.config().maxTokens());
      assertEquals(384, i.dims());
      assertEquals(dir.toString(), i.source());
      assertEquals(bundled.info().fingerprint(), i.fingerprint());
      assertArrayEquals(bundled.encodeDocument(text), fromDir.encodeDocument(text), 1e-5f);
    }
  }

  @Test
  void folderConfigIsApplied(@TempDir Path tmp) throws IOException {
    Path dir = folder(tmp, "configured", true, true);
    ModelConfig.defaults("nomic-style")
        .withPooling(Pooling.CLS)
        .withPrefixes("search_query: ", "search_document: ")
        .withMaxTokens(64)
        .withFlags(true, true, true)
        .write(dir.resolve(ModelConfig.FILE_NAME));
    try (TextEncoder enc = Models.open(dir.toString(), EncoderOptions.defaults())) {
      ModelConfig c = enc.info().config();
      assertEquals("nomic-style", enc.info().name());
      assertEquals(Pooling.CLS, c.pooling());
      assertTrue(c.layerNormBeforeTruncation() && c.trainedForTruncation());
      assertEquals(384, c.dims());
      float[] v = enc.encodeDocument("layer norm then unit length");
      double sq = 0;
      double sum = 0;
      for (float x : v) {
        sq += x * x;
        sum += x;
      }
      assertEquals(1.0, Math.sqrt(sq), 1e-5);
      // layer norm centres the vector, so its components sum to ~0
      assertEquals(0.0, sum, 1e-3);
      enc.encodeDocument(ModelsTest.class.getName().repeat(40));
      assertEquals(1, enc.inputsTruncated());
    }
  }

  @Test
  void sentenceTransformersFilesSetLimitAndPooling(@TempDir Path tmp) throws IOException {
    Path dir = tmp.resolve("st-export");
    Files.createDirectories(dir.resolve("1_Pooling"));
    ModelConfig d = ModelConfig.defaults("st-export");
    assertEquals(d, Models.sentenceTransformersDefaults(dir, d));
    Files.writeString(
        dir.resolve("sentence_bert_config.json"),
        "{\"max_seq_length\": 256, \"do_lower_case\": false}");
    Files.writeString(
        dir.resolve("1_Pooling/config.json"),
        "{\"word_embedding_dimension\": 384, \"pooling_mode_cls_token\": true,"
            + " \"pooling_mode_mean_tokens\": false}");
    ModelConfig c = Models.sentenceTransformersDefaults(dir, d);
    assertEquals(256, c.maxTokens());
    assertEquals(Pooling.CLS, c.pooling());
    Files.writeString(dir.resolve("sentence_bert_config.json"), "{broken");
    IOException e =
        assertThrows(IOException.class, () -> Models.sentenceTransformersDefaults(dir, d));
    assertTrue(msg(e).contains("sentence_bert_config.json"), msg(e));
  }

  @Test
  void configDimsMustMatchTheModel(@TempDir Path tmp) throws IOException {
    Path dir = folder(tmp, "wrong-dims", true, true);
    Files.writeString(dir.resolve(ModelConfig.FILE_NAME), "{\"dims\": 768}");
    IOException e =
        assertThrows(
            IOException.class, () -> Models.open(dir.toString(), EncoderOptions.defaults()));
    assertTrue(msg(e).contains("384") && msg(e).contains("768"), msg(e));
  }

  @Test
  void fingerprintIsStableAndFollowsFileChanges(@TempDir Path tmp) throws IOException {
    String a = Models.fingerprint("bge-small-en-v1.5");
    String b = Models.fingerprint("bge-small-en-v1.5");
    assertEquals(a, b);
    assertTrue(a.matches("[0-9a-f]{64}"), a);
    assertNotEquals(a, Models.fingerprint("bge-small-en-v1.5-q"));

    Path dir = folder(tmp, "changing", true, true);
    String before = Models.fingerprint(dir.toString());
    assertEquals(Models.fingerprint("all-MiniLM-L6-v2-q"), before);
    Files.write(
        dir.resolve(Models.MODEL_FILE), new byte[] {1, 2, 3}, StandardOpenOption.APPEND);
    assertNotEquals(before, Models.fingerprint(dir.toString()));
  }

  @Test
  void filesGiveTheCallerItsOwnSessionAndTokenizer(@TempDir Path tmp) throws Exception {
    ModelFiles bundled = Models.files("all-MiniLM-L6-v2-q");
    assertEquals("all-MiniLM-L6-v2-q", bundled.config().name());
    assertEquals(Models.fingerprint("all-MiniLM-L6-v2-q"), bundled.fingerprint());
    ModelFiles folder = Models.files(folder(tmp, "own", true, true).toString());
    assertEquals(bundled.fingerprint(), folder.fingerprint());
    assertEquals("own", folder.config().name());
    try (TextEncoder enc = Models.open("all-MiniLM-L6-v2-q", EncoderOptions.defaults())) {
      float[] before = enc.encodeDocument("a text encoded before and after");
      ai.onnxruntime.OrtEnvironment env = ai.onnxruntime.OrtEnvironment.getEnvironment();
      for (ModelFiles f : new ModelFiles[] {bundled, folder}) {
        try (ai.onnxruntime.OrtSession.SessionOptions so = new ai.onnxruntime.OrtSession.SessionOptions();
            ai.onnxruntime.OrtSession session = f.openSession(env, so);
            ai.djl.huggingface.tokenizers.HuggingFaceTokenizer tok = f.openTokenizer()) {
          assertTrue(session.getInputNames().contains("input_ids"), session.getInputNames().toString());
          // set up as the encoder's: no padding, cut at the config's limit (not the file's 128)
          assertEquals(3, tok.encode("hello").getIds().length);
          String longText = "word ".repeat(1000);
          assertEquals(f.config().maxTokens(), tok.encode(longText).getIds().length);
        }
      }
      // closing what the files opened leaves the encoder's own handles alone
      assertArrayEquals(before, enc.encodeDocument("a text encoded before and after"));
    }
  }

  @Test
  void filesOfAnUnknownNameListTheKnownNames() {
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> Models.files("bge-large-xx"));
    assertTrue(msg(e).contains("bge-small-en-v1.5"), msg(e));
  }

  @Test
  void djlIsKeptOffline() throws IOException {
    // any HTTP attempt (DJL's call-home, a native library download) would consult this first
    java.util.List<java.net.URI> attempts = new java.util.concurrent.CopyOnWriteArrayList<>();
    java.net.ProxySelector previous = java.net.ProxySelector.getDefault();
    java.net.ProxySelector.setDefault(
        new java.net.ProxySelector() {
          @Override
          public java.util.List<java.net.Proxy> select(java.net.URI uri) {
            attempts.add(uri);
            throw new IllegalStateException("network access attempted: " + uri);
          }

          @Override
          public void connectFailed(
              java.net.URI uri, java.net.SocketAddress sa, IOException ioe) {}
        });
    try {
      byte[] json = Files.readAllBytes(tokenizerFile);
      OnnxTextEncoder.newTokenizer(json, tokenizerFile.toString(), 128).close();
      try (TextEncoder enc = Models.open("all-MiniLM-L6-v2-q", EncoderOptions.defaults())) {
        assertEquals(384, enc.encodeDocument("offline").length);
      }
    } finally {
      java.net.ProxySelector.setDefault(previous);
    }
    assertEquals(java.util.List.of(), attempts);
    assertTrue(ai.djl.util.Utils.isOfflineMode());
    assertEquals("true", System.getProperty("OPT_OUT_TRACKING"));
  }
}
