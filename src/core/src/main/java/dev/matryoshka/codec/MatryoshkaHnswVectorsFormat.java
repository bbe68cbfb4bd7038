package dev.matryoshka.codec;

import java.io.IOException;
import java.util.concurrent.ExecutorService;
import org.apache.lucene.codecs.KnnVectorsFormat;
import org.apache.lucene.codecs.KnnVectorsReader;
import org.apache.lucene.codecs.KnnVectorsWriter;
import org.apache.lucene.codecs.lucene99.Lucene99HnswVectorsFormat;
import org.apache.lucene.codecs.lucene99.Lucene99HnswVectorsReader;
import org.apache.lucene.codecs.lucene99.Lucene99HnswVectorsWriter;
import org.apache.lucene.index.SegmentReadState;
import org.apache.lucene.index.SegmentWriteState;
import org.apache.lucene.search.TaskExecutor;

/**
 * Matryoshka vectors format: one Lucene vector field holds the full float32 vector; an HNSW graph
 * is built over its first {@code prefixDims} dimensions (renormalised for COSINE and
 * DOT_PRODUCT).
 *
 * <h2>Design</h2>
 *
 * One field, not a full field plus a hidden prefix field: the format is a composition of Lucene's
 * own parts — {@link Lucene99HnswVectorsWriter}/{@link Lucene99HnswVectorsReader} for the graph,
 * {@code Lucene99FlatVectorsFormat} for the full vectors — around a flat layer ({@link
 * MatryoshkaFlatVectorsFormat}) that adds the prefixes. The graph layer asks the flat layer for
 * the vectors to link ({@code getVectors()} at flush, {@code mergeOneFieldToIndex} at merge) and
 * for a query scorer ({@code getRandomVectorScorer}); the flat layer answers both with prefixes.
 * Everything else — {@code getFloatVectorValues}, exact search, rescoring, CheckIndex — sees the
 * full vectors. So an approximate search on this field returns candidates ranked by prefix
 * similarity, and {@code MatryoshkaKnnQuery} reranks them with full-dimension similarity.
 *
 * <p>The prefix length of a field comes from the field's {@link
 * MatryoshkaPrefix#PREFIX_DIMS_ATTRIBUTE} attribute (set by {@code MatryoshkaVectorField}), else
 * from this format's {@code defaultPrefixDims}. A prefix length of 0 or at least the vector
 * dimension means "no prefix": the graph is over full vectors, and no prefix data is written. Each
 * segment records the prefix length it used, so segments written with different settings stay
 * searchable side by side.
 *
 * <h2>Files</h2>
 *
 * <p>Graph: {@code .vem}, {@code .vex} as written by {@link Lucene99HnswVectorsWriter}. Full
 * vectors: {@code .vemf}, {@code .vec} as written by {@code Lucene99FlatVectorsWriter}.
 *
 * <h3>.mpm — prefix metadata</h3>
 *
 * <ul>
 *   <li>IndexHeader (codec {@value MatryoshkaFlatVectorsFormat#META_CODEC_NAME}, version, segment
 *       id, suffix)
 *   <li>per field with a prefix:
 *       <ul>
 *         <li>int32 field number
 *         <li>vint full dimension
 *         <li>vint prefix dimension (1 ≤ p &lt; full)
 *         <li>int32 similarity wire number (0 EUCLIDEAN, 1 DOT_PRODUCT, 2 COSINE, 3
 *             MAXIMUM_INNER_PRODUCT)
 *         <li>vlong offset of the field's prefix vectors in {@code .mpv}
 *         <li>vlong length in bytes of those vectors
 *         <li>int32 vector count (checked at open against the full vectors' count: prefixes and
 *             full vectors share one ordinal space)
 *         <li>ord-to-doc mapping metadata as written by {@code
 *             OrdToDocDISIReaderConfiguration.writeStoredMeta} (empty, dense or sparse)
 *       </ul>
 *   <li>int32 -1 (end of fields)
 *   <li>Footer (checksum)
 * </ul>
 *
 * <h3>.mpv — prefix vectors</h3>
 *
 * <ul>
 *   <li>IndexHeader (codec {@value MatryoshkaFlatVectorsFormat#DATA_CODEC_NAME})
 *   <li>per field, aligned to 4 bytes: count × prefix dimension float32 (little endian), in the
 *       same ordinal order as the full vectors in {@code .vec}; then the sparse ord-to-doc data
 *       (IndexedDISI and DirectMonotonic blocks) when not every document has a vector
 *   <li>Footer (checksum)
 * </ul>
 *
 * <h3>int8 prefix codes (since version 1)</h3>
 *
 * <p>For a field whose prefix encoding is int8, {@code .mpv} also holds, after the field's float
 * prefixes and before its sparse ord-to-doc data, count × prefix dimension signed bytes in
 * ordinal order ({@link Int8Prefix}). In {@code .mpm}, after the ord-to-doc metadata, every
 * field has a byte encoding (0 float32, 1 int8); for int8 follow prefix-dimension float32
 * scales, the vlong offset and the vlong length of the codes.
 *
 * <h3>int4 prefix codes (since version 2)</h3>
 *
 * <p>Encoding byte 2: as int8, but each code holds two dimensions, count × ⌈prefix dimension / 2⌉
 * bytes: byte {@code j} holds dimension {@code j} in its low four bits and dimension {@code j + h}
 * ({@code h} = ⌈prefix dimension / 2⌉) in its high four bits, each as {@code level + 8} with
 * {@code level} in [-7, 7] (an odd prefix pads a zero dimension). The scales are the clip values
 * ({@link Int8Prefix#int4Scales}).
 *
 * <p>With an int8 or int4 prefix the graph is still built on the float32 prefixes ({@code .mpv}); the
 * search scores the codes, so the bytes that stay hot per vector are the graph and one byte per
 * prefix dimension.
 *
 * <p>Merges: natural merges are Lucene's incremental HNSW merge; a merge forced down to one
 * segment builds its graph from scratch ({@link FreshGraphMergeWriter}), so after {@code
 * forceMerge(1)} the graph depends only on the documents and their order, not on how they were
 * split into segments.
 *
 * <p>Graph similarity: COSINE fields are linked and searched with DOT_PRODUCT on the unit-length
 * prefixes (same scores, one dot product instead of three); others use the field's own function.
 *
 * <p>Search heap: a field's prefix graph is decoded onto the heap at its first approximate
 * search ({@link DecodedHnswGraph}: 4 bytes per edge, about 68 bytes per vector at M=16) when it
 * fits in the {@link DecodedGraphBudget} — by default the process-wide {@link
 * DecodedGraphBudget#shared()}, whose limit an application sets once; otherwise it is searched
 * off-heap with the same results.
 *
 * <h2>The next Lucene codec</h2>
 *
 * <p>{@link MatryoshkaCodec} ({@value MatryoshkaCodec#NAME}) is Lucene 10.4's {@code Lucene104Codec}
 * (still Lucene's default codec in 10.6) with this vectors format. When Lucene ships its next default codec, a new codec class with a new
 * SPI name wraps it, and new segments are written with that; {@value MatryoshkaCodec#NAME} stays
 * registered so existing indexes still open, and their segments are rewritten by the next merge,
 * as with Lucene's own codecs (it then needs Lucene's codec from {@code lucene-backward-codecs} on
 * the class path). This vectors format keeps its name, and keeps reading every prefix version,
 * as long as the files stay readable.
 *
 * <h2>Lucene releases</h2>
 *
 * <p>These sources build against Lucene 10.4 (artifact {@code matryoshka-core}, what OpenSearch
 * 3.6 ships) and Lucene 10.6 ({@code matryoshka-core-lucene-10.6}). Where Lucene's codec API
 * differs between the two — the merge entry points of the flat and HNSW writers (10.6 builds a
 * merged graph after reopening the merged flat files), the flat reader's scorer, the HNSW writer's
 * constructor, the read hints — the code calls {@code LuceneCompat} and extends the {@code
 * *Compat} classes, which have one version per release in {@code src/core/src/lucene-<release>/java}.
 * Both builds write the same files, and an index written by the 10.4 build opens, grows and merges
 * under the 10.6 build.
 *
 * <pre>{@code
 * IndexWriterConfig iwc = new IndexWriterConfig().setCodec(new MatryoshkaCodec());
 * doc.add(new MatryoshkaVectorField("emb", vector, MatryoshkaVectorField.fieldType(768, 64, COSINE)));
 * }</pre>
 */
