package dev.matryoshka.index;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.lucene.analysis.Analyzer;
import org.apache.lucene.analysis.LowerCaseFilter;
import org.apache.lucene.analysis.StopFilter;
import org.apache.lucene.analysis.TokenStream;
import org.apache.lucene.analysis.Tokenizer;
import org.apache.lucene.analysis.core.WhitespaceAnalyzer;
import org.apache.lucene.analysis.en.EnglishAnalyzer;
import org.apache.lucene.analysis.en.EnglishMinimalStemFilter;
import org.apache.lucene.analysis.en.EnglishPossessiveFilter;
import org.apache.lucene.analysis.standard.StandardAnalyzer;
import org.apache.lucene.analysis.standard.StandardTokenizer;
import org.apache.lucene.analysis.tokenattributes.CharTermAttribute;
import org.apache.lucene.search.similarities.BM25Similarity;

/**
 * Keyword side of hybrid search: every document's text (the same text the encoder sees) is also
 * indexed, analysed, in the field {@value #FIELD} and scored with BM25. The analyser is chosen per
 * index and recorded in the commit ({@value #ANALYZER_KEY}).
 *
 * <ul>
 *   <li>{@code english} (default): standard tokenizer, possessives, lower case, English stop
 *       words, Porter stemming — Lucene's EnglishAnalyzer, as Anserini's BEIR baselines use
 *   <li>{@code english-minimal}: the same with the light English minimal stemmer
 *   <li>{@code standard}: standard tokenizer and lower case, no stemming, no stop words
 *   <li>{@code whitespace}: split on white space only
 * </ul>
 */
public final class TextAnalysis {

  /** The analysed, unstored text field. */
  public static final String FIELD = "_text";

  /** Commit user-data key of the analyser name. */
  public static final String ANALYZER_KEY = "matryoshka.text.analyzer";

  /** Analyser used when none is given. */
  public static final String DEFAULT_ANALYZER = "english";

  /** BM25 parameters of Anserini's BEIR runs (k1 = 0.9, b = 0.4). */
  public static final float BM25_K1 = 0.9f;

  /** See {@link #BM25_K1}. */
  public static final float BM25_B = 0.4f;

  private static final List<String> NAMES = List.of("english", "english-minimal", "standard", "whitespace");

  private TextAnalysis() {}

  /** The analyser with this name; unknown names are an error that lists the known ones. */
  public static Analyzer analyzer(String name) {
    return switch (name == null ? DEFAULT_ANALYZER : name) {
      case "english" -> new EnglishAnalyzer();
      case "english-minimal" -> new Analyzer() {
        @Override
        protected TokenStreamComponents createComponents(String field) {
          Tokenizer t = new StandardTokenizer();
          TokenStream s = new EnglishPossessiveFilter(t);
          s = new LowerCaseFilter(s);
          s = new StopFilter(s, EnglishAnalyzer.ENGLISH_STOP_WORDS_SET);
          return new TokenStreamComponents(t, new EnglishMinimalStemFilter(s));
        }
      };
      case "standard" -> new StandardAnalyzer();
      case "whitespace" -> new WhitespaceAnalyzer();
      default -> throw new IllegalArgumentException(
          "unknown analyzer \"" + name + "\"; known analyzers: " + NAMES);
    };
  }

  /** Known analyser names. */
  public static List<String> names() {
    return NAMES;
  }

  /** BM25 with Anserini's parameters. */
  public static BM25Similarity bm25() {
    return new BM25Similarity(BM25_K1, BM25_B);
  }

  /** The analyser recorded in a commit's user data, or null when the index has no text. */
  public static String recorded(Map<String, String> userData) {
    return userData.get(ANALYZER_KEY);
  }

  /** The terms {@code text} analyses to (may be empty, e.g. only stop words). */
  public static List<String> terms(Analyzer analyzer, String text) {
    List<String> out = new ArrayList<>();
    try (TokenStream ts = analyzer.tokenStream(FIELD, text)) {
      CharTermAttribute term = ts.addAttribute(CharTermAttribute.class);
      ts.reset();
      while (ts.incrementToken()) {
        out.add(term.toString());
      }
      ts.end();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return out;
  }
}
