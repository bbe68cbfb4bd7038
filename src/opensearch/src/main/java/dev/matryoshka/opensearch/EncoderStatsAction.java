package dev.matryoshka.opensearch;

import java.io.IOException;
import java.util.List;
import org.opensearch.action.ActionType;
import org.opensearch.action.FailedNodeException;
import org.opensearch.action.support.ActionFilters;
import org.opensearch.action.support.nodes.BaseNodeResponse;
import org.opensearch.action.support.nodes.BaseNodesRequest;
import org.opensearch.action.support.nodes.BaseNodesResponse;
import org.opensearch.action.support.nodes.TransportNodesAction;
import org.opensearch.cluster.ClusterName;
import org.opensearch.cluster.node.DiscoveryNode;
import org.opensearch.cluster.service.ClusterService;
import org.opensearch.common.inject.Inject;
import org.opensearch.core.common.io.stream.StreamInput;
import org.opensearch.core.common.io.stream.StreamOutput;
import org.opensearch.core.xcontent.ToXContentObject;
import org.opensearch.core.xcontent.XContentBuilder;
import org.opensearch.rest.action.RestActions;
import org.opensearch.threadpool.ThreadPool;
import org.opensearch.transport.TransportRequest;
import org.opensearch.transport.TransportService;

/**
 * Every node's {@link EncoderStats}, gathered by a nodes action (one request to each selected
 * node, answered from its own {@link Encoders}), as {@code GET _plugins/matryoshka/stats} shows
 * them ({@link RestEncoderStatsAction}).
 */
public final class EncoderStatsAction extends ActionType<EncoderStatsAction.Response> {
  /** The transport action's name (a monitoring action, like node stats). */
  public static final String NAME = "cluster:monitor/matryoshka/stats";
  /** The one instance. */
  public static final EncoderStatsAction INSTANCE = new EncoderStatsAction();

  private EncoderStatsAction() {
    super(NAME, Response::new);
  }

  /** Which nodes to ask (all by default). */
  public static final class Request extends BaseNodesRequest<Request> {
    /** @param nodeIds node ids or names; none for every node */
    public Request(String... nodeIds) {
      super(nodeIds);
    }

    Request(StreamInput in) throws IOException {
      super(in);
    }
  }

  /** The request each node receives; it carries nothing. */
  public static final class NodeRequest extends TransportRequest {
    NodeRequest() {}

    NodeRequest(StreamInput in) throws IOException {
      super(in);
    }
  }

  /** One node's counters. */
  public static final class NodeResponse extends BaseNodeResponse {
    private final EncoderStats stats;

    NodeResponse(DiscoveryNode node, EncoderStats stats) {
      super(node);
      this.stats = stats;
    }

    NodeResponse(StreamInput in) throws IOException {
      super(in);
      this.stats = EncoderStats.readFrom(in);
    }

    /** The node's counters. */
    public EncoderStats stats() {
      return stats;
    }

    @Override
    public void writeTo(StreamOutput out) throws IOException {
      super.writeTo(out);
      stats.writeTo(out);
    }
  }

  /** All nodes' counters, keyed by node id in the JSON, with OpenSearch's usual {@code _nodes} header. */
  public static final class Response extends BaseNodesResponse<NodeResponse> implements ToXContentObject {
    Response(ClusterName cluster, List<NodeResponse> nodes, List<FailedNodeException> failures) {
      super(cluster, nodes, failures);
    }

    Response(StreamInput in) throws IOException {
      super(in);
    }

    @Override
    protected List<NodeResponse> readNodesFrom(StreamInput in) throws IOException {
      return in.readList(NodeResponse::new);
    }

    @Override
    protected void writeNodesTo(StreamOutput out, List<NodeResponse> nodes) throws IOException {
      out.writeList(nodes);
    }

    @Override
    public XContentBuilder toXContent(XContentBuilder b, Params params) throws IOException {
      b.startObject();
      RestActions.buildNodesHeader(b, params, this);
      b.field("cluster_name", getClusterName().value());
      b.startObject("nodes");
      for (NodeResponse n : getNodes()) {
        b.startObject(n.getNode().getId());
        b.field("name", n.getNode().getName());
        n.stats().toXContent(b, params);
        b.endObject();
      }
      b.endObject();
      return b.endObject();
    }
  }

  /** Runs on every selected node, on the management pool; reads counters only. */
  public static final class Transport extends TransportNodesAction<Request, Response, NodeRequest, NodeResponse> {
    private final Encoders encoders;

    /** Built by the node's injector; {@code encoders} is the plugin's component. */
    @Inject
    public Transport(
        ThreadPool threadPool, ClusterService clusterService, TransportService transportService, ActionFilters actionFilters,
        Encoders encoders) {
      super(
          NAME, threadPool, clusterService, transportService, actionFilters, Request::new, NodeRequest::new,
          ThreadPool.Names.MANAGEMENT, NodeResponse.class);
      this.encoders = encoders;
    }

    @Override
    protected Response newResponse(Request request, List<NodeResponse> nodes, List<FailedNodeException> failures) {
      return new Response(clusterService.getClusterName(), nodes, failures);
    }

    @Override
    protected NodeRequest newNodeRequest(Request request) {
      return new NodeRequest();
    }

    @Override
    protected NodeResponse newNodeResponse(StreamInput in) throws IOException {
      return new NodeResponse(in);
    }

    @Override
    protected NodeResponse nodeOperation(NodeRequest request) {
      return new NodeResponse(clusterService.localNode(), encoders.stats());
    }
  }
}
