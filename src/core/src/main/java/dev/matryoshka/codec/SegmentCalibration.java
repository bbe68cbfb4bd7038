package dev.matryoshka.codec;

import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import org.apache.lucene.codecs.KnnVectorsReader;
import org.apache.lucene.codecs.perfield.PerFieldKnnVectorsFormat;
import org.apache.lucene.index.CodecReader;
import org.apache.lucene.index.FilterCodecReader;
import org.apache.lucene.index.FilterLeafReader;
import org.apache.lucene.index.LeafReader;

/**
 * One segment's recall curve for one field, measured by the codec when the segment was written
 * (at flush and at every merge) and kept in the segment's {@code .mcal} file: for a sample of
 * calibration queries generated from the segment's own vectors, the recall@{@link #k} of the
 * index path (prefix graph for {@code ceil(k × oversample)} candidates, reranked with the full
 * vectors) against exact full-dimension search, at each oversample of {@link #GRID}.
 *
 * <p>A search asks for a recall ({@link #oversampleFor}); each segment answers with its own
 * oversample, so a small fresh segment is not searched as widely as a large merged one, and an
 * index that grows, merges or is written by another application stays calibrated without a
 * separate step.
 *
 * <p>Calibration queries are generated from document vectors, which sit closer to the documents
 * than real queries do, so they over-estimate the recall real queries get. The curve therefore
 * records which generator made it ({@link #queryKind}), and {@link #oversampleFor} asks the curve
 * for a smaller miss rate than the target by that generator's {@link QueryKind#missMargin()},
 * measured on corpora with real queries (docs/calibration.md). The margin lives in code, not in
 * the file, so a better-measured margin applies to segments already written.
 *
 * @param k the k of recall@k
 * @param queries number of calibration queries
 * @param queryKind how they were generated
 * @param vectors vectors of the field in the segment
 * @param oversamples the grid points measured, increasing
 * @param recalls recall@k at each of them
 */
