package dev.matryoshka.reindex;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.HashMap;
import java.util.Map;
import java.util.TreeMap;

/**
 * How far a reindex got: the source it reads, the position after the last document that the
 * target has committed, and the counters so far. A target stores it in the same commit as the
 * documents (Lucene commit user data; the OpenSearch index's mapping {@code _meta} after the
 * bulk requests it covers), so the checkpoint never runs ahead of the data. Rerunning from a
 * checkpoint that lags the data is harmless: documents are keyed by id.
 *
 * <pre>{@code
 * Checkpoint cp = Checkpoint.fromUserData(writer.extraUserData());
 * if (cp != null && cp.source().equals(source.identity())) source.resumeAfter(cp.position());
 * }</pre>
 *
 * @param source identity of the source ({@link ReindexSource#identity()})
 * @param position source position after the last document covered, or null at the start
 * @param read documents read from the source
 * @param written documents written to the target
 * @param skipped documents skipped, by reason
 * @param done whether the source was read to its end
 */
public record Checkpoint(
    String source, String position, long read, long written, Map<String, Long> skipped, boolean done) {

  /** Prefix of every user-data key a checkpoint uses. */
  public static final String PREFIX = "reindex.";

  private static final ObjectMapper JSON = new ObjectMapper();

  /** Copies the skip map (sorted, immutable). */
  public Checkpoint {
    skipped = java.util.Collections.unmodifiableMap(new TreeMap<>(skipped == null ? Map.of() : skipped));
  }

  /** Total documents skipped. */
  public long skippedTotal() {
    return skipped.values().stream().mapToLong(Long::longValue).sum();
  }

  /** As string key/values, for Lucene commit user data or an OpenSearch {@code _meta} object. */
  public Map<String, String> toUserData() {
    Map<String, String> m = new HashMap<>();
    m.put(PREFIX + "source", source);
    m.put(PREFIX + "position", position == null ? "" : position);
    m.put(PREFIX + "read", Long.toString(read));
    m.put(PREFIX + "written", Long.toString(written));
    m.put(PREFIX + "done", Boolean.toString(done));
    try {
      m.put(PREFIX + "skipped", JSON.writeValueAsString(new TreeMap<>(skipped)));
    } catch (JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
    return m;
  }

  /** Reads a checkpoint written by {@link #toUserData()}; null when there is none. */
  public static Checkpoint fromUserData(Map<String, String> m) {
    String source = m.get(PREFIX + "source");
    if (source == null) {
      return null;
    }
    String pos = m.getOrDefault(PREFIX + "position", "");
    Map<String, Long> skipped;
    try {
      skipped = JSON.readValue(m.getOrDefault(PREFIX + "skipped", "{}"), new TypeReference<Map<String, Long>>() {});
    } catch (JsonProcessingException e) {
      throw new IllegalArgumentException("corrupt reindex checkpoint (skipped counts): " + e.getOriginalMessage(), e);
    }
    return new Checkpoint(source, pos.isEmpty() ? null : pos,
        Long.parseLong(m.getOrDefault(PREFIX + "read", "0")),
        Long.parseLong(m.getOrDefault(PREFIX + "written", "0")),
        skipped, Boolean.parseBoolean(m.getOrDefault(PREFIX + "done", "false")));
  }
}
