package dev.matryoshka.opensearch;

import org.opensearch.plugins.Plugin;

/**
 * The OpenSearch plugin entry point for Matryoshka vectors.
 *
 * <p>Installed with {@code bin/opensearch-plugin install file:///.../matryoshka-opensearch-plugin-VERSION.zip}.
 */
public final class MatryoshkaPlugin extends Plugin {

  /** Called by the node's plugin service. */
  public MatryoshkaPlugin() {}
}
