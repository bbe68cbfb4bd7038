package dev.matryoshka.eval;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.function.Function;

/**
 * Caches encoded texts on disk, keyed by the model fingerprint, the role (query or document) and
 * a hash of the texts, so re-running an evaluation or a benchmark does not re-encode a corpus.
 * Location: {@code $MATRYOSHKA_CACHE}, else {@code ~/.cache/matryoshka}; a damaged file is
 * ignored and recomputed.
 */
public final class EmbeddingCache {

  private static final int MAGIC = 0x4d454d42; // "MEMB"
  private final Path dir;

  /** Cache in {@code dir}. */
  public EmbeddingCache(Path dir) {
    this.dir = dir;
  }

  /** The default cache folder. */
  public static EmbeddingCache defaultCache() {
    String env = System.getenv("MATRYOSHKA_CACHE");
    Path base = env != null && !env.isBlank()
        ? Path.of(env)
        : Path.of(System.getProperty("user.home"), ".cache", "matryoshka");
    return new EmbeddingCache(base.resolve("embeddings"));
  }

  /** Returns the cached vectors for these texts, computing and storing them when absent. */
  public float[][] get(String modelFingerprint, String role, List<String> texts,
      Function<List<String>, float[][]> encoder) throws IOException {
    Path file = dir.resolve(key(modelFingerprint, role, texts) + ".f32");
    float[][] cached = read(file, texts.size());
    if (cached != null) {
      return cached;
    }
    // in chunks, so a long corpus shows progress
    float[][] vecs = new float[texts.size()][];
    int chunk = 256;
    long t0 = System.nanoTime();
    for (int from = 0; from < texts.size(); from += chunk) {
      int to = Math.min(texts.size(), from + chunk);
      float[][] part = encoder.apply(texts.subList(from, to));
      System.arraycopy(part, 0, vecs, from, part.length);
      if (texts.size() > chunk) {
        double secs = (System.nanoTime() - t0) / 1e9;
        System.err.printf(java.util.Locale.ROOT, "  encoded %,d / %,d %s texts (%.1f/s, ETA %.0f s)%n",
            to, texts.size(), role, to / secs, (texts.size() - to) * secs / to);
      }
    }
    write(file, vecs);
    return vecs;
  }

  static String key(String fp, String role, List<String> texts) {
    try {
      MessageDigest md = MessageDigest.getInstance("SHA-256");
      md.update((fp + "\u0000" + role + "\u0000" + texts.size()).getBytes(StandardCharsets.UTF_8));
      for (String t : texts) {
        md.update((byte) 0);
        md.update(t.getBytes(StandardCharsets.UTF_8));
      }
      return role + "-" + HexFormat.of().formatHex(md.digest()).substring(0, 32);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  private static float[][] read(Path file, int n) {
    if (!Files.isRegularFile(file)) {
      return null;
    }
    try (DataInputStream in = new DataInputStream(new BufferedInputStream(Files.newInputStream(file), 1 << 16))) {
      if (in.readInt() != MAGIC || in.readInt() != n) {
        return null;
      }
      int dims = in.readInt();
      float[][] out = new float[n][dims];
      for (float[] v : out) {
        for (int i = 0; i < dims; i++) {
          v[i] = in.readFloat();
        }
      }
      return out;
    } catch (IOException e) {
      return null; // damaged or partial: recompute
    }
  }

  private void write(Path file, float[][] vecs) throws IOException {
    Files.createDirectories(dir);
    Path tmp = Files.createTempFile(dir, "partial-", ".tmp");
    try (DataOutputStream out = new DataOutputStream(new BufferedOutputStream(Files.newOutputStream(tmp), 1 << 16))) {
      out.writeInt(MAGIC);
      out.writeInt(vecs.length);
      int dims = vecs.length == 0 ? 0 : vecs[0].length;
      out.writeInt(dims);
      for (float[] v : vecs) {
        for (float x : v) {
          out.writeFloat(x);
        }
      }
    }
    Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
  }
}
