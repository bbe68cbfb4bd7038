package dev.matryoshka.index;

import com.fasterxml.jackson.core.JsonProcessingException;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Jackson's parse errors in words a user can act on: the problem and its column, without the
 * parser's internals (its "Source: REDACTED" location, {@code JsonReadFeature} hints, class
 * names). Used by every reader of user JSON (JSON Lines input, {@code --vector-json}, query
 * files), so the same mistake reads the same everywhere.
 *
 * <pre>{@code
 * JsonErrors.describe(e);  // "unexpected character 'x' at column 13 (expected double-quote to start field name)"
 * }</pre>
 */
public final class JsonErrors {
  private JsonErrors() {}

  private static final String ANY_VALUE = "expected a string, number, array, object, true, false or null";
  private static final Pattern CHAR = Pattern.compile("\\('(?:[^']|'(?!\\s*\\(code))*' \\(code (\\d+)[^)]*\\)\\)");
  private static final Pattern CONTROL = Pattern.compile("\\(\\(CTRL-CHAR, code (\\d+)\\)\\)");
  private static final Pattern START_MARKER = Pattern.compile("\\s*\\(start marker at \\[[^\\]]*\\]\\)");
  private static final Pattern FEATURE_HINT = Pattern.compile(":?\\s*enable `[^`]*` to allow");
  private static final Pattern WITH_CLASS_NAME = Pattern.compile("\\s*\\([^()]*`[^()]*\\)");
  private static final Pattern VALUE_EXPECTED = Pattern.compile(
      "(?:was expecting|expected a valid value) \\(JSON String, Number, Array, Object or token 'null', 'true' or 'false'\\)");

  /**
   * What is wrong and where, e.g. {@code unexpected character 'x' at column 13 (expected
   * double-quote to start field name)}; columns count characters of the parsed text from 1.
   */
  public static String describe(JsonProcessingException e) {
    String m = e.getOriginalMessage() == null ? "" : e.getOriginalMessage();
    int column = e.getLocation() == null ? -1 : e.getLocation().getColumnNr();
    String at = column > 0 ? " at column " + column : "";
    if (m.startsWith("Unexpected end-of-input")) {
      // the column is the end of the text: the problem is what is still open
      String open = m.contains("closing quote") ? "a string is not closed"
          : m.contains("Array") ? "an array is not closed"
          : m.contains("Object") ? "an object is not closed; a JSON Lines object must fit on one line" : null;
      return "the text ends before the JSON value does" + (open == null ? "" : " (" + open + ")");
    }
    if (m.startsWith("Trailing token")) {
      return "more follows the JSON value" + at + " (one value per line)";
    }
    Matcher control = CONTROL.matcher(m);
    if (control.find()) {
      return "control character " + shown(Integer.parseInt(control.group(1))) + at
          + " inside a string (write it escaped, e.g. \\t or \\u0009)";
    }
    String s = START_MARKER.matcher(m).replaceAll("");
    s = FEATURE_HINT.matcher(s).replaceAll("");
    s = VALUE_EXPECTED.matcher(s).replaceAll(ANY_VALUE);
    s = CHAR.matcher(s).replaceAll(r -> Matcher.quoteReplacement(shown(Integer.parseInt(r.group(1)))));
    s = WITH_CLASS_NAME.matcher(s).replaceAll("").replace("was expecting", "expected");
    if (s.startsWith("Non-standard token")) {
      s += ": JSON numbers are finite, there is no NaN or Infinity";
    }
    int colon = s.indexOf(": ");
    String head = colon < 0 ? s : s.substring(0, colon);
    String detail = colon < 0 ? "" : s.substring(colon + 2).strip();
    if (head.isBlank()) {
      head = "not a JSON value";
    }
    return lowerFirst(head.strip()) + at + (detail.isEmpty() ? "" : " (" + lowerFirst(detail) + ")");
  }

  /** A character as a user can see it: {@code 'x'}, or {@code U+FEFF} when it does not print. */
  static String shown(int codePoint) {
    int type = Character.getType(codePoint);
    boolean invisible = type == Character.CONTROL || type == Character.FORMAT || type == Character.UNASSIGNED
        || type == Character.SURROGATE || type == Character.PRIVATE_USE || Character.isWhitespace(codePoint)
        || Character.isSpaceChar(codePoint);
    return invisible ? String.format(Locale.ROOT, "U+%04X", codePoint) : "'" + Character.toString(codePoint) + "'";
  }

  private static String lowerFirst(String s) {
    // keep acronyms ("JSON spec ...") as they are
    if (s.length() > 1 && Character.isUpperCase(s.charAt(0)) && !Character.isUpperCase(s.charAt(1))) {
      return Character.toLowerCase(s.charAt(0)) + s.substring(1);
    }
    return s;
  }
}
