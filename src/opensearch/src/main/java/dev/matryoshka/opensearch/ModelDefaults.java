package dev.matryoshka.opensearch;

import dev.matryoshka.adapt.Adapter;
import dev.matryoshka.encode.ModelConfig;
import dev.matryoshka.encode.Models;
import dev.matryoshka.index.IndexSettings;
import dev.matryoshka.index.ModelRotations;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.opensearch.secure_sm.AccessController;

/**
 * What a {@code matryoshka_vector} field that names a {@code model} gets for the values its
 * mapping leaves out: the library's defaults for that model, as {@code bin/matryoshka index} gives
 * them with no flags, so a mapping with only {@code dims} and {@code model} needs no step outside
 * OpenSearch.
 *
 * <ul>
 *   <li>{@link #prefixDims}: {@link IndexSettings#defaultPrefixDims(int, boolean)} by how the model
 *       was trained (bge-small-en-v1.5, not trained for truncation: 192 of 384 dims).
 *   <li>{@link #adapter}: the model's default adapter (see there).
 * </ul>
 *
 * <p>A model resolves as {@link Encoders} resolves it: the folder {@code
 * config/matryoshka/models/NAME/} when it exists (its {@link ModelConfig#FILE_NAME}, else a model
 * not trained for truncation, as the library reads a folder), else the bundled model of that name;
 * a name that is neither is taken as a model not trained for truncation (the node refuses it when
 * it first encodes with it).
 */
final class ModelDefaults {
  private final Path modelsDir;

  /** @param modelsDir the node's {@code config/matryoshka/models} folder (may not exist) */
  ModelDefaults(Path modelsDir) {
    this.modelsDir = modelsDir;
  }

  /**
   * Whether {@code model} was trained for truncation (a Matryoshka loss).
   *
   * @throws IllegalArgumentException when the model's folder has a config file that cannot be
   *     read, naming the file
   */
  boolean trainedForTruncation(String model) {
    String key = Encoders.key(model);
    Encoders.checkName(key);
    Path folder = modelsDir.resolve(key);
    Path config = folder.resolve(ModelConfig.FILE_NAME);
    Boolean custom = AccessController.doPrivileged(() -> {
      if (!Files.isDirectory(folder)) {
        return null;
      }
      if (!Files.isRegularFile(config)) {
        return false;
      }
      try {
        return ModelConfig.read(config, key).trainedForTruncation();
      } catch (IOException e) {
        throw new IllegalArgumentException("model [" + key + "]: " + e.getMessage(), e);
      }
    });
    if (custom != null) {
      return custom;
    }
    ModelConfig bundled = Models.bundledConfig(key);
    return bundled != null && bundled.trainedForTruncation();
  }

  /** The library's default prefix length for a {@code dims}-dim field holding {@code model}'s vectors. */
  int prefixDims(String model, int dims) {
    return IndexSettings.defaultPrefixDims(dims, trainedForTruncation(model));
  }

  /**
   * The adapter a field holding {@code model}'s vectors gets when its mapping names none: the
   * rotation shipped with a bundled model ({@link ModelRotations#forModel}, fitted once on
   * Wikipedia text), as the library's {@code auto} uses it where it cannot fit one on the corpus;
   * null for a model folder on the node (its vectors may differ from the bundled model's), for a
   * bundled model this node does not carry, and for models without a shipped rotation.
   *
   * <p>Why not the per-index rotation {@code index} fits on a large corpus: a node has no corpus
   * when the mapping is made, and the rotation must be the same for every document of the index.
   * Per-segment calibration makes up for the difference in oversample (docs/adapters.md).
   */
  Adapter adapter(String model) {
    String key = Encoders.key(model);
    Path folder = modelsDir.resolve(key);
    return AccessController.doPrivileged(() -> {
      if (Files.isDirectory(folder)) {
        return null;
      }
      try {
        return ModelRotations.forModel(key);
      } catch (IOException | RuntimeException e) {
        return null; // a bundled model this node does not carry: no default adapter
      }
    });
  }
}
