package dev.matryoshka.opensearch;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

/**
 * A tiny REST client for the integration tests: JSON in, status + JSON out, no retries.
 *
 * <pre>{@code
 * Rest.Response r = rest.call("PUT", "/idx", "{\"settings\":{}}");
 * assertEquals(200, r.status(), r.body());
 * }</pre>
 */
final class Rest {
  static final ObjectMapper JSON = new ObjectMapper();

  /** One HTTP answer; {@link #json()} parses the body lazily. */
  record Response(int status, String body) {
    JsonNode json() {
      try {
        return JSON.readTree(body);
      } catch (IOException e) {
        throw new UncheckedIOException("not JSON: " + body, e);
      }
    }
  }

  private final HttpClient client =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
  private final String base;

  Rest(String base) {
    this.base = base;
  }

  String base() {
    return base;
  }

  Response call(String method, String path, String body) {
    return call(method, path, body, "application/json", Duration.ofMinutes(5));
  }

  Response call(String method, String path, String body, String contentType, Duration timeout) {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base + path)).timeout(timeout);
    b.header("Content-Type", contentType);
    b.method(
        method,
        body == null
            ? HttpRequest.BodyPublishers.noBody()
            : HttpRequest.BodyPublishers.ofString(body));
    try {
      HttpResponse<String> r = client.send(b.build(), HttpResponse.BodyHandlers.ofString());
      return new Response(r.statusCode(), r.body());
    } catch (IOException e) {
      throw new UncheckedIOException(method + " " + path + " failed", e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted", e);
    }
  }

  /** Calls and insists on a 2xx answer. */
  JsonNode ok(String method, String path, String body) {
    Response r = call(method, path, body);
    if (r.status() / 100 != 2) {
      throw new AssertionError(method + " " + path + " -> " + r.status() + ": " + r.body());
    }
    return r.json();
  }

  /** True when the node answers at all. */
  boolean reachable() {
    try {
      HttpRequest req =
          HttpRequest.newBuilder(URI.create(base + "/")).timeout(Duration.ofSeconds(2)).build();
      return client.send(req, HttpResponse.BodyHandlers.discarding()).statusCode() == 200;
    } catch (IOException e) {
      return false;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
  }
}
