package dev.matryoshka.index;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Calibration queries made from the corpus itself, for an index whose owner has no query log: a
 * short span of a document (one sentence, or a window of at most {@value #MAX_WORDS} words of it),
 * to be encoded <em>as a query</em> (with the model's query instruction), so that it sits where
 * real queries sit relative to the documents rather than on top of its own document.
 *
 * <pre>{@code
 * String q = PseudoQueries.snippet("Stars twinkle because ... Planets twinkle less ...", new SplittableRandom(1));
 * }</pre>
 */
public final class PseudoQueries {
  private PseudoQueries() {}

  /** Longest snippet, in words: about the length of a one-sentence question or claim. */
  public static final int MAX_WORDS = 20;

  /** Shortest snippet, in words, when the document has that many. */
  public static final int MIN_WORDS = 5;

  /**
   * A snippet of {@code text}: a random sentence (joined with the next ones while it has fewer
   * than {@value #MIN_WORDS} words), cut to a random window of {@value #MAX_WORDS} words when
   * longer. Returns null for a blank text.
   */
  public static String snippet(String text, SplittableRandom random) {
    if (text == null || text.isBlank()) {
      return null;
    }
    List<String[]> sentences = new ArrayList<>();
    for (String s : text.strip().split("(?<=[.!?])\\s+")) {
      String[] words = s.strip().split("\\s+");
      if (words.length > 0 && !words[0].isEmpty()) {
        sentences.add(words);
      }
    }
    if (sentences.isEmpty()) {
      return null;
    }
    int start = random.nextInt(sentences.size());
    List<String> words = new ArrayList<>();
    for (int i = start; i < sentences.size() && (words.isEmpty() || words.size() < MIN_WORDS); i++) {
      words.addAll(List.of(sentences.get(i)));
    }
    if (words.size() > MAX_WORDS) {
      int from = random.nextInt(words.size() - MAX_WORDS + 1);
      words = words.subList(from, from + MAX_WORDS);
    }
    return String.join(" ", words);
  }
}
