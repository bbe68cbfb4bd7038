package dev.matryoshka.adapt;

import java.io.EOFException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Objects;
import org.apache.lucene.codecs.CodecUtil;
import org.apache.lucene.index.CorruptIndexException;
import org.apache.lucene.index.IndexFormatTooNewException;
import org.apache.lucene.index.IndexFormatTooOldException;
import org.apache.lucene.store.DataInput;
import org.apache.lucene.store.Directory;
import org.apache.lucene.store.FSDirectory;
import org.apache.lucene.store.IOContext;
import org.apache.lucene.store.IndexInput;
import org.apache.lucene.store.IndexOutput;
import org.apache.lucene.util.IOUtils;

/**
 * Reads and writes adapter files ({@code .mtad} by convention): a Lucene-style file with a codec
 * header and a checksummed footer, so it can live inside an index directory and be verified the
 * same way as the index's own files.
 *
 * <pre>{@code
 * AdapterIO.write(adapter, Path.of("index/adapter.mtad"));
 * Adapter a = AdapterIO.read(Path.of("index/adapter.mtad"), "bge-small-en-v1.5");
 * }</pre>
 *
 * <h2>Layout</h2>
 *
 * Header and footer are {@link CodecUtil}'s (big-endian); the body uses Lucene's {@link
 * DataInput} encoding (little-endian int32/int64; float32 as the little-endian int32 of its IEEE
 * bits; string = vint byte length + UTF-8).
 *
 * <ul>
 *   <li>Header: int32 {@link CodecUtil#CODEC_MAGIC}, string {@value #CODEC_NAME}, int32 format
 *       version ({@value #VERSION_CURRENT})
 *   <li>string kind: {@code "rotation"} or {@code "learned"}
 *   <li>string model fingerprint
 *   <li>int32 input dims, int32 output dims (each 1..{@value #MAX_DIMS})
 *   <li>byte flags: bit 0 = output L2-normalised, bit 1 = rotation fitted on the centred
 *       covariance
 *   <li>rotation: float32[out] variances (eigenvalues), float32[out x in] matrix Q, row-major
 *   <li>learned: int32 hidden (0 = linear); vint count, int32[count] prefix dims; int32 epochs;
 *       int32 best epoch; int64 seed; int64 validation loss (IEEE double bits); float32[out x in]
 *       W row-major; float32[out] b; if hidden &gt; 0: float32[hidden x in] V, float32[hidden] c,
 *       float32[out x hidden] U
 *   <li>Footer: int32 {@link CodecUtil#FOOTER_MAGIC}, int32 0 (checksum algorithm), int64 CRC32
 *       of everything before it
 * </ul>
 *
 * <p>Reading checks the header, then the checksum of the whole file, before it interprets the
 * body, so a flipped or missing byte is reported as {@link CorruptIndexException} naming the file
 * rather than surfacing as a strange dimension or a huge allocation. Writing goes to a temporary
 * file that is synced and renamed, so a failed write never leaves a half-written adapter behind.
 */
public final class AdapterIO {

  /** Codec name in the header; identifies an adapter file. */
  public static final String CODEC_NAME = "MatryoshkaAdapter";

  /** First format version. */
  public static final int VERSION_START = 0;

  /** Format version written by this build. */
  public static final int VERSION_CURRENT = VERSION_START;

  /** Largest dims (and hidden width) a file may declare; a sanity bound for corrupt input. */
  public static final int MAX_DIMS = 16384;

  private static final int FLAG_NORMALIZE = 1;
  private static final int FLAG_CENTERED = 2;
  private static final int FLAG_SUPERVISED = 4; // a rotation whose lead rows were trained on pairs
  private static final int FLAG_DISTILLED = 8; // ... or on query vectors alone

  private AdapterIO() {}

  /** Writes {@code adapter} to {@code file}, replacing it if it exists. */
  public static void write(Adapter adapter, Path file) throws IOException {
    Path parent = file.toAbsolutePath().getParent();
    Files.createDirectories(parent);
    try (Directory dir = FSDirectory.open(parent)) {
      write(adapter, dir, file.getFileName().toString());
    }
  }

  /** Writes {@code adapter} as {@code name} in {@code dir}, replacing it if it exists. */
  public static void write(Adapter adapter, Directory dir, String name) throws IOException {
    Objects.requireNonNull(adapter, "adapter");
    String temp = null;
    boolean success = false;
    try {
      try (IndexOutput out = dir.createTempOutput(name, "tmp", IOContext.DEFAULT)) {
        temp = out.getName();
        writeBody(adapter, out);
        CodecUtil.writeFooter(out);
      }
      dir.sync(java.util.List.of(temp));
      if (java.util.Arrays.asList(dir.listAll()).contains(name)) {
        dir.deleteFile(name); // Directory.rename refuses to overwrite on some implementations
      }
      dir.rename(temp, name);
      dir.syncMetaData();
      success = true;
    } finally {
      if (!success && temp != null) {
        IOUtils.deleteFilesIgnoringExceptions(dir, temp);
      }
    }
  }

