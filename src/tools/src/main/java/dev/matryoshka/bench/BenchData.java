package dev.matryoshka.bench;

import dev.matryoshka.document.SyntheticVectors;

import dev.matryoshka.eval.EmbeddingCache;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.matryoshka.adapt.RotationAdapter;
import dev.matryoshka.adapt.RotationOptions;
import dev.matryoshka.encode.EncoderOptions;
import dev.matryoshka.encode.Models;
import dev.matryoshka.encode.TextEncoder;
import dev.matryoshka.index.DocumentText;
import dev.matryoshka.eval.BeirDataset;
import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.BufferedReader;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The vectors a benchmark runs on: unit-length document and query vectors, from a seeded
 * synthetic generator, a BEIR corpus encoded with a model, or a file. Generated and encoded
 * vectors are cached on disk and reused, so repeated runs measure search, not data preparation.
 *
 * <pre>{@code
 * BenchData d = BenchData.synthetic(cacheDir, 20_000, 768, 200, 256, 42L);
 * }</pre>
 *
 * @param name short description for reports, e.g. {@code synthetic-768d-100000}
 * @param docs document vectors, unit length
 * @param queries query vectors, unit length
 * @param trainQueries query vectors disjoint from {@code queries} for adapters that train on query
 *     texts ({@code --adapter rotation-distilled}); empty unless {@code --train-queries} asked
 */
public record BenchData(String name, float[][] docs, float[][] queries, float[][] trainQueries) {

  /** Data without training queries. */
  public BenchData(String name, float[][] docs, float[][] queries) {
    this(name, docs, queries, new float[0][]);
  }

  private static final int MAGIC = 0x4d42_5631; // "MBV1"

  /** Vector dimension. */
  public int dims() {
    return docs[0].length;
  }

  /**
   * Seeded synthetic vectors with a Matryoshka-like spectrum ({@link SyntheticVectors}); queries
   * come from the same distribution but are not indexed.
   */
  public static BenchData synthetic(
      Path cacheDir, int docs, int dims, int queries, int clusters, long seed) throws IOException {
    String key = "synthetic-" + dims + "d-" + docs + "-" + queries + "q-c" + clusters + "-s" + seed;
    Path file = cacheDir.resolve(key + ".mbv");
    float[][] all = readCache(file);
    if (all == null) {
      all = SyntheticVectors.generate(docs + queries, dims, clusters, seed);
      writeCache(file, all);
    }
    return split(key, all, docs);
  }

  /**
   * A BEIR folder (e.g. SciFact) encoded with a model: the corpus as documents, the queries of
   * {@code split} as queries. Vectors come from {@code eval}'s {@link EmbeddingCache} (by model
   * fingerprint, role and texts), so a corpus that {@code eval} or an earlier run encoded is not
   * encoded again and the model is not even opened; {@code rotate} applies a rotation adapter
   * fitted on the corpus to both.
   */
  public static BenchData beir(Path dir, String split, String model, boolean rotate, PrintWriter err)
      throws IOException {
    return beir(dir, split, 0, model, rotate, err);
  }

  /**
   * As {@link #beir(Path, String, String, boolean, PrintWriter)}, plus the first {@code
   * trainQueries} query texts of the {@code train} split (disjoint from the test queries) as
   * training queries; their judgments are not read.
   */
  public static BenchData beir(Path dir, String split, int trainQueries, String model, boolean rotate,
      PrintWriter err) throws IOException {
    BeirDataset ds = BeirDataset.load(dir, split);
    List<String> train = List.of();
    if (trainQueries > 0) {
      if (split.equals("train")) {
        throw new IllegalArgumentException("--train-queries needs test queries from a split other than train");
      }
      List<String> all = BeirDataset.load(dir, "train").queryTexts();
      if (all.size() < trainQueries) {
        throw new IllegalArgumentException("--train-queries " + trainQueries + ": " + dir.getFileName()
            + " has " + all.size() + " train-split queries");
      }
      train = all.subList(0, trainQueries);
    }
    return encoded(dir.getFileName() + "-" + model, ds.docTexts(), ds.queryTexts(), train, model, rotate, err);
  }

