package dev.matryoshka.bench;

import java.util.Map;

/**
 * One index built for a benchmark, with its build measurements.
 *
 * @param key short name, e.g. {@code float32} or {@code prefix64}
 * @param system the system it was built for (funnel settings reuse a prefix index)
 * @param prefixDims prefix length (Matryoshka indexes), else 0
 * @param path index directory
 * @param docs documents indexed
 * @param buildSeconds adding the documents and flushing the segments (graphs built), encoding
 *     excluded
 * @param mergeSeconds forceMerge(1) of those segments
 * @param bytesByKind bytes on disk by file extension
 * @param hotBytesPerVector graph + the vectors graph search scores, per indexed vector
 * @param prefixEncoding what the prefix graph search scores: float32, int8 or int4 codes
 * @param luceneBits bits per prefix dimension of a {@code lucene-sq-prefix-rescore} index (8 or
 *     4), else 0
 */
public record BuiltIndex(
    String key,
    String system,
    int prefixDims,
    String path,
    int docs,
    double buildSeconds,
    double mergeSeconds,
    Map<String, Long> bytesByKind,
    long hotBytesPerVector,
    String prefixEncoding,
    int luceneBits) {

  /** Whether the prefix graph search scores int8 or int4 codes rather than float prefixes. */
  public boolean quantizedPrefix() {
    return prefixEncoding != null && !prefixEncoding.equals("float32");
  }

  /** {@code " int8"}, {@code " int4"} or {@code ""}: the codes in a setting's label. */
  public String codesLabel() {
    return quantizedPrefix() ? " " + prefixEncoding : "";
  }

  /** Total bytes on disk. */
  public long indexBytes() {
    return bytesByKind.values().stream().mapToLong(Long::longValue).sum();
  }
}