  private static void writeBody(Adapter adapter, IndexOutput out) throws IOException {
    CodecUtil.writeHeader(out, CODEC_NAME, VERSION_CURRENT);
    out.writeString(adapter.kind());
    out.writeString(adapter.modelFingerprint());
    out.writeInt(adapter.inputDims());
    out.writeInt(adapter.outputDims());
    int flags = adapter.normalizesOutput() ? FLAG_NORMALIZE : 0;
    if (adapter instanceof RotationAdapter rotation) {
      flags |= rotation.centered() ? FLAG_CENTERED : 0;
      flags |= switch (rotation.fitKind()) {
        case SUPERVISED -> FLAG_SUPERVISED;
        case DISTILLED -> FLAG_DISTILLED;
        case PCA -> 0;
      };
      out.writeByte((byte) flags);
      writeFloats(out, rotation.variances());
      writeFloats(out, rotation.matrixRef());
    } else if (adapter instanceof LearnedAdapter learned) {
      out.writeByte((byte) flags);
      LearnedAdapter.Info info = learned.info();
      out.writeInt(learned.hiddenDims());
      int[] prefixDims = info.prefixDims();
      out.writeVInt(prefixDims.length);
      for (int d : prefixDims) {
        out.writeInt(d);
      }
      out.writeInt(info.epochs());
      out.writeInt(info.bestEpoch());
      out.writeLong(info.seed());
      out.writeLong(Double.doubleToLongBits(info.validationLoss()));
      writeFloats(out, learned.w);
      writeFloats(out, learned.b);
      if (learned.hiddenDims() > 0) {
        writeFloats(out, learned.v);
        writeFloats(out, learned.c);
        writeFloats(out, learned.u);
      }
    } else {
      throw new IllegalArgumentException("cannot write adapter of type " + adapter.getClass().getName());
    }
  }

  /** Reads an adapter without checking which model it was made for. */
  public static Adapter read(Path file) throws IOException {
    return read(file, null);
  }

  /**
   * Reads an adapter and checks that it was made for {@code expectedModelFingerprint} (skipped
   * when null).
   *
   * @throws CorruptIndexException if the file is not an adapter file, is truncated or fails its
   *     checksum; the message names the path
   * @throws IOException if the format version is not one this build reads
   * @throws IllegalArgumentException if the adapter was made for another model
   */
  public static Adapter read(Path file, String expectedModelFingerprint) throws IOException {
    Path absolute = file.toAbsolutePath();
    if (!Files.isRegularFile(absolute)) {
      throw new java.nio.file.NoSuchFileException(absolute.toString(), null, "adapter file not found");
    }
    try (Directory dir = FSDirectory.open(absolute.getParent())) {
      return read(dir, absolute.getFileName().toString(), expectedModelFingerprint, absolute.toString());
    }
  }

  /**
   * Reads an adapter from a stream (for example a class path resource), checked as {@link
   * #read(Path, String)} checks a file; {@code where} names the source in errors. The stream is
   * read to its end and not closed.
   */
  public static Adapter read(java.io.InputStream in, String where, String expectedModelFingerprint)
      throws IOException {
    Objects.requireNonNull(in, "in");
    Objects.requireNonNull(where, "where");
    byte[] bytes = in.readAllBytes();
    try (Directory dir = new org.apache.lucene.store.ByteBuffersDirectory()) {
      String name = "adapter";
      try (IndexOutput out = dir.createOutput(name, IOContext.DEFAULT)) {
        out.writeBytes(bytes, bytes.length);
      }
      return read(dir, name, expectedModelFingerprint, where);
    }
  }

  /** Reads {@code name} from {@code dir}; see {@link #read(Path, String)}. */
  public static Adapter read(Directory dir, String name, String expectedModelFingerprint) throws IOException {
    return read(dir, name, expectedModelFingerprint, dir + "/" + name);
  }

