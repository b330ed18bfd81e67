package io.porthole.app.demo;

import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Objects;

/**
 * The controller's remediation API as the demo uses it: request, then poll until a final status.
 */
final class ControllerClient {

  /** A remediation's final state. */
  record Outcome(String id, String status, String detail, Duration took) {
    boolean succeeded() {
      return "SUCCEEDED".equals(status);
    }
  }

  private final HttpClient http =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
  private final String baseUrl;
  private final String operatorToken;

  ControllerClient(String baseUrl, String operatorToken) {
    this.baseUrl = Objects.requireNonNull(baseUrl, "baseUrl");
    this.operatorToken = Objects.requireNonNull(operatorToken, "operatorToken");
  }

  /**
   * Requests a remediation and waits for its final status. Retries the request while the controller
   * does not know the container yet (404: its view is built from the events topic).
   */
  Outcome remediate(
      String action, String containerId, String hostId, String reason, Duration timeout)
      throws IOException, InterruptedException {
    long started = System.nanoTime();
    long deadline = started + timeout.toNanos();
    JsonObject body =
        new JsonObject()
            .put("action", action)
            .put("container", containerId)
            .put("hostId", hostId)
            .put("reason", reason);
    String id = null;
    String lastProblem = "no answer";
    while (id == null) {
      HttpResponse<String> response =
          send(
              HttpRequest.newBuilder(URI.create(baseUrl + "/api/v1/remediations"))
                  .header("Content-Type", "application/json")
                  .POST(HttpRequest.BodyPublishers.ofString(body.encode())));
      if (response.statusCode() == 202
          || response.statusCode() == 200
          || response.statusCode() == 201) {
        id = json(response).getString("id");
      } else if (response.statusCode() == 404 || response.statusCode() == 503) {
        lastProblem = "HTTP " + response.statusCode() + " " + response.body();
        pause(deadline, lastProblem);
      } else {
        throw new IOException(
            action + " refused: HTTP " + response.statusCode() + " " + response.body());
      }
    }
    while (true) {
      HttpResponse<String> response =
          send(HttpRequest.newBuilder(URI.create(baseUrl + "/api/v1/remediations/" + id)).GET());
      if (response.statusCode() == 200) {
        JsonObject state = json(response);
        String status = state.getString("status", "PENDING");
        if (!status.equals("PENDING") && !status.equals("RUNNING")) {
          return new Outcome(
              id,
              status,
              state.getString("detail", ""),
              Duration.ofNanos(System.nanoTime() - started));
        }
        lastProblem = "still " + status;
      } else {
        lastProblem = "HTTP " + response.statusCode() + " " + response.body();
      }
      pause(deadline, action + " " + id + ": " + lastProblem);
    }
  }

  private HttpResponse<String> send(HttpRequest.Builder request)
      throws IOException, InterruptedException {
    return http.send(
        request
            .header("Authorization", "Bearer " + operatorToken)
            .timeout(Duration.ofSeconds(10))
            .build(),
        HttpResponse.BodyHandlers.ofString());
  }

  private static JsonObject json(HttpResponse<String> response) throws IOException {
    try {
      return new JsonObject(response.body());
    } catch (DecodeException e) {
      throw new IOException(
          "the controller answered something that is not JSON: " + response.body());
    }
  }

  private static void pause(long deadline, String problem)
      throws IOException, InterruptedException {
    if (System.nanoTime() > deadline) {
      throw new IOException("timed out: " + problem);
    }
    Thread.sleep(200);
  }
}
