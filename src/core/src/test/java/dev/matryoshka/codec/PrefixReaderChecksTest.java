package dev.matryoshka.codec;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.matryoshka.document.MatryoshkaVectorField;
import java.io.IOException;
import java.util.Map;
import java.util.Random;
import org.apache.lucene.codecs.CodecUtil;
import org.apache.lucene.document.Document;
import org.apache.lucene.document.FieldType;
import org.apache.lucene.index.CodecReader;
import org.apache.lucene.index.CorruptIndexException;
import org.apache.lucene.index.DirectoryReader;
import org.apache.lucene.index.IndexFileNames;
import org.apache.lucene.index.IndexWriter;
import org.apache.lucene.index.IndexWriterConfig;
import org.apache.lucene.index.LeafReader;
import org.apache.lucene.index.NoMergePolicy;
import org.apache.lucene.index.VectorSimilarityFunction;
import org.apache.lucene.store.ByteBuffersDirectory;
import org.apache.lucene.store.Directory;
import org.apache.lucene.store.IOContext;
import org.apache.lucene.store.IndexInput;
import org.apache.lucene.store.IndexOutput;
import org.junit.jupiter.api.Test;

/** What the prefix reader checks at open and reports about itself. */
class PrefixReaderChecksTest {
  private static final int DOCS = 50;
  private static final int DIMS = 32;
  private static final int PREFIX = 8;

  private static Directory index(MatryoshkaPrefix.Encoding encoding) throws IOException {
    Directory dir = new ByteBuffersDirectory();
    FieldType type = MatryoshkaVectorField.fieldType(DIMS, PREFIX, VectorSimilarityFunction.COSINE, encoding);
    Random r = new Random(7);
    try (IndexWriter w = new IndexWriter(dir, new IndexWriterConfig().setCodec(new MatryoshkaCodec())
        // one flushed segment in plain files, so the test can rewrite the .mpm
        .setUseCompoundFile(false).setMergePolicy(NoMergePolicy.INSTANCE))) {
      for (int i = 0; i < DOCS; i++) {
        float[] v = new float[DIMS];
        for (int j = 0; j < DIMS; j++) v[j] = (float) r.nextGaussian();
        Document d = new Document();
        d.add(new MatryoshkaVectorField("emb", v, type));
        w.addDocument(d);
      }
    }
    return dir;
  }

  @Test
  void aPrefixCountThatDiffersFromTheFullVectorCountIsCorruptionNamingTheField() throws IOException {
    try (Directory dir = index(MatryoshkaPrefix.Encoding.FLOAT32)) {
      String mpm = null;
      for (String f : dir.listAll()) {
        if (f.endsWith("." + MatryoshkaFlatVectorsFormat.META_EXTENSION)) mpm = f;
      }
      String segment = IndexFileNames.parseSegmentName(mpm);
      String suffix = mpm.substring(segment.length() + 1, mpm.length() - 4);
      byte[] before;
      byte[] after;
      int size;
      // rewrite the field's vector count (and the prefix data length that must agree with it)
      // one lower, with a valid checksum: only the cross-check against the full vectors sees it
      try (IndexInput in = dir.openInput(mpm, IOContext.DEFAULT)) {
        in.seek(CodecUtil.indexHeaderLength(MatryoshkaFlatVectorsFormat.META_CODEC_NAME, suffix));
        in.readInt(); // field number
        assertEquals(DIMS, in.readVInt());
        assertEquals(PREFIX, in.readVInt());
        in.readInt(); // similarity
        in.readVLong(); // offset
        long lengthAt = in.getFilePointer();
        in.readVLong();
        size = in.readInt();
        assertEquals(DOCS, size);
        long restAt = in.getFilePointer();
        long footerAt = in.length() - CodecUtil.footerLength();
        before = new byte[(int) lengthAt];
        in.seek(0);
        in.readBytes(before, 0, before.length);
        after = new byte[(int) (footerAt - restAt)];
        in.seek(restAt);
        in.readBytes(after, 0, after.length);
      }
      dir.deleteFile(mpm);
      try (IndexOutput out = dir.createOutput(mpm, IOContext.DEFAULT)) {
        out.writeBytes(before, before.length);
        out.writeVLong((long) (size - 1) * PREFIX * Float.BYTES);
        out.writeInt(size - 1);
        out.writeBytes(after, after.length);
        CodecUtil.writeFooter(out);
      }
      CorruptIndexException e = assertThrows(CorruptIndexException.class, () -> DirectoryReader.open(dir).close());
      assertTrue(e.getMessage().contains("\"emb\"") && e.getMessage().contains((DOCS - 1) + " prefix vectors but "
          + DOCS + " full vectors"), e.getMessage());
    }
  }

  @Test
  void offHeapSizesNameEachFileOnceAndInt8ScalesCountInRam() throws IOException {
    long[] ram = new long[MatryoshkaPrefix.Encoding.values().length];
    for (MatryoshkaPrefix.Encoding enc : MatryoshkaPrefix.Encoding.values()) {
      try (Directory dir = index(enc); DirectoryReader reader = DirectoryReader.open(dir)) {
        LeafReader leaf = reader.leaves().get(0).reader();
        var vectors = ((CodecReader) leaf).getVectorReader();
        Map<String, Long> sizes = vectors.getOffHeapByteSize(leaf.getFieldInfos().fieldInfo("emb"));
        assertEquals((long) DOCS * PREFIX * Float.BYTES, sizes.get(MatryoshkaFlatVectorsFormat.DATA_EXTENSION), sizes.toString());
        assertEquals((long) DOCS * DIMS * Float.BYTES, sizes.get("vec"), sizes.toString());
        assertEquals(enc == MatryoshkaPrefix.Encoding.INT8 ? Long.valueOf((long) DOCS * PREFIX) : null,
            sizes.get(MatryoshkaFlatVectorsFormat.CODES_KEY), sizes.toString());
        assertEquals(enc == MatryoshkaPrefix.Encoding.INT4 ? Long.valueOf((long) DOCS * ((PREFIX + 1) / 2)) : null,
            sizes.get(MatryoshkaFlatVectorsFormat.INT4_CODES_KEY), sizes.toString());
        var graphReader = (org.apache.lucene.util.Accountable)
            ((org.apache.lucene.codecs.perfield.PerFieldKnnVectorsFormat.FieldsReader) vectors).getFieldReader("emb");
        ram[enc.ordinal()] = graphReader.ramBytesUsed();
      }
    }
    // same documents, same graph: the int8 and int4 readers hold PREFIX float scales more
    assertTrue(ram[1] - ram[0] >= (long) PREFIX * Float.BYTES, ram[0] + " vs " + ram[1]);
    assertTrue(ram[2] - ram[0] >= (long) PREFIX * Float.BYTES, ram[0] + " vs " + ram[2]);
  }
}
