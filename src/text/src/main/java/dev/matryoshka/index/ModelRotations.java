package dev.matryoshka.index;

import dev.matryoshka.adapt.Adapter;
import dev.matryoshka.adapt.AdapterIO;
import dev.matryoshka.encode.ModelInfo;
import dev.matryoshka.encode.Models;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;

/**
 * The rotation shipped with each bundled model: a centred PCA rotation ({@code rotation-centered})
 * fitted once on general English text (10,000 Wikipedia paragraphs encoded as documents by that
 * model; provenance in {@code model-rotations/PROVENANCE.md} beside the files), so an index gets a
 * good prefix without fitting anything on its own corpus. It is the adapter kind {@value #KIND}.
 *
 * <pre>{@code
 * Adapter r = ModelRotations.forModel("bge-small-en-v1.5");   // null for a model without one
 * Adapter same = ModelRotations.forEncoder(encoder.info());    // null for a model folder
 * }</pre>
 *
 * <p>The files are class path resources of this module, {@value #RESOURCE_DIR}{@code <name>.mtad}
 * (the bundled name in lower case), read once per process. Each records the fingerprint of the
 * model it was fitted on, and is used only for that bundled model: opened by its bundled name
 * ({@link Models}), with that fingerprint. A model folder never gets one, even one holding the
 * same {@code model.onnx} (its config, and so its vectors, may differ); it gets a rotation fitted
 * on its corpus instead. An index that uses a shipped rotation still installs it in its own
 * directory ({@link Adapters#install}), so the index stays self-contained.
 */
public final class ModelRotations {

  /** The adapter kind meaning "the bundled model's shipped rotation". */
  public static final String KIND = "model-rotation";

  /** Class path folder of the shipped files. */
  public static final String RESOURCE_DIR = "/dev/matryoshka/index/model-rotations/";

  private static final String CLASSPATH = "classpath:";

  /** Shipped rotations by the model fingerprint they record; filled on first use. */
  private static volatile Map<String, Shipped> byFingerprint;

  private record Shipped(String modelName, Adapter adapter) {}

  private ModelRotations() {}

  /** The class path resource of a bundled model's rotation (it may not exist). */
  public static String resourceName(String modelName) {
    return RESOURCE_DIR + modelName.trim().toLowerCase(Locale.ROOT) + ".mtad";
  }

  /**
   * The rotation shipped with a bundled model, by name (case ignored), or null for any other name
   * or folder, or when the bundled model's bytes are not the ones the file was fitted on.
   *
   * @throws IOException if the bundled model's file cannot be read (to fingerprint it), or a
   *     shipped file is corrupt
   */
  public static Adapter forModel(String modelName) throws IOException {
    Objects.requireNonNull(modelName, "model name is null");
    Shipped s = byName(modelName);
    if (s == null) {
      return null;
    }
    return s.adapter().modelFingerprint().equals(Models.fingerprint(s.modelName())) ? s.adapter() : null;
  }

  /**
   * The rotation shipped for an open encoder's model, or null: only for a bundled model (opened by
   * name from the class path) whose fingerprint is the one the file records.
   *
   * @throws UncheckedIOException if a shipped file is corrupt (a build error, not a user error)
   */
  public static Adapter forEncoder(ModelInfo info) {
    Objects.requireNonNull(info, "model info is null");
    if (!info.source().startsWith(CLASSPATH)) {
      return null;
    }
    try {
      Shipped s = byName(info.name());
      return s != null && s.adapter().modelFingerprint().equals(info.fingerprint()) ? s.adapter() : null;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * The shipped rotation whose file records this model fingerprint, or null. For {@code
   * --adapter model-rotation} asked for explicitly, where only the fingerprint is at hand.
   *
   * @throws IOException if a shipped file is corrupt
   */
  public static Adapter forFingerprint(String modelFingerprint) throws IOException {
    Objects.requireNonNull(modelFingerprint, "model fingerprint is null");
    Shipped s = shipped().get(modelFingerprint);
    return s == null ? null : s.adapter();
  }

  /** The bundled model names that ship a rotation, in {@link Models#knownNames()} order. */
  public static List<String> models() {
    List<String> out = new ArrayList<>();
    for (String name : Models.knownNames()) {
      if (ModelRotations.class.getResource(resourceName(name)) != null) {
        out.add(name);
      }
    }
    return Collections.unmodifiableList(out);
  }

  private static Shipped byName(String name) throws IOException {
    for (Shipped s : shipped().values()) {
      if (s.modelName().equalsIgnoreCase(name.trim())) {
        return s;
      }
    }
    return null;
  }

  private static Map<String, Shipped> shipped() throws IOException {
    Map<String, Shipped> m = byFingerprint;
    if (m != null) {
      return m;
    }
    synchronized (ModelRotations.class) {
      if (byFingerprint == null) {
        Map<String, Shipped> read = new LinkedHashMap<>();
        for (String name : models()) {
          String res = resourceName(name);
          Adapter a;
          try (InputStream in = ModelRotations.class.getResourceAsStream(res)) {
            a = AdapterIO.read(in, "classpath:" + res, null);
          }
          Shipped previous = read.put(a.modelFingerprint(), new Shipped(name, a));
          if (previous != null) {
            throw new IOException("shipped rotations of " + previous.modelName() + " and " + name
                + " record the same model fingerprint " + a.modelFingerprint() + "; regenerate them");
          }
        }
        byFingerprint = Collections.unmodifiableMap(read);
      }
      return byFingerprint;
    }
  }
}
