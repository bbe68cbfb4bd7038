package dev.matryoshka.opensearch;

import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** One real node with our zip installed; the tests share it to keep node starts few. */
class SingleNodeIT {
  private static TestCluster cluster;

  @BeforeAll
  static void startNode() throws Exception {
    cluster = TestCluster.start("single", 1);
  }

  @AfterAll
  static void stopNode() {
    if (cluster != null) {
      cluster.close();
    }
  }

  @Test
  void pluginIsListed() {
    JsonNode plugins = cluster.rest().ok("GET", "/_cat/plugins?format=json", null);
    boolean found = false;
    for (JsonNode p : plugins) {
      found |= "matryoshka".equals(p.path("component").asText());
    }
    assertTrue(found, "matryoshka not in _cat/plugins: " + plugins);
  }
}
