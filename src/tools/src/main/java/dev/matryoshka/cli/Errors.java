package dev.matryoshka.cli;

/** Turns exceptions into one readable line that keeps the cause. */
final class Errors {
  private Errors() {}

  static String describe(Throwable t) {
    StringBuilder sb = new StringBuilder(message(t));
    Throwable c = t.getCause();
    int depth = 0;
    while (c != null && c != t && depth++ < 3) {
      String m = message(c);
      if (!sb.toString().contains(m)) {
        sb.append(" (caused by ").append(m).append(")");
      }
      t = c;
      c = c.getCause();
    }
    return sb.toString();
  }

  private static String message(Throwable t) {
    String m = t.getMessage();
    if (m == null || m.isBlank()) {
      return t.getClass().getSimpleName();
    }
    if (t instanceof IllegalArgumentException || t instanceof IllegalStateException
        || t instanceof CliException) {
      return m;
    }
    return t.getClass().getSimpleName() + ": " + m;
  }
}
