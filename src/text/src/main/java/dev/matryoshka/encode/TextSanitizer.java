package dev.matryoshka.encode;

/** Repairs text before it crosses into the native tokenizer. */
final class TextSanitizer {

  static final char REPLACEMENT = '\uFFFD';

  private TextSanitizer() {}

  /**
   * Replaces unpaired surrogates by U+FFFD and control characters other than tab, CR and LF by a
   * space. The JNI string conversion would otherwise hand the Rust tokenizer invalid UTF-8, and
   * a NUL could end the text early; BERT normalisers drop controls anyway, so spaces lose nothing.
   * Returns the same instance when nothing needs repair, which is the common case.
   */
  static String sanitize(String s) {
    int n = s.length();
    int i = 0;
    while (i < n && !needsRepair(s, i)) {
      i += Character.isHighSurrogate(s.charAt(i)) ? 2 : 1;
    }
    if (i >= n) {
      return s;
    }
    StringBuilder sb = new StringBuilder(n).append(s, 0, i);
    while (i < n) {
      char c = s.charAt(i);
      if (Character.isHighSurrogate(c) && i + 1 < n && Character.isLowSurrogate(s.charAt(i + 1))) {
        sb.append(c).append(s.charAt(i + 1));
        i += 2;
        continue;
      }
      if (Character.isSurrogate(c)) {
        sb.append(REPLACEMENT);
      } else if (isBadControl(c)) {
        sb.append(' ');
      } else {
        sb.append(c);
      }
      i++;
    }
    return sb.toString();
  }

  private static boolean needsRepair(String s, int i) {
    char c = s.charAt(i);
    if (Character.isHighSurrogate(c)) {
      return i + 1 >= s.length() || !Character.isLowSurrogate(s.charAt(i + 1));
    }
    return Character.isLowSurrogate(c) || isBadControl(c);
  }

  private static boolean isBadControl(char c) {
    return Character.isISOControl(c) && c != '\t' && c != '\n' && c != '\r';
  }
}
