package dev.matryoshka.opensearch;

import dev.matryoshka.codec.MatryoshkaCodec;
import dev.matryoshka.codec.MatryoshkaHnswVectorsFormat;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.lucene.codecs.Codec;
import org.apache.lucene.codecs.FilterCodec;
import org.apache.lucene.codecs.KnnVectorsFormat;
import org.apache.lucene.codecs.lucene104.Lucene104Codec;
import org.apache.lucene.codecs.perfield.PerFieldKnnVectorsFormat;
import org.opensearch.index.mapper.MappedFieldType;
import org.opensearch.index.mapper.MapperService;

/**
 * The codec an index with {@code "index.codec": "matryoshka"} writes with: the node's default
 * codec for everything (OpenSearch's per-field postings, stored-fields mode), except that each
 * {@code matryoshka_vector} field gets a {@link MatryoshkaHnswVectorsFormat} built from its
 * mapping ({@code prefix_dims}, {@code m}, {@code ef_construction}).
 *
 * <p>It carries the library codec's SPI name, {@value MatryoshkaCodec#NAME}, so segments are read
 * back by {@link MatryoshkaCodec} (every format is recorded per field, so reading needs no
 * mapping) — after a node restart and also by the embedded library and CLI on a copied shard.
 */
final class IndexCodec extends FilterCodec {
  private final MapperService mapperService;
  private final Map<String, KnnVectorsFormat> formats = new ConcurrentHashMap<>();
  private final KnnVectorsFormat perField =
      new PerFieldKnnVectorsFormat() {
        @Override
        public KnnVectorsFormat getKnnVectorsFormatForField(String field) {
          return formatFor(field);
        }
      };

  IndexCodec(Codec nodeDefault, MapperService mapperService) {
    super(MatryoshkaCodec.NAME, nodeDefault);
    this.mapperService = mapperService;
  }

  @Override
  public KnnVectorsFormat knnVectorsFormat() {
    return perField;
  }

  private KnnVectorsFormat formatFor(String field) {
    MappedFieldType type = mapperService == null ? null : mapperService.fieldType(field);
    if (type instanceof MatryoshkaVectorFieldMapper.VectorFieldType v) {
      return formats.computeIfAbsent(
          field + "/" + v.prefixDims() + "/" + v.m() + "/" + v.efConstruction(),
          k -> new MatryoshkaHnswVectorsFormat(v.prefixDims(), v.m(), v.efConstruction()));
    }
    // any other vector field keeps what the node's codec would have given it
    if (delegate instanceof Lucene104Codec lucene) {
      return lucene.getKnnVectorsFormatForField(field);
    }
    return new Lucene104Codec().getKnnVectorsFormatForField(field);
  }
}
