package dev.matryoshka.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * A memory cgroup that caps a child process, page cache included: cgroup v1
 * ({@code /sys/fs/cgroup/memory/<name>/memory.limit_in_bytes}) or v2 ({@code memory.max} in a
 * cgroup2 hierarchy with the memory controller). The child joins the group before {@code exec},
 * so every page it touches — heap, mapped index files — is charged to it.
 *
 * <pre>{@code
 * try (MemoryCgroup g = MemoryCgroup.create(512L << 20)) {
 *   Process p = g.wrap(List.of("java", "...")).inheritIO().start();
 * }
 * }</pre>
 */
final class MemoryCgroup implements AutoCloseable {
  private static final Path V1 = Path.of("/sys/fs/cgroup/memory");
  private static final List<Path> V2_ROOTS =
      List.of(Path.of("/sys/fs/cgroup"), Path.of("/sys/fs/cgroup/unified"));

  private final Path dir;
  private final String version;

  private MemoryCgroup(Path dir, String version) {
    this.dir = dir;
    this.version = version;
  }

  /**
   * Creates a group with the limit.
   *
   * @throws UnsupportedOperationException with the reason when no memory cgroup can be made here
   *     (no hierarchy with the memory controller, or not root)
   */
  static MemoryCgroup create(long limitBytes) throws IOException {
    String name = "matryoshka-bench-" + ProcessHandle.current().pid();
    if (Files.exists(V1.resolve("memory.limit_in_bytes"))) {
      Path dir = make(V1.resolve(name));
      write(dir.resolve("memory.limit_in_bytes"), Long.toString(limitBytes));
      return new MemoryCgroup(dir, "v1");
    }
    for (Path root : V2_ROOTS) {
      Path controllers = root.resolve("cgroup.controllers");
      if (Files.exists(controllers) && Files.readString(controllers).contains("memory")) {
        Path dir = make(root.resolve(name));
        try {
          write(root.resolve("cgroup.subtree_control"), "+memory");
        } catch (IOException e) {
          // already enabled, or the parent holds processes: memory.max tells
        }
        Path max = dir.resolve("memory.max");
        if (!Files.exists(max)) {
          Files.delete(dir);
          throw new UnsupportedOperationException(
              "the cgroup v2 hierarchy at " + root + " does not delegate the memory controller");
        }
        write(max, Long.toString(limitBytes));
        return new MemoryCgroup(dir, "v2");
      }
    }
    throw new UnsupportedOperationException(
        "no memory cgroup here: neither " + V1 + " (v1) nor a cgroup2 hierarchy with the memory"
            + " controller exists");
  }

  private static Path make(Path dir) throws IOException {
    try {
      Files.createDirectories(dir);
      return dir;
    } catch (IOException e) {
      throw new UnsupportedOperationException(
          "cannot create memory cgroup " + dir + " (" + e + "); run as root", e);
    }
  }

  private static void write(Path file, String value) throws IOException {
    Files.writeString(file, value);
  }

  /** "v1" or "v2". */
  String version() {
    return version;
  }

  /** Peak memory charged to the group, or -1 when unknown. */
  long peakBytes() {
    Path p = dir.resolve(version.equals("v1") ? "memory.max_usage_in_bytes" : "memory.peak");
    try {
      return Long.parseLong(Files.readString(p).trim());
    } catch (IOException | NumberFormatException e) {
      return -1;
    }
  }

  /** A process builder that moves the shell into the group, then execs the command. */
  ProcessBuilder wrap(List<String> command) {
    List<String> cmd = new ArrayList<>(List.of(
        "/bin/sh", "-c", "echo $$ > \"$0\" && exec \"$@\"", dir.resolve("cgroup.procs").toString()));
    cmd.addAll(command);
    return new ProcessBuilder(cmd);
  }

  /**
   * Evicts a file from the page cache (GNU dd with {@code iflag=nocache}), so that pages the
   * building process left cached are not read for free by the capped child.
   */
  static void evictFromPageCache(Path file) throws IOException, InterruptedException {
    Process p = new ProcessBuilder(
            "dd", "if=" + file, "iflag=nocache", "count=0", "status=none")
        .redirectErrorStream(true).start();
    p.getInputStream().readAllBytes();
    p.waitFor();
  }

  @Override
  public void close() throws IOException {
    if (version.equals("v1")) {
      try {
        write(dir.resolve("memory.force_empty"), "0");
      } catch (IOException e) {
        // best effort: rmdir below still works once the group has no processes
      }
    }
    Files.deleteIfExists(dir);
  }
}
