package dev.matryoshka.opensearch;

import java.nio.file.Path;

/**
 * Points DJL's cache (where the tokenizer's native library is unpacked) into the node's private
 * temporary folder unless the operator chose a place: the node's user often has no writable home,
 * and the node may write to its temporary folder.
 */
final class DjlCache {
  private static final String KEY = "DJL_CACHE_DIR";

  private DjlCache() {}

  static void ensure() {
    if (System.getProperty(KEY) == null && System.getenv(KEY) == null) {
      System.setProperty(KEY, Path.of(System.getProperty("java.io.tmpdir"), "matryoshka-djl").toString());
    }
  }
}
