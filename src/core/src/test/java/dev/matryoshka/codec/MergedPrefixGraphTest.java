package dev.matryoshka.codec;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.matryoshka.document.MatryoshkaVectorField;
import dev.matryoshka.document.SyntheticVectors;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.apache.lucene.document.Document;
import org.apache.lucene.document.FieldType;
import org.apache.lucene.index.DirectoryReader;
import org.apache.lucene.index.FloatVectorValues;
import org.apache.lucene.index.IndexFileNames;
import org.apache.lucene.index.IndexWriter;
import org.apache.lucene.index.IndexWriterConfig;
import org.apache.lucene.index.LeafReaderContext;
import org.apache.lucene.index.LogByteSizeMergePolicy;
import org.apache.lucene.index.SegmentReadState;
import org.apache.lucene.index.SegmentReader;
import org.apache.lucene.index.VectorSimilarityFunction;
import org.apache.lucene.search.DocIdSetIterator;
import org.apache.lucene.search.IndexSearcher;
import org.apache.lucene.search.KnnFloatVectorQuery;
import org.apache.lucene.store.DataAccessHint;
import org.apache.lucene.store.Directory;
import org.apache.lucene.store.FilterDirectory;
import org.apache.lucene.store.IOContext;
import org.apache.lucene.store.IndexInput;
import org.apache.lucene.store.MMapDirectory;
import org.apache.lucene.util.hnsw.HnswGraph;
import org.apache.lucene.util.hnsw.HnswGraphBuilder;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The two things Lucene 10.5 moved under the codec, checked the same way on every release the
 * core builds against (these tests run in {@code core} on Lucene 10.4 and in {@code
 * core-lucene-10.6}): the graph of a merged segment links the prefixes (since 10.5 Lucene builds
 * it from the reopened segment, which would serve full vectors by default), and the prefix file is
 * opened with the same access hints, hence the same read advice, as Lucene's {@code .vec}.
 */
class MergedPrefixGraphTest {

  @TempDir Path tmp;

  static final int N = 800;
  static final int DIMS = 48;
  static final int PREFIX = 12;

  @Test
  void theGraphOfAMergedSegmentIsTheGraphOfItsPrefixes() throws Exception {
    try (Directory dir = new MMapDirectory(tmp.resolve("index"))) {
      index(dir, SyntheticVectors.generate(N, DIMS, 16, 5L));
      try (DirectoryReader r = DirectoryReader.open(dir)) {
        assertEquals(1, r.leaves().size());
        HnswGraph merged = FreshGraphMergeTest.graph(r);
        try (MatryoshkaFlatVectorsReader flat = openFlat(dir, r.leaves().get(0))) {
          FloatVectorValues prefixes = flat.getPrefixVectorValues("emb");
          assertEquals(N, prefixes.size());
          assertEquals(PREFIX, prefixes.dimension());
          // forceMerge(1) builds from scratch with the fixed seed, inserting ordinals in order:
          // the same build over the segment's prefixes must give the very same graph
          HnswGraph overPrefixes = build(prefixes, VectorSimilarityFunction.DOT_PRODUCT);
          assertEquals(overPrefixes.numLevels(), merged.numLevels());
          assertEquals(overPrefixes.entryNode(), merged.entryNode());
          for (int level = 0; level < merged.numLevels(); level++) {
            assertEquals(0, differingLists(overPrefixes, merged, level), "neighbour lists differing on level " + level);
          }
          // and the check can tell: a graph over the full vectors links other neighbours
          HnswGraph overFull = build(flat.getFloatVectorValues("emb"), VectorSimilarityFunction.COSINE);
          assertTrue(differingLists(overFull, merged, 0) > N / 10,
              "a full-vector graph should differ from the prefix graph");
        }
      }
    }
  }

  @Test
  void thePrefixFileIsOpenedLikeLucenesVectorFile() throws Exception {
    MMapDirectory mmap = new MMapDirectory(tmp.resolve("advice"));
    // read advice from the hints (not the default), so an input opened for random access does not
    // serve a merge and Lucene 10.6 opens a second one: the recorded opens then include those
    mmap.setReadAdvice(MMapDirectory.ADVISE_BY_CONTEXT);
    RecordingDirectory dir = new RecordingDirectory(mmap);
    try (dir) {
      // several segments and a merge, so merge-time opens (Lucene 10.6) are recorded too
      index(dir, SyntheticVectors.generate(N, DIMS, 16, 6L));
      try (DirectoryReader r = DirectoryReader.open(dir)) {
        new IndexSearcher(r).search(new KnnFloatVectorQuery("emb", SyntheticVectors.generate(1, DIMS, 16, 7L)[0], 5), 5);
      }
    }
    Map<String, List<String>> vec = dir.opens("vec");
    Map<String, List<String>> mpv = dir.opens(MatryoshkaFlatVectorsFormat.DATA_EXTENSION);
    assertFalse(vec.isEmpty(), "no .vec opened: " + dir.log);
    assertEquals(vec, mpv, "per segment, the contexts .vec and .mpv were opened with");
    // the searcher's opens (merges may read with a context of their own): random access
    List<String> searchOpens = vec.values().stream().flatMap(List::stream)
        .filter(c -> c.startsWith(IOContext.Context.DEFAULT.name())).toList();
    assertFalse(searchOpens.isEmpty(), "no search-time open of .vec: " + vec);
    for (String c : searchOpens) {
      assertTrue(c.contains(DataAccessHint.RANDOM.name()), "search opens the vectors for random access: " + c);
    }
  }