  /**
   * A text corpus in JSONL, optionally gzipped ({@code {"_id","title","text"}} lines, e.g. the
   * shared Wikipedia paragraphs): the first {@code docs} texts ({@code title + " " + text}) are
   * encoded as documents and the next {@code queries} as queries (with the model's query
   * instruction). There are no relevance judgments; the benchmark measures recall against exact
   * search, for which held-out paragraphs are real vectors of the corpus's own distribution.
   * Cached like {@link #beir}.
   */
  public static BenchData texts(Path file, int docs, int queries, String model, boolean rotate, PrintWriter err)
      throws IOException {
    return texts(file, docs, queries, 0, model, rotate, err);
  }

  /**
   * As {@link #texts(Path, int, int, String, boolean, PrintWriter)}, plus the {@code trainQueries}
   * paragraphs after the test queries, encoded as queries, for adapters that train on query texts;
   * being later paragraphs, they are disjoint from both documents and test queries.
   */
  public static BenchData texts(Path file, int docs, int queries, int trainQueries, String model, boolean rotate,
      PrintWriter err) throws IOException {
    if (docs <= 0 || queries <= 0) {
      throw new IllegalArgumentException("a text corpus needs --docs and --queries > 0; got docs=" + docs
          + ", queries=" + queries);
    }
    List<String> texts = new ArrayList<>();
    ObjectMapper om = new ObjectMapper();
    try (BufferedReader r = reader(file)) {
      String line;
      int lineNo = 0;
      while (texts.size() < docs + queries + trainQueries && (line = r.readLine()) != null) {
        lineNo++;
        if (line.isBlank()) {
          continue;
        }
        JsonNode n = om.readTree(line);
        String text = DocumentText.of(n.path("title").asText(""), n.path("text").asText(""));
        if (text.isEmpty()) {
          throw new IOException(file + ":" + lineNo + ": no \"title\" or \"text\"");
        }
        texts.add(text);
      }
    }
    if (texts.size() < docs + queries + trainQueries) {
      throw new IOException(file + " has " + texts.size() + " texts; --docs " + docs + " + --queries " + queries
          + " + --train-queries " + trainQueries + " needs " + (docs + queries + trainQueries));
    }
    String base = file.getFileName().toString().replaceFirst("\\.jsonl(\\.gz)?$", "");
    return encoded(base + "-" + docs + "-" + model, texts.subList(0, docs), texts.subList(docs, docs + queries),
        texts.subList(docs + queries, docs + queries + trainQueries), model, rotate, err);
  }

  /** True for a JSONL file whose first record has text and no {@code "vector"}. */
  static boolean isTextCorpus(Path file) throws IOException {
    String fn = file.getFileName().toString();
    if (fn.endsWith(".fvecs")) {
      return false;
    }
    try (BufferedReader r = reader(file)) {
      for (String line = r.readLine(); line != null; line = r.readLine()) {
        if (!line.isBlank()) {
          JsonNode n = new ObjectMapper().readTree(line);
          return !n.has("vector") && (n.has("text") || n.has("title"));
        }
      }
    }
    return false;
  }

  private static BufferedReader reader(Path file) throws IOException {
    InputStream in = new BufferedInputStream(Files.newInputStream(file), 1 << 16);
    if (file.getFileName().toString().endsWith(".gz")) {
      in = new java.util.zip.GZIPInputStream(in, 1 << 16);
    }
    return new BufferedReader(new java.io.InputStreamReader(in, java.nio.charset.StandardCharsets.UTF_8));
  }

