package dev.matryoshka.opensearch;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * Real OpenSearch nodes for the integration tests: the stock {@code integ-test-zip} distribution
 * (unpacked by the build into {@code target/opensearch-dist}) with our plugin zip installed the way
 * an operator installs it, {@code bin/opensearch-plugin install --batch file:///...zip}.
 *
 * <p>Every node listens on 127.0.0.1 with free ports picked at start, runs with a small heap, and
 * is stopped by its PID in {@link #close()} (and by a shutdown hook if the test JVM is killed), so
 * no node outlives the build. OpenSearch refuses to run as root, so when the tests run as root the
 * node runs as the system user {@value #NODE_USER}, created on first use.
 *
 * <pre>{@code
 * try (TestCluster c = TestCluster.start("smoke", 1)) {
 *   c.rest().ok("GET", "/_cat/plugins?format=json", null);
 * }
 * }</pre>
 */
public final class TestCluster implements AutoCloseable {
  static final String NODE_USER = "matryoshka-it";
  private static final Duration START_TIMEOUT = Duration.ofMinutes(3);
  private static final String HEAP = "-Xms1g -Xmx1g";

  private final String name;
  private final List<Node> nodes = new ArrayList<>();
  private final Thread reaper = new Thread(this::stopQuietly, "opensearch-it-reaper");

  private record Node(String name, Path home, int httpPort, int transportPort) {
    Path pidFile() {
      return home.resolve("opensearch.pid");
    }
  }

  private TestCluster(String name) {
    this.name = name;
  }

  /** Starts {@code size} fresh nodes forming one cluster and waits for green health. */
  public static TestCluster start(String name, int size) throws IOException, InterruptedException {
    Path template = installedTemplate();
    Path work = workDir();
    TestCluster c = new TestCluster(name);
    List<Integer> ports = freePorts(2 * size);
    for (int i = 0; i < size; i++) {
      Path home = work.resolve(name + "-node" + i);
      deleteTree(home);
      run(List.of("cp", "-a", template.toString(), home.toString()), Duration.ofMinutes(2));
      c.nodes.add(new Node(name + "-" + i, home, ports.get(2 * i), ports.get(2 * i + 1)));
    }
    for (Node n : c.nodes) {
      c.writeConfig(n);
      if (isRoot()) {
        run(List.of("chown", "-R", NODE_USER + ":" + NODE_USER, n.home().toString()), Duration.ofMinutes(1));
      }
    }
    Runtime.getRuntime().addShutdownHook(c.reaper);
    try {
      c.startNodes();
    } catch (IOException | RuntimeException | Error e) {
      c.close();
      throw e;
    }
    return c;
  }

  /** Base URL of a node's HTTP interface, e.g. {@code http://127.0.0.1:9234}. */
  public String httpUrl(int node) {
    return "http://127.0.0.1:" + nodes.get(node).httpPort();
  }

  /** REST client for the first node. */
  Rest rest() {
    return rest(0);
  }

  Rest rest(int node) {
    return new Rest("http://127.0.0.1:" + nodes.get(node).httpPort());
  }

  /** The node's main log, for assertions on what the node logged. */
  String log(int node) throws IOException {
    Path log = nodes.get(node).home().resolve("logs").resolve(name + ".log");
    return Files.exists(log) ? Files.readString(log) : "";
  }

  Path home(int node) {
    return nodes.get(node).home();
  }

  /** Stops every node by PID and starts them again on the same data and ports. */
  void restart() throws IOException, InterruptedException {
    stopNodes();
    startNodes();
  }

  @Override
  public void close() {
    stopQuietly();
    try {
      Runtime.getRuntime().removeShutdownHook(reaper);
    } catch (IllegalStateException alreadyShuttingDown) {
      // the hook is running or ran: nothing left to do
    }
  }

  private void stopQuietly() {
    try {
      stopNodes();
    } catch (IOException e) {
      System.err.println("could not stop OpenSearch nodes: " + e);
    }
  }

  private void writeConfig(Node n) throws IOException {
    StringBuilder yml = new StringBuilder();
    yml.append("cluster.name: ").append(name).append('\n');
    yml.append("node.name: ").append(n.name()).append('\n');
    yml.append("network.host: 127.0.0.1\n");
    yml.append("http.port: ").append(n.httpPort()).append('\n');
    yml.append("transport.port: ").append(n.transportPort()).append('\n');
    yml.append("path.data: ").append(n.home().resolve("data")).append('\n');
    yml.append("path.logs: ").append(n.home().resolve("logs")).append('\n');
    // no disk-based allocation surprises on a nearly full build disk
    yml.append("cluster.routing.allocation.disk.threshold_enabled: false\n");
    if (nodes.size() == 1) {
      yml.append("discovery.type: single-node\n");
    } else {
      String seeds =
          nodes.stream()
              .map(o -> "\"127.0.0.1:" + o.transportPort() + "\"")
              .collect(Collectors.joining(", "));
      yml.append("discovery.seed_hosts: [").append(seeds).append("]\n");
      yml.append("cluster.initial_cluster_manager_nodes: [\"").append(nodes.get(0).name()).append("\"]\n");
    }
    Files.writeString(n.home().resolve("config/opensearch.yml"), yml.toString());
  }

  /** Number of nodes in the cluster (running or not). */
  int size() {
    return nodes.size();
  }

  /** Kills node {@code node} with SIGKILL (as {@code kill -9}): no shutdown, no flush. */
  void kill(int node) throws IOException {
    Node n = nodes.get(node);
    long pid = Long.parseLong(Files.readString(n.pidFile()).trim());
    ProcessHandle.of(pid).ifPresent(p -> {
      p.destroyForcibly(); // SIGKILL on Linux
      p.onExit().join();
    });
    Files.deleteIfExists(n.pidFile());
  }

  /** Starts node {@code node} again on its data and ports, without waiting for the cluster's health. */
  void startNode(int node) throws IOException, InterruptedException {
    startProcess(nodes.get(node));
  }

  private void startNodes() throws IOException, InterruptedException {
    for (Node n : nodes) {
      startProcess(n);
    }
    String wait = "/_cluster/health?wait_for_status=green&wait_for_nodes=" + nodes.size() + "&timeout=5s";
    long deadline = System.nanoTime() + START_TIMEOUT.toNanos();
    Rest rest = rest();
    while (true) {
      if (rest.reachable()) {
        Rest.Response r = rest.call("GET", wait, null);
        if (r.status() == 200 && !r.json().path("timed_out").asBoolean(true)) {
          return;
        }
      }
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException("cluster " + name + " not green in time:\n" + tail(nodes.get(0), 80));
      }
      Thread.sleep(500);
    }
  }

  private void startProcess(Node n) throws IOException, InterruptedException {
    Files.deleteIfExists(n.pidFile());
    List<String> cmd = new ArrayList<>();
    if (isRoot()) {
      cmd.addAll(List.of("runuser", "-u", NODE_USER, "--"));
    }
    cmd.addAll(
        List.of(
            "env",
            "OPENSEARCH_JAVA_HOME=" + System.getProperty("java.home"),
            "OPENSEARCH_JAVA_OPTS=" + HEAP,
            "HOME=" + n.home(),
            n.home().resolve("bin/opensearch").toString(),
            "-d",
            "-p",
            n.pidFile().toString()));
    // -d returns once the node has started (or failed to), with the node as a daemon
    int rc = run(cmd, START_TIMEOUT, n.home().resolve("logs/start.out"));
    if (rc != 0) {
      throw new IllegalStateException(
          "node " + n.name() + " did not start (exit " + rc + "):\n" + tail(n, 80));
    }
  }

  private void stopNodes() throws IOException {
    for (Node n : nodes) {
      if (!Files.exists(n.pidFile())) {
        continue;
      }
      long pid = Long.parseLong(Files.readString(n.pidFile()).trim());
      ProcessHandle.of(pid)
          .ifPresent(
              p -> {
                p.destroy(); // SIGTERM: a clean shutdown flushes and closes the shards
                try {
                  p.onExit().get(60, TimeUnit.SECONDS);
                } catch (Exception e) {
                  p.destroyForcibly();
                }
              });
      Files.deleteIfExists(n.pidFile());
    }
  }

  private static String tail(Node n, int lines) {
    StringBuilder out = new StringBuilder();
    for (Path p : List.of(n.home().resolve("logs/start.out"), n.home().resolve("logs").resolve(clusterLogName(n)))) {
      try {
        if (Files.exists(p)) {
          List<String> all = Files.readAllLines(p);
          out.append("--- ").append(p).append('\n');
          all.subList(Math.max(0, all.size() - lines), all.size()).forEach(l -> out.append(l).append('\n'));
        }
      } catch (IOException e) {
        out.append("(cannot read ").append(p).append(": ").append(e).append(")\n");
      }
    }
    return out.toString();
  }

  private static String clusterLogName(Node n) {
    String node = n.name();
    return node.substring(0, node.lastIndexOf('-')) + ".log";
  }

  // ---- one installed copy of the distribution, reused by every cluster of the build ----

  private static synchronized Path installedTemplate() throws IOException, InterruptedException {
    Path dist = Path.of(required("matryoshka.opensearch.dist"));
    Path zip = Path.of(required("matryoshka.plugin.zip"));
    if (!Files.isDirectory(dist)) {
      throw new IllegalStateException("no OpenSearch distribution at " + dist + " (run mvn verify)");
    }
    if (!Files.isRegularFile(zip)) {
      throw new IllegalStateException("no plugin zip at " + zip + " (run mvn package)");
    }
    Path template = workDir().resolve("template");
    Path stamp = template.resolve(".installed-from");
    String want = zip + "@" + Files.getLastModifiedTime(zip).toMillis();
    if (Files.exists(stamp) && Files.readString(stamp).equals(want)) {
      return template;
    }
    deleteTree(template);
    run(List.of("cp", "-a", dist.toString(), template.toString()), Duration.ofMinutes(2));
    // the dependency plugin's unzip does not keep the executable bits
    try (Stream<Path> bins = Files.list(template.resolve("bin"))) {
      for (Path b : bins.toList()) {
        b.toFile().setExecutable(true, false);
      }
    }
    Path install = template.resolve("bin/opensearch-plugin");
    int rc =
        run(
            List.of(
                "env",
                "OPENSEARCH_JAVA_HOME=" + System.getProperty("java.home"),
                install.toString(),
                "install",
                "--batch",
                zip.toUri().toString()),
            Duration.ofMinutes(3),
            workDir().resolve("plugin-install.out"));
    if (rc != 0) {
      throw new IllegalStateException(
          "bin/opensearch-plugin install failed (exit " + rc + "):\n"
              + Files.readString(workDir().resolve("plugin-install.out")));
    }
    if (isRoot()) {
      ensureNodeUser();
    }
    Files.writeString(stamp, want);
    return template;
  }

  private static void ensureNodeUser() throws IOException, InterruptedException {
    if (run(List.of("id", "-u", NODE_USER), Duration.ofSeconds(10)) == 0) {
      return;
    }
    int rc =
        run(
            List.of("useradd", "--system", "--user-group", "--no-create-home", "--shell", "/usr/sbin/nologin", NODE_USER),
            Duration.ofSeconds(30));
    if (rc != 0 && run(List.of("id", "-u", NODE_USER), Duration.ofSeconds(10)) != 0) {
      throw new IllegalStateException("could not create the unprivileged user " + NODE_USER);
    }
  }

  static boolean isRoot() {
    return "root".equals(System.getProperty("user.name"));
  }

  private static Path workDir() throws IOException {
    Path w = Path.of(required("matryoshka.it.work"));
    Files.createDirectories(w);
    return w;
  }

  private static String required(String property) {
    String v = System.getProperty(property);
    if (v == null || v.isBlank()) {
      throw new IllegalStateException("system property " + property + " is not set (run through mvn verify)");
    }
    return v;
  }

  private static List<Integer> freePorts(int count) throws IOException {
    List<ServerSocket> held = new ArrayList<>();
    try {
      List<Integer> ports = new ArrayList<>();
      for (int i = 0; i < count; i++) {
        ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
        held.add(s);
        ports.add(s.getLocalPort());
      }
      return ports;
    } finally {
      for (ServerSocket s : held) {
        s.close();
      }
    }
  }

  private static int run(List<String> cmd, Duration timeout) throws IOException, InterruptedException {
    return run(cmd, timeout, null);
  }

  private static int run(List<String> cmd, Duration timeout, Path output) throws IOException, InterruptedException {
    ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
    if (output != null) {
      Files.createDirectories(output.getParent());
      pb.redirectOutput(output.toFile());
    } else {
      pb.redirectOutput(ProcessBuilder.Redirect.DISCARD);
    }
    Process p = pb.start();
    if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
      p.destroyForcibly();
      throw new IllegalStateException("timed out after " + timeout + ": " + String.join(" ", cmd));
    }
    return p.exitValue();
  }

  private static void deleteTree(Path dir) throws IOException {
    if (!Files.exists(dir)) {
      return;
    }
    try (Stream<Path> all = Files.walk(dir)) {
      for (Path p : all.sorted((a, b) -> b.getNameCount() - a.getNameCount()).toList()) {
        try {
          Files.delete(p);
        } catch (IOException e) {
          throw new UncheckedIOException(e);
        }
      }
    }
  }
}
