package dev.matryoshka.index;

import dev.matryoshka.adapt.Adapter;
import dev.matryoshka.adapt.AdapterIO;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.function.UnaryOperator;

/**
 * The adapter that travels with an index: a checksummed {@link AdapterIO} file in the index
 * directory, whose SHA-256 is recorded in the commit's settings, applied to document vectors at
 * indexing and to query vectors at search.
 */
public final class Adapters {

  /** File name of an index's adapter, beside the Lucene files (Lucene never touches it). */
  public static final String FILE_NAME = "matryoshka-adapter.bin";

  private Adapters() {}

  /**
   * The function to apply to vectors of this index: identity without an adapter, else the adapter
   * read from the index directory, checked against the model and the recorded fingerprint.
   */
  public static UnaryOperator<float[]> load(Path index, IndexSettings settings) throws IOException {
    if ("none".equals(settings.adapterKind())) {
      return UnaryOperator.identity();
    }
    Path file = index.resolve(FILE_NAME);
    if (!Files.isRegularFile(file)) {
      throw new IllegalStateException("index " + index + " was built with adapter "
          + settings.adapterKind() + " but " + file + " is missing");
    }
    String fp = fingerprint(file);
    if (settings.adapterFingerprint() != null && !settings.adapterFingerprint().equals(fp)) {
      throw new IllegalStateException("adapter file " + file + " (sha256:" + IndexSettings.shortFp(fp)
          + ") is not the one the index was built with (sha256:"
          + IndexSettings.shortFp(settings.adapterFingerprint()) + ")");
    }
    Adapter a = AdapterIO.read(file, settings.modelFingerprint());
    return a::apply;
  }

  /** Writes the adapter into the index directory and returns the file's fingerprint. */
  public static String install(Path index, Adapter adapter) throws IOException {
    Files.createDirectories(index);
    Path file = index.resolve(FILE_NAME);
    AdapterIO.write(adapter, file);
    return fingerprint(file);
  }

  /** SHA-256 (hex) of a file. */
  public static String fingerprint(Path file) throws IOException {
    try (InputStream in = new DigestInputStream(Files.newInputStream(file), MessageDigest.getInstance("SHA-256"))) {
      in.transferTo(java.io.OutputStream.nullOutputStream());
      return HexFormat.of().formatHex(((DigestInputStream) in).getMessageDigest().digest());
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