public final class MatryoshkaHnswVectorsFormat extends KnnVectorsFormat {

  /**
   * SPI name, written into every segment. The prefix files carry their own version in their
   * headers, and the name stays the same across versions: version 1 (int8 codes) and 2 (int4 codes) changed the
   * format in place, as Lucene formats do within one name, and this reader still accepts version
   * 0 segments ({@code FormatBackCompatTest}). A change that the header version cannot describe to
   * old readers gets a new name instead.
   */
  public static final String NAME = "MatryoshkaHnsw";

  /** Largest vector dimension accepted (Lucene's own HNSW format stops at 1024). */
  public static final int MAX_DIMENSIONS = 8192;

  /** Default graph fan-out, as Lucene's HNSW format. */
  public static final int DEFAULT_MAX_CONN = Lucene99HnswVectorsFormat.DEFAULT_MAX_CONN;

  /** Default candidate list size while building, as Lucene's HNSW format. */
  public static final int DEFAULT_BEAM_WIDTH = Lucene99HnswVectorsFormat.DEFAULT_BEAM_WIDTH;

  private final int defaultPrefixDims;
  private final int maxConn;
  private final int beamWidth;
  private final int numMergeWorkers;
  private final TaskExecutor mergeExec;
  private final MatryoshkaFlatVectorsFormat flatFormat;
  /** Null: {@link DecodedGraphBudget#shared()}, looked up when a segment is opened. */
  private final DecodedGraphBudget decodedGraphBudget;

