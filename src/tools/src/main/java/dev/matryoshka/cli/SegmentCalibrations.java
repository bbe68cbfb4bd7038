package dev.matryoshka.cli;

import dev.matryoshka.codec.SegmentCalibration;
import dev.matryoshka.index.MatryoshkaSearcher;
import dev.matryoshka.search.MatryoshkaKnnQuery;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Locale;
import org.apache.lucene.index.LeafReaderContext;

/** Prints the calibration each segment of an index carries (written by the codec at flush and merge). */
final class SegmentCalibrations {
  private SegmentCalibrations() {}

  static void print(Path index, PrintWriter err) throws IOException {
    try (MatryoshkaSearcher s = MatryoshkaSearcher.open(index)) {
      double target = MatryoshkaKnnQuery.DEFAULT_TARGET_RECALL;
      String field = s.settings().field();
      var leaves = s.indexSearcher().getIndexReader().leaves();
      err.printf(Locale.ROOT, "calibration: %d segment(s), each searched at its own oversample for recall@10 %s%s%n",
          leaves.size(), target, Float.isNaN(s.defaultOversample()) ? ""
              : " (but the index-wide calibration in the commit sets oversample "
                  + dev.matryoshka.search.Calibration.format(s.defaultOversample()) + " for all)");
      for (LeafReaderContext leaf : leaves) {
        SegmentCalibration c = SegmentCalibration.of(leaf.reader(), field);
        if (c == null) {
          err.printf(Locale.ROOT, "  segment %d (%,d docs): no calibration (searched exactly when small, else at oversample %s)%n",
              leaf.ord, leaf.reader().maxDoc(), dev.matryoshka.search.Calibration.format(MatryoshkaKnnQuery.FALLBACK_OVERSAMPLE));
        } else {
          err.printf(Locale.ROOT, "  segment %d: oversample %.1f; %s%n", leaf.ord, c.oversampleFor(target), c.summary());
        }
      }
      err.flush();
    }
  }
}
