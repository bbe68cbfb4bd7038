package dev.matryoshka.bench;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.apache.lucene.document.Document;
import org.apache.lucene.document.FieldType;
import org.apache.lucene.document.KnnFloatVectorField;
import org.apache.lucene.document.NumericDocValuesField;
import org.apache.lucene.index.IndexWriter;
import org.apache.lucene.index.IndexWriterConfig;
import org.apache.lucene.index.SerialMergeScheduler;
import org.apache.lucene.index.TieredMergePolicy;
import org.apache.lucene.index.VectorSimilarityFunction;
import org.apache.lucene.store.Directory;
import org.apache.lucene.store.FSDirectory;
import org.apache.lucene.util.VectorUtil;

/**
 * Builds one benchmark index: documents added from one thread, flushed into a fixed number of
 * segments (so the graphs are built at flush, as in a real indexing job), then force-merged to
 * one segment (so the merge cost is measured too, and search sees one graph). Compound files are
 * off so that bytes can be reported per file kind.
 */
final class IndexBuilder {
  /** Doc values field holding each document's position in the input. */
  static final String ORD_FIELD = "ord";

  private IndexBuilder() {}

  static BuiltIndex build(
      BenchOptions o, BenchSystem system, int prefixDims, float[][] docs, Path dir,
      PrintWriter err) throws IOException {
    return build(o, system, prefixDims, dev.matryoshka.codec.MatryoshkaPrefix.Encoding.FLOAT32, docs, dir, err);
  }

  static BuiltIndex build(
      BenchOptions o, BenchSystem system, int prefixDims, dev.matryoshka.codec.MatryoshkaPrefix.Encoding encoding,
      float[][] docs, Path dir, PrintWriter err) throws IOException {
    return build(o, system, prefixDims, encoding, 0, docs, dir, err);
  }

  /** An index of {@code lucene-sq-prefix-rescore}: a P-dim prefix quantized to 8 or 4 bits. */
  static BuiltIndex buildLuceneSqPrefix(
      BenchOptions o, int prefixDims, int bits, float[][] docs, Path dir, PrintWriter err) throws IOException {
    return build(o, BenchSystem.LUCENE_SQ_PREFIX_RESCORE, prefixDims,
        dev.matryoshka.codec.MatryoshkaPrefix.Encoding.FLOAT32, bits, docs, dir, err);
  }

