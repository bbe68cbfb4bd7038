package dev.matryoshka.opensearch;

import java.util.List;
import org.opensearch.core.common.Strings;
import org.opensearch.rest.BaseRestHandler;
import org.opensearch.rest.RestRequest;
import org.opensearch.rest.action.RestToXContentListener;
import org.opensearch.transport.client.node.NodeClient;

/**
 * {@code GET _plugins/matryoshka/stats} (every node) and {@code GET
 * _plugins/matryoshka/stats/{nodeId}} (a comma-separated list of node ids or names): each node's
 * encoder counters, {@link EncoderStats}.
 *
 * <pre>{@code
 * curl -s localhost:9200/_plugins/matryoshka/stats?pretty
 * }</pre>
 */
final class RestEncoderStatsAction extends BaseRestHandler {
  static final String PATH = "/_plugins/matryoshka/stats";

  @Override
  public String getName() {
    return "matryoshka_encoder_stats";
  }

  @Override
  public List<Route> routes() {
    return List.of(new Route(RestRequest.Method.GET, PATH), new Route(RestRequest.Method.GET, PATH + "/{nodeId}"));
  }

  @Override
  protected RestChannelConsumer prepareRequest(RestRequest request, NodeClient client) {
    String[] nodes = Strings.splitStringByCommaToArray(request.param("nodeId"));
    EncoderStatsAction.Request r = new EncoderStatsAction.Request(nodes);
    return channel -> client.execute(EncoderStatsAction.INSTANCE, r, new RestToXContentListener<>(channel));
  }
}
