package dev.matryoshka.opensearch;

import dev.matryoshka.encode.EncoderOptions;
import dev.matryoshka.encode.Models;
import dev.matryoshka.encode.TextEncoder;
import java.io.Closeable;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.opensearch.secure_sm.AccessController;

/**
 * The node's text encoders: one loaded model per name, shared by every {@code matryoshka_embed}
 * processor and every {@code matryoshka_knn} query on the node, closed with the plugin.
 *
 * <p>A name resolves to the folder {@code config/matryoshka/models/NAME/} (holding {@code
 * model.onnx} and {@code tokenizer.json}) when it exists, else to a model bundled in the plugin
 * (the default, {@value Models#DEFAULT_MODEL}). Names are names, not paths: a request cannot make
 * the node read an arbitrary folder.
 */
final class Encoders implements Closeable {
  private final Path modelsDir;
  private final Map<String, TextEncoder> loaded = new HashMap<>();
  private boolean closed;

  /** @param modelsDir the node's {@code config/matryoshka/models} folder (may not exist) */
  Encoders(Path modelsDir) {
    this.modelsDir = modelsDir;
  }

  /**
   * The shared encoder for {@code name} (null = default model), loaded on first use.
   *
   * @throws IllegalArgumentException for an unknown or unloadable model, with a message naming it
   */
  synchronized TextEncoder get(String name) {
    String key = name == null || name.isBlank() ? Models.DEFAULT_MODEL : name.trim();
    if (closed) {
      throw new IllegalStateException("the node is shutting down; encoders are closed");
    }
    TextEncoder e = loaded.get(key);
    if (e == null) {
      e = load(key);
      loaded.put(key, e);
    }
    return e;
  }

  /** Encodes one query text with the model's query prefix. */
  float[] encodeQuery(String model, String text) {
    return get(model).encodeQueries(List.of(text))[0];
  }

  private TextEncoder load(String name) {
    if (name.contains("/") || name.contains("\\") || name.startsWith(".")) {
      throw new IllegalArgumentException(
          "unknown model [" + name + "]: give a model name, not a path; custom models go in " + modelsDir + "/NAME/");
    }
    Path folder = modelsDir.resolve(name);
    boolean custom = AccessController.doPrivileged(() -> Files.isDirectory(folder));
    if (!custom && !Models.knownNames().contains(name.toLowerCase(java.util.Locale.ROOT))) {
      throw new IllegalArgumentException(
          "unknown model [" + name + "]: not bundled (bundled: " + Models.knownNames() + ") and no folder " + folder);
    }
    // DJL finds its native-library descriptors through the thread's context class loader, which on
    // a node thread is the server's, not the plugin's
    Thread thread = Thread.currentThread();
    ClassLoader previous = thread.getContextClassLoader();
    thread.setContextClassLoader(Encoders.class.getClassLoader());
    try {
      // ONNX Runtime and the DJL tokenizer unpack their native libraries on first use
      return AccessController.doPrivilegedChecked(
          () -> Models.open(custom ? folder.toString() : name, EncoderOptions.defaults()));
    } catch (IOException | RuntimeException | LinkageError | AssertionError e) {
      // an Error escaping here would take the whole node down; a bad model is the request's fault
      throw new IllegalArgumentException("model [" + name + "] could not be loaded: " + e, e);
    } finally {
      thread.setContextClassLoader(previous);
    }
  }

  @Override
  public synchronized void close() {
    closed = true;
    for (TextEncoder e : loaded.values()) {
      e.close();
    }
    loaded.clear();
  }
}
