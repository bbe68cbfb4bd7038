package dev.matryoshka.opensearch;

import dev.matryoshka.codec.DecodedGraphBudget;
import java.util.List;
import org.opensearch.common.settings.ClusterSettings;
import org.opensearch.common.settings.Setting;
import org.opensearch.common.settings.Setting.Property;
import org.opensearch.common.settings.Settings;
import org.opensearch.common.unit.MemorySizeValue;
import org.opensearch.core.common.unit.ByteSizeValue;

/**
 * The plugin's node settings, in one place.
 *
 * <p>{@code matryoshka.decoded_graph.max_bytes} — heap the node may spend on decoded prefix
 * graphs, over all shards: a byte size ({@code 512mb}) or a share of the heap ({@code 10%}, the
 * default); {@code 0} searches every graph off-heap. A segment whose graph does not fit is searched
 * through Lucene's off-heap graph with the same results. Dynamic: a new value applies to graphs
 * decoded afterwards; graphs already held go when their segments close (refresh, merge).
 *
 * <pre>{@code
 * # opensearch.yml
 * matryoshka.decoded_graph.max_bytes: 1gb
 * # or at run time
 * PUT _cluster/settings {"persistent": {"matryoshka.decoded_graph.max_bytes": "5%"}}
 * }</pre>
 *
 * <p>The limit is the library's {@link DecodedGraphBudget#shared()} budget: Lucene opens segments
 * through the SPI-registered codec, which only a process-wide budget can reach.
 */
final class MatryoshkaSettings {

  /** Default of {@link #DECODED_GRAPH_MAX_BYTES}: the library's default share of the heap. */
  static final String DEFAULT_DECODED_GRAPH_MAX_BYTES = DecodedGraphBudget.DEFAULT_HEAP_PERCENT + "%";

  /** Key of {@link #DECODED_GRAPH_MAX_BYTES}. */
  static final String DECODED_GRAPH_MAX_BYTES_KEY = "matryoshka.decoded_graph.max_bytes";

  /** Heap budget of the decoded prefix graphs of all shards on this node. */
  static final Setting<ByteSizeValue> DECODED_GRAPH_MAX_BYTES = new Setting<>(
      DECODED_GRAPH_MAX_BYTES_KEY, DEFAULT_DECODED_GRAPH_MAX_BYTES, MatryoshkaSettings::parseDecodedGraphMaxBytes,
      Property.NodeScope, Property.Dynamic);

  private MatryoshkaSettings() {}

  /** Every setting the plugin registers. */
  static List<Setting<?>> all() {
    return List.of(DECODED_GRAPH_MAX_BYTES);
  }

  /** Applies the node's settings at start-up. */
  static void apply(Settings settings) {
    setDecodedGraphMaxBytes(DECODED_GRAPH_MAX_BYTES.get(settings));
  }

  /** Follows later updates of the dynamic settings. */
  static void follow(ClusterSettings clusterSettings) {
    clusterSettings.addSettingsUpdateConsumer(DECODED_GRAPH_MAX_BYTES, MatryoshkaSettings::setDecodedGraphMaxBytes);
  }

  /** A byte size or a share of the heap, at least 0 (OpenSearch's byte sizes also accept -1). */
  private static ByteSizeValue parseDecodedGraphMaxBytes(String value) {
    ByteSizeValue bytes;
    try {
      bytes = MemorySizeValue.parseBytesSizeValueOrHeapRatio(value, DECODED_GRAPH_MAX_BYTES_KEY);
    } catch (RuntimeException e) { // not every parse error names the setting (e.g. "150%")
      throw badDecodedGraphMaxBytes(value, e);
    }
    if (bytes.getBytes() < 0) {
      throw badDecodedGraphMaxBytes(value, null);
    }
    return bytes;
  }

  private static IllegalArgumentException badDecodedGraphMaxBytes(String value, Exception cause) {
    return new IllegalArgumentException(DECODED_GRAPH_MAX_BYTES_KEY
        + " must be a byte size (512mb) or a heap percentage (10%), at least 0 (0 = always off-heap); got="
        + value, cause);
  }

  private static void setDecodedGraphMaxBytes(ByteSizeValue value) {
    DecodedGraphBudget.shared().setMaxBytes(value.getBytes());
  }
}
