package dev.matryoshka.opensearch;

import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.opensearch.action.IndicesRequest;
import org.opensearch.cluster.ClusterState;
import org.opensearch.cluster.metadata.IndexMetadata;
import org.opensearch.cluster.metadata.IndexNameExpressionResolver;
import org.opensearch.cluster.metadata.MappingMetadata;
import org.opensearch.cluster.service.ClusterService;
import org.opensearch.common.settings.Settings;
import org.opensearch.common.util.concurrent.OpenSearchExecutors;
import org.opensearch.core.action.ActionListener;
import org.opensearch.threadpool.ExecutorBuilder;
import org.opensearch.threadpool.FixedExecutorBuilder;
import org.opensearch.threadpool.ThreadPool;

/**
 * The node's {@link QueryTextEncoder}: encodes on the plugin's own thread pool {@value #POOL}
 * (sized to the node's processors, with a bounded queue so a flood of text queries is rejected
 * with 429 instead of piling up), and finds a field's model in the cluster state's mappings, so
 * the coordinating node can encode before it knows which shards answer.
 *
 * <p>The cluster state and thread pool exist only after the node has built its services, so they
 * are bound late ({@link #bind}); until then every search leaves encoding to the shards.
 */
final class NodeQueryEncoder implements QueryTextEncoder {
  /** The encode thread pool's name ({@code thread_pool.matryoshka_encode.*} settings). */
  static final String POOL = "matryoshka_encode";
  private static final int QUEUE = 1000;
  /** Forget cached mappings beyond this many indices (a cache, not a registry). */
  private static final int MAX_CACHED_INDICES = 4096;

  private final Encoders encoders;
  private final Map<String, FieldModels> byIndexUuid = new ConcurrentHashMap<>();
  private volatile ClusterService clusterService;
  private volatile IndexNameExpressionResolver resolver;
  private volatile ThreadPool threadPool;

  /** The matryoshka fields of one index mapping version, and their model keys. */
  private record FieldModels(long mappingVersion, Map<String, String> models) {}

  NodeQueryEncoder(Encoders encoders) {
    this.encoders = encoders;
  }

  /** The plugin's encode pool. */
  static ExecutorBuilder<?> executorBuilder(Settings settings) {
    return new FixedExecutorBuilder(
        settings, POOL, OpenSearchExecutors.allocatedProcessors(settings), QUEUE, "thread_pool." + POOL);
  }

  void bind(ClusterService clusterService, IndexNameExpressionResolver resolver, ThreadPool threadPool) {
    this.clusterService = clusterService;
    this.resolver = resolver;
    this.threadPool = threadPool;
  }

  @Override
  public float[] encodeQuery(String model, String text) {
    return encoders.encodeQuery(model, text);
  }

  @Override
  public void countShardEncode() {
    encoders.countShardEncode();
  }

  @Override
  public void encodeQueryAsync(String model, String text, ActionListener<float[]> listener) {
    ThreadPool pool = threadPool;
    if (pool == null) {
      QueryTextEncoder.super.encodeQueryAsync(model, text, listener);
      return;
    }
    try {
      pool.executor(POOL).execute(() -> ActionListener.completeWith(listener, () -> encoders.encodeQuery(model, text)));
    } catch (RuntimeException rejected) {
      // a full queue rejects the task: the search fails with 429, as with OpenSearch's own pools
      listener.onFailure(rejected);
    }
  }

  @Override
  public String modelForSearch(String field, IndicesRequest request) {
    ClusterService cs = clusterService;
    IndexNameExpressionResolver r = resolver;
    if (cs == null || r == null || request == null) {
      return null;
    }
    ClusterState state = cs.state();
    String[] indices;
    try {
      indices = r.concreteIndexNames(state, request);
    } catch (RuntimeException e) {
      // a missing index, a remote cluster...: the search itself reports what is wrong
      return null;
    }
    Set<String> models = new HashSet<>();
    for (String index : indices) {
      IndexMetadata md = state.metadata().index(index);
      if (md == null) {
        continue;
      }
      String model = fieldModels(md).models().get(field);
      if (model != null) {
        models.add(model);
      }
    }
    return models.size() == 1 ? models.iterator().next() : null;
  }

  @SuppressWarnings("unchecked")
  private FieldModels fieldModels(IndexMetadata md) {
    FieldModels f = byIndexUuid.get(md.getIndexUUID());
    if (f != null && f.mappingVersion() == md.getMappingVersion()) {
      return f;
    }
    MappingMetadata mapping = md.mapping();
    Map<String, String> models = Map.of();
    if (mapping != null) {
      Map<String, Object> source = mapping.sourceAsMap();
      if (!source.containsKey("properties") && source.get(mapping.type()) instanceof Map<?, ?> typed) {
        source = (Map<String, Object>) typed; // a mapping still wrapped in its type name
      }
      models = matryoshkaFields(source);
    }
    f = new FieldModels(md.getMappingVersion(), models);
    if (byIndexUuid.size() >= MAX_CACHED_INDICES) {
      byIndexUuid.clear();
    }
    byIndexUuid.put(md.getIndexUUID(), f);
    return f;
  }

  /** The {@code matryoshka_vector} fields of a mapping (full dotted paths) and their model keys. */
  static Map<String, String> matryoshkaFields(Map<String, Object> mapping) {
    Map<String, String> out = new HashMap<>();
    collect(mapping, "", out);
    return Map.copyOf(out);
  }

  /** Walks {@code properties} (and objects' own {@code properties}) for matryoshka fields. */
  @SuppressWarnings("unchecked")
  private static void collect(Map<String, Object> mapping, String prefix, Map<String, String> out) {
    Object props = mapping.get("properties");
    if (!(props instanceof Map<?, ?> properties)) {
      return;
    }
    for (Map.Entry<?, ?> e : properties.entrySet()) {
      if (!(e.getValue() instanceof Map<?, ?> def)) {
        continue;
      }
      String path = prefix + e.getKey();
      if (MatryoshkaVectorFieldMapper.CONTENT_TYPE.equals(def.get("type"))) {
        Object model = def.get("model");
        out.put(path, Encoders.key(model == null ? null : model.toString()));
      } else {
        collect((Map<String, Object>) def, path + ".", out);
      }
    }
  }
}
