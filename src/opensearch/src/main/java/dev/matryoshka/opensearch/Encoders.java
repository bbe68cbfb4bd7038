package dev.matryoshka.opensearch;

import dev.matryoshka.encode.EncoderOptions;
import dev.matryoshka.encode.Models;
import dev.matryoshka.encode.TextEncoder;
import java.io.Closeable;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;
import java.util.regex.Pattern;
import org.opensearch.secure_sm.AccessController;

/**
 * The node's text encoders: one loaded model per name, shared by every {@code matryoshka_embed}
 * processor and every {@code matryoshka_knn} query on the node, closed with the plugin. Every
 * encode goes through here, so the node's {@link EncoderStats} count all of them.
 *
 * <p>A name resolves to the folder {@code config/matryoshka/models/NAME/} (holding {@code
 * model.onnx} and {@code tokenizer.json}) when it exists, else to a model bundled in the plugin
 * (the default, {@value Models#DEFAULT_MODEL}). Names are names, not paths: a request cannot make
 * the node read an arbitrary folder, and a folder that is a symbolic link out of {@code
 * config/matryoshka/models} is refused before anything in it is opened.
 *
 * <pre>{@code
 * float[] q = encoders.encodeQuery(null, "what is lucene?"); // default model
 * EncoderStats s = encoders.stats();
 * }</pre>
 */
public final class Encoders implements Closeable {
  /** What a model name may look like: no separators, no leading dot. */
  private static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,127}");

  private final Path modelsDir;
  private final Map<String, Loaded> loaded = new ConcurrentHashMap<>();
  private final LongAdder queryTextsOnShards = new LongAdder();
  private volatile boolean closed;

  private record Loaded(TextEncoder encoder, Counters counters) {}

  /** Live counters of one model; {@link #snapshot} copies them. */
  private static final class Counters {
    final LongAdder documentTexts = new LongAdder();
    final LongAdder queryTexts = new LongAdder();
    final LongAdder batches = new LongAdder();
    final LongAdder nanos = new LongAdder();

    EncoderStats.Model snapshot(TextEncoder e) {
      return new EncoderStats.Model(
          documentTexts.sum(), queryTexts.sum(), batches.sum(), nanos.sum() / 1_000_000, e.inputsTruncated());
    }
  }

  /** @param modelsDir the node's {@code config/matryoshka/models} folder (may not exist) */
  Encoders(Path modelsDir) {
    this.modelsDir = modelsDir;
  }

  /** The key a model is loaded and counted under: the name trimmed, or the default model's for null or blank. */
  static String key(String name) {
    return name == null || name.isBlank() ? Models.DEFAULT_MODEL : name.trim();
  }

  /**
   * Checks that {@code name} is a plain name, not a path, without loading anything.
   *
   * @throws IllegalArgumentException naming the value when it has separators, a leading dot,
   *     {@code ..} or other characters a folder name here may not have
   */
  static void checkName(String name) {
    String key = key(name);
    if (!NAME.matcher(key).matches() || key.contains("..")) {
      throw new IllegalArgumentException(
          "unknown model [" + name + "]: give a model name (letters, digits, '.', '_', '-'), not a path; "
              + "custom models go in config/matryoshka/models/NAME/");
    }
  }

  /**
   * Loads {@code name} (null = default model) if needed; the processor calls this when its
   * pipeline is created, so an unknown model is refused then.
   *
   * @throws IllegalArgumentException for an unknown or unloadable model, with a message naming it
   */
  void load(String name) {
    get(key(name));
  }

  /** Encodes document texts with the model's document prefix, counting texts, the batch and the time. */
  float[][] encodeDocuments(String model, List<String> texts) {
    Loaded l = get(key(model));
    long start = System.nanoTime();
    float[][] out = l.encoder().encodeDocuments(texts);
    l.counters().nanos.add(System.nanoTime() - start);
    l.counters().batches.increment();
    l.counters().documentTexts.add(texts.size());
    return out;
  }

  /** Encodes one query text with the model's query prefix, counting it. */
  float[] encodeQuery(String model, String text) {
    Loaded l = get(key(model));
    long start = System.nanoTime();
    float[] out = l.encoder().encodeQueries(List.of(text))[0];
    l.counters().nanos.add(System.nanoTime() - start);
    l.counters().batches.increment();
    l.counters().queryTexts.increment();
    return out;
  }

  /** Counts a query text that a shard had to encode because no coordinating node did. */
  void countShardEncode() {
    queryTextsOnShards.increment();
  }

  /** This node's counters now. */
  EncoderStats stats() {
    Map<String, EncoderStats.Model> models = new TreeMap<>();
    loaded.forEach((k, l) -> models.put(k, l.counters().snapshot(l.encoder())));
    return new EncoderStats(models, queryTextsOnShards.sum());
  }

  private Loaded get(String key) {
    if (closed) {
      throw new IllegalStateException("the node is shutting down; encoders are closed");
    }
    Loaded l = loaded.get(key);
    if (l != null) {
      return l;
    }
    synchronized (this) {
      if (closed) {
        throw new IllegalStateException("the node is shutting down; encoders are closed");
      }
      // loading takes seconds: one thread loads, the others wait for it instead of loading twice
      return loaded.computeIfAbsent(key, k -> new Loaded(open(k), new Counters()));
    }
  }

  private TextEncoder open(String name) {
    checkName(name);
    Path folder = modelsDir.resolve(name);
    boolean custom = AccessController.doPrivileged(() -> Files.isDirectory(folder));
    if (custom) {
      checkInside(name, folder);
    } else if (!Models.knownNames().contains(name.toLowerCase(Locale.ROOT))) {
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
      // an Error escaping here would take the whole node down, so both cases become exceptions
      if (nativeLibraryFailure(e)) {
        // the node's installation is broken, not the request: a 500 that says so
        throw new IllegalStateException("model [" + name + "]: a native library (ONNX Runtime or the tokenizer) could not "
            + "be loaded on this node: " + e + "; check the node's temporary folder and platform, the request is not at fault", e);
      }
      throw new IllegalArgumentException("model [" + name + "] could not be loaded: " + e, e);
    } finally {
      thread.setContextClassLoader(previous);
    }
  }

  private static boolean nativeLibraryFailure(Throwable e) {
    for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
      if (t instanceof LinkageError) {
        return true;
      }
    }
    return false;
  }

  /** A model folder that is (or sits behind) a symbolic link out of the models folder is refused unopened. */
  private void checkInside(String name, Path folder) {
    Path real;
    Path root;
    try {
      real = AccessController.doPrivilegedChecked(() -> folder.toRealPath());
      root = AccessController.doPrivilegedChecked(() -> modelsDir.toRealPath());
    } catch (IOException e) {
      throw new IllegalArgumentException("model [" + name + "]: cannot resolve folder " + folder + ": " + e.getMessage(), e);
    }
    if (!real.startsWith(root)) {
      throw new IllegalArgumentException(
          "model [" + name + "]: folder " + folder + " leads outside " + modelsDir + " (to " + real + "); refused");
    }
  }

  @Override
  public synchronized void close() {
    closed = true;
    for (Loaded l : loaded.values()) {
      l.encoder().close();
    }
    loaded.clear();
  }
}