  /** For SPI (reading): prefix lengths come from the segment files, graph settings are unused. */
  public MatryoshkaHnswVectorsFormat() {
    this(0, DEFAULT_MAX_CONN, DEFAULT_BEAM_WIDTH);
  }

  /**
   * @param defaultPrefixDims prefix length for fields that do not set one; 0 = full vector
   * @param maxConn HNSW fan-out (M), 1..512
   * @param beamWidth HNSW construction beam width (ef_construction), 1..3200
   */
  public MatryoshkaHnswVectorsFormat(int defaultPrefixDims, int maxConn, int beamWidth) {
    this(defaultPrefixDims, maxConn, beamWidth, 1, null);
  }

  /**
   * As {@link #MatryoshkaHnswVectorsFormat(int, int, int)}, with the prefix encoding of fields
   * that do not set {@link MatryoshkaPrefix#PREFIX_ENCODING_ATTRIBUTE}.
   */
  public MatryoshkaHnswVectorsFormat(
      int defaultPrefixDims, int maxConn, int beamWidth, MatryoshkaPrefix.Encoding defaultEncoding) {
    this(defaultPrefixDims, maxConn, beamWidth, 1, null, defaultEncoding);
  }

  /** As {@link #MatryoshkaHnswVectorsFormat(int, int, int)} with concurrent merges. */
  public MatryoshkaHnswVectorsFormat(
      int defaultPrefixDims, int maxConn, int beamWidth, int numMergeWorkers,
      ExecutorService mergeExec) {
    this(defaultPrefixDims, maxConn, beamWidth, numMergeWorkers, mergeExec, MatryoshkaPrefix.Encoding.FLOAT32);
  }

  private MatryoshkaHnswVectorsFormat(
      int defaultPrefixDims, int maxConn, int beamWidth, int numMergeWorkers,
      ExecutorService mergeExec, MatryoshkaPrefix.Encoding defaultEncoding) {
    this(defaultPrefixDims, maxConn, beamWidth, numMergeWorkers, mergeExec, defaultEncoding, null);
  }

  /**
   * Every option, including the heap budget of the decoded search graphs.
   *
   * @param defaultPrefixDims prefix length for fields that do not set one; 0 = full vector
   * @param maxConn HNSW fan-out (M), 1..512
   * @param beamWidth HNSW construction beam width (ef_construction), 1..3200
   * @param numMergeWorkers threads of a merge's graph build; 1 = the merging thread alone
   * @param mergeExec executor of those threads (needs numMergeWorkers &gt; 1), or null
   * @param defaultEncoding prefix encoding of fields that set none
   * @param decodedGraphBudget budget of the graphs of the segments this instance opens; null =
   *     {@link DecodedGraphBudget#shared()}. Lucene opens segments through the SPI instance (see
   *     {@link DecodedGraphBudget}), so a budget given here reaches only segments opened through
   *     this very instance; applications set the shared budget's limit instead.
   */
  public MatryoshkaHnswVectorsFormat(
      int defaultPrefixDims, int maxConn, int beamWidth, int numMergeWorkers,
      ExecutorService mergeExec, MatryoshkaPrefix.Encoding defaultEncoding,
      DecodedGraphBudget decodedGraphBudget) {
    super(NAME);
    if (defaultPrefixDims < 0 || defaultPrefixDims > MAX_DIMENSIONS) {
      throw new IllegalArgumentException(
          "defaultPrefixDims must be in [0, " + MAX_DIMENSIONS + "] (0 = full vector); got="
              + defaultPrefixDims);
    }
    if (maxConn <= 0 || maxConn > Lucene99HnswVectorsFormat.MAXIMUM_MAX_CONN) {
      throw new IllegalArgumentException(
          "maxConn must be in [1, " + Lucene99HnswVectorsFormat.MAXIMUM_MAX_CONN + "]; got="
              + maxConn);
    }
    if (beamWidth <= 0 || beamWidth > Lucene99HnswVectorsFormat.MAXIMUM_BEAM_WIDTH) {
      throw new IllegalArgumentException(
          "beamWidth must be in [1, " + Lucene99HnswVectorsFormat.MAXIMUM_BEAM_WIDTH + "]; got="
              + beamWidth);
    }
    if (numMergeWorkers < 1) {
      throw new IllegalArgumentException("numMergeWorkers must be >= 1; got=" + numMergeWorkers);
    }
    if (numMergeWorkers == 1 && mergeExec != null) {
      throw new IllegalArgumentException("a merge executor needs numMergeWorkers > 1");
    }
    this.defaultPrefixDims = defaultPrefixDims;
    this.maxConn = maxConn;
    this.beamWidth = beamWidth;
    this.numMergeWorkers = numMergeWorkers;
    this.mergeExec = mergeExec == null ? null : new TaskExecutor(mergeExec);
    this.flatFormat = new MatryoshkaFlatVectorsFormat(defaultPrefixDims, defaultEncoding);
    this.decodedGraphBudget = decodedGraphBudget;
  }

