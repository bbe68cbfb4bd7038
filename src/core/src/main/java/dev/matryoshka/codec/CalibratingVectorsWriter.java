package dev.matryoshka.codec;

import java.io.IOException;
import java.lang.System.Logger.Level;
import java.util.LinkedHashMap;
import java.util.Map;
import org.apache.lucene.codecs.KnnFieldVectorsWriter;
import org.apache.lucene.codecs.KnnVectorsReader;
import org.apache.lucene.codecs.KnnVectorsWriter;
import org.apache.lucene.index.FieldInfo;
import org.apache.lucene.index.FieldInfos;
import org.apache.lucene.index.MergeState;
import org.apache.lucene.index.SegmentReadState;
import org.apache.lucene.index.SegmentWriteState;
import org.apache.lucene.index.Sorter;
import org.apache.lucene.index.VectorEncoding;
import org.apache.lucene.store.IOContext;
import org.apache.lucene.util.IOUtils;
import org.apache.lucene.util.IORunnable;

/**
 * Writes a segment's vectors through the delegate and then, once its files are complete, measures
 * the {@link SegmentCalibration} of each float field on the written segment and stores them in the
 * segment's {@code .mcal} file ({@link CalibrationFile}). Flushes and merges alike, so every
 * segment carries the curve of exactly the documents it holds, whoever wrote it.
 *
 * <p>A calibration that fails (it never should) costs the segment its calibration, not its
 * documents: the failure is reported and the segment is searched with the fallback oversample. An
 * I/O error while reading the new files back fails the flush or merge, as any I/O error of the
 * segment's own writes does.
 */
final class CalibratingVectorsWriter extends KnnVectorsWriterCompat {

  /** Opens the segment just written, for searching it (never decodes graphs, reads no calibration). */
  interface SegmentOpener {
    KnnVectorsReader open(SegmentReadState state) throws IOException;
  }

  private static final System.Logger LOG = System.getLogger(SegmentCalibration.class.getName());

  private final SegmentWriteState state;
  private final SegmentOpener opener;
  private final Map<String, FieldInfo> fields = new LinkedHashMap<>();
  private boolean finished;

  CalibratingVectorsWriter(KnnVectorsWriter delegate, SegmentWriteState state, SegmentOpener opener) {
    super(delegate);
    this.state = state;
    this.opener = opener;
  }

  /** Every vector field this writer writes: the files describe them all, byte fields included. */
  private void track(FieldInfo fi) {
    fields.put(fi.name, fi);
  }

  @Override
  public KnnFieldVectorsWriter<?> addField(FieldInfo fieldInfo) throws IOException {
    track(fieldInfo);
    return delegate.addField(fieldInfo);
  }

  @Override
  public void flush(int maxDoc, Sorter.DocMap sortMap) throws IOException {
    delegate.flush(maxDoc, sortMap);
  }

  @Override
  void aroundMergeStep(FieldInfo fieldInfo, MergeState mergeState, IORunnable step) throws IOException {
    track(fieldInfo);
    step.run();
  }

  @Override
  public void finish() throws IOException {
    delegate.finish();
    finished = true;
  }

  @Override
  public void close() throws IOException {
    delegate.close();
    if (finished && !fields.isEmpty()) {
      calibrate();
    }
  }

  private void calibrate() throws IOException {
    long t0 = System.nanoTime();
    Map<FieldInfo, SegmentCalibration> out = new LinkedHashMap<>();
    // at flush the write state has no field infos yet (they are written after the vectors): the
    // fields this writer saw are the ones its files describe
    FieldInfos infos = state.fieldInfos != null
        ? state.fieldInfos
        : new FieldInfos(fields.values().toArray(FieldInfo[]::new));
    SegmentReadState read = new SegmentReadState(
        state.directory, state.segmentInfo, infos, IOContext.DEFAULT, state.segmentSuffix);
    KnnVectorsReader reader = null;
    try {
      reader = opener.open(read);
      for (FieldInfo fi : fields.values()) {
        if (fi.getVectorEncoding() != VectorEncoding.FLOAT32 || fi.getVectorDimension() == 0) {
          continue;
        }
        SegmentCalibration c = SegmentCalibrator.calibrate(reader, fi, state.segmentInfo.maxDoc());
        if (c != null) {
          out.put(fi, c);
        }
      }
    } catch (RuntimeException e) {
      // a fault of the measurement, not of the data: the segment stays, uncalibrated (an I/O
      // error, by contrast, fails the flush or merge like any other write of the segment)
      LOG.log(Level.WARNING, "segment " + state.segmentInfo.name + ": calibration failed, its "
          + "searches will use the fallback oversample", e);
      return;
    } finally {
      IOUtils.close(reader);
    }
    if (out.isEmpty()) {
      return;
    }
    // written with the segment's own context, so the file is part of the segment like the others
    CalibrationFile.write(state.directory, state.segmentInfo, state.segmentSuffix, state.context, out);
    if (LOG.isLoggable(Level.DEBUG)) {
      LOG.log(Level.DEBUG, "segment " + state.segmentInfo.name + ": calibrated "
          + out.size() + " field(s) in " + (System.nanoTime() - t0) / 1_000_000 + " ms");
    }
  }

  @Override
  public long ramBytesUsed() {
    return delegate.ramBytesUsed();
  }
}
