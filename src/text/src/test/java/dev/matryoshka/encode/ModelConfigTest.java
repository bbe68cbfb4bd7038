package dev.matryoshka.encode;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ModelConfigTest {

  @Test
  void roundTripsThroughItsFile(@TempDir Path tmp) throws IOException {
    ModelConfig c =
        new ModelConfig("m", Pooling.CLS, "query: ", "passage: ", 384, 768, false, true, true);
    Path f = tmp.resolve(ModelConfig.FILE_NAME);
    c.write(f);
    assertEquals(c, ModelConfig.read(f, "ignored"));
    assertTrue(Files.readString(f).contains("\"pooling\" : \"cls\""), Files.readString(f));
  }

  @Test
  void missingKeysTakeTheDefaults() throws IOException {
    ModelConfig c = ModelConfig.parse("{\"pooling\": \"CLS\"}", "folder-name");
    assertEquals(ModelConfig.defaults("folder-name").withPooling(Pooling.CLS), c);
    assertEquals(ModelConfig.defaults("x"), ModelConfig.parse("{}", "x"));
  }

  @Test
  void defaultsAreDocumented() {
    ModelConfig d = ModelConfig.defaults("x");
    assertEquals(Pooling.MEAN, d.pooling());
    assertEquals("", d.queryPrefix());
    assertEquals(512, d.maxTokens());
    assertEquals(0, d.dims());
    assertTrue(d.normalize());
  }

  @Test
  void badFilesNameTheFileAndTheProblem(@TempDir Path tmp) throws IOException {
    Path f = tmp.resolve(ModelConfig.FILE_NAME);
    for (String[] bad :
        new String[][] {
          {"{\"pooling\": \"cls\"", "not valid JSON"},
          {"[1, 2]", "JSON object"},
          {"{\"pooling_mode\": \"cls\"}", "unknown key \"pooling_mode\""},
          {"{\"maxTokens\": \"512\"}", "must be an integer"},
          {"{\"maxTokens\": 1}", "maxTokens must be in"},
          {"{\"normalize\": 1}", "true or false"},
          {"{\"dims\": -4}", "dims must be"},
        }) {
      Files.writeString(f, bad[0]);
      IOException e = assertThrows(IOException.class, () -> ModelConfig.read(f, "x"));
      assertTrue(e.getMessage().contains(f.toString()), e.getMessage());
      assertTrue(e.getMessage().contains(bad[1]), bad[0] + " -> " + e.getMessage());
    }
    IOException e =
        assertThrows(IOException.class, () -> ModelConfig.read(tmp.resolve("absent.json"), "x"));
    assertTrue(e.getMessage().contains("absent.json"), e.getMessage());
  }

  @Test
  void constructorChecksArguments() {
    assertThrows(
        IllegalArgumentException.class,
        () -> new ModelConfig(" ", Pooling.MEAN, "", "", 512, 0, true, false, false));
    assertThrows(NullPointerException.class, () -> ModelConfig.defaults("x").withPooling(null));
    assertThrows(IllegalArgumentException.class, () -> Pooling.parse("max"));
    assertThrows(IllegalArgumentException.class, () -> new EncoderOptions(0, 32));
    assertThrows(IllegalArgumentException.class, () -> new EncoderOptions(1, 0));
  }
}
