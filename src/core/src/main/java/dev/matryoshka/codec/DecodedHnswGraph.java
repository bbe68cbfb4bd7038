package dev.matryoshka.codec;

import java.io.IOException;
import java.util.Arrays;
import org.apache.lucene.search.DocIdSetIterator;
import org.apache.lucene.util.Accountable;
import org.apache.lucene.util.ArrayUtil;
import org.apache.lucene.util.RamUsageEstimator;
import org.apache.lucene.util.hnsw.HnswGraph;

/**
 * An HNSW graph with its neighbour lists decoded once onto the heap, in compressed-sparse-row
 * form: per level, one {@code int[]} of every node's neighbours back to back and one {@code
 * int[]} of where each node's list starts. Searches walk it through {@link #cursor()}, which
 * costs an array read per neighbour where Lucene's off-heap graph decodes a group-varint list on
 * every expanded node (about 15 % of a prefix-graph query in the profile, see BENCHMARKS.md).
 *
 * <p>Heap cost: 4 bytes per edge plus 4 per node and level (8 on upper levels, which also list
 * their nodes), i.e. about what {@code .vex} holds uncompressed; the prefix graph is small (its
 * vectors are what a prefix saves), so this is the part of the hot set worth spending heap on.
 * {@link #measure} counts it exactly before anything is allocated, and {@link
 * DecodedGraphVectorsReader} decodes only what its {@link DecodedGraphBudget} allows. Immutable
 * and shared by all searches of a segment; each search takes its own cursor.
 */
final class DecodedHnswGraph implements Accountable {
  private final int size;
  private final int maxConn;
  private final int entryNode;
  /** Per level above 0: the level's nodes, ascending (level 0 holds every ordinal). */
  private final int[][] nodesByLevel;
  /** Per level: start of each node's list in {@link #edges} (by index in the level), then the end. */
  private final int[][] offsets;
  /** Per level: every node's neighbours, back to back. */
  private final int[][] edges;
  /** The longest neighbour list of any level (measured, not assumed from maxConn). */
  private final int maxListLength;

  private DecodedHnswGraph(int size, int maxConn, int entryNode, int[][] nodesByLevel, int[][] offsets,
      int[][] edges) {
    this.size = size;
    this.maxConn = maxConn;
    this.entryNode = entryNode;
    this.nodesByLevel = nodesByLevel;
    this.offsets = offsets;
    this.edges = edges;
    int longest = 0;
    for (int[] off : offsets) {
      for (int i = 0; i + 1 < off.length; i++) {
        longest = Math.max(longest, off[i + 1] - off[i]);
      }
    }
    this.maxListLength = longest;
  }

  /** The longest neighbour list of any level. */
  int maxListLength() {
    return maxListLength;
  }

  /**
   * The nodes and edges per level of a graph, counted before anything is allocated: the budget
   * check needs the exact size, and exact sizes let the arrays be allocated once (no growing,
   * no trimming copy), so decoding peaks at the final size.
   *
   * @param levelNodes nodes on each level
   * @param levelEdges neighbour entries on each level
   */
  record Shape(int size, int maxConn, int entryNode, int[] levelNodes, long[] levelEdges) {

    /** Heap of the decoded graph: what {@link DecodedHnswGraph#ramBytesUsed()} will report. */
    long ramBytes() {
      int levels = levelNodes.length;
      long bytes = BASE_RAM_BYTES + 3 * RamUsageEstimator.alignObjectSize(
          RamUsageEstimator.NUM_BYTES_ARRAY_HEADER + (long) RamUsageEstimator.NUM_BYTES_OBJECT_REF * levels);
      for (int l = 0; l < levels; l++) {
        bytes += intArrayBytes(levelEdges[l]) + intArrayBytes(levelNodes[l] + 1L);
        if (l > 0) {
          bytes += intArrayBytes(levelNodes[l]);
        }
      }
      return bytes;
    }

    /** False when a level has more edges than one Java array can hold (search it off-heap). */
    boolean fitsInArrays() {
      for (long e : levelEdges) {
        if (e > ArrayUtil.MAX_ARRAY_LENGTH) {
          return false;
        }
      }
      return true;
    }

    private static long intArrayBytes(long length) {
      return RamUsageEstimator.alignObjectSize(RamUsageEstimator.NUM_BYTES_ARRAY_HEADER + (long) Integer.BYTES * length);
    }
  }

  private static final long BASE_RAM_BYTES = RamUsageEstimator.shallowSizeOfInstance(DecodedHnswGraph.class);

  /**
   * Counts the nodes and edges of every level of {@code graph}: one pass over the neighbour
   * lists that keeps nothing but a count per level.
   */
  static Shape measure(HnswGraph graph) throws IOException {
    int levels = graph.numLevels();
    int[] nodes = new int[levels];
    long[] edges = new long[levels];
    for (int level = 0; level < levels; level++) {
      HnswGraph.NodesIterator it = graph.getNodesOnLevel(level);
      nodes[level] = it.size();
      long e = 0;
      int n = 0;
      while (it.hasNext()) {
        int node = it.nextInt();
        if (level == 0 && node != n) {
          throw new IllegalStateException("level 0 of an HNSW graph must list ordinals 0..size-1; got node "
              + node + " at index " + n);
        }
        n++;
        graph.seek(level, node);
        e += graph.neighborCount();
      }
      if (n != nodes[level]) {
        throw new IllegalStateException("level " + level + " listed " + n + " nodes, expected " + nodes[level]);
      }
      edges[level] = e;
    }
    return new Shape(graph.size(), graph.maxConn(), graph.entryNode(), nodes, edges);
  }

