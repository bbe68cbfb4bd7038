package dev.matryoshka.codec;

import static dev.matryoshka.codec.MatryoshkaFlatVectorsFormat.*;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;
import org.apache.lucene.codecs.CodecUtil;
import org.apache.lucene.codecs.hnsw.FlatFieldVectorsWriter;
import org.apache.lucene.codecs.hnsw.FlatVectorsScorer;
import org.apache.lucene.codecs.hnsw.FlatVectorsWriter;
import org.apache.lucene.codecs.lucene95.OffHeapFloatVectorValues;
import org.apache.lucene.codecs.lucene95.OrdToDocDISIReaderConfiguration;
import org.apache.lucene.index.DocsWithFieldSet;
import org.apache.lucene.index.FieldInfo;
import org.apache.lucene.index.FloatVectorValues;
import org.apache.lucene.index.IndexFileNames;
import org.apache.lucene.index.KnnVectorValues;
import org.apache.lucene.index.MergeState;
import org.apache.lucene.index.SegmentWriteState;
import org.apache.lucene.index.Sorter;
import org.apache.lucene.index.VectorEncoding;
import org.apache.lucene.index.VectorSimilarityFunction;
import org.apache.lucene.search.DocIdSetIterator;
import org.apache.lucene.store.DataAccessHint;
import org.apache.lucene.store.FileDataHint;
import org.apache.lucene.store.FileTypeHint;
import org.apache.lucene.store.IOContext;
import org.apache.lucene.store.IndexInput;
import org.apache.lucene.store.IndexOutput;
import org.apache.lucene.util.IOUtils;
import org.apache.lucene.util.RamUsageEstimator;
import org.apache.lucene.util.hnsw.CloseableRandomVectorScorerSupplier;
import org.apache.lucene.util.hnsw.RandomVectorScorerSupplier;

/**
 * Writes full vectors through the raw delegate and, for fields with a prefix shorter than the
 * vector, the renormalised prefixes in ordinal order. The graph writer that wraps this class
 * builds its graph over {@link FieldWriter#getVectors()}, which are the prefixes.
 */
final class MatryoshkaFlatVectorsWriter extends FlatVectorsWriterCompat {

  private final SegmentWriteState state;
  private final int defaultPrefixDims;
  private final MatryoshkaPrefix.Encoding defaultEncoding;
  private final List<FieldWriter> fields = new ArrayList<>();
  private final IndexOutput meta;
  private final IndexOutput data;
  private final IndexOutput codes;
  private boolean finished;

  MatryoshkaFlatVectorsWriter(
      SegmentWriteState state, int defaultPrefixDims, MatryoshkaPrefix.Encoding defaultEncoding,
      FlatVectorsWriter raw, FlatVectorsScorer scorer) throws IOException {
    super(scorer, raw);
    this.state = state;
    this.defaultPrefixDims = defaultPrefixDims;
    this.defaultEncoding = defaultEncoding;
    IndexOutput m = null;
    IndexOutput d = null;
    try {
      m = state.directory.createOutput(fileName(state, META_EXTENSION), state.context);
      d = state.directory.createOutput(fileName(state, DATA_EXTENSION), state.context);
      CodecUtil.writeIndexHeader(
          m, META_CODEC_NAME, VERSION_CURRENT, state.segmentInfo.getId(), state.segmentSuffix);
      CodecUtil.writeIndexHeader(
          d, DATA_CODEC_NAME, VERSION_CURRENT, state.segmentInfo.getId(), state.segmentSuffix);
    } catch (Throwable t) {
      IOUtils.closeWhileHandlingException(m, d, raw);
      throw t;
    }
    this.meta = m;
    this.data = d;
    // int8 codes go to the data file too, after the field's float prefixes and before its
    // sparse ord-to-doc data, which the codes' off-heap values read from the same file
    this.codes = d;
  }

  private MatryoshkaPrefix.Encoding encodingOf(FieldInfo info) {
    return MatryoshkaPrefix.effectiveEncoding(info, defaultEncoding);
  }

  static String fileName(SegmentWriteState state, String ext) {
    return IndexFileNames.segmentFileName(state.segmentInfo.name, state.segmentSuffix, ext);
  }