  private static BuiltIndex build(
      BenchOptions o, BenchSystem system, int prefixDims, dev.matryoshka.codec.MatryoshkaPrefix.Encoding encoding,
      int bits, float[][] docs, Path dir, PrintWriter err) throws IOException {
    boolean codes = encoding != dev.matryoshka.codec.MatryoshkaPrefix.Encoding.FLOAT32;
    boolean sqPrefix = system == BenchSystem.LUCENE_SQ_PREFIX_RESCORE;
    if (sqPrefix) {
      BenchSystem.luceneEncoding(bits); // names a bad width
    }
    String key = sqPrefix ? luceneSqKey(prefixDims, bits) : key(system, prefixDims) + (codes ? "-" + encoding.wireName() : "");
    deleteRecursively(dir);
    Files.createDirectories(dir);
    int dims = docs[0].length;
    FieldType type = system.fieldType(dims, prefixDims, encoding);
    TieredMergePolicy mp = new TieredMergePolicy();
    mp.setNoCFSRatio(0.0);
    IndexWriterConfig iwc =
        new IndexWriterConfig()
            .setCodec(system.codec(prefixDims, bits, o.maxConn(), o.beamWidth()))
            .setUseCompoundFile(false)
            .setMergePolicy(mp)
            .setMergeScheduler(new SerialMergeScheduler())
            .setRAMBufferSizeMB(1900)
            .setMaxBufferedDocs(Math.max(2, (docs.length + o.segments() - 1) / o.segments()));
    double build;
    double merge;
    try (Directory d = FSDirectory.open(dir);
        IndexWriter w = new IndexWriter(d, iwc)) {
      long t0 = System.nanoTime();
      for (int i = 0; i < docs.length; i++) {
        Document doc = new Document();
        doc.add(new KnnFloatVectorField(BenchSystem.FIELD, docs[i], type));
        if (sqPrefix) {
          doc.add(new KnnFloatVectorField(BenchSystem.PREFIX_FIELD, prefix(docs[i], prefixDims),
              VectorSimilarityFunction.DOT_PRODUCT));
        }
        doc.add(new NumericDocValuesField(ORD_FIELD, i));
        w.addDocument(doc);
      }
      w.commit();
      long t1 = System.nanoTime();
      w.forceMerge(1);
      w.commit();
      long t2 = System.nanoTime();
      build = (t1 - t0) / 1e9;
      merge = (t2 - t1) / 1e9;
    }
    Map<String, Long> bytes = bytesByKind(dir);
    long hot = 0;
    for (var e : bytes.entrySet()) {
      if (system.hotExtensions().contains(e.getKey())) {
        hot += e.getValue();
      }
    }
    if (codes) {
      // .mpv holds the float prefixes (read only by merges) and the int8/int4 codes the search
      // scores: one byte per prefix dimension (int8) or half of one (int4)
      long codeBytes = encoding == dev.matryoshka.codec.MatryoshkaPrefix.Encoding.INT4 ? (prefixDims + 1) / 2 : prefixDims;
      hot = hot - bytes.getOrDefault("mpv", 0L) + (long) docs.length * codeBytes;
    }
    // lucene-sq-prefix-rescore: only the prefix field has a graph (.vex) and quantized vectors
    // (.veq); both fields' raw floats are in .vec, read only for the rerank and by merges
    err.printf("bench: built %-9s %,d docs: build %.1f s, merge %.1f s, %s%n",
        key, docs.length, build, merge, bytes);
    err.flush();
    return new BuiltIndex(key, system.label(), prefixDims, dir.toString(), docs.length, build,
        merge, bytes, Math.round((double) hot / docs.length), encoding.wireName(), sqPrefix ? bits : 0);
  }

  /** Index key of {@code lucene-sq-prefix-rescore}: {@code lsq-prefix<P>-int<bits>}. */
  static String luceneSqKey(int prefixDims, int bits) {
    return "lsq-prefix" + prefixDims + "-int" + bits;
  }

  /** The first {@code p} dimensions of {@code v}, renormalised to unit length (zero stays zero). */
  static float[] prefix(float[] v, int p) {
    return VectorUtil.l2normalize(java.util.Arrays.copyOf(v, p), false);
  }

  /** Index key: {@code float32}, {@code int8}, {@code int4}, {@code 1bit} or {@code prefix<P>}. */
  static String key(BenchSystem system, int prefixDims) {
    return switch (system) {
      case LUCENE_HNSW_FLOAT32 -> "float32";
      case LUCENE_HNSW_INT8_RESCORE -> "int8";
      case LUCENE_HNSW_INT4_RESCORE -> "int4";
      case LUCENE_HNSW_1BIT_RESCORE -> "1bit";
      default -> "prefix" + prefixDims;
    };
  }

  static Map<String, Long> bytesByKind(Path dir) throws IOException {
    Map<String, Long> out = new TreeMap<>();
    try (Stream<Path> files = Files.list(dir)) {
      for (Path p : (Iterable<Path>) files::iterator) {
        String n = p.getFileName().toString();
        if (n.equals("write.lock")) {
          continue;
        }
        int dot = n.lastIndexOf('.');
        String kind = dot < 0 ? n.replaceAll("_\\d+$", "") : n.substring(dot + 1);
        out.merge(kind, Files.size(p), Long::sum);
      }
    }
    return out;
  }

  static void deleteRecursively(Path dir) throws IOException {
    if (!Files.exists(dir)) {
      return;
    }
    try (Stream<Path> s = Files.walk(dir)) {
      for (Path p : s.sorted(Comparator.reverseOrder()).toList()) {
        Files.delete(p);
      }
    }
  }
}
