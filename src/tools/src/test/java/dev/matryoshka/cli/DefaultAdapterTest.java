package dev.matryoshka.cli;

import static dev.matryoshka.cli.CliTest.run;
import static org.junit.jupiter.api.Assertions.*;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.matryoshka.adapt.RotationAdapter;
import dev.matryoshka.adapt.RotationOptions;
import dev.matryoshka.document.SyntheticVectors;
import dev.matryoshka.encode.ModelConfig;
import dev.matryoshka.encode.Models;
import dev.matryoshka.adapt.Adapter;
import dev.matryoshka.adapt.AdapterIO;
import dev.matryoshka.index.AdapterBuilder;
import dev.matryoshka.index.Adapters;
import dev.matryoshka.index.ModelRotations;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.apache.lucene.index.VectorSimilarityFunction;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code index} with no flags: a model that says it was trained for truncation gets no adapter, a
 * bundled model its shipped rotation, a model folder that does not say it (or says nothing) a
 * centred rotation fitted on the corpus, and that rotation leaves every full-dimension score as it
 * was.
 */
class DefaultAdapterTest {

  @TempDir static Path tmp;
  static Path corpus;

  /** About a thousand one-sentence documents cut from the project's own test corpus. */
  @BeforeAll
  static void corpus() throws Exception {
    ObjectMapper om = new ObjectMapper();
    List<String> lines = new ArrayList<>();
    int n = 0;
    for (String line : Files.readAllLines(dev.matryoshka.eval.TestCorpus.dir().resolve("corpus.jsonl"), StandardCharsets.UTF_8)) {
      JsonNode d = om.readTree(line);
      for (String sentence : d.get("text").asText().split("(?<=[.!?])\\s+")) {
        if (sentence.split("\\s+").length >= 4) {
          lines.add(om.createObjectNode().put("_id", "s" + n++).put("text", sentence).toString());
        }
      }
    }
    assertTrue(n > 400, "sentences: " + n);
    corpus = tmp.resolve("sentences.jsonl");
    Files.write(corpus, lines, StandardCharsets.UTF_8);
  }

  static Path modelFolder(String name, Boolean trained) throws Exception {
    Path dir = Files.createDirectories(tmp.resolve(name));
    for (String[] f : new String[][] {{"/all-minilm-l6-v2-q.onnx", Models.MODEL_FILE},
        {"/all-minilm-l6-v2-q-tokenizer.json", Models.TOKENIZER_FILE}}) {
      try (InputStream in = Models.class.getResourceAsStream(f[0])) {
        Files.copy(in, dir.resolve(f[1]));
      }
    }
    if (trained != null) {
      ModelConfig c = ModelConfig.defaults(name).withMaxTokens(128)
          .withFlags(true, false, trained);
      c.write(dir.resolve(ModelConfig.FILE_NAME));
    }
    return dir;
  }

  @Test
  void aMatryoshkaTrainedModelGetsNoAdapterOthersARotation() throws Exception {
    Path trained = modelFolder("trained", true);
    Path silent = modelFolder("silent", null);
    CliTest.Result a = run("index", "--input", corpus.toString(), "--index", tmp.resolve("a").toString(),
        "--model", trained.toString());
    assertEquals(0, a.code(), a.err());
    assertTrue(a.err().contains("adapter none"), a.err());
    assertTrue(a.err().contains("calibration: 1 segment(s)"), a.err());
    CliTest.Result b = run("index", "--input", corpus.toString(), "--index", tmp.resolve("b").toString(),
        "--model", silent.toString());
    assertEquals(0, b.code(), b.err());
    assertTrue(b.err().contains("was not trained for truncation: fitting a rotation-centered adapter"), b.err());
    assertTrue(b.err().contains("adapter rotation-centered"), b.err());
    CliTest.Result c = run("index", "--input", corpus.toString(), "--index", tmp.resolve("c").toString(),
        "--model", silent.toString(), "--adapter", "none", "--no-calibrate");
    assertEquals(0, c.code(), c.err());
    assertTrue(c.err().contains("adapter none"), c.err());
    assertFalse(c.err().contains("calibrated in"), c.err());
    // the documents the adapter was fitted on keep their text for BM25 (they were encoded early)
    CliTest.Result kw = run("search", "--index", tmp.resolve("b").toString(), "--mode", "bm25",
        "--query", "twinkle", "--json");
    assertEquals(0, kw.code(), kw.err());
    assertTrue(new ObjectMapper().readTree(kw.out()).get("hits").size() > 0, kw.out());
    JsonNode ins = new ObjectMapper().readTree(run("inspect", "--index", tmp.resolve("b").toString(), "--json").out());
    assertEquals("rotation-centered", ins.get("settings").get("adapter").asText());
    assertTrue(ins.get("calibration").isNull(), "no index-wide calibration: each segment has its own");
    assertTrue(ins.get("segment_calibrations").get(0).get("oversample").asDouble() >= 1, ins.toString());
    // the default prefix follows the model: half of 384 dims for the one not trained for
    // truncation, 64 for the Matryoshka-trained one
    assertEquals(192, ins.get("settings").get("prefix_dims").asInt());
    JsonNode insA = new ObjectMapper().readTree(run("inspect", "--index", tmp.resolve("a").toString(), "--json").out());
    assertEquals(64, insA.get("settings").get("prefix_dims").asInt());
  }