public record SegmentCalibration(int k, int queries, QueryKind queryKind, int vectors,
    float[] oversamples, float[] recalls) {

  /** Oversamples measured, in order, until recall reaches {@link #PERFECT} or the graph is exhausted. */
  public static final List<Float> GRID =
      List.of(1f, 1.5f, 2f, 3f, 4f, 5f, 6f, 8f, 10f, 12f, 15f, 20f, 25f, 30f, 40f, 50f, 60f, 80f, 100f);

  /** A measured recall at or above this ends the curve: the rest of the grid cannot do better. */
  public static final float PERFECT = 0.9995f;

  /**
   * How the calibration queries were generated; the wire number is stored in the file, the
   * margin is applied when the curve is read.
   */
  public enum QueryKind {
    /**
     * {@link CalibrationQueries.Kind#NOISE_ONE}: a document's unit vector plus a random unit
     * direction, the document itself left out. The study in docs/calibration.md found it the one
     * generator whose curve held for real queries on every corpus measured.
     */
    NOISE_ONE(1, CalibrationQueries.Kind.NOISE_ONE);

    private final int wire;
    private final CalibrationQueries.Kind generator;

    QueryKind(int wire, CalibrationQueries.Kind generator) {
      this.wire = wire;
      this.generator = generator;
    }

    /** Number stored in the file (0 is reserved: never written). */
    public int wire() {
      return wire;
    }

    /** The generator of these queries. */
    public CalibrationQueries.Kind generator() {
      return generator;
    }

    /**
     * Factor by which real queries may miss more than these calibration queries: the curve is
     * asked for a miss rate of {@code (1 - target) / missMargin}.
     */
    public double missMargin() {
      return CalibrationQueries.MISS_MARGIN;
    }

    /** The kind with this wire number, or null when this version does not know it. */
    public static QueryKind ofWire(int wire) {
      for (QueryKind q : values()) {
        if (q.wire == wire) {
          return q;
        }
      }
      return null;
    }
  }

  /** Checks the arguments. */
  public SegmentCalibration {
    if (k < 1 || queries < 1 || vectors < 0 || queryKind == null) {
      throw new IllegalArgumentException("bad calibration: k=" + k + ", queries=" + queries
          + ", vectors=" + vectors + ", queryKind=" + queryKind);
    }
    if (oversamples.length == 0 || oversamples.length != recalls.length) {
      throw new IllegalArgumentException("bad calibration curve: " + oversamples.length
          + " oversamples, " + recalls.length + " recalls");
    }
    for (int i = 0; i < oversamples.length; i++) {
      if (!(oversamples[i] >= 1f) || (i > 0 && !(oversamples[i] > oversamples[i - 1]))
          || !(recalls[i] >= 0f && recalls[i] <= 1f)) {
        throw new IllegalArgumentException("bad calibration point " + i + ": oversample "
            + oversamples[i] + ", recall " + recalls[i]);
      }
    }
    oversamples = oversamples.clone();
    recalls = recalls.clone();
  }

  /** The recall the curve must show for real queries to reach {@code target}. */
  public double curveTarget(double target) {
    return 1 - (1 - target) / queryKind.missMargin();
  }

  /**
   * The oversample at which the curve reaches {@link #curveTarget}{@code (target)}: between the
   * last grid point below it and the first at or above it, interpolated linearly in recall (the
   * curve is concave, so this leans to the smaller oversample by less than a grid step); the first
   * grid point when it already reaches the target; the last measured one (the best this segment
   * showed) when none does.
   */
  public float oversampleFor(double target) {
    double want = curveTarget(target);
    for (int i = 0; i < oversamples.length; i++) {
      if (recalls[i] >= want) {
        if (i == 0 || !(recalls[i] > recalls[i - 1])) {
          return oversamples[i];
        }
        double t = (want - recalls[i - 1]) / (recalls[i] - recalls[i - 1]);
        return (float) (oversamples[i - 1] + t * (oversamples[i] - oversamples[i - 1]));
      }
    }
    return oversamples[oversamples.length - 1];
  }

  /** Whether some measured point reaches the target. */
  public boolean reaches(double target) {
    double want = curveTarget(target);
    for (float r : recalls) {
      if (r >= want) {
        return true;
      }
    }
    return false;
  }

  /** One line for people, e.g. for {@code inspect}. */
  public String summary() {
    StringBuilder b = new StringBuilder();
    b.append(String.format(Locale.ROOT, "%d vectors, %d %s queries, recall@%d:", vectors, queries,
        queryKind.name().toLowerCase(Locale.ROOT).replace('_', '-'), k));
    for (int i = 0; i < oversamples.length; i++) {
      float os = oversamples[i];
      b.append(' ').append(os == Math.rint(os) ? Integer.toString((int) os) : Float.toString(os))
          .append('=').append(String.format(Locale.ROOT, "%.3f", recalls[i]));
    }
    return b.toString();
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof SegmentCalibration c && k == c.k && queries == c.queries
        && queryKind == c.queryKind && vectors == c.vectors
        && Arrays.equals(oversamples, c.oversamples) && Arrays.equals(recalls, c.recalls);
  }

  @Override
  public int hashCode() {
    return 31 * (31 * java.util.Objects.hash(k, queries, queryKind, vectors)
        + Arrays.hashCode(oversamples)) + Arrays.hashCode(recalls);
  }

  @Override
  public String toString() {
    return "SegmentCalibration[" + summary() + "]";
  }

  /**
   * The calibration of {@code field} in a segment, or null when the segment has none: written by
   * another format or an older version of this one, damaged (reported once when the segment was
   * opened), or a leaf that is not a segment. Sees through Lucene's filter readers.
   */
  public static SegmentCalibration of(LeafReader leaf, String field) {
    LeafReader r = FilterLeafReader.unwrap(leaf);
    if (!(r instanceof CodecReader cr)) {
      return null;
    }
    KnnVectorsReader vectors = FilterCodecReader.unwrap(cr).getVectorReader();
    if (vectors instanceof PerFieldKnnVectorsFormat.FieldsReader perField) {
      vectors = perField.getFieldReader(field);
    }
    if (vectors instanceof DecodedGraphVectorsReader ours) {
      return ours.calibration(field);
    }
    return null;
  }
}