  static void index(Directory dir, float[][] vecs) throws IOException {
    FieldType type = MatryoshkaVectorField.fieldType(DIMS, PREFIX, VectorSimilarityFunction.COSINE);
    LogByteSizeMergePolicy mp = new LogByteSizeMergePolicy();
    mp.setNoCFSRatio(0); // plain files, so every open of a vectors file is seen by name
    IndexWriterConfig iwc = new IndexWriterConfig().setCodec(new MatryoshkaCodec()).setMergePolicy(mp)
        .setUseCompoundFile(false);
    try (IndexWriter w = new IndexWriter(dir, iwc)) {
      for (int i = 0; i < vecs.length; i++) {
        Document d = new Document();
        d.add(new MatryoshkaVectorField("emb", vecs[i], type));
        w.addDocument(d);
        // segments of 200: every file, the prefix file too (9.6 KB), spans more than a page, so
        // MMapDirectory applies read advice to each (not to a file within one page)
        if (i % 200 == 199) {
          w.commit();
        }
      }
      // a near-real-time reader first: the writer pools the segment readers it opened for search
      // (random access), and the merge then reads through their merge instances
      try (DirectoryReader nrt = DirectoryReader.open(w)) {
        assertTrue(nrt.leaves().size() > 1, "several segments to merge");
        new IndexSearcher(nrt).search(new KnnFloatVectorQuery("emb", vecs[0], 5), 5);
      }
      w.forceMerge(1);
    }
  }

  /** The segment's prefix reader, opened on its files the way the codec opens it. */
  static MatryoshkaFlatVectorsReader openFlat(Directory dir, LeafReaderContext leaf) throws IOException {
    SegmentReader sr = (SegmentReader) leaf.reader();
    String segment = sr.getSegmentInfo().info.name;
    String suffix = null;
    for (String f : dir.listAll()) {
      if (f.startsWith(segment + "_") && f.endsWith("." + MatryoshkaFlatVectorsFormat.META_EXTENSION)) {
        suffix = f.substring(segment.length() + 1, f.length() - MatryoshkaFlatVectorsFormat.META_EXTENSION.length() - 1);
      }
    }
    assertNotNull(suffix, "no prefix metadata file for segment " + segment);
    SegmentReadState state = new SegmentReadState(dir, sr.getSegmentInfo().info, sr.getFieldInfos(), IOContext.DEFAULT, suffix);
    return (MatryoshkaFlatVectorsReader) new MatryoshkaFlatVectorsFormat(0).fieldsReader(state);
  }

  static HnswGraph build(FloatVectorValues values, VectorSimilarityFunction sim) throws IOException {
    var supplier = MatryoshkaFlatVectorsFormat.SCORER.getRandomVectorScorerSupplier(sim, values);
    return HnswGraphBuilder.create(supplier, MatryoshkaHnswVectorsFormat.DEFAULT_MAX_CONN,
        MatryoshkaHnswVectorsFormat.DEFAULT_BEAM_WIDTH, HnswGraphBuilder.randSeed, values.size()).build(values.size());
  }

  /** Nodes of {@code level} whose neighbours differ (as sets: a graph built on heap keeps them unsorted). */
  static int differingLists(HnswGraph a, HnswGraph b, int level) throws IOException {
    HnswGraph.NodesIterator nodes = b.getNodesOnLevel(level);
    assertEquals(a.getNodesOnLevel(level).size(), nodes.size(), "nodes on level " + level);
    int differing = 0;
    while (nodes.hasNext()) {
      int node = nodes.nextInt();
      if (!neighbours(a, level, node).equals(neighbours(b, level, node))) {
        differing++;
      }
    }
    return differing;
  }

  static Set<Integer> neighbours(HnswGraph g, int level, int node) throws IOException {
    g.seek(level, node);
    Set<Integer> out = new java.util.TreeSet<>();
    for (int n = g.nextNeighbor(); n != DocIdSetIterator.NO_MORE_DOCS; n = g.nextNeighbor()) {
      out.add(n);
    }
    return out;
  }

  /** Records the context of every file opened for reading. */
  static final class RecordingDirectory extends FilterDirectory {
    final List<String[]> log = new ArrayList<>();

    RecordingDirectory(Directory in) {
      super(in);
    }

    @Override
    public synchronized IndexInput openInput(String name, IOContext context) throws IOException {
      log.add(new String[] {name, context.context() + " " + hintsByType(context).values()});
      return super.openInput(name, context);
    }

    /** Segment name → the contexts its file with extension {@code ext} was opened with, in order. */
    synchronized Map<String, List<String>> opens(String ext) {
      Map<String, List<String>> out = new LinkedHashMap<>();
      for (String[] e : log) {
        if (IndexFileNames.matchesExtension(e[0], ext)) {
          out.computeIfAbsent(IndexFileNames.parseSegmentName(e[0]), k -> new ArrayList<>()).add(e[1]);
        }
      }
      return out;
    }

    private static Map<String, String> hintsByType(IOContext context) {
      Map<String, String> out = new TreeMap<>();
      for (IOContext.FileOpenHint h : context.hints()) {
        out.put(h.getClass().getSimpleName(), String.valueOf(h));
      }
      return out;
    }
  }
}
