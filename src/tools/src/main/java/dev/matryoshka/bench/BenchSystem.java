package dev.matryoshka.bench;

import dev.matryoshka.codec.MatryoshkaPrefix;

import dev.matryoshka.codec.MatryoshkaCodec;
import dev.matryoshka.codec.MatryoshkaHnswVectorsFormat;
import dev.matryoshka.document.MatryoshkaVectorField;
import java.util.Set;
import org.apache.lucene.codecs.Codec;
import org.apache.lucene.codecs.KnnVectorsFormat;
import org.apache.lucene.codecs.lucene104.Lucene104Codec;
import org.apache.lucene.codecs.lucene104.Lucene104HnswScalarQuantizedVectorsFormat;
import org.apache.lucene.codecs.lucene104.Lucene104ScalarQuantizedVectorsFormat.ScalarEncoding;
import org.apache.lucene.codecs.lucene99.Lucene99HnswVectorsFormat;
import org.apache.lucene.document.FieldType;
import org.apache.lucene.document.KnnFloatVectorField;
import org.apache.lucene.index.VectorSimilarityFunction;

/**
 * The systems a benchmark compares, by the names used in reports and JSON. Every system indexes
 * the same unit-length vectors with {@link VectorSimilarityFunction#DOT_PRODUCT} (cosine) and
 * the same graph settings.
 */
public enum BenchSystem {
  /** Brute force on full dimensions: the ground truth and the recall ceiling. */
  EXACT("exact", Set.of()),
  /** Lucene99HnswVectorsFormat on full float32 vectors; KnnFloatVectorQuery with k' ≥ k. */
  LUCENE_HNSW_FLOAT32("lucene-hnsw-float32", Set.of("vex", "vec")),
  /** Lucene104 scalar quantized HNSW, 8 bits per dim, full-precision rescoring. */
  LUCENE_HNSW_INT8_RESCORE("lucene-hnsw-int8-rescore", Set.of("vex", "veq")),
  /** Lucene104 scalar quantized HNSW, 4 bits per dim (packed nibbles), full-precision rescoring. */
  LUCENE_HNSW_INT4_RESCORE("lucene-hnsw-int4-rescore", Set.of("vex", "veq")),
  /** Lucene104 scalar quantized HNSW, 1 bit per dim (4-bit query), full-precision rescoring. */
  LUCENE_HNSW_1BIT_RESCORE("lucene-hnsw-1bit-rescore", Set.of("vex", "veq")),
  /** Matryoshka prefix graph, full-vector rerank. */
  MATRYOSHKA_PREFIX("matryoshka-prefix", Set.of("vex", "mpv")),
  /** Matryoshka prefix graph, intermediate-prefix funnel, then full-vector rerank. */
  MATRYOSHKA_FUNNEL("matryoshka-funnel", Set.of("vex", "mpv")),
  /**
   * Lucene104 scalar-quantized HNSW (8 or 4 bits) over the renormalised P-dim prefix in {@link
   * #PREFIX_FIELD}, reranked with the full vectors stored flat in {@link #FIELD}. Only the prefix
   * field writes {@code .vex} and {@code .veq}; both fields write {@code .vec}.
   */
  LUCENE_SQ_PREFIX_RESCORE("lucene-sq-prefix-rescore", Set.of("vex", "veq"));

  /** The field every system indexes (full vectors). */
  public static final String FIELD = "v";

  /** The prefix field of {@link #LUCENE_SQ_PREFIX_RESCORE}. */
  public static final String PREFIX_FIELD = "v_prefix";

  private final String label;
  private final Set<String> hotExtensions;

  BenchSystem(String label, Set<String> hotExtensions) {
    this.label = label;
    this.hotExtensions = hotExtensions;
  }

  /** The name used in reports and JSON. */
  public String label() {
    return label;
  }

  /**
   * File extensions that must stay in memory for this system's graph search to be fast: the
   * graph and the vectors it scores. Everything else (full vectors read only for rescoring,
   * metadata) is cold.
   */
  public Set<String> hotExtensions() {
    return hotExtensions;
  }

  /** The system with this report name. */
  public static BenchSystem of(String label) {
    for (BenchSystem s : values()) {
      if (s.label.equals(label)) {
        return s;
      }
    }
    throw new IllegalArgumentException("unknown system: " + label);
  }

  /**
   * The codec for an index of this system (prefixDims only for the Matryoshka systems, bits only
   * for {@link #LUCENE_SQ_PREFIX_RESCORE}: 8 or 4).
   */
  Codec codec(int prefixDims, int bits, int maxConn, int beamWidth) {
    if (this == LUCENE_SQ_PREFIX_RESCORE) {
      KnnVectorsFormat prefix = new WideVectorsFormat(
          new Lucene104HnswScalarQuantizedVectorsFormat(luceneEncoding(bits), maxConn, beamWidth));
      KnnVectorsFormat full = new FlatFullVectorsFormat();
      return new Lucene104Codec() {
        @Override
        public KnnVectorsFormat getKnnVectorsFormatForField(String field) {
          return field.equals(PREFIX_FIELD) ? prefix : full;
        }
      };
    }
    if (this == MATRYOSHKA_PREFIX || this == MATRYOSHKA_FUNNEL) {
      // the prefix encoding travels as a field attribute (fieldType)
      return new MatryoshkaCodec(new MatryoshkaHnswVectorsFormat(prefixDims, maxConn, beamWidth));
    }
    KnnVectorsFormat f =
        switch (this) {
          case LUCENE_HNSW_FLOAT32 -> new Lucene99HnswVectorsFormat(maxConn, beamWidth);
          case LUCENE_HNSW_INT8_RESCORE ->
              new Lucene104HnswScalarQuantizedVectorsFormat(
                  ScalarEncoding.UNSIGNED_BYTE, maxConn, beamWidth);
          case LUCENE_HNSW_INT4_RESCORE ->
              new Lucene104HnswScalarQuantizedVectorsFormat(
                  ScalarEncoding.PACKED_NIBBLE, maxConn, beamWidth);
          case LUCENE_HNSW_1BIT_RESCORE ->
              new Lucene104HnswScalarQuantizedVectorsFormat(
                  ScalarEncoding.SINGLE_BIT_QUERY_NIBBLE, maxConn, beamWidth);
          default -> throw new IllegalStateException(label + " has no index");
        };
    KnnVectorsFormat wide = new WideVectorsFormat(f);
    return new Lucene104Codec() {
      @Override
      public KnnVectorsFormat getKnnVectorsFormatForField(String field) {
        return wide;
      }
    };
  }

  /** Lucene's scalar encoding for a bit width of {@code --lucene-prefix-bits}. */
  static ScalarEncoding luceneEncoding(int bits) {
    return switch (bits) {
      case 8 -> ScalarEncoding.UNSIGNED_BYTE;
      case 4 -> ScalarEncoding.PACKED_NIBBLE;
      default -> throw new IllegalArgumentException("--lucene-prefix-bits values must be 8 or 4; got=" + bits);
    };
  }

  /** The field type of the vector field. */
  FieldType fieldType(int dims, int prefixDims, MatryoshkaPrefix.Encoding encoding) {
    if (this == MATRYOSHKA_PREFIX || this == MATRYOSHKA_FUNNEL) {
      return MatryoshkaVectorField.fieldType(dims, prefixDims, VectorSimilarityFunction.DOT_PRODUCT, encoding);
    }
    return KnnFloatVectorField.createFieldType(dims, VectorSimilarityFunction.DOT_PRODUCT);
  }
}