  @Override
  public KnnVectorsWriter fieldsWriter(SegmentWriteState state) throws IOException {
    KnnVectorsWriter graphWriter = LuceneCompat.hnswWriter(
        state, maxConn, beamWidth, flatFormat, flatFormat.fieldsWriter(state), numMergeWorkers, mergeExec);
    KnnVectorsWriter merging =
        FreshGraphMergeWriter.wrapIfForcedToOne(graphWriter, state.context.mergeInfo(), numMergeWorkers);
    return new CalibratingVectorsWriter(merging, state, this::openForCalibration);
  }

  @Override
  public KnnVectorsReader fieldsReader(SegmentReadState state) throws IOException {
    CalibrationFile.Loaded calibration =
        CalibrationFile.read(state.directory, state.segmentInfo, state.segmentSuffix, state.fieldInfos);
    if (calibration.problem() != null && saidOnce(state)) {
      CALIBRATION_LOG.log(System.Logger.Level.WARNING, "segment " + state.segmentInfo.name + ": "
          + calibration.problem() + "; its searches use the fallback oversample");
    }
    var flat = flatFormat.fieldsReader(LuceneCompat.flatReadState(state));
    return new DecodedGraphVectorsReader(
        new Lucene99HnswVectorsReader(state, flat), flat, decodedGraphBudget(), calibration.byField());
  }

  private static final System.Logger CALIBRATION_LOG = System.getLogger(SegmentCalibration.class.getName());

  /** Segments (id and suffix) whose calibration problem was reported; bounded, so it cannot grow without end. */
  private static final java.util.Set<String> REPORTED =
      java.util.Collections.synchronizedSet(java.util.Collections.newSetFromMap(
          new java.util.LinkedHashMap<String, Boolean>() {
            @Override
            protected boolean removeEldestEntry(java.util.Map.Entry<String, Boolean> eldest) {
              return size() > 10_000;
            }
          }));

  /**
   * True the first time a segment's calibration problem comes up in this JVM: a segment is opened
   * by every reader that has it (and by merges), and one report is enough.
   */
  private static boolean saidOnce(SegmentReadState state) {
    return REPORTED.add(org.apache.lucene.util.StringHelper.idToString(state.segmentInfo.getId())
        + "/" + state.segmentSuffix);
  }

  /** A reader of a segment just written, to calibrate it: no decoded graph, no calibration read. */
  private KnnVectorsReader openForCalibration(SegmentReadState state) throws IOException {
    var flat = flatFormat.fieldsReader(LuceneCompat.flatReadState(state));
    return new DecodedGraphVectorsReader(
        new Lucene99HnswVectorsReader(state, flat), flat, new DecodedGraphBudget(0), java.util.Map.of());
  }

  /** The budget of the decoded graphs of segments this instance opens. */
  public DecodedGraphBudget decodedGraphBudget() {
    return decodedGraphBudget != null ? decodedGraphBudget : DecodedGraphBudget.shared();
  }

  @Override
  public int getMaxDimensions(String fieldName) {
    return MAX_DIMENSIONS;
  }

  /** Prefix length used for fields that set none (0 = full vector). */
  public int defaultPrefixDims() {
    return defaultPrefixDims;
  }

  @Override
  public String toString() {
    return NAME + "(defaultPrefixDims=" + defaultPrefixDims + ", maxConn=" + maxConn
        + ", beamWidth=" + beamWidth + ", numMergeWorkers=" + numMergeWorkers
        + ", flatFormat=" + flatFormat + ", decodedGraphBudget="
        + (decodedGraphBudget == null ? "shared" : "maxBytes:" + decodedGraphBudget.maxBytes()) + ")";
  }
}
