package dev.matryoshka.bench;

import java.io.IOException;
import org.apache.lucene.codecs.KnnVectorsFormat;
import org.apache.lucene.codecs.KnnVectorsReader;
import org.apache.lucene.codecs.KnnVectorsWriter;
import org.apache.lucene.index.SegmentReadState;
import org.apache.lucene.index.SegmentWriteState;

/**
 * A Lucene vectors format with its 1024-dimension write limit lifted, so the baselines can index
 * the 1536–3072-d vectors of the high-dimension regimes. It keeps the wrapped format's name, so
 * the segments it writes are read back by the stock format through SPI: nothing about the files
 * changes, only the writer-side dimension check.
 */
final class WideVectorsFormat extends KnnVectorsFormat {
  static final int MAX_DIMENSIONS = 8192;

  private final KnnVectorsFormat delegate;

  WideVectorsFormat(KnnVectorsFormat delegate) {
    super(delegate.getName());
    this.delegate = delegate;
  }

  @Override
  public KnnVectorsWriter fieldsWriter(SegmentWriteState state) throws IOException {
    return delegate.fieldsWriter(state);
  }

  @Override
  public KnnVectorsReader fieldsReader(SegmentReadState state) throws IOException {
    return delegate.fieldsReader(state);
  }

  @Override
  public int getMaxDimensions(String fieldName) {
    return MAX_DIMENSIONS;
  }

  @Override
  public String toString() {
    return "Wide(" + delegate + ")";
  }
}
