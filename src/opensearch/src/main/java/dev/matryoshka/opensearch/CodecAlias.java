package dev.matryoshka.opensearch;

import dev.matryoshka.codec.MatryoshkaCodec;
import java.util.Set;
import org.apache.lucene.codecs.FilterCodec;
import org.opensearch.index.codec.CodecAliases;

/**
 * Makes {@value MatryoshkaPlugin#CODEC} a valid value of the {@code index.codec} setting.
 *
 * <p>OpenSearch accepts as {@code index.codec} only its own names, the SPI names of Lucene codecs,
 * and the {@link CodecAliases} those codecs declare; the codec that {@code index.codec:
 * matryoshka} then selects is the one our plugin adds through {@code
 * EnginePlugin#getAdditionalCodecs} ({@link IndexCodec}). This class is registered through SPI
 * only inside the plugin zip (a separate services jar), because it implements an OpenSearch
 * interface the embedded library does not have on its class path. Used directly by its SPI name
 * it behaves as {@link MatryoshkaCodec}.
 */
public final class CodecAlias extends FilterCodec implements CodecAliases {
  /** SPI name. */
  public static final String NAME = "MatryoshkaAlias104";

  /** For SPI. */
  public CodecAlias() {
    super(NAME, new MatryoshkaCodec());
  }

  @Override
  public Set<String> aliases() {
    return Set.of(MatryoshkaPlugin.CODEC);
  }
}
