package dev.matryoshka.codec;

import java.io.IOException;
import java.util.Arrays;
import org.apache.lucene.search.DocIdSetIterator;
import org.apache.lucene.util.Accountable;
import org.apache.lucene.util.RamUsageEstimator;
import org.apache.lucene.util.hnsw.HnswGraph;

/**
 * An HNSW graph with its neighbour lists decoded once onto the heap, in compressed-sparse-row
 * form: per level, one {@code int[]} of every node's neighbours back to back and one {@code
 * int[]} of where each node's list starts. Searches walk it through {@link #cursor()}, which
 * costs an array read per neighbour where Lucene's off-heap graph decodes a group-varint list on
 * every expanded node (about 15 % of a prefix-graph query in the profile, see BENCHMARKS.md).
 *
 * <p>Heap cost: 4 bytes per edge plus 4 per node and level, i.e. about what {@code .vex} holds
 * uncompressed; the prefix graph is small (its vectors are what a prefix saves), so this is the
 * part of the hot set worth spending heap on. Immutable and shared by all searches of a segment;
 * each search takes its own cursor.
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

  private DecodedHnswGraph(int size, int maxConn, int entryNode, int[][] nodesByLevel, int[][] offsets,
      int[][] edges) {
    this.size = size;
    this.maxConn = maxConn;
    this.entryNode = entryNode;
    this.nodesByLevel = nodesByLevel;
    this.offsets = offsets;
    this.edges = edges;
  }

  /** Reads every neighbour list of {@code graph} once. */
  static DecodedHnswGraph decode(HnswGraph graph) throws IOException {
    int levels = graph.numLevels();
    int[][] nodes = new int[levels][];
    int[][] offsets = new int[levels][];
    int[][] edges = new int[levels][];
    int[] buf = new int[Math.max(1, 2 * Math.max(1, graph.maxConn()))];
    for (int level = 0; level < levels; level++) {
      HnswGraph.NodesIterator it = graph.getNodesOnLevel(level);
      int count = it.size();
      int[] levelNodes = new int[count];
      int[] off = new int[count + 1];
      int[] e = new int[Math.max(16, count * 8)];
      int n = 0;
      int written = 0;
      while (it.hasNext()) {
        int node = it.nextInt();
        levelNodes[n] = node;
        graph.seek(level, node);
        int m = 0;
        for (int nb = graph.nextNeighbor(); nb != DocIdSetIterator.NO_MORE_DOCS; nb = graph.nextNeighbor()) {
          if (m == buf.length) {
            buf = Arrays.copyOf(buf, 2 * buf.length);
          }
          buf[m++] = nb;
        }
        if (written + m > e.length) {
          e = Arrays.copyOf(e, Math.max(written + m, e.length + (e.length >> 1)));
        }
        System.arraycopy(buf, 0, e, written, m);
        written += m;
        off[++n] = written;
      }
      if (n != count) {
        throw new IllegalStateException("level " + level + " listed " + n + " nodes, expected " + count);
      }
      nodes[level] = level == 0 ? null : levelNodes;
      if (level == 0) {
        for (int i = 0; i < count; i++) {
          if (levelNodes[i] != i) {
            throw new IllegalStateException("level 0 of an HNSW graph must list ordinals 0..size-1");
          }
        }
      }
      offsets[level] = off;
      edges[level] = Arrays.copyOf(e, written);
    }
    return new DecodedHnswGraph(graph.size(), graph.maxConn(), graph.entryNode(), nodes, offsets, edges);
  }

  /** Nodes in the graph (level 0). */
  int size() {
    return size;
  }

  /** A graph view with its own seek position; one per search. */
  HnswGraph cursor() {
    return new Cursor();
  }

  @Override
  public long ramBytesUsed() {
    long bytes = RamUsageEstimator.shallowSizeOfInstance(DecodedHnswGraph.class);
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