  /** Prefix length for this field, or -1 when the field is stored without a separate prefix. */
  private int prefixDimsOf(FieldInfo info) {
    if (info.getVectorEncoding() != VectorEncoding.FLOAT32) {
      return -1;
    }
    int p = MatryoshkaPrefix.effectivePrefixDims(info, defaultPrefixDims);
    return p >= info.getVectorDimension() ? -1 : p;
  }

  @Override
  @SuppressWarnings("unchecked")
  public FlatFieldVectorsWriter<?> addField(FieldInfo info) throws IOException {
    FlatFieldVectorsWriter<?> rawField = raw.addField(info);
    int prefixDims = prefixDimsOf(info);
    if (prefixDims < 0) {
      return rawField; // graph over full vectors, exactly like Lucene's HNSW format
    }
    FieldWriter fw = new FieldWriter(info, prefixDims, (FlatFieldVectorsWriter<float[]>) rawField);
    fields.add(fw);
    return fw;
  }

  @Override
  public void flush(int maxDoc, Sorter.DocMap sortMap) throws IOException {
    raw.flush(maxDoc, sortMap);
    for (FieldWriter field : fields) {
      long offset = data.alignFilePointer(Float.BYTES);
      DocsWithFieldSet docs;
      List<float[]> ordered;
      if (sortMap == null) {
        docs = field.getDocsWithFieldSet();
        ordered = field.prefixes;
      } else {
        // same old->new ordinal mapping the raw writer applies, so ordinals stay aligned
        int[] newToOld = new int[field.getDocsWithFieldSet().cardinality()];
        docs = new DocsWithFieldSet();
        mapOldOrdToNewOrd(field.getDocsWithFieldSet(), sortMap, null, newToOld, docs);
        ordered = new ArrayList<>(newToOld.length);
        for (int oldOrd : newToOld) {
          ordered.add(field.prefixes.get(oldOrd));
        }
      }
      for (float[] p : ordered) {
        writeFloats(data, p);
      }
      long length = data.getFilePointer() - offset;
      MatryoshkaPrefix.Encoding enc = encodingOf(field.info);
      Codes c = enc != MatryoshkaPrefix.Encoding.FLOAT32
          ? writeCodes(enc, field.prefixDims, ordered.size(), ordered::get) : null;
      writeMeta(field.info, field.prefixDims, maxDoc, offset, length, docs, c);
      field.finish();
    }
  }

  @Override
  boolean writesPrefix(FieldInfo info) {
    return prefixDimsOf(info) >= 0;
  }

