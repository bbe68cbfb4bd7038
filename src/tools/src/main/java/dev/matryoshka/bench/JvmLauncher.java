package dev.matryoshka.bench;

import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.List;

/**
 * Command lines for benchmark JVMs: the running JVM's own flags (module options, GC), with the
 * heap replaced and {@code -XX:+AlwaysPreTouch} added — without it, first use of the heap page
 * faults and whole runs come out 1.5–3× slow at random.
 */
public final class JvmLauncher {
  /** The flag every benchmark JVM runs with. */
  public static final String PRE_TOUCH = "-XX:+AlwaysPreTouch";

  private JvmLauncher() {}

  /** True when this JVM pre-touches its heap. */
  public static boolean preTouching() {
    return ManagementFactory.getRuntimeMXBean().getInputArguments().contains(PRE_TOUCH);
  }

  /**
   * {@code java <flags> -Xms<heap> -Xmx<heap> -XX:+AlwaysPreTouch -cp <class path> main args}.
   *
   * @param heap e.g. {@code 4g}; null keeps this JVM's heap flags
   */
  public static List<String> childCommand(String heap, String mainClass, List<String> args) {
    List<String> cmd = new ArrayList<>();
    cmd.add(ProcessHandle.current().info().command().orElse("java"));
    for (String a : ManagementFactory.getRuntimeMXBean().getInputArguments()) {
      boolean heapFlag = a.startsWith("-Xms") || a.startsWith("-Xmx")
          || a.startsWith("-XX:MaxRAM") || a.startsWith("-XX:InitialRAM");
      if ((heap != null && heapFlag) || a.equals(PRE_TOUCH) || a.startsWith("-agentlib:jdwp")) {
        continue;
      }
      cmd.add(a);
    }
    if (heap != null) {
      cmd.add("-Xms" + heap);
      cmd.add("-Xmx" + heap);
    }
    cmd.add(PRE_TOUCH);
    cmd.add("-cp");
    cmd.add(System.getProperty("java.class.path"));
    cmd.add(mainClass);
    cmd.addAll(args);
    return cmd;
  }
}
