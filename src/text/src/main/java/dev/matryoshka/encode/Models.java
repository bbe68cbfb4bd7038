package dev.matryoshka.encode;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URL;
import java.net.URLConnection;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Opens encoders by name or folder.
 *
 * <pre>{@code
 * TextEncoder bge = Models.open(Models.DEFAULT_MODEL, EncoderOptions.defaults());
 * TextEncoder mine = Models.open("/models/nomic-embed", EncoderOptions.defaults());
 * }</pre>
 *
 * <p>Bundled names (files ship in Maven jars on the class path, nothing is downloaded):
 *
 * <ul>
 *   <li>{@code bge-small-en-v1.5} (the default, fp32) and {@code bge-small-en-v1.5-q} (int8): CLS
 *       pooling, query prefix {@value #BGE_QUERY_PREFIX}, no document prefix, 512 tokens, 384 dims.
 *   <li>{@code all-MiniLM-L6-v2} and {@code all-MiniLM-L6-v2-q} (int8): mean pooling, no
 *       prefixes, 256 tokens (the sentence-transformers setting), 384 dims.
 * </ul>
 *
 * All four are normalised and not Matryoshka-trained. Names match ignoring case.
 *
 * <p>A folder holds {@code model.onnx}, {@code tokenizer.json} and optionally {@value
 * ModelConfig#FILE_NAME}; without it the config is {@link ModelConfig#defaults(String)} named after
 * the folder, except that a sentence-transformers export's {@code sentence_bert_config.json}
 * ({@code max_seq_length}) and {@code 1_Pooling/config.json} (CLS or mean) are honoured. Folder
 * models are opened by ONNX Runtime from the file, so models with external weight files work.
 *
 * <p>Bundled models are read from the class path into memory and handed to ONNX Runtime as bytes
 * rather than unpacked to a cache folder: nothing is written to disk, several JVMs and versions
 * cannot race on or corrupt a shared cache, and the SHA-256 fingerprint is computed in the same
 * single pass over the bytes. The cost is a transient heap copy of the model (133 MB for the fp32
 * BGE) during loading.
 */
public final class Models {

  /** The model used when none is named. */
  public static final String DEFAULT_MODEL = "bge-small-en-v1.5";

  /** BGE's instruction for queries in retrieval (from the model card). */
  public static final String BGE_QUERY_PREFIX =
      "Represent this sentence for searching relevant passages: ";

  /** File names inside a model folder. */
  public static final String MODEL_FILE = "model.onnx";

  /** The tokenizer file inside a model folder. */
  public static final String TOKENIZER_FILE = "tokenizer.json";

  private record Bundled(String onnxResource, String tokenizerResource, ModelConfig config) {}

  private static final Map<String, Bundled> BUNDLED = new LinkedHashMap<>();

  static {
    ModelConfig bge =
        new ModelConfig(
            "bge-small-en-v1.5", Pooling.CLS, BGE_QUERY_PREFIX, "", 512, 384, true, false, false);
    ModelConfig minilm =
        new ModelConfig("all-MiniLM-L6-v2", Pooling.MEAN, "", "", 256, 384, true, false, false);
    bundle(bge, "bge-small-en-v1.5");
    bundle(named(bge, "bge-small-en-v1.5-q"), "bge-small-en-v1.5-q");
    bundle(minilm, "all-minilm-l6-v2");
    bundle(named(minilm, "all-MiniLM-L6-v2-q"), "all-minilm-l6-v2-q");
  }

  /** Fingerprints by source identity (location, size, modification time), once per process. */
  private static final Map<String, String> FINGERPRINTS = new ConcurrentHashMap<>();

  private static final ObjectMapper ST_JSON = new ObjectMapper();

  private Models() {}

  private static ModelConfig named(ModelConfig c, String name) {
    return new ModelConfig(
        name, c.pooling(), c.queryPrefix(), c.documentPrefix(), c.maxTokens(), c.dims(),
        c.normalize(), c.layerNormBeforeTruncation(), c.trainedForTruncation());
  }

  private static void bundle(ModelConfig config, String resourceBase) {
    BUNDLED.put(
        config.name().toLowerCase(Locale.ROOT),
        new Bundled("/" + resourceBase + ".onnx", "/" + resourceBase + "-tokenizer.json", config));
  }

  /** The bundled model names, default first. */
  public static List<String> knownNames() {
    return BUNDLED.values().stream().map(b -> b.config().name()).toList();
  }

  /**
   * The configuration of a bundled model by name (case ignored), without reading the model; null
   * for any other name. For callers that need to know how a model was trained (e.g. {@link
   * ModelConfig#trainedForTruncation()} for a default prefix length) before, or without, opening it.
   */
  public static ModelConfig bundledConfig(String name) {
    Bundled b = name == null ? null : BUNDLED.get(name.trim().toLowerCase(Locale.ROOT));
    return b == null ? null : b.config();
  }

  /** Opens the default model with default options. */
  public static TextEncoder open() throws IOException {
    return open(DEFAULT_MODEL, EncoderOptions.defaults());
  }

  /**
   * Opens a bundled model by name, or a model folder by path.
   *
   * @throws IllegalArgumentException for a word that is neither a known name nor an existing
   *     folder; the message lists the known names
   * @throws IOException if a folder, {@code model.onnx} or {@code tokenizer.json} is missing,
   *     unreadable or corrupt, or the config is malformed; the message names the path
   */
  public static TextEncoder open(String nameOrDir, EncoderOptions options) throws IOException {
    Objects.requireNonNull(nameOrDir, "model name or folder is null");
    Objects.requireNonNull(options, "options is null");
    return OnnxTextEncoder.open(files(nameOrDir), options);
  }

  /**
   * Finds a model as {@link #open} does, without opening anything native: for callers that run
   * the ONNX graph themselves (see {@link ModelFiles}). Throws as {@link #open} does for a name or
   * folder that cannot be found or read.
   */
  public static ModelFiles files(String nameOrDir) throws IOException {
    Objects.requireNonNull(nameOrDir, "model name or folder is null");
    Bundled b = BUNDLED.get(nameOrDir.trim().toLowerCase(Locale.ROOT));
    if (b != null) {
      return bundledFiles(b);
    }
    return folderFiles(resolveFolder(nameOrDir));
  }

  /**
   * The SHA-256 (hex) of a model's {@code model.onnx}, without opening it. Computed once per
   * process and source (a changed file, by size or modification time, is hashed again), so
   * repeated calls are cheap.
   */
  public static String fingerprint(String nameOrDir) throws IOException {
    Objects.requireNonNull(nameOrDir, "model name or folder is null");
    Bundled b = BUNDLED.get(nameOrDir.trim().toLowerCase(Locale.ROOT));
    if (b != null) {
      URL url = resource(b.onnxResource());
      String key = resourceKey(url);
      String cached = FINGERPRINTS.get(key);
      if (cached != null) {
        return cached;
      }
      try (InputStream in = url.openStream()) {
        String fp = sha256(in, null);
        FINGERPRINTS.put(key, fp);
        return fp;
      }
    }
    Path model = requireFile(resolveFolder(nameOrDir), MODEL_FILE);
    return fileFingerprint(model);
  }

  private static ModelFiles bundledFiles(Bundled b) throws IOException {
    URL onnxUrl = resource(b.onnxResource());
    byte[] tokenizer;
    try (InputStream in = resource(b.tokenizerResource()).openStream()) {
      tokenizer = in.readAllBytes();
    }
    byte[][] model = new byte[1][];
    String fp;
    try (InputStream in = onnxUrl.openStream()) {
      fp = sha256(in, model);
    }
    FINGERPRINTS.put(resourceKey(onnxUrl), fp);
    String where = "classpath:" + b.onnxResource();
    byte[] bytes = model[0];
    return new ModelFiles(
        (env, so) -> env.createSession(bytes, so),
        where, tokenizer, "classpath:" + b.tokenizerResource(), b.config(), fp, where);
  }

  private static ModelFiles folderFiles(Path dir) throws IOException {
    Path model = requireFile(dir, MODEL_FILE);
    Path tokFile = requireFile(dir, TOKENIZER_FILE);
    Path cfgFile = dir.resolve(ModelConfig.FILE_NAME);
    String folderName = dir.getFileName() == null ? "model" : dir.getFileName().toString();
    ModelConfig config =
        Files.exists(cfgFile)
            ? ModelConfig.read(cfgFile, folderName)
            : sentenceTransformersDefaults(dir, ModelConfig.defaults(folderName));
    byte[] tokenizer = Files.readAllBytes(tokFile);
    String fp = fileFingerprint(model);
    return new ModelFiles(
        (env, so) -> env.createSession(model.toString(), so),
        model.toString(), tokenizer, tokFile.toString(), config, fp, dir.toString());
  }

  /**
   * A folder exported from sentence-transformers says its token limit and pooling in its own
   * files; using them beats generic defaults (MiniLM's limit is 256, its tokenizer.json says
   * 128). Only read when there is no {@value ModelConfig#FILE_NAME}, which always wins.
   */
  static ModelConfig sentenceTransformersDefaults(Path dir, ModelConfig config)
      throws IOException {
    JsonNode st = readJsonIfPresent(dir.resolve("sentence_bert_config.json"));
    if (st != null && st.path("max_seq_length").canConvertToInt()
        && st.path("max_seq_length").asInt() >= 3) {
      config = config.withMaxTokens(
          Math.min(st.path("max_seq_length").asInt(), ModelConfig.MAX_TOKENS_LIMIT));
    }
    JsonNode pooling = readJsonIfPresent(dir.resolve("1_Pooling").resolve("config.json"));
    if (pooling != null) {
      if (pooling.path("pooling_mode_cls_token").asBoolean(false)) {
        config = config.withPooling(Pooling.CLS);
      } else if (pooling.path("pooling_mode_mean_tokens").asBoolean(false)) {
        config = config.withPooling(Pooling.MEAN);
      }
    }
    return config;
  }

  private static JsonNode readJsonIfPresent(Path f) throws IOException {
    if (!Files.isRegularFile(f)) {
      return null;
    }
    try {
      return ST_JSON.readTree(f.toFile());
    } catch (IOException e) {
      throw new IOException("cannot read " + f + ": " + e.getMessage(), e);
    }
  }

  /**
   * A known name was not given: a bare word that is not an existing folder is a misspelt name,
   * anything path-like must be an existing folder.
   */
  private static Path resolveFolder(String nameOrDir) throws IOException {
    Path p = Path.of(nameOrDir).toAbsolutePath().normalize();
    if (Files.isDirectory(p)) {
      return p;
    }
    boolean pathLike =
        nameOrDir.contains("/") || nameOrDir.contains("\\") || nameOrDir.startsWith(".");
    if (!pathLike) {
      throw new IllegalArgumentException(
          "unknown model '" + nameOrDir + "'; known names: " + knownNames()
              + ", or the path of a folder holding " + MODEL_FILE + " and " + TOKENIZER_FILE);
    }
    if (Files.exists(p)) {
      throw new IOException("model path is not a folder: " + p);
    }
    throw new NoSuchFileException(p.toString(), null, "model folder does not exist");
  }

  private static Path requireFile(Path dir, String name) throws IOException {
    Path f = dir.resolve(name);
    if (!Files.isRegularFile(f)) {
      throw new NoSuchFileException(
          f.toString(), null, "model folder " + dir + " has no " + name);
    }
    if (!Files.isReadable(f)) {
      throw new IOException("cannot read " + f);
    }
    return f;
  }

  private static URL resource(String name) throws IOException {
    URL url = Models.class.getResource(name);
    if (url == null) {
      throw new IOException(
          "bundled model file " + name + " is not on the class path; is its Maven jar missing?");
    }
    return url;
  }

  private static String resourceKey(URL url) throws IOException {
    URLConnection c = url.openConnection();
    c.setUseCaches(false); // a cached JarFile would stay open for the JVM's life
    long size = c.getContentLengthLong();
    long modified = c.getLastModified();
    try {
      c.getInputStream().close();
    } catch (IOException ignored) {
      // only opened to release the jar handle; the size and time are already read
    }
    return url + "#" + size + "@" + modified;
  }

  private static String fileFingerprint(Path model) throws IOException {
    BasicFileAttributes a = Files.readAttributes(model, BasicFileAttributes.class);
    String key = model.toRealPath() + "#" + a.size() + "@" + a.lastModifiedTime().toMillis();
    try {
      return FINGERPRINTS.computeIfAbsent(
          key,
          k -> {
            try (InputStream in = Files.newInputStream(model)) {
              return sha256(in, null);
            } catch (IOException e) {
              throw new UncheckedIOException(e);
            }
          });
    } catch (UncheckedIOException e) {
      throw new IOException("cannot read " + model + ": " + e.getCause().getMessage(), e);
    }
  }

  /** Hashes a stream; if {@code keep} is given, also returns its bytes in {@code keep[0]}. */
  private static String sha256(InputStream in, byte[][] keep) throws IOException {
    MessageDigest md;
    try {
      md = MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every JDK has SHA-256", e);
    }
    try (DigestInputStream din = new DigestInputStream(in, md)) {
      if (keep != null) {
        keep[0] = din.readAllBytes();
      } else {
        din.transferTo(java.io.OutputStream.nullOutputStream());
      }
    }
    return HexFormat.of().formatHex(md.digest());
  }
}