  /**
   * Documents and queries encoded with {@code model} through {@code eval}'s {@link
   * EmbeddingCache} (by model fingerprint, role and texts), so texts that {@code eval} or an
   * earlier run encoded are not encoded again and the model is not even opened; {@code rotate}
   * applies a rotation adapter fitted on the documents to both.
   */
  private static BenchData encoded(String name, List<String> docTexts, List<String> queryTexts,
      List<String> trainTexts, String model, boolean rotate, PrintWriter err) throws IOException {
    String fullFp = Models.fingerprint(model);
    int nDocs = docTexts.size();
    EmbeddingCache cache = EmbeddingCache.defaultCache();
    TextEncoder[] enc = new TextEncoder[1]; // opened on the first cache miss only
    java.util.function.Supplier<TextEncoder> encoder = () -> {
      if (enc[0] == null) {
        err.println("bench: encoding " + name + " with " + model + " (once; cached)");
        err.flush();
        try {
          enc[0] = Models.open(model, EncoderOptions.defaults());
        } catch (IOException e) {
          throw new java.io.UncheckedIOException(e);
        }
      }
      return enc[0];
    };
    float[][] all;
    float[][] train = new float[0][];
    try {
      float[][] d = encodeDocumentsInChunks(cache, fullFp, docTexts, encoder, err);
      float[][] q = cache.get(fullFp, "query", queryTexts, t -> encoder.get().encodeQueries(t));
      if (!trainTexts.isEmpty()) {
        train = cache.get(fullFp, "query", trainTexts, t -> encoder.get().encodeQueries(t));
      }
      all = concat(d, q);
    } finally {
      if (enc[0] != null) {
        enc[0].close();
      }
    }
    if (rotate) {
      float[][] docs = Arrays.copyOf(all, nDocs);
      RotationAdapter r = RotationAdapter.fit(docs, RotationOptions.forModel(fullFp.substring(0, 16)));
      float[][] out = new float[all.length][];
      for (int i = 0; i < all.length; i++) {
        out[i] = unit(r.apply(all[i]));
      }
      all = out;
    }
    BenchData out = split(rotate ? name + "+rotation" : name, all, nDocs);
    return new BenchData(out.name(), out.docs(), out.queries(), train);
  }

  /** Documents per cache entry: an interrupted encoding of a large corpus keeps its finished chunks. */
  static final int ENCODE_CHUNK = 10_000;

  /**
   * Encodes documents through the cache in chunks of {@link #ENCODE_CHUNK} texts, each its own
   * cache entry, so a long encoding (100k Wikipedia paragraphs take most of an hour on two
   * cores) resumes where it stopped, and a larger corpus reuses the chunks of a smaller one with
   * the same head. A corpus of at most one chunk keeps the key of the whole list.
   */
  private static float[][] encodeDocumentsInChunks(EmbeddingCache cache, String fp, List<String> texts,
      java.util.function.Supplier<TextEncoder> encoder, PrintWriter err) throws IOException {
    float[][] out = new float[texts.size()][];
    long t0 = System.nanoTime();
    for (int from = 0; from < texts.size(); from += ENCODE_CHUNK) {
      int to = Math.min(texts.size(), from + ENCODE_CHUNK);
      float[][] part = cache.get(fp, "document", texts.subList(from, to), t -> encoder.get().encodeDocuments(t));
      System.arraycopy(part, 0, out, from, part.length);
      if (texts.size() > ENCODE_CHUNK) {
        err.printf(java.util.Locale.ROOT, "bench: documents %,d / %,d ready (%.0f s)%n", to, texts.size(),
            (System.nanoTime() - t0) / 1e9);
        err.flush();
      }
    }
    return out;
  }

