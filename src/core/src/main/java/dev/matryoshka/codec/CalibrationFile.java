package dev.matryoshka.codec;

import java.io.IOException;
import java.util.HashMap;
import java.util.Map;
import org.apache.lucene.codecs.CodecUtil;
import org.apache.lucene.index.FieldInfo;
import org.apache.lucene.index.FieldInfos;
import org.apache.lucene.index.IndexFileNames;
import org.apache.lucene.index.SegmentInfo;
import org.apache.lucene.store.ChecksumIndexInput;
import org.apache.lucene.store.Directory;
import org.apache.lucene.store.IOContext;
import org.apache.lucene.store.IndexOutput;

/**
 * The {@code .mcal} file: per segment, the {@link SegmentCalibration} of each field the segment's
 * graph writer calibrated.
 *
 * <ul>
 *   <li>IndexHeader (codec {@value #CODEC_NAME}, version, segment id, suffix)
 *   <li>vint number of fields, then per field:
 *       <ul>
 *         <li>vint field number
 *         <li>vint k, vint queries, vint query kind ({@link SegmentCalibration.QueryKind#wire()}),
 *             vint vectors
 *         <li>vint number of points, then per point: int32 bits of the float32 oversample, int32
 *             bits of the float32 recall
 *       </ul>
 *   <li>Footer (checksum)
 * </ul>
 *
 * <p>The file is advice, not data: a reader that cannot use it (missing, damaged, a newer
 * version, a query kind it does not know) searches the segment with a fallback oversample and says
 * so once, when the segment is opened; it never fails the search. For the same reason the file is
 * not part of the reader's {@code checkIntegrity}, so a damaged calibration never blocks a merge
 * (which writes a fresh one).
 */
final class CalibrationFile {
  private CalibrationFile() {}

  static final String CODEC_NAME = "MatryoshkaCalibration";
  static final String EXTENSION = "mcal";
  static final int VERSION_START = 0;
  static final int VERSION_CURRENT = VERSION_START;

  static String fileName(SegmentInfo si, String suffix) {
    return IndexFileNames.segmentFileName(si.name, suffix, EXTENSION);
  }

  static void write(Directory dir, SegmentInfo si, String suffix, IOContext context,
      Map<FieldInfo, SegmentCalibration> calibrations) throws IOException {
    try (IndexOutput out = dir.createOutput(fileName(si, suffix), context)) {
      CodecUtil.writeIndexHeader(out, CODEC_NAME, VERSION_CURRENT, si.getId(), suffix);
      out.writeVInt(calibrations.size());
      for (Map.Entry<FieldInfo, SegmentCalibration> e : calibrations.entrySet()) {
        SegmentCalibration c = e.getValue();
        out.writeVInt(e.getKey().number);
        out.writeVInt(c.k());
        out.writeVInt(c.queries());
        out.writeVInt(c.queryKind().wire());
        out.writeVInt(c.vectors());
        out.writeVInt(c.oversamples().length);
        for (int i = 0; i < c.oversamples().length; i++) {
          out.writeInt(Float.floatToIntBits(c.oversamples()[i]));
          out.writeInt(Float.floatToIntBits(c.recalls()[i]));
        }
      }
      CodecUtil.writeFooter(out);
    }
  }

  private static boolean listed(SegmentInfo si, String name) {
    try {
      return si.files().contains(name);
    } catch (IllegalStateException e) {
      return false; // files not set yet
    }
  }

  /** What reading found: the calibrations by field name, and why some or all are missing. */
  record Loaded(Map<String, SegmentCalibration> byField, String problem) {}

  /**
   * Reads the file of a segment. Never throws: a missing file gives no calibrations and no problem
   * (a segment written before calibrations existed); anything else that goes wrong gives the
   * calibrations it could trust (none when the file is damaged) and a description of the problem.
   */
  static Loaded read(Directory dir, SegmentInfo si, String suffix, FieldInfos fieldInfos) {
    String name = fileName(si, suffix);
    try {
      // a segment's file list names the file only when the segment is not compound; inside a
      // compound file, listAll reads the compound's own (in-memory) entry table, so no directory
      // listing is done per segment open
      boolean present = listed(si, name)
          || (si.getUseCompoundFile() && java.util.Arrays.asList(dir.listAll()).contains(name));
      if (!present) {
        return new Loaded(Map.of(), null); // written before calibrations existed
      }
    } catch (IOException | RuntimeException e) {
      return new Loaded(Map.of(), "its files cannot be listed: " + e);
    }
    Map<String, SegmentCalibration> out = new HashMap<>();
    StringBuilder unknown = new StringBuilder();
    try (ChecksumIndexInput in = dir.openChecksumInput(name)) {
      Throwable failure = null;
      try {
        CodecUtil.checkIndexHeader(in, CODEC_NAME, VERSION_START, VERSION_CURRENT, si.getId(), suffix);
        int fields = in.readVInt();
        for (int f = 0; f < fields; f++) {
          int number = in.readVInt();
          int k = in.readVInt();
          int queries = in.readVInt();
          int kind = in.readVInt();
          int vectors = in.readVInt();
          int points = in.readVInt();
          if (points < 1 || points > SegmentCalibration.GRID.size()) {
            throw new IOException("calibration of field number " + number + " has " + points + " points");
          }
          float[] os = new float[points];
          float[] recall = new float[points];
          for (int i = 0; i < points; i++) {
            os[i] = Float.intBitsToFloat(in.readInt());
            recall[i] = Float.intBitsToFloat(in.readInt());
          }
          FieldInfo fi = fieldInfos.fieldInfo(number);
          SegmentCalibration.QueryKind qk = SegmentCalibration.QueryKind.ofWire(kind);
          if (fi == null) {
            throw new IOException("calibration names field number " + number + ", which the segment does not have");
          }
          if (qk == null) {
            unknown.append(unknown.isEmpty() ? "" : "; ").append("field \"").append(fi.name)
                .append("\" was calibrated with query kind ").append(kind)
                .append(", which this version does not know");
            continue;
          }
          out.put(fi.name, new SegmentCalibration(k, queries, qk, vectors, os, recall));
        }
      } catch (Throwable t) {
        failure = t;
      } finally {
        CodecUtil.checkFooter(in, failure);
      }
    } catch (Throwable t) {
      return new Loaded(Map.of(), "its calibration file " + name + " cannot be used: " + t);
    }
    return new Loaded(out, unknown.isEmpty() ? null : unknown.toString());
  }
}
