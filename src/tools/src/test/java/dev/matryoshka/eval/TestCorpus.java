package dev.matryoshka.eval;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The project's own retrieval set, {@code test-corpus/} (240 passages, 60 queries, qrels in the
 * BEIR layout), for tests that need real text. It is part of the repository, so a test that uses
 * it always runs: a missing folder is a broken checkout and fails the test, it is not skipped.
 *
 * <pre>{@code
 * BeirDataset ds = TestCorpus.load(); // 240 docs, 60 judged queries
 * }</pre>
 */
public final class TestCorpus {
  private TestCorpus() {}

  /** Passages in {@code corpus.jsonl}. */
  public static final int DOCS = 240;

  /** Queries in {@code queries.jsonl}, each judged in {@code qrels/test.tsv}. */
  public static final int QUERIES = 60;

  /**
   * The folder: {@code test-corpus/} under the checkout's root, which the build passes as the
   * system property {@code matryoshka.home} (the parent pom's surefire configuration).
   */
  public static Path dir() {
    Path dir = Path.of(System.getProperty("matryoshka.home", "."), "test-corpus").toAbsolutePath().normalize();
    if (!Files.isRegularFile(dir.resolve("corpus.jsonl"))) {
      throw new IllegalStateException(dir + "/corpus.jsonl not found: run the tests through Maven from the "
          + "checkout (it sets -Dmatryoshka.home), where test-corpus/ is part of the repository");
    }
    return dir;
  }

  /** {@code corpus.jsonl}. */
  public static Path corpus() {
    return dir().resolve("corpus.jsonl");
  }

  /** {@code queries.jsonl}. */
  public static Path queries() {
    return dir().resolve("queries.jsonl");
  }

  /** The test split. */
  public static BeirDataset load() {
    try {
      return BeirDataset.load(dir(), "test");
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
