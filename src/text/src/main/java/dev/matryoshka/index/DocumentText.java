package dev.matryoshka.index;

/**
 * The one rule for the text a model encodes from a titled document: {@code title + " " + text},
 * stripped of leading and trailing white space, as BEIR and MTEB build it. Every reader of
 * titled documents (JSONL indexing, reindexing from Lucene or OpenSearch, eval, bench) calls
 * {@link #of}, so the same document always becomes the same vector.
 *
 * <pre>{@code
 * DocumentText.of("Title", "Body text.");  // "Title Body text."
 * DocumentText.of(null, "Body text.");     // "Body text."
 * }</pre>
 */
public final class DocumentText {
  private DocumentText() {}

  /**
   * {@code title + " " + text} stripped ({@link String#strip()}: Unicode white space); a missing
   * part counts as empty.
   *
   * @return the text to encode, or null when both parts are null (the document has no text)
   */
  public static String of(String title, String text) {
    if (title == null && text == null) {
      return null;
    }
    return ((title == null ? "" : title) + " " + (text == null ? "" : text)).strip();
  }
}
