package dev.matryoshka.encode;

/**
 * Keeps DJL off the network. Its tokenizer factory "calls home" (an HTTP request to the EC2
 * metadata address) unless offline mode or tracking opt-out is set, and in online mode it would
 * download a native library it cannot find. Our native library ships in the tokenizers jar, so
 * offline mode costs nothing. Values a user set explicitly are left alone.
 */
final class DjlOffline {

  private DjlOffline() {}

  static void ensure() {
    setIfAbsent("ai.djl.offline", "true");
    setIfAbsent("OPT_OUT_TRACKING", "true");
  }

  private static void setIfAbsent(String key, String value) {
    if (System.getProperty(key) == null) {
      System.setProperty(key, value);
    }
  }
}
