package dev.matryoshka.training;


import ai.djl.engine.Engine;

/**
 * Loads DJL's PyTorch engine without touching the network. The native libraries come from the
 * {@code pytorch-native-cpu} (classifier {@code linux-x86_64}) and {@code pytorch-jni} jars on the
 * class path; DJL extracts them once into its cache ({@code ~/.djl.ai}, or {@code DJL_CACHE_DIR}).
 * Offline mode makes a missing jar fail fast with DJL's own message instead of a download attempt.
 */
final class DjlRuntime {

  static final String ENGINE = "PyTorch";

  private DjlRuntime() {}

  static synchronized Engine pytorch() {
    // Only when unset: a user who configured DJL explicitly keeps their choice.
    if (System.getProperty("ai.djl.offline") == null && System.getenv("DJL_OFFLINE") == null) {
      System.setProperty("ai.djl.offline", "true");
    }
    // One intra-op thread unless told otherwise: the matrices are small, so OpenMP's spinning
    // threads cost more than they give on a shared machine (measured 2-5x slower under load), and
    // a fixed thread count makes the floating-point results the same on every machine.
    if (System.getProperty("ai.djl.pytorch.num_threads") == null) {
      System.setProperty("ai.djl.pytorch.num_threads", "1");
    }
    if (System.getProperty("ai.djl.pytorch.num_interop_threads") == null) {
      System.setProperty("ai.djl.pytorch.num_interop_threads", "1");
    }
    try {
      return Engine.getEngine(ENGINE);
    } catch (RuntimeException | UnsatisfiedLinkError e) {
      throw new IllegalStateException(
          "could not load DJL's PyTorch engine for adapter training; it needs ai.djl.pytorch:pytorch-engine,"
              + " pytorch-jni and pytorch-native-cpu (classifier linux-x86_64) on the class path: "
              + e.getMessage(),
          e);
    }
  }
}
