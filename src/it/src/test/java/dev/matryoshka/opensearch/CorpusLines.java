package dev.matryoshka.opensearch;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The project's own {@code test-corpus/} (240 passages, 60 queries) for the integration tests:
 * document texts as the library joins them (title, a space, text) and query texts.
 */
final class CorpusLines {
  private CorpusLines() {}

  /** One passage: its id and text. */
  record Doc(String id, String text) {}

  static Path dir() {
    return Path.of(System.getProperty("matryoshka.test.corpus", "test-corpus"));
  }

  static List<Doc> docs() {
    List<Doc> out = new ArrayList<>();
    for (JsonNode n : lines("corpus.jsonl")) {
      out.add(new Doc(n.path("_id").asText(), (n.path("title").asText("") + " " + n.path("text").asText("")).trim()));
    }
    return out;
  }

  static List<String> queries() {
    List<String> out = new ArrayList<>();
    for (JsonNode n : lines("queries.jsonl")) {
      out.add(n.path("text").asText());
    }
    return out;
  }

  private static List<JsonNode> lines(String file) {
    try {
      List<JsonNode> out = new ArrayList<>();
      for (String line : Files.readAllLines(dir().resolve(file))) {
        if (!line.isBlank()) {
          out.add(Rest.JSON.readTree(line));
        }
      }
      return out;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + dir().resolve(file), e);
    }
  }
}