  /** Measures and decodes {@code graph} (tests; the reader measures first to ask its budget). */
  static DecodedHnswGraph decode(HnswGraph graph) throws IOException {
    return decode(graph, measure(graph));
  }

  /**
   * Reads every neighbour list of {@code graph} into arrays of exactly the sizes {@code shape}
   * counted.
   */
  static DecodedHnswGraph decode(HnswGraph graph, Shape shape) throws IOException {
    if (!shape.fitsInArrays()) {
      throw new IllegalArgumentException("a level has more than " + ArrayUtil.MAX_ARRAY_LENGTH
          + " edges; got=" + Arrays.toString(shape.levelEdges()));
    }
    int levels = shape.levelNodes().length;
    int[][] nodes = new int[levels][];
    int[][] offsets = new int[levels][];
    int[][] edges = new int[levels][];
    for (int level = 0; level < levels; level++) {
      int count = shape.levelNodes()[level];
      int[] levelNodes = level == 0 ? null : new int[count];
      int[] off = new int[count + 1];
      int[] e = new int[(int) shape.levelEdges()[level]];
      HnswGraph.NodesIterator it = graph.getNodesOnLevel(level);
      int n = 0;
      int written = 0;
      while (it.hasNext()) {
        int node = it.nextInt();
        if (n == count) {
          throw new IllegalStateException("level " + level + " lists more nodes than the " + count + " counted");
        }
        if (levelNodes != null) {
          levelNodes[n] = node;
        }
        graph.seek(level, node);
        for (int nb = graph.nextNeighbor(); nb != DocIdSetIterator.NO_MORE_DOCS; nb = graph.nextNeighbor()) {
          if (written == e.length) {
            throw new IllegalStateException("level " + level + " has more edges than the " + e.length + " counted");
          }
          e[written++] = nb;
        }
        off[++n] = written;
      }
      if (n != count || written != e.length) {
        throw new IllegalStateException("level " + level + " has " + n + " nodes and " + written
            + " edges; counted " + count + " and " + e.length);
      }
      nodes[level] = levelNodes;
      offsets[level] = off;
      edges[level] = e;
    }
    return new DecodedHnswGraph(shape.size(), shape.maxConn(), shape.entryNode(), nodes, offsets, edges);
  }

  /** Nodes in the graph (level 0). */
  int size() {
    return size;
  }

  /** Number of levels. */
  int numLevels() {
    return edges.length;
  }

  /** The entry node of the top level (-1 for an empty graph). */
  int entryNode() {
    return entryNode;
  }

  /** {@code level}'s neighbour lists back to back (read, never written, by {@link LeanGraphSearcher}). */
  int[] edges(int level) {
    return edges[level];
  }

  /** Where each node's list starts in {@link #edges(int)} (by index on the level), then the end. */
  int[] offsets(int level) {
    return offsets[level];
  }

  /** The index of {@code node} on {@code level} (its ordinal on level 0), or a negative number. */
  int indexOn(int level, int node) {
    return level == 0 ? node : Arrays.binarySearch(nodesByLevel[level], node);
  }

  /** A graph view with its own seek position; one per search. */
  HnswGraph cursor() {
    return new Cursor();
  }

  @Override
  public long ramBytesUsed() {
    long bytes = BASE_RAM_BYTES + RamUsageEstimator.shallowSizeOf(nodesByLevel)
        + RamUsageEstimator.shallowSizeOf(offsets) + RamUsageEstimator.shallowSizeOf(edges);
    for (int l = 0; l < edges.length; l++) {
      bytes += RamUsageEstimator.sizeOf(edges[l]) + RamUsageEstimator.sizeOf(offsets[l]);
      if (nodesByLevel[l] != null) {
        bytes += RamUsageEstimator.sizeOf(nodesByLevel[l]);
      }
    }
    return bytes;
  }

  private final class Cursor extends HnswGraph {
    private int[] list;
    private int start;
    private int upTo;
    private int end;

    @Override
    public void seek(int level, int target) {
      int index = level == 0 ? target : Arrays.binarySearch(nodesByLevel[level], target);
      if (index < 0) {
        throw new IllegalArgumentException("node " + target + " is not on level " + level);
      }
      list = edges[level];
      start = offsets[level][index];
      upTo = start;
      end = offsets[level][index + 1];
    }

    @Override
    public int nextNeighbor() {
      return upTo < end ? list[upTo++] : DocIdSetIterator.NO_MORE_DOCS;
    }

    @Override
    public int neighborCount() {
      return end - start;
    }

    @Override
    public int size() {
      return size;
    }

    @Override
    public int numLevels() {
      return edges.length;
    }

    @Override
    public int maxConn() {
      return maxConn;
    }

    @Override
    public int entryNode() {
      return entryNode;
    }

    @Override
    public NodesIterator getNodesOnLevel(int level) {
      return level == 0 ? new DenseNodesIterator(size) : new ArrayNodesIterator(nodesByLevel[level], nodesByLevel[level].length);
    }
  }
}