  /**
   * Vectors from a file: {@code .fvecs} (int32 dims, then dims float32, little endian, per
   * vector) or JSONL with a {@code "vector"} array per line. The last {@code queries} vectors are
   * held out as queries.
   */
  public static BenchData file(Path path, int docs, int queries) throws IOException {
    List<float[]> vs = new ArrayList<>();
    int want = docs > 0 ? docs + queries : Integer.MAX_VALUE;
    String fn = path.getFileName().toString();
    if (fn.endsWith(".fvecs")) {
      try (InputStream in = new BufferedInputStream(Files.newInputStream(path), 1 << 20)) {
        byte[] head = new byte[4];
        while (vs.size() < want && in.readNBytes(head, 0, 4) == 4) {
          int d = ByteBuffer.wrap(head).order(ByteOrder.LITTLE_ENDIAN).getInt();
          if (d <= 0 || d > 65536) {
            throw new IOException(path + ": vector " + vs.size() + " has bad dimension " + d);
          }
          byte[] body = in.readNBytes(4 * d);
          if (body.length != 4 * d) {
            throw new IOException(path + ": truncated vector " + vs.size());
          }
          float[] v = new float[d];
          ByteBuffer.wrap(body).order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(v);
          vs.add(v);
        }
      }
    } else {
      ObjectMapper om = new ObjectMapper();
      try (BufferedReader r = Files.newBufferedReader(path)) {
        String line;
        int lineNo = 0;
        while (vs.size() < want && (line = r.readLine()) != null) {
          lineNo++;
          if (line.isBlank()) {
            continue;
          }
          JsonNode v = om.readTree(line).get("vector");
          if (v == null || !v.isArray() || v.isEmpty()) {
            throw new IOException(path + ":" + lineNo + ": no \"vector\" array");
          }
          float[] f = new float[v.size()];
          for (int i = 0; i < f.length; i++) {
            f[i] = (float) v.get(i).asDouble();
          }
          vs.add(f);
        }
      }
    }
    if (vs.size() <= queries) {
      throw new IOException(path + ": " + vs.size() + " vectors, need more than " + queries);
    }
    int d0 = vs.get(0).length;
    float[][] all = new float[vs.size()][];
    for (int i = 0; i < all.length; i++) {
      if (vs.get(i).length != d0) {
        throw new IOException(path + ": vector " + i + " has " + vs.get(i).length
            + " dims, the first has " + d0);
      }
      all[i] = unit(vs.get(i));
    }
    return split(fn + "-" + (all.length - queries), all, all.length - queries);
  }

  private static BenchData split(String name, float[][] all, int nDocs) {
    return new BenchData(name, Arrays.copyOf(all, nDocs), Arrays.copyOfRange(all, nDocs, all.length));
  }

  private static float[][] concat(float[][] a, float[][] b) {
    float[][] out = Arrays.copyOf(a, a.length + b.length);
    System.arraycopy(b, 0, out, a.length, b.length);
    return out;
  }

  /** Unit-length copy (the benchmark compares with DOT_PRODUCT, i.e. cosine). */
  static float[] unit(float[] v) {
    double s = 0;
    for (float x : v) {
      s += (double) x * x;
    }
    if (s == 0 || !Double.isFinite(s)) {
      throw new IllegalArgumentException("vector has zero or non-finite norm");
    }
    float inv = (float) (1 / Math.sqrt(s));
    float[] out = new float[v.length];
    for (int i = 0; i < v.length; i++) {
      out[i] = v[i] * inv;
    }
    return out;
  }

  /** Reads a cache file, or null when absent. */
  static float[][] readCache(Path file) throws IOException {
    if (!Files.exists(file)) {
      return null;
    }
    try (DataInputStream in =
        new DataInputStream(new BufferedInputStream(Files.newInputStream(file), 1 << 20))) {
      if (in.readInt() != MAGIC) {
        throw new IOException("not a bench vector cache: " + file + " (delete it to regenerate)");
      }
      int n = in.readInt();
      int d = in.readInt();
      float[][] out = new float[n][d];
      byte[] buf = new byte[4 * d];
      for (float[] v : out) {
        in.readFully(buf);
        ByteBuffer.wrap(buf).order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(v);
      }
      return out;
    }
  }

  /** Writes a cache file atomically (temp file, then move). */
  static void writeCache(Path file, float[][] all) throws IOException {
    Files.createDirectories(file.toAbsolutePath().getParent());
    Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
    try (DataOutputStream out =
        new DataOutputStream(new BufferedOutputStream(Files.newOutputStream(tmp), 1 << 20))) {
      out.writeInt(MAGIC);
      out.writeInt(all.length);
      out.writeInt(all[0].length);
      ByteBuffer bb = ByteBuffer.allocate(4 * all[0].length).order(ByteOrder.LITTLE_ENDIAN);
      for (float[] v : all) {
        bb.clear();
        bb.asFloatBuffer().put(v);
        out.write(bb.array());
      }
    }
    Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
  }
}