  @Test
  void aCorpusTooSmallForARotationGetsTheBundledModelsShippedOne() throws Exception {
    // test-corpus/ has 240 documents, too few to fit a 384-dim rotation on (it got no adapter
    // before); a bundled model ships a rotation fitted on general text, which needs no sample
    Path idx = tmp.resolve("shipped");
    String model = "all-MiniLM-L6-v2-q";
    CliTest.Result r = run("index", "--input", dev.matryoshka.eval.TestCorpus.dir().resolve("corpus.jsonl").toString(),
        "--index", idx.toString(), "--model", model);
    assertEquals(0, r.code(), r.err());
    assertTrue(r.err().contains("240 documents are fewer than the 384 a rotation of 384 dims needs: using the "
        + "model-rotation adapter shipped with " + model + " instead"), r.err());
    JsonNode ins = new ObjectMapper().readTree(run("inspect", "--index", idx.toString(), "--json").out());
    assertEquals(ModelRotations.KIND, ins.get("settings").get("adapter").asText());
    // the index holds its own copy of the shipped rotation, so it stays self-contained
    Adapter installed = AdapterIO.read(idx.resolve(Adapters.FILE_NAME), Models.fingerprint(model));
    assertArrayEquals(((RotationAdapter) ModelRotations.forModel(model)).matrix(), ((RotationAdapter) installed).matrix());
    CliTest.Result s = run("search", "--index", idx.toString(), "--query", "why do stars twinkle", "--json");
    assertEquals(0, s.code(), s.err());
    assertEquals("p001", new ObjectMapper().readTree(s.out()).get("hits").get(0).get("id").asText(), s.out());
    // appending with the same explicit kind reuses it
    CliTest.Result again = run("index", "--input", corpus.toString(), "--index", idx.toString(), "--model", model,
        "--adapter", ModelRotations.KIND, "--no-calibrate");
    assertEquals(0, again.code(), again.err());
  }

  @Test
  void autoResolvesFromTheModelAndTheSample() {
    assertEquals("rotation-centered", AdapterBuilder.auto(true, false, 384, 384));
    assertEquals("none", AdapterBuilder.auto(true, true, 10_000, 384), "Matryoshka-trained");
    assertEquals("none", AdapterBuilder.auto(false, false, 10_000, 384), "precomputed vectors");
    assertEquals("none", AdapterBuilder.auto(true, false, 383, 384), "too few to fit a rotation");
  }

  @Test
  void theDefaultRotationKeepsFullDimensionScores() {
    float[][] docs = SyntheticVectors.generate(2_000, 384, 16, 21L);
    float[][] queries = SyntheticVectors.generate(100, 384, 16, 22L);
    RotationAdapter r = (RotationAdapter) RotationAdapter.fit(docs,
        RotationOptions.forModel("m").withCentered(true));
    double worst = 0;
    for (float[] q : queries) {
      float[] rq = r.apply(q);
      for (int i = 0; i < 200; i++) {
        float before = VectorSimilarityFunction.COSINE.compare(q, docs[i]);
        float after = VectorSimilarityFunction.COSINE.compare(rq, r.apply(docs[i]));
        worst = Math.max(worst, Math.abs(before - after));
      }
    }
    System.out.println("DefaultAdapterTest: largest full-dim score change over 100 x 200 pairs " + worst);
    assertTrue(worst <= 1e-5, "largest change " + worst);
  }
}