  /**
   * Writes the merged prefixes of a prefix field (the raw delegate merged its full vectors). A
   * merge that builds its graph now (Lucene 10.4) needs random access to the merged prefixes
   * while this segment's data file is still open for writing, so they go to a temp file first (as
   * Lucene's flat writer does for full vectors), are copied in, and the temp file serves the graph
   * build; the int8 codes are computed from the temp file too, not from prefixes kept on the heap.
   * Float prefixes that no graph build waits for go straight to the data file.
   */
  @Override
  CloseableRandomVectorScorerSupplier mergePrefixes(FieldInfo info, MergeState mergeState, boolean forGraph)
      throws IOException {
    int prefixDims = prefixDimsOf(info);
    MatryoshkaPrefix.Encoding enc = encodingOf(info);
    boolean int8 = enc != MatryoshkaPrefix.Encoding.FLOAT32; // int8 or int4 codes to write
    long offset = data.alignFilePointer(Float.BYTES);
    if (!forGraph && !int8) {
      DocsWithFieldSet docs = writePrefixes(data, info, prefixDims, mergeState);
      writeMeta(info, prefixDims, state.segmentInfo.maxDoc(), offset, data.getFilePointer() - offset, docs, null);
      return null;
    }
    IndexOutput temp = state.directory.createTempOutput(data.getName(), "temp", state.context);
    IndexInput tempIn = null;
    try {
      DocsWithFieldSet docs = writePrefixes(temp, info, prefixDims, mergeState);
      CodecUtil.writeFooter(temp);
      temp.close();
      // not the state's merge context: a graph build reads the temp file at random, the int8
      // codes read it front to back
      tempIn = state.directory.openInput(temp.getName(), IOContext.DEFAULT.withHints(FileTypeHint.DATA,
          FileDataHint.KNN_VECTORS, forGraph ? DataAccessHint.RANDOM : DataAccessHint.SEQUENTIAL));
      data.copyBytes(tempIn, tempIn.length() - CodecUtil.footerLength());
      CodecUtil.retrieveChecksum(tempIn);
      long length = data.getFilePointer() - offset;
      VectorSimilarityFunction graphSim =
          MatryoshkaPrefix.graphSimilarity(info.getVectorSimilarityFunction());
      OffHeapFloatVectorValues values =
          new OffHeapFloatVectorValues.DenseOffHeapVectorValues(
              prefixDims, docs.cardinality(), tempIn, prefixDims * Float.BYTES, vectorsScorer, graphSim);
      Codes c = null;
      if (int8) {
        FloatVectorValues reader = values.copy();
        c = writeCodes(enc, prefixDims, docs.cardinality(), ord -> {
          try {
            return reader.vectorValue(ord);
          } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
          }
        });
      }
      writeMeta(info, prefixDims, state.segmentInfo.maxDoc(), offset, length, docs, c);
      final IndexInput in = tempIn;
      final String tempName = temp.getName();
      tempIn = null;
      java.io.Closeable cleanup = () -> {
        IOUtils.close(in);
        IOUtils.deleteFilesIgnoringExceptions(state.directory, tempName);
      };
      if (!forGraph) {
        cleanup.close();
        return null;
      }
      RandomVectorScorerSupplier supplier = vectorsScorer.getRandomVectorScorerSupplier(graphSim, values);
      return new ClosingScorerSupplier(supplier, docs.cardinality(), cleanup);
    } catch (Throwable t) {
      IOUtils.closeWhileHandlingException(temp, tempIn);
      IOUtils.deleteFilesIgnoringExceptions(state.directory, temp.getName());
      throw t;
    }
  }

  /** Writes the merged prefixes in ordinal order. */
  private static DocsWithFieldSet writePrefixes(
      IndexOutput out, FieldInfo info, int prefixDims, MergeState mergeState) throws IOException {
    VectorSimilarityFunction sim = info.getVectorSimilarityFunction();
    FloatVectorValues merged = MergedVectorValues.mergeFloatVectorValues(info, mergeState);
    KnnVectorValues.DocIndexIterator it = merged.iterator();
    DocsWithFieldSet docs = new DocsWithFieldSet();
    for (int doc = it.nextDoc(); doc != DocIdSetIterator.NO_MORE_DOCS; doc = it.nextDoc()) {
      float[] prefix = MatryoshkaPrefix.prefix(merged.vectorValue(it.index()), prefixDims, sim);
      writeFloats(out, prefix);
      docs.add(doc);
    }
    return docs;
  }

  private static void writeFloats(IndexOutput out, float[] v) throws IOException {
    ByteBuffer buf = ByteBuffer.allocate(v.length * Float.BYTES).order(ByteOrder.LITTLE_ENDIAN);
    buf.asFloatBuffer().put(v);
    out.writeBytes(buf.array(), buf.array().length);
  }

  /** Where a field's int8 or int4 codes went in the codes file, and their per-dimension scales. */
  private record Codes(byte encoding, float[] scales, long offset, long length) {}

  /** Two passes over the prefixes (by ordinal): scales, then one code per prefix. */
  private Codes writeCodes(MatryoshkaPrefix.Encoding enc, int prefixDims, int count,
      java.util.function.IntFunction<float[]> prefixes) throws IOException {
    Int8Prefix.Scales stats = new Int8Prefix.Scales(prefixDims);
    for (int ord = 0; ord < count; ord++) {
      stats.add(prefixes.apply(ord));
    }
    boolean int4 = enc == MatryoshkaPrefix.Encoding.INT4;
    float[] scales = int4 ? stats.int4Scales() : stats.max;
    long offset = codes.getFilePointer();
    for (int ord = 0; ord < count; ord++) {
      byte[] code = int4
          ? Int8Prefix.encodeDocumentInt4(prefixes.apply(ord), scales)
          : Int8Prefix.encodeDocument(prefixes.apply(ord), scales);
      codes.writeBytes(code, code.length);
    }
    return new Codes(int4 ? ENCODING_INT4 : ENCODING_INT8, scales, offset, codes.getFilePointer() - offset);
  }

  private void writeMeta(
      FieldInfo info, int prefixDims, int maxDoc, long offset, long length, DocsWithFieldSet docs, Codes c)
      throws IOException {
    meta.writeInt(info.number);
    meta.writeVInt(info.getVectorDimension());
    meta.writeVInt(prefixDims);
    meta.writeInt(SIMILARITIES.indexOf(info.getVectorSimilarityFunction()));
    meta.writeVLong(offset);
    meta.writeVLong(length);
    int count = docs.cardinality();
    meta.writeInt(count);
    OrdToDocDISIReaderConfiguration.writeStoredMeta(
        DIRECT_MONOTONIC_BLOCK_SHIFT, meta, data, count, maxDoc, docs);
    // since VERSION_INT8: the encoding the search scores, and for int8 where its codes are
    if (c == null) {
      meta.writeByte(ENCODING_FLOAT32);
    } else {
      meta.writeByte(c.encoding());
      for (float scale : c.scales()) {
        meta.writeInt(Float.floatToIntBits(scale));
      }
      meta.writeVLong(c.offset());
      meta.writeVLong(c.length());
    }
  }

  @Override
  public void finish() throws IOException {
    if (finished) {
      throw new IllegalStateException("already finished");
    }
    finished = true;
    raw.finish();
    meta.writeInt(-1);
    CodecUtil.writeFooter(meta);
    CodecUtil.writeFooter(data);
  }

  @Override
  public void close() throws IOException {
    IOUtils.close(meta, data, raw);
  }

  @Override
  public long ramBytesUsed() {
    long total = RamUsageEstimator.shallowSizeOfInstance(getClass()) + raw.ramBytesUsed();
    for (FieldWriter f : fields) {
      total += f.prefixBytes();
    }
    return total;
  }

  /** Wraps the raw field writer; keeps each vector's prefix for the graph and for flushing. */
  static final class FieldWriter extends FlatFieldVectorsWriter<float[]> {
    final FieldInfo info;
    final int prefixDims;
    final FlatFieldVectorsWriter<float[]> rawField;
    final List<float[]> prefixes = new ArrayList<>();
    private boolean finished;

    FieldWriter(FieldInfo info, int prefixDims, FlatFieldVectorsWriter<float[]> rawField) {
      this.info = info;
      this.prefixDims = prefixDims;
      this.rawField = rawField;
    }

    @Override
    public void addValue(int docID, float[] vector) throws IOException {
      rawField.addValue(docID, vector);
      prefixes.add(MatryoshkaPrefix.prefix(vector, prefixDims, info.getVectorSimilarityFunction()));
    }

    /** The prefixes: the HNSW writer builds its graph over exactly these. */
    @Override
    public List<float[]> getVectors() {
      return prefixes;
    }

    @Override
    public DocsWithFieldSet getDocsWithFieldSet() {
      return rawField.getDocsWithFieldSet();
    }

    @Override
    public void finish() {
      finished = true;
    }

    @Override
    public boolean isFinished() {
      return finished && rawField.isFinished();
    }

    @Override
    public float[] copyValue(float[] vectorValue) {
      throw new UnsupportedOperationException();
    }

    long prefixBytes() {
      return (long) prefixes.size()
          * (RamUsageEstimator.NUM_BYTES_ARRAY_HEADER + RamUsageEstimator.NUM_BYTES_OBJECT_REF
              + (long) prefixDims * Float.BYTES);
    }

    @Override
    public long ramBytesUsed() {
      return RamUsageEstimator.shallowSizeOfInstance(FieldWriter.class)
          + rawField.ramBytesUsed()
          + prefixBytes();
    }
  }
}
