package dev.matryoshka.cli;

import static org.junit.jupiter.api.Assertions.*;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.matryoshka.document.SyntheticVectors;
import dev.matryoshka.index.Adapters;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The adapter travels with the index: chosen at index time, applied to queries, checked on load. */
class AdapterIndexTest {

  @TempDir Path tmp;

  Path vectors(int n, int dims) throws Exception {
    float[][] v = SyntheticVectors.generate(n, dims, 8, 5L);
    List<String> lines = new ArrayList<>();
    for (int i = 0; i < n; i++) lines.add(CliTest.vectorLine("v" + i, v[i]));
    Path f = tmp.resolve("v.jsonl");
    Files.write(f, lines);
    return f;
  }

  @Test
  void rotationAdapterIsStoredAppliedAndChecked() throws Exception {
    Path in = vectors(800, 64);
    Path idx = tmp.resolve("rot");
    var r = CliTest.run("index", "--input", in.toString(), "--index", idx.toString(), "--prefix-dims", "16",
        "--adapter", "rotation");
    assertEquals(0, r.code(), r.err());
    assertTrue(Files.isRegularFile(idx.resolve(Adapters.FILE_NAME)));
    JsonNode s = new ObjectMapper().readTree(CliTest.run("inspect", "--index", idx.toString(), "--json").out()).get("settings");
    assertEquals("rotation", s.get("adapter").asText());
    assertEquals(64, s.get("adapter_fingerprint").asText().length());

    // appending reuses the stored adapter; asking for another one is refused
    var again = CliTest.run("index", "--input", in.toString(), "--index", idx.toString(), "--prefix-dims", "16",
        "--adapter", "learned");
    assertEquals(1, again.code());
    assertTrue(again.err().contains("already has adapter rotation"), again.err());

    // a damaged adapter file is detected before any search runs
    byte[] b = Files.readAllBytes(idx.resolve(Adapters.FILE_NAME));
    b[b.length / 2] ^= 0x5a;
    Files.write(idx.resolve(Adapters.FILE_NAME), b);
    var bad = CliTest.run("index", "--input", in.toString(), "--index", idx.toString(), "--prefix-dims", "16");
    assertEquals(1, bad.code());
    assertTrue(bad.err().contains("not the one the index was built with"), bad.err());
  }

  @Test
  void aQueryVectorGoesThroughTheIndexsAdapter() throws Exception {
    float[][] v = SyntheticVectors.generate(800, 64, 8, 5L);
    Path idx = tmp.resolve("rot-q");
    var r = CliTest.run("index", "--input", vectors(800, 64).toString(), "--index", idx.toString(),
        "--prefix-dims", "16", "--adapter", "rotation");
    assertEquals(0, r.code(), r.err());
    // a document's own (unrotated) vector must find that document first
    StringBuilder json = new StringBuilder("[");
    for (int i = 0; i < v[7].length; i++) json.append(i == 0 ? "" : ",").append(v[7][i]);
    var s = CliTest.run("search", "--index", idx.toString(), "--vector-json", json.append("]").toString(),
        "--k", "3", "--json");
    assertEquals(0, s.code(), s.err());
    JsonNode top = new ObjectMapper().readTree(s.out()).get("hits").get(0);
    assertEquals("v7", top.get("id").asText(), s.out());
    assertEquals(1.0, top.get("score").asDouble(), 1e-4, "full-dimension score of a vector with itself");
  }

  @Test
  void tooFewSamplesForARotationIsAClearError() throws Exception {
    Path in = vectors(40, 64);
    var r = CliTest.run("index", "--input", in.toString(), "--index", tmp.resolve("few").toString(),
        "--prefix-dims", "16", "--adapter", "rotation");
    assertEquals(1, r.code());
    assertTrue(r.err().contains("at least 64") && r.err().contains("40"), r.err());
  }

  @Test
  void unknownAdapterIsAUsageError() throws Exception {
    var r = CliTest.run("index", "--input", vectors(10, 8).toString(), "--index", tmp.resolve("x").toString(),
        "--adapter", "magic");
    assertEquals(2, r.code());
    assertTrue(r.err().contains("--adapter"), r.err());
  }
}
