package dev.matryoshka.opensearch;

import dev.matryoshka.adapt.Adapter;
import dev.matryoshka.adapt.AdapterIO;
import dev.matryoshka.index.Adapters;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.regex.Pattern;
import org.opensearch.secure_sm.AccessController;

/**
 * The node's adapters: {@code config/matryoshka/adapters/NAME.bin}, as written by {@code
 * matryoshka train-adapter --out} or copied from an embedded index ({@code
 * matryoshka-adapter.bin}). A {@code matryoshka_vector} mapping names one with {@code "adapter":
 * "NAME"}; the field then maps every vector through it — document vectors as they are indexed,
 * query vectors ({@code vector} or {@code query_text}) as they are searched — so {@code _source}
 * and requests stay in the model's own space.
 *
 * <p>Every node that holds the index must have the same file under the same name. Names are
 * names, not paths. A file is read once per name and content (SHA-256), shared by every field
 * that names it.
 */
final class NodeAdapters {
  private static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,127}");

  private final Path dir;
  private final Map<String, Loaded> cache = new HashMap<>();

  private record Loaded(String sha256, Adapter adapter) {}

  /** @param dir the node's {@code config/matryoshka/adapters} folder (may not exist) */
  NodeAdapters(Path dir) {
    this.dir = dir;
  }

  /** Where adapter {@code name} is read from. */
  Path file(String name) {
    return dir.resolve(name + ".bin");
  }

  /**
   * The adapter called {@code name}.
   *
   * @throws IllegalArgumentException for a bad name, a missing or unreadable file, with a message
   *     naming the file
   */
  synchronized Adapter get(String name) {
    if (name == null || !NAME.matcher(name).matches() || name.contains("..")) {
      throw new IllegalArgumentException("adapter name [" + name + "] must be a plain name (letters, digits, '.', '_', '-'), "
          + "not a path; adapters are files " + dir + "/NAME.bin");
    }
    Path f = file(name);
    try {
      return AccessController.doPrivilegedChecked(() -> {
        if (!Files.isRegularFile(f)) {
          throw new IllegalArgumentException("adapter [" + name + "] not found: no file " + f
              + " (write one with `matryoshka train-adapter --out`, or copy an index's "
              + Adapters.FILE_NAME + "; every node holding the index needs it)");
        }
        // a symbolic link out of the adapters folder is refused before the file is opened
        if (!f.toRealPath().startsWith(dir.toRealPath())) {
          throw new IllegalArgumentException("adapter [" + name + "]: " + f + " leads outside " + dir + " (to "
              + f.toRealPath() + "); refused");
        }
        String sha = Adapters.fingerprint(f);
        Loaded l = cache.get(name);
        if (l == null || !l.sha256().equals(sha)) {
          l = new Loaded(sha, AdapterIO.read(f));
          cache.put(name, l);
        }
        return l.adapter();
      });
    } catch (IOException | RuntimeException e) {
      if (e instanceof IllegalArgumentException iae && iae.getMessage().startsWith("adapter [")) {
        throw iae;
      }
      throw new IllegalArgumentException("adapter [" + name + "] could not be read from " + f + ": " + e.getMessage(), e);
    }
  }
}
