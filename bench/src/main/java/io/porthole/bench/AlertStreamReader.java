package io.porthole.bench;

import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Iterator;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.stream.Stream;

/**
 * A client of the controller's alert stream ({@code GET /api/v1/alerts/stream}, server-sent events,
 * what the console shows): each {@code alert} event's JSON is handed to a consumer on the reader's
 * own thread as its {@code data:} line arrives. A stream that ends or fails before {@link #close}
 * is noted ({@link #failure}); it is not reopened, so that no event of the run is missed unnoticed.
 */
final class AlertStreamReader implements AutoCloseable {

  private final HttpClient http;
  private final HttpRequest request;
  private final Consumer<JsonObject> onAlert;
  private final CountDownLatch opened = new CountDownLatch(1);
  private final Thread thread;
  private volatile Stream<String> lines;
  private volatile boolean closing;
  private volatile String failure;

  AlertStreamReader(
      HttpClient http, String controller, String token, Consumer<JsonObject> onAlert) {
    this.http = http;
    this.request =
        HttpRequest.newBuilder(URI.create(controller + "/api/v1/alerts/stream"))
            .header("Authorization", "Bearer " + token)
            .header("Accept", "text/event-stream")
            .build();
    this.onAlert = onAlert;
    this.thread = new Thread(this::read, "bench-alert-stream");
    this.thread.setDaemon(true);
  }

  /** Opens the stream; returns once the controller answered 200 and sent the stream's opening. */
  AlertStreamReader start(Duration timeout) throws InterruptedException {
    thread.start();
    if (!opened.await(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
      throw new IllegalStateException(
          "GET /api/v1/alerts/stream did not open within " + timeout.toSeconds() + " s");
    }
    if (failure != null) {
      throw new IllegalStateException(failure);
    }
    return this;
  }

  /** Why the stream ended before {@link #close}, or null while it is open. */
  String failure() {
    return failure;
  }

  private void read() {
    try {
      HttpResponse<Stream<String>> response =
          http.send(request, HttpResponse.BodyHandlers.ofLines());
      if (response.statusCode() != 200) {
        failure = "GET /api/v1/alerts/stream answered " + response.statusCode();
        response.body().close();
        return;
      }
      lines = response.body();
      String event = "message";
      Iterator<String> it = lines.iterator();
      while (it.hasNext()) {
        String line = it.next();
        if (line.startsWith("id: ")) {
          opened.countDown(); // the opening ends with the newest event's id
        } else if (line.startsWith("event: ")) {
          event = line.substring("event: ".length()).strip();
        } else if (line.startsWith("data: ") && "alert".equals(event)) {
          handle(line.substring("data: ".length()));
        } else if (line.isEmpty()) {
          event = "message";
        }
      }
      if (!closing) {
        failure = "the controller ended GET /api/v1/alerts/stream";
      }
    } catch (Exception e) {
      if (!closing) {
        failure = "GET /api/v1/alerts/stream failed: " + e;
      }
    } finally {
      opened.countDown();
    }
  }

  private void handle(String data) {
    JsonObject alert;
    try {
      alert = new JsonObject(data);
    } catch (DecodeException e) {
      failure = "an alert event that is not JSON: " + data;
      return;
    }
    onAlert.accept(alert);
  }

  @Override
  public void close() {
    closing = true;
    Stream<String> open = lines;
    if (open != null) {
      open.close();
    }
    thread.interrupt();
  }
}
