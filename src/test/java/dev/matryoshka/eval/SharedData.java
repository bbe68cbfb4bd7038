package dev.matryoshka.eval;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;

/** Locates the team's shared evaluation data ({@code ../shared/data}) for tests. */
final class SharedData {
  private SharedData() {}

  /**
   * The named data folder, or the test is skipped: the data sits outside the repository, and a
   * checkout without it (e.g. a fork's CI) should still build.
   */
  static Path folder(String name) {
    String root = System.getProperty("matryoshka.shared.data", "../shared/data");
    Path dir = Path.of(root).resolve(name).normalize();
    assumeTrue(Files.isDirectory(dir),
        "shared data folder " + dir + " is absent (set -Dmatryoshka.shared.data); skipping");
    return dir;
  }
}
