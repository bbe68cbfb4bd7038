package dev.matryoshka.codec;

import static dev.matryoshka.codec.MatryoshkaFlatVectorsFormat.*;

import java.io.IOException;
import java.util.HashMap;
import java.util.Map;
import org.apache.lucene.codecs.CodecUtil;
import org.apache.lucene.codecs.KnnVectorsReader;
import org.apache.lucene.codecs.hnsw.FlatVectorsReader;
import org.apache.lucene.codecs.hnsw.FlatVectorsScorer;
import org.apache.lucene.codecs.lucene95.OffHeapByteVectorValues;
import org.apache.lucene.codecs.lucene95.OffHeapFloatVectorValues;
import org.apache.lucene.codecs.lucene95.OrdToDocDISIReaderConfiguration;
import org.apache.lucene.index.ByteVectorValues;
import org.apache.lucene.index.CorruptIndexException;
import org.apache.lucene.index.FieldInfo;
import org.apache.lucene.index.FloatVectorValues;
import org.apache.lucene.index.IndexFileNames;
import org.apache.lucene.index.SegmentReadState;
import org.apache.lucene.index.VectorEncoding;
import org.apache.lucene.index.VectorSimilarityFunction;
import org.apache.lucene.store.ChecksumIndexInput;
import org.apache.lucene.store.Directory;
import org.apache.lucene.store.IOContext;
import org.apache.lucene.store.IndexInput;
import org.apache.lucene.util.Accountable;
import org.apache.lucene.util.IOUtils;
import org.apache.lucene.util.RamUsageEstimator;
import org.apache.lucene.util.hnsw.CloseableRandomVectorScorerSupplier;
import org.apache.lucene.util.hnsw.RandomVectorScorer;
import org.apache.lucene.util.hnsw.RandomVectorScorerSupplier;

/**
 * Reads what {@link MatryoshkaFlatVectorsWriter} wrote. {@link #getFloatVectorValues} returns the
 * full vectors; {@link #getRandomVectorScorer(String, float[])} — the call the HNSW reader makes
 * to walk its graph — truncates the full query the same way the documents were truncated and
 * scores it against the prefixes.
 *
 * <p>The prefix file is read the way Lucene's flat reader reads {@code .vec} in the same release
 * (random access for search, sequential for merges; {@link LuceneCompat#vectorDataContext},
 * {@link LuceneCompat#mergeInput}): a graph walk touches prefixes in no order, so read-ahead
 * would only evict pages that are needed.
 */
final class MatryoshkaFlatVectorsReader extends FlatVectorsReaderCompat {

  private static final long SHALLOW_SIZE =
      RamUsageEstimator.shallowSizeOfInstance(MatryoshkaFlatVectorsReader.class);

  private final FlatVectorsReader raw;
  /** Prefix metadata by field name (a plain map, so RamUsageEstimator sees each entry's size). */
  private final Map<String, PrefixEntry> fields;
  private final IndexInput data;
  private final Directory directory;
  private final String dataName;
  private final IOContext dataContext;
  /** The reader that opened the files; merge views share its inputs. */
  private final MatryoshkaFlatVectorsReader original;
  /** A second input on the prefix file opened for merges, if the release needs one; else null. */
  private IndexInput mergeData;

  MatryoshkaFlatVectorsReader(SegmentReadState state, FlatVectorsReader raw, FlatVectorsScorer scorer)
      throws IOException {
    super(scorer);
    this.raw = raw;
    this.fields = new HashMap<>();
    this.directory = state.directory;
    this.dataName = IndexFileNames.segmentFileName(state.segmentInfo.name, state.segmentSuffix, DATA_EXTENSION);
    this.dataContext = LuceneCompat.vectorDataContext(state.context);
    this.original = this;
    IndexInput in = null;
    try {
      int metaVersion = readMeta(state);
      in = state.directory.openInput(dataName, dataContext);
      int dataVersion =
          CodecUtil.checkIndexHeader(
              in, DATA_CODEC_NAME, VERSION_START, VERSION_CURRENT, state.segmentInfo.getId(),
              state.segmentSuffix);
      if (dataVersion != metaVersion) {
        throw new CorruptIndexException(
            "format versions mismatch: meta=" + metaVersion + ", data=" + dataVersion, in);
      }
      CodecUtil.retrieveChecksum(in);
      checkCounts(state);
    } catch (Throwable t) {
      IOUtils.closeWhileHandlingException(in, raw);
      throw t;
    }
    this.data = in;
  }

  /** A merge view: the same prefix metadata, with merge inputs on the prefix and raw data. */
  private MatryoshkaFlatVectorsReader(MatryoshkaFlatVectorsReader from, FlatVectorsReader rawMerge, IndexInput data) {
    super(from.scorer);
    this.raw = rawMerge;
    this.fields = from.fields;
    this.data = data;
    this.directory = from.directory;
    this.dataName = from.dataName;
    this.dataContext = from.dataContext;
    this.original = from.original;
  }

