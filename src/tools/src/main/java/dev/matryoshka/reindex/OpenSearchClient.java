package dev.matryoshka.reindex;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Set;
import java.util.function.Consumer;

/**
 * A small JSON-over-HTTP client for one OpenSearch node (java.net.http, no extra dependency).
 * Transient failures — connection refused or reset, timeouts, 429 and 502/503/504 — are retried
 * with doubling back-off, a bounded number of times; then the call fails with a message naming the
 * node, the request, the attempts and the last cause.
 *
 * <pre>{@code
 * var os = new OpenSearchClient(URI.create("http://127.0.0.1:9200"), 5, Duration.ofMillis(500), log);
 * JsonNode count = os.json("GET", "/docs/_count", null);
 * }</pre>
 */
public final class OpenSearchClient {

  /** An HTTP answer that is an error and not worth retrying (or still failing after retries). */
  public static final class StatusException extends IOException {
    private final int status;

    StatusException(int status, String message) {
      super(message);
      this.status = status;
    }

    /** The HTTP status. */
    public int status() {
      return status;
    }
  }

  /** A response: status and body text. */
  public record Response(int status, String body) {}

  static final ObjectMapper JSON = new ObjectMapper();
  private static final Set<Integer> RETRY_STATUS = Set.of(429, 502, 503, 504);

  private final URI base;
  private final HttpClient http;
  private final int maxRetries;
  private final Duration backoff;
  private final Consumer<String> log;
  private long retries;

  /**
   * @param base the node, e.g. {@code http://127.0.0.1:9200}
   * @param maxRetries retries after the first attempt
   * @param backoff first delay; doubles per retry up to {@link ReindexOptions#MAX_BACKOFF}
   * @param log receives one line per retry
   */
  public OpenSearchClient(URI base, int maxRetries, Duration backoff, Consumer<String> log) {
    this.base = base;
    this.maxRetries = maxRetries;
    this.backoff = backoff;
    this.log = log == null ? s -> {} : log;
    this.http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
  }

  /** The node's base URI. */
  public URI base() {
    return base;
  }

  /** Retries made so far (all requests). */
  public long retries() {
    return retries;
  }

  /** Sends a request; retries transient failures; returns any status that is not transient. */
  public Response send(String method, String path, String body, String contentType) throws IOException {
    HttpRequest.Builder b = HttpRequest.newBuilder(base.resolve(path)).timeout(Duration.ofMinutes(2))
        .method(method, body == null ? HttpRequest.BodyPublishers.noBody()
            : HttpRequest.BodyPublishers.ofString(body, StandardCharsets.UTF_8));
    if (body != null) {
      b.header("Content-Type", contentType == null ? "application/json" : contentType);
    }
    HttpRequest request = b.build();
    String last = null;
    for (int attempt = 0; ; attempt++) {
      try {
        HttpResponse<String> r = http.send(request, HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
        if (!RETRY_STATUS.contains(r.statusCode())) {
          return new Response(r.statusCode(), r.body());
        }
        last = "HTTP " + r.statusCode() + " " + abbreviate(r.body());
      } catch (ConnectException | HttpTimeoutException e) {
        last = describe(e);
      } catch (IOException e) {
        last = describe(e); // reset, closed, EOF: the node may be restarting
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IOException("interrupted while calling OpenSearch at " + base, e);
      }
      if (attempt >= maxRetries) {
        throw new IOException("OpenSearch at " + base + " did not answer " + method + " " + path + " after "
            + (attempt + 1) + " attempt(s): " + last
            + (last.contains("onnect") ? " — is the node running and the URL right?" : ""));
      }
      long delay = Math.min(backoff.toMillis() << Math.min(attempt, 20), ReindexOptions.MAX_BACKOFF.toMillis());
      retries++;
      log.accept("opensearch: " + method + " " + path + ": " + last + "; retry " + (attempt + 1) + "/" + maxRetries
          + " in " + delay + " ms");
      sleep(delay);
    }
  }

  /** Sends JSON, expects 2xx, returns the parsed body. */
  public JsonNode json(String method, String path, Object body) throws IOException {
    String text = body == null ? null : body instanceof String s ? s : JSON.writeValueAsString(body);
    Response r = send(method, path, text, "application/json");
    return check(method, path, r);
  }

  /** Checks for 2xx and parses the body. */
  JsonNode check(String method, String path, Response r) throws IOException {
    if (r.status() / 100 != 2) {
      throw new StatusException(r.status(), "OpenSearch " + method + " " + base.resolve(path) + " -> HTTP "
          + r.status() + ": " + abbreviate(r.body()));
    }
    return r.body() == null || r.body().isBlank() ? JSON.createObjectNode() : JSON.readTree(r.body());
  }

  private static String describe(IOException e) {
    String m = e.getMessage();
    if (e instanceof ConnectException) {
      return "connection refused" + (m == null || m.isBlank() ? "" : " (" + m + ")");
    }
    return e.getClass().getSimpleName() + (m == null ? "" : ": " + m);
  }

  static String abbreviate(String s) {
    if (s == null) return "";
    return s.length() > 300 ? s.substring(0, 300) + "..." : s;
  }

  private static void sleep(long ms) throws IOException {
    try {
      Thread.sleep(ms);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted during retry back-off", e);
    }
  }

  /** Splits {@code http://host:port/NAME} into node URI and index name. */
  static String[] split(String url) {
    URI u = URI.create(url);
    String p = u.getPath() == null ? "" : u.getPath().replaceAll("^/+|/+$", "");
    if (u.getHost() == null || p.isEmpty() || p.contains("/")) {
      throw new IllegalArgumentException("expected an OpenSearch index URL like http://127.0.0.1:9200/NAME; got " + url);
    }
    String node = u.getScheme() + "://" + u.getRawAuthority() + "/";
    return new String[] {node, p};
  }
}
