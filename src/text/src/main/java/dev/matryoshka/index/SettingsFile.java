package dev.matryoshka.index;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;

/**
 * A copy of an index's settings beside its Lucene files ({@value #FILE_NAME}), written with every
 * commit of a {@link MatryoshkaWriter}. The commit's user data is where settings are read from; this
 * copy is for an index whose last commit came from another application's plain {@code
 * IndexWriter}, which replaces the user data with its own. Lucene never touches files it did not
 * name, as with the adapter file.
 */
final class SettingsFile {
  private SettingsFile() {}

  static final String FILE_NAME = "matryoshka-settings.properties";

  /** Writes the settings' user data (atomically: a reader never sees half a file). */
  static void write(Path index, Map<String, String> settings) throws IOException {
    Properties p = new Properties();
    p.putAll(new TreeMap<>(settings));
    Path file = index.resolve(FILE_NAME);
    Path tmp = index.resolve(FILE_NAME + ".tmp");
    try (OutputStream out = Files.newOutputStream(tmp)) {
      p.store(out, "Matryoshka index settings (a copy of the commit's; see SettingsFile)");
    }
    Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
  }

  /** The settings' user data kept beside the index, or an empty map when there is no readable copy. */
  static Map<String, String> read(Path index) {
    Path file = index.resolve(FILE_NAME);
    if (!Files.isRegularFile(file)) {
      return Map.of();
    }
    Properties p = new Properties();
    try (InputStream in = Files.newInputStream(file)) {
      p.load(in);
    } catch (IOException | IllegalArgumentException e) {
      return Map.of();
    }
    Map<String, String> m = new TreeMap<>();
    for (String k : p.stringPropertyNames()) {
      m.put(k, p.getProperty(k));
    }
    return m;
  }
}