  /**
   * Prefixes and full vectors share one ordinal space, so a field must hold as many of each; a
   * mismatch (files from different flushes, a bad copy) would pair a prefix with the wrong
   * document's full vector without any checksum noticing.
   */
  private void checkCounts(SegmentReadState state) throws IOException {
    for (Map.Entry<String, PrefixEntry> f : fields.entrySet()) {
      int rawCount;
      try {
        FloatVectorValues full = raw.getFloatVectorValues(f.getKey());
        rawCount = full == null ? 0 : full.size();
      } catch (IllegalArgumentException unknownToRaw) {
        rawCount = 0; // Lucene's flat reader throws for a field it holds no float vectors of
      }
      if (rawCount != f.getValue().size) {
        throw new CorruptIndexException(
            "field \"" + f.getKey() + "\": " + f.getValue().size + " prefix vectors but " + rawCount + " full vectors",
            IndexFileNames.segmentFileName(state.segmentInfo.name, state.segmentSuffix, META_EXTENSION));
      }
    }
  }

  private int readMeta(SegmentReadState state) throws IOException {
    String metaName =
        IndexFileNames.segmentFileName(state.segmentInfo.name, state.segmentSuffix, META_EXTENSION);
    int version = -1;
    try (ChecksumIndexInput meta = state.directory.openChecksumInput(metaName)) {
      Throwable prior = null;
      try {
        version =
            CodecUtil.checkIndexHeader(
                meta, META_CODEC_NAME, VERSION_START, VERSION_CURRENT, state.segmentInfo.getId(),
                state.segmentSuffix);
        for (int number = meta.readInt(); number != -1; number = meta.readInt()) {
          FieldInfo info = state.fieldInfos.fieldInfo(number);
          if (info == null) {
            throw new CorruptIndexException("invalid field number: " + number, meta);
          }
          PrefixEntry e = PrefixEntry.read(meta, info, version);
          fields.put(info.name, e);
        }
      } catch (Throwable t) {
        prior = t;
      } finally {
        CodecUtil.checkFooter(meta, prior);
      }
    }
    return version;
  }

  private PrefixEntry entry(String field) {
    return fields.get(field);
  }

  @Override
  public FloatVectorValues getFloatVectorValues(String field) throws IOException {
    return raw.getFloatVectorValues(field);
  }

  @Override
  public ByteVectorValues getByteVectorValues(String field) throws IOException {
    return raw.getByteVectorValues(field);
  }

  /** The prefix vectors of a field, in the same ordinal space as the full vectors. */
  FloatVectorValues getPrefixVectorValues(String field) throws IOException {
    PrefixEntry e = entry(field);
    if (e == null) {
      return null;
    }
    return OffHeapFloatVectorValues.load(
        e.graphSimilarity(), scorer, e.ordToDoc, VectorEncoding.FLOAT32, e.prefixDims,
        e.offset, e.length, data);
  }

  @Override
  public RandomVectorScorer getRandomVectorScorer(String field, float[] target) throws IOException {
    return getRandomVectorScorer(field, target, null);
  }

  /**
   * The prefix scorer of {@code field} for {@code target}; for an int8 field, {@code heapCodes}
   * are its codes already on the heap ({@link #readQuantizedCodes}), or null to read them from the file.
   */
  RandomVectorScorer getRandomVectorScorer(String field, float[] target, byte[] heapCodes) throws IOException {
    PrefixEntry e = entry(field);
    if (e == null) {
      return raw.getRandomVectorScorer(field, target);
    }
    if (target.length != e.dims) {
      throw new IllegalArgumentException(
          "vector query dimension: " + target.length + " differs from field dimension: " + e.dims
              + " (field \"" + field + "\")");
    }
    float[] prefixQuery = MatryoshkaPrefix.prefix(target, e.prefixDims, e.similarity);
    if (e.scales != null) {
      ByteVectorValues codeValues =
          OffHeapByteVectorValues.load(
              VectorSimilarityFunction.DOT_PRODUCT, scorer, e.ordToDoc, VectorEncoding.BYTE,
              e.codeBytes(), e.codesOffset, e.codesLength, data);
      if (e.int4) {
        return new QuantizedPrefixScorer(e.graphSimilarity(), prefixQuery, e.scales, true, codeValues,
            heapCodes != null && heapCodes.length == e.codesLength ? heapCodes : null);
      }
      if ("symmetric".equals(System.getProperty(INT8_SCORER_PROPERTY))) {
        // the scorer before issue 22, kept for A/B runs: the query coded to int8 as well and
        // scored by Lucene's byte scorer (the integer dot product is proportional to the prefix
        // dot product, see Int8Prefix)
        return scorer.getRandomVectorScorer(
            VectorSimilarityFunction.DOT_PRODUCT, codeValues, Int8Prefix.encodeQuery(prefixQuery, e.scales));
      }
      return new QuantizedPrefixScorer(e.graphSimilarity(), prefixQuery, e.scales, false, codeValues,
          heapCodes != null && heapCodes.length == e.codesLength ? heapCodes : null);
    }
    return scorer.getRandomVectorScorer(
        e.graphSimilarity(), getPrefixVectorValues(field), prefixQuery);
  }