  private static Adapter read(Directory dir, String name, String expected, String where) throws IOException {
    Adapter adapter;
    try (IndexInput in = dir.openInput(name, IOContext.DEFAULT)) {
      try {
        CodecUtil.checkHeader(in, CODEC_NAME, VERSION_START, VERSION_CURRENT);
      } catch (IndexFormatTooNewException | IndexFormatTooOldException e) {
        throw new IOException(
            "adapter file "
                + where
                + " has an unsupported format version; this build reads versions "
                + VERSION_START
                + " to "
                + VERSION_CURRENT
                + " ("
                + e.getMessage()
                + ")",
            e);
      } catch (CorruptIndexException | EOFException e) {
        throw new CorruptIndexException(
            "not an adapter file, or its header is corrupt: " + where + " (" + e.getMessage() + ")", where, e);
      }
      try {
        CodecUtil.checksumEntireFile(in);
      } catch (CorruptIndexException | EOFException e) {
        throw new CorruptIndexException(
            "adapter file is corrupt (checksum or footer mismatch, or truncated): " + where + " (" + e.getMessage() + ")",
            where,
            e);
      }
      try {
        adapter = readBody(in, where);
        long bodyEnd = in.length() - CodecUtil.footerLength();
        if (in.getFilePointer() != bodyEnd) {
          throw new CorruptIndexException(
              "adapter file is corrupt: body ends at " + in.getFilePointer() + ", footer starts at " + bodyEnd, where);
        }
      } catch (EOFException | IllegalArgumentException e) {
        // Checksum passed, so this is a writer bug or deliberate tampering; still the file's fault.
        throw new CorruptIndexException("adapter file is corrupt: " + where + " (" + e.getMessage() + ")", where, e);
      }
    }
    if (expected != null && !expected.equals(adapter.modelFingerprint())) {
      throw new IllegalArgumentException(
          "adapter file "
              + where
              + " was made for model '"
              + adapter.modelFingerprint()
              + "', but the vectors come from model '"
              + expected
              + "'; fit or train an adapter for this model");
    }
    return adapter;
  }

  private static Adapter readBody(IndexInput in, String where) throws IOException {
    String kind = in.readString();
    String fingerprint = in.readString();
    int inDims = checkDims(in.readInt(), "input dims", where);
    int outDims = checkDims(in.readInt(), "output dims", where);
    if (inDims != outDims) {
      throw new CorruptIndexException("input dims " + inDims + " != output dims " + outDims, where);
    }
    int flags = in.readByte();
    boolean normalize = (flags & FLAG_NORMALIZE) != 0;
    switch (kind) {
      case Adapter.KIND_ROTATION -> {
        float[] variances = readFloats(in, outDims, where);
        float[] matrix = readFloats(in, outDims * inDims, where);
        RotationAdapter.Fit fit = (flags & FLAG_SUPERVISED) != 0 ? RotationAdapter.Fit.SUPERVISED
            : (flags & FLAG_DISTILLED) != 0 ? RotationAdapter.Fit.DISTILLED : RotationAdapter.Fit.PCA;
        return new RotationAdapter(fingerprint, inDims, (flags & FLAG_CENTERED) != 0, fit, matrix, variances);
      }
      case Adapter.KIND_LEARNED -> {
        int hidden = in.readInt();
        if (hidden != 0) {
          checkDims(hidden, "hidden dims", where);
        }
        int count = in.readVInt();
        if (count < 0 || count > MAX_DIMS) {
          throw new CorruptIndexException("prefix dims count " + count, where);
        }
        int[] prefixDims = new int[count];
        for (int i = 0; i < count; i++) {
          prefixDims[i] = in.readInt();
        }
        int epochs = in.readInt();
        int bestEpoch = in.readInt();
        long seed = in.readLong();
        double validationLoss = Double.longBitsToDouble(in.readLong());
        float[] w = readFloats(in, outDims * inDims, where);
        float[] b = readFloats(in, outDims, where);
        float[] v = readFloats(in, hidden * inDims, where);
        float[] c = readFloats(in, hidden, where);
        float[] u = readFloats(in, outDims * hidden, where);
        LearnedAdapter.Info info = new LearnedAdapter.Info(prefixDims, epochs, bestEpoch, validationLoss, seed);
        return new LearnedAdapter(fingerprint, inDims, hidden, normalize, w, b, v, c, u, info);
      }
      default -> throw new CorruptIndexException("unknown adapter kind '" + kind + "'", where);
    }
  }

  private static int checkDims(int dims, String what, String where) throws CorruptIndexException {
    if (dims < 1 || dims > MAX_DIMS) {
      throw new CorruptIndexException(what + " must be in [1, " + MAX_DIMS + "]; got=" + dims, where);
    }
    return dims;
  }

  private static void writeFloats(IndexOutput out, float[] values) throws IOException {
    for (float v : values) {
      out.writeInt(Float.floatToRawIntBits(v));
    }
  }

  private static float[] readFloats(IndexInput in, int count, String where) throws IOException {
    long remaining = in.length() - CodecUtil.footerLength() - in.getFilePointer();
    if ((long) count * Float.BYTES > remaining) {
      throw new CorruptIndexException("declares " + count + " floats but only " + remaining + " bytes remain", where);
    }
    float[] values = new float[count];
    in.readFloats(values, 0, count);
    return values;
  }
}
