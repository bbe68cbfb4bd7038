package dev.matryoshka.opensearch;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.matryoshka.codec.DecodedGraphBudget;
import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.opensearch.common.settings.ClusterSettings;
import org.opensearch.common.settings.Setting;
import org.opensearch.common.settings.Settings;
import org.opensearch.monitor.jvm.JvmInfo;

/** Parsing of the plugin's node settings, and their way into the library, without a node. */
class MatryoshkaSettingsTest {
  private static final String KEY = "matryoshka.decoded_graph.max_bytes";
  private long sharedBefore;

  @BeforeEach
  void remember() {
    sharedBefore = DecodedGraphBudget.shared().maxBytes();
  }

  @AfterEach
  void restore() {
    DecodedGraphBudget.shared().setMaxBytes(sharedBefore);
  }

  private static long parse(String value) {
    return MatryoshkaSettings.DECODED_GRAPH_MAX_BYTES.get(Settings.builder().put(KEY, value).build()).getBytes();
  }

  @Test
  void decodedGraphMaxBytesTakesSizesAndHeapShares() {
    assertEquals(KEY, MatryoshkaSettings.DECODED_GRAPH_MAX_BYTES.getKey());
    assertEquals(512L << 20, parse("512mb"));
    assertEquals(2L << 30, parse("2gb"));
    assertEquals(0, parse("0"));
    long heap = JvmInfo.jvmInfo().getMem().getHeapMax().getBytes();
    assertEquals((long) (heap * 0.05), parse("5%"), 1.0);
    long byDefault = MatryoshkaSettings.DECODED_GRAPH_MAX_BYTES.get(Settings.EMPTY).getBytes();
    assertEquals((long) (heap * 0.10), byDefault, 1.0, "default: 10% of the heap");
    assertTrue(MatryoshkaSettings.DECODED_GRAPH_MAX_BYTES.isDynamic());
    assertTrue(MatryoshkaSettings.DECODED_GRAPH_MAX_BYTES.hasNodeScope());
    assertTrue(MatryoshkaSettings.all().contains(MatryoshkaSettings.DECODED_GRAPH_MAX_BYTES));
  }

  @Test
  void badValuesNameTheSetting() {
    for (String bad : new String[] {"-1", "lots", "12 parsecs", "150%"}) {
      IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> parse(bad), bad);
      assertTrue(e.getMessage().contains(KEY) && e.getMessage().contains("got=" + bad), bad + ": " + e.getMessage());
    }
  }

  @Test
  void startUpAndUpdatesSetTheSharedBudget() {
    MatryoshkaSettings.apply(Settings.builder().put(KEY, "256mb").build());
    assertEquals(256L << 20, DecodedGraphBudget.shared().maxBytes());

    Set<Setting<?>> registered = new HashSet<>(ClusterSettings.BUILT_IN_CLUSTER_SETTINGS);
    registered.addAll(MatryoshkaSettings.all());
    ClusterSettings cluster = new ClusterSettings(Settings.EMPTY, registered);
    MatryoshkaSettings.follow(cluster);
    cluster.applySettings(Settings.builder().put(KEY, "1mb").build());
    assertEquals(1L << 20, DecodedGraphBudget.shared().maxBytes());
    cluster.applySettings(Settings.builder().put(KEY, "0").build());
    assertEquals(0, DecodedGraphBudget.shared().maxBytes(), "0: every graph off-heap");
    assertThrows(IllegalArgumentException.class,
        () -> cluster.applySettings(Settings.builder().put(KEY, "-5mb").build()));
    assertEquals(0, DecodedGraphBudget.shared().maxBytes(), "a refused update changes nothing");
  }
}