  /**
   * System property {@value}: {@code symmetric} scores int8 prefix codes as before issue 22
   * (query coded to int8 too, Lucene's byte scorer over the file); read at every search, so that
   * a benchmark can compare both in one run. For A/B benchmarks only.
   */
  public static final String INT8_SCORER_PROPERTY = "matryoshka.int8.scorer";

  /** Bytes of the int8 or int4 codes of {@code field}, or -1 when its prefixes are float32 (or absent). */
  long quantizedCodesBytes(String field) {
    PrefixEntry e = entry(field);
    return e == null || e.scales == null ? -1 : e.codesLength;
  }

  /** Every int8 or int4 code of {@code field}, read into one array (at most {@link Integer#MAX_VALUE} bytes). */
  byte[] readQuantizedCodes(String field) throws IOException {
    PrefixEntry e = entry(field);
    if (e == null || e.scales == null || e.codesLength > Integer.MAX_VALUE - 16) {
      throw new IllegalStateException("field \"" + field + "\" has no int8 codes that fit in one array");
    }
    byte[] codes = new byte[(int) e.codesLength];
    IndexInput in = data.clone();
    in.seek(e.codesOffset);
    in.readBytes(codes, 0, codes.length);
    return codes;
  }

  @Override
  public RandomVectorScorer getRandomVectorScorer(String field, byte[] target) throws IOException {
    return raw.getRandomVectorScorer(field, target);
  }

  @Override
  public void checkIntegrity() throws IOException {
    raw.checkIntegrity();
    CodecUtil.checksumEntireFile(data);
  }

  /**
   * A scorer supplier over a prefix field's prefixes, for linking them into a graph: the merged
   * graph of Lucene 10.6 is built from the reopened segment ({@link
   * FlatVectorsWriterCompat}).
   */
  CloseableRandomVectorScorerSupplier prefixScorerSupplier(String field) throws IOException {
    PrefixEntry e = entry(field);
    if (e == null) {
      throw new IllegalArgumentException("field \"" + field + "\" has no prefix data");
    }
    RandomVectorScorerSupplier supplier =
        scorer.getRandomVectorScorerSupplier(e.graphSimilarity(), getPrefixVectorValues(field));
    // the values read this reader's open input: nothing of their own to close
    return new ClosingScorerSupplier(supplier, e.size, () -> {});
  }

  @Override
  public FlatVectorsReader getMergeInstance() throws IOException {
    // a merge reads both files front to back: each gets the input Lucene's flat reader would
    // use for a merge in this release (the same one with sequential advice in 10.4, a second
    // one in 10.6); a view is needed only where an input differs from this reader's
    FlatVectorsReader rawMerge = raw.getMergeInstance();
    IndexInput prefixMerge = original.mergeData();
    if (rawMerge == raw && prefixMerge == data) {
      return this;
    }
    return new MatryoshkaFlatVectorsReader(this, rawMerge, prefixMerge == data ? data : prefixMerge.clone());
  }

  private synchronized IndexInput mergeData() throws IOException {
    if (mergeData != null) {
      return mergeData;
    }
    IndexInput in = LuceneCompat.mergeInput(directory, dataName, data, dataContext);
    if (in != data) {
      mergeData = in; // kept for later merges and closed with this reader, as Lucene does
    }
    return in;
  }

  @Override
  public void finishMerge() throws IOException {
    raw.finishMerge();
    LuceneCompat.finishMerge(original.data, dataContext);
  }

  @Override
  public Map<String, Long> getOffHeapByteSize(FieldInfo info) {
    Map<String, Long> rawSizes = raw.getOffHeapByteSize(info);
    PrefixEntry e = fields.get(info.name);
    if (e == null) {
      return rawSizes;
    }
    // the int8 codes live in .mpv too; reported under their own key because an int8 field's
    // search reads only them (its float prefixes are read when a graph is built)
    Map<String, Long> prefix = e.scales == null
        ? Map.of(DATA_EXTENSION, e.length)
        : Map.of(DATA_EXTENSION, e.length, e.int4 ? INT4_CODES_KEY : CODES_KEY, e.codesLength);
    return KnnVectorsReader.mergeOffHeapByteSizeMaps(rawSizes, prefix);
  }

