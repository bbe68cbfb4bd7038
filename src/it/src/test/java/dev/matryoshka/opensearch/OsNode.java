package dev.matryoshka.opensearch;

import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * A local OpenSearch cluster with the plugin installed, for trying the plugin by hand or measuring
 * it ({@code bin/matryoshka eval-opensearch}), not a test: the stock distribution with the zip
 * installed through {@code bin/opensearch-plugin}, started by {@link TestCluster} (as the system
 * user {@value TestCluster#NODE_USER} when run as root), on free local ports. It prints each node's
 * URL and runs until interrupted (Ctrl-C or SIGTERM stop the nodes). Run through {@code
 * bin/os-node}.
 */
@Command(name = "os-node", mixinStandardHelpOptions = true, showDefaultValues = true,
    description = "Start local OpenSearch nodes with the matryoshka plugin; print their URLs; stop them on Ctrl-C.")
public final class OsNode implements Callable<Integer> {
  @Option(names = "--nodes", description = "nodes of the local cluster")
  int nodes = 1;

  @Option(names = "--name", description = "cluster name (also the nodes' folder names under src/it/target/os-nodes)")
  String name = "local";

  /** Starts the command; exits with its code. */
  public static void main(String[] args) {
    System.exit(new CommandLine(new OsNode()).execute(args));
  }

  @Override
  public Integer call() throws Exception {
    TestCluster cluster = TestCluster.start(name, nodes);
    for (int i = 0; i < cluster.size(); i++) {
      System.out.println("node " + i + ": " + cluster.httpUrl(i));
    }
    System.out.println("running; Ctrl-C stops the nodes");
    System.out.flush();
    Thread.currentThread().join(); // the cluster's shutdown hook stops the nodes
    return 0;
  }
}
