package dev.matryoshka.opensearch;

import java.nio.file.Path;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;
import org.opensearch.action.ActionRequest;
import org.opensearch.cluster.metadata.IndexNameExpressionResolver;
import org.opensearch.cluster.node.DiscoveryNodes;
import org.opensearch.cluster.service.ClusterService;
import org.opensearch.common.settings.ClusterSettings;
import org.opensearch.common.settings.IndexScopedSettings;
import org.opensearch.common.settings.Setting;
import org.opensearch.common.settings.SettingsFilter;
import org.opensearch.core.action.ActionResponse;
import org.opensearch.core.common.io.stream.NamedWriteableRegistry;
import org.opensearch.core.xcontent.NamedXContentRegistry;
import org.opensearch.env.Environment;
import org.opensearch.env.NodeEnvironment;
import org.opensearch.plugins.ActionPlugin;
import org.opensearch.repositories.RepositoriesService;
import org.opensearch.rest.RestController;
import org.opensearch.rest.RestHandler;
import org.opensearch.script.ScriptService;
import org.opensearch.threadpool.ExecutorBuilder;
import org.opensearch.threadpool.ThreadPool;
import org.opensearch.transport.client.Client;
import org.opensearch.watcher.ResourceWatcherService;
import org.opensearch.common.settings.Settings;
import org.opensearch.index.IndexSettings;
import org.opensearch.index.codec.AdditionalCodecs;
import org.opensearch.index.mapper.Mapper;
import org.opensearch.ingest.Processor;
import org.opensearch.plugins.EnginePlugin;
import org.opensearch.plugins.IngestPlugin;
import org.opensearch.plugins.MapperPlugin;
import org.opensearch.plugins.Plugin;
import org.opensearch.plugins.SearchPlugin;

/**
 * The OpenSearch plugin entry point for Matryoshka vectors: one line per registration, the work
 * lives in the library and the classes named here.
 *
 * <p>Installed with {@code bin/opensearch-plugin install file:///.../matryoshka-opensearch-plugin-VERSION.zip}.
 *
 * <h2>How the codec is wired in</h2>
 *
 * OpenSearch 3.6 offers a plugin three ways to influence the codec of an index: {@code
 * EnginePlugin#getCustomCodecService[Factory]}, which <em>replaces</em> the codec service of an
 * index and may be claimed by only one plugin per index (the k-NN plugin claims it for every index
 * with {@code index.knn: true}, neural-search for sparse indices; a second claimant makes index
 * creation fail); {@code EnginePlugin#getAdditionalCodecs}, which <em>adds</em> named codecs to
 * whatever codec service the index has; and plain Lucene SPI codecs, selectable by name but built
 * without the index's mapping. We use {@code getAdditionalCodecs}: it composes with other plugins
 * instead of competing with them, and the codec it adds ({@link IndexCodec}) sees the mapping, so
 * each {@code matryoshka_vector} field gets its own prefix length and graph settings. An index opts
 * in with {@code "index.codec": "matryoshka"} — the name is made valid for that setting by the
 * {@link CodecAlias} SPI codec — and a {@code matryoshka_vector} mapping on any other codec is
 * refused with a message saying so.
 */
public final class MatryoshkaPlugin extends Plugin
    implements MapperPlugin, EnginePlugin, SearchPlugin, IngestPlugin, ActionPlugin {
  /** The {@code index.codec} value that turns on Matryoshka vectors for an index. */
  public static final String CODEC = "matryoshka";

  private final Encoders encoders;
  private final NodeQueryEncoder queryEncoder;
  private final NodeAdapters adapters;
  private final ModelDefaults modelDefaults;

  /**
   * Called by the node's plugin service.
   *
   * @param settings node settings, among them {@link MatryoshkaSettings}
   * @param configPath the node's config folder; models live in {@code matryoshka/models/NAME/},
   *     adapters in {@code matryoshka/adapters/NAME.bin}
   */
  public MatryoshkaPlugin(Settings settings, Path configPath) {
    DjlCache.ensure();
    MatryoshkaSettings.apply(settings);
    this.encoders = new Encoders(configPath.resolve("matryoshka").resolve("models"));
    this.queryEncoder = new NodeQueryEncoder(encoders);
    this.adapters = new NodeAdapters(configPath.resolve("matryoshka").resolve("adapters"));
    this.modelDefaults = new ModelDefaults(configPath.resolve("matryoshka").resolve("models"));
  }

  @Override
  public Collection<Object> createComponents(
      Client client, ClusterService clusterService, ThreadPool threadPool, ResourceWatcherService resourceWatcherService,
      ScriptService scriptService, NamedXContentRegistry xContentRegistry, Environment environment,
      NodeEnvironment nodeEnvironment, NamedWriteableRegistry namedWriteableRegistry,
      IndexNameExpressionResolver indexNameExpressionResolver, Supplier<RepositoriesService> repositoriesServiceSupplier) {
    queryEncoder.bind(clusterService, indexNameExpressionResolver, threadPool);
    MatryoshkaSettings.follow(clusterService.getClusterSettings());
    return List.of(encoders); // injected into the stats action
  }

  @Override
  public List<Setting<?>> getSettings() {
    return MatryoshkaSettings.all();
  }

  @Override
  public List<ExecutorBuilder<?>> getExecutorBuilders(Settings settings) {
    return List.of(NodeQueryEncoder.executorBuilder(settings));
  }

  @Override
  public List<ActionHandler<? extends ActionRequest, ? extends ActionResponse>> getActions() {
    return List.of(new ActionHandler<>(EncoderStatsAction.INSTANCE, EncoderStatsAction.Transport.class));
  }

  @Override
  public List<RestHandler> getRestHandlers(
      Settings settings, RestController restController, ClusterSettings clusterSettings,
      IndexScopedSettings indexScopedSettings, SettingsFilter settingsFilter,
      IndexNameExpressionResolver indexNameExpressionResolver, Supplier<DiscoveryNodes> nodesInCluster) {
    return List.of(new RestEncoderStatsAction());
  }

  @Override
  public Map<String, Processor.Factory> getProcessors(Processor.Parameters parameters) {
    return Map.of(EmbedProcessor.TYPE, new EmbedProcessor.Factory(encoders));
  }

  @Override
  public void close() {
    encoders.close();
  }

  @Override
  public List<QuerySpec<?>> getQueries() {
    return List.of(
        new QuerySpec<>(
            MatryoshkaKnnQueryBuilder.NAME,
            in -> new MatryoshkaKnnQueryBuilder(in, queryEncoder),
            p -> MatryoshkaKnnQueryBuilder.fromXContent(p, queryEncoder)));
  }

  @Override
  public Map<String, Mapper.TypeParser> getMappers() {
    return Map.of(MatryoshkaVectorFieldMapper.CONTENT_TYPE, MatryoshkaVectorFieldMapper.parser(adapters, modelDefaults));
  }

  @Override
  public Optional<AdditionalCodecs> getAdditionalCodecs(IndexSettings indexSettings) {
    return Optional.of((mapperService, settings, nodeDefault) -> Map.of(CODEC, new IndexCodec(nodeDefault.get(), mapperService)));
  }
}