  @Override
  public long ramBytesUsed() {
    // sizeOfMap counts each PrefixEntry through its own ramBytesUsed (int8 scales included)
    return SHALLOW_SIZE + raw.ramBytesUsed() + RamUsageEstimator.sizeOfMap(fields);
  }

  @Override
  public void close() throws IOException {
    if (original != this) {
      return; // a merge view owns nothing: its inputs are the original reader's, closed with it
    }
    IndexInput merge;
    synchronized (this) {
      merge = mergeData;
      mergeData = null;
    }
    IOUtils.close(data, merge, raw);
  }

  /** Per-field metadata of the prefix data. */
  private record PrefixEntry(
      int dims,
      int prefixDims,
      VectorSimilarityFunction similarity,
      long offset,
      long length,
      int size,
      OrdToDocDISIReaderConfiguration ordToDoc,
      float[] scales, // null: float32 search
      boolean int4, // with scales: int4 codes, else int8
      long codesOffset,
      long codesLength) implements Accountable {

    /** Bytes of one code. */
    int codeBytes() {
      return int4 ? Int8Prefix.int4Bytes(prefixDims) : prefixDims;
    }

    private static final long SHALLOW_SIZE =
        RamUsageEstimator.shallowSizeOfInstance(PrefixEntry.class)
            + RamUsageEstimator.shallowSizeOfInstance(OrdToDocDISIReaderConfiguration.class);

    @Override
    public long ramBytesUsed() {
      return SHALLOW_SIZE + (scales == null ? 0 : RamUsageEstimator.sizeOf(scales));
    }

    VectorSimilarityFunction graphSimilarity() {
      return MatryoshkaPrefix.graphSimilarity(similarity);
    }

    static PrefixEntry read(IndexInput meta, FieldInfo info, int version) throws IOException {
      int dims = meta.readVInt();
      int prefixDims = meta.readVInt();
      int simOrd = meta.readInt();
      long offset = meta.readVLong();
      long length = meta.readVLong();
      int size = meta.readInt();
      if (dims != info.getVectorDimension()) {
        throw new CorruptIndexException(
            "field \"" + info.name + "\": dims " + dims + " != field info dims "
                + info.getVectorDimension(), meta);
      }
      if (prefixDims <= 0 || prefixDims >= dims) {
        throw new CorruptIndexException(
            "field \"" + info.name + "\": prefix dims " + prefixDims + " not in [1, " + dims + ")",
            meta);
      }
      if (simOrd < 0 || simOrd >= SIMILARITIES.size()) {
        throw new CorruptIndexException("invalid similarity ordinal: " + simOrd, meta);
      }
      VectorSimilarityFunction sim = SIMILARITIES.get(simOrd);
      if (sim != info.getVectorSimilarityFunction()) {
        throw new CorruptIndexException(
            "field \"" + info.name + "\": similarity " + sim + " != " + info.getVectorSimilarityFunction(),
            meta);
      }
      if ((long) size * prefixDims * Float.BYTES != length) {
        throw new CorruptIndexException(
            "field \"" + info.name + "\": prefix data length " + length + " != " + size + " x "
                + prefixDims + " x 4", meta);
      }
      OrdToDocDISIReaderConfiguration ordToDoc =
          OrdToDocDISIReaderConfiguration.fromStoredMeta(meta, size);
      float[] scales = null;
      long codesOffset = 0;
      long codesLength = 0;
      boolean int4 = false;
      if (version >= VERSION_INT8) {
        byte encoding = meta.readByte();
        if (encoding == ENCODING_INT8 || (encoding == ENCODING_INT4 && version >= VERSION_INT4)) {
          int4 = encoding == ENCODING_INT4;
          scales = new float[prefixDims];
          for (int i = 0; i < prefixDims; i++) {
            scales[i] = Float.intBitsToFloat(meta.readInt());
            if (!(scales[i] >= 0) || !Float.isFinite(scales[i])) {
              throw new CorruptIndexException("field \"" + info.name + "\": bad int8 scale " + scales[i] + " at dim " + i, meta);
            }
          }
          codesOffset = meta.readVLong();
          codesLength = meta.readVLong();
          long codeBytes = int4 ? Int8Prefix.int4Bytes(prefixDims) : prefixDims;
          if ((long) size * codeBytes != codesLength) {
            throw new CorruptIndexException(
                "field \"" + info.name + "\": " + (int4 ? "int4" : "int8") + " codes length " + codesLength
                    + " != " + size + " x " + codeBytes, meta);
          }
        } else if (encoding != ENCODING_FLOAT32) {
          throw new CorruptIndexException("field \"" + info.name + "\": unknown prefix encoding " + encoding, meta);
        }
      }
      return new PrefixEntry(dims, prefixDims, sim, offset, length, size, ordToDoc, scales, int4, codesOffset, codesLength);
    }
  }
}
