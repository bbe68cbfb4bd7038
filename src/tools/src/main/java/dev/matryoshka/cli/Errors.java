package dev.matryoshka.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import dev.matryoshka.index.JsonErrors;
import dev.matryoshka.index.JsonlDocuments;

/** Turns exceptions into one readable line that keeps the cause. */
final class Errors {
  private Errors() {}

  static String describe(Throwable t) {
    StringBuilder sb = new StringBuilder(message(t));
    Throwable c = t.getCause();
    int depth = 0;
    // a bad input line says all there is to say; its cause is the parser's own wording, kept
    // for MATRYOSHKA_DEBUG stack traces only
    while (c != null && c != t && !(t instanceof JsonlDocuments.BadLineException) && depth++ < 3) {
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
    if (t instanceof JsonProcessingException j) {
      // never Jackson's getMessage(): it carries "Source: REDACTED" locations and feature hints
      return "not valid JSON: " + JsonErrors.describe(j);
    }
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
