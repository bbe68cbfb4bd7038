package dev.matryoshka.encode;

import java.util.Arrays;
import java.util.List;
import java.util.Objects;

/**
 * Turns texts into dense vectors, documents and queries each with their own prefix.
 *
 * <pre>{@code
 * try (TextEncoder enc = Models.open("bge-small-en-v1.5", EncoderOptions.defaults())) {
 *   float[][] docs = enc.encodeDocuments(List.of("Lucene is a search library."));
 *   float[] query = enc.encodeQuery("what is lucene?");
 * }
 * }</pre>
 *
 * <p>Results are in input order, one vector of {@link ModelInfo#dims()} floats per text, unit
 * length when the model's config says {@code normalize}. Implementations are thread-safe.
 *
 * <p>Input rules, the same for documents and queries:
 *
 * <ul>
 *   <li>{@code null} list or element: {@link NullPointerException} naming the index.
 *   <li>Empty or whitespace-only text (also after the clean-up below): {@link
 *       IllegalArgumentException} naming the index. Such a text has no content to embed, and
 *       silently returning the vector of {@code [CLS][SEP]} would put a meaningless point into an
 *       index; callers that want to keep such documents should skip them or substitute a title.
 *   <li>Control characters (other than tab, CR, LF) become spaces and unpaired UTF-16 surrogates
 *       become U+FFFD before tokenisation, so broken text never reaches native code.
 *   <li>Text longer than the model's token limit is cut at the limit (prefix and special tokens
 *       included) and counted in {@link #inputsTruncated()}.
 * </ul>
 */
public interface TextEncoder extends AutoCloseable {

  /** Encodes document texts (with the model's document prefix), in input order. */
  float[][] encodeDocuments(List<String> texts);

  /** Encodes query texts (with the model's query prefix), in input order. */
  float[][] encodeQueries(List<String> texts);

  /** Encodes one query; see {@link #encodeQueries(List)}. */
  default float[] encodeQuery(String text) {
    Objects.requireNonNull(text, "query text is null");
    return encodeQueries(Arrays.asList(text))[0];
  }

  /** Encodes one document; see {@link #encodeDocuments(List)}. */
  default float[] encodeDocument(String text) {
    Objects.requireNonNull(text, "document text is null");
    return encodeDocuments(Arrays.asList(text))[0];
  }

  /** The model and configuration behind this encoder. */
  ModelInfo info();

  /** Texts encoded since this encoder was opened (documents and queries). */
  long textsEncoded();

  /** Texts that were cut at the token limit since this encoder was opened. */
  long inputsTruncated();

  /** Releases native resources; later calls to the encode methods throw IllegalStateException. */
  @Override
  void close();
}
