package io.porthole.controller.webhook;

import io.porthole.proto.Alert;
import io.vertx.core.AsyncResult;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.ext.web.client.HttpRequest;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import java.util.ArrayDeque;
import java.util.Objects;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Sends alerts to one endpoint, one request at a time in the order they came, each retried with
 * doubling waits until it is accepted or the attempts are spent. Alerts waiting for their turn are
 * held in a bounded queue; when it is full the oldest waiting alert is dropped, so that after an
 * outage of the endpoint the freshest alerts go first and the output never falls far behind.
 *
 * <p>The future of {@link #send} completes when the alert is done with (delivered, given up,
 * dropped or filtered out), so that its record is committed only then. Confined to the context that
 * calls it; the HTTP client does not block it.
 */
final class WebhookSender {

  private static final Logger LOG = LoggerFactory.getLogger(WebhookSender.class);

  private record Pending(Alert alert, Promise<Void> done) {}

  private final Vertx vertx;
  private final WebClient client;
  private final WebhookSettings settings;
  private final WebhookCounters counters;
  private final ArrayDeque<Pending> queue = new ArrayDeque<>();
  private Pending current;
  private long retryTimer = -1;
  private boolean closed;

  WebhookSender(Vertx vertx, WebClient client, WebhookSettings settings, WebhookCounters counters) {
    this.vertx = Objects.requireNonNull(vertx, "vertx");
    this.client = Objects.requireNonNull(client, "client");
    this.settings = Objects.requireNonNull(settings, "settings");
    this.counters = Objects.requireNonNull(counters, "counters");
  }

  /** Queues the alert for delivery if the output takes it; completes when it is done with. */
  Future<Void> send(Alert alert) {
    if (!settings.accepts(alert.getRule(), alert.getSeverity())) {
      counters.filtered();
      return Future.succeededFuture();
    }
    if (closed) {
      return Future.failedFuture(
          new IllegalStateException("webhook output " + settings.name() + " stopped"));
    }
    if (queue.size() >= settings.queueMax()) {
      Pending oldest = queue.poll();
      counters.dropped();
      if (counters.droppedCount() <= 10 || counters.droppedCount() % 1000 == 0) {
        LOG.warn(
            "webhook {}: queue full ({} alerts), dropped alert {} unsent ({} dropped so far)",
            settings.name(),
            settings.queueMax(),
            oldest.alert().getAlertId(),
            counters.droppedCount());
      }
      oldest.done().complete();
    }
    Promise<Void> done = Promise.promise();
    queue.add(new Pending(alert, done));
    next();
    return done.future();
  }

  /** Alerts waiting, the one being sent included. */
  int queued() {
    return queue.size() + (current == null ? 0 : 1);
  }

  /**
   * Fails what is waiting and the alert between two attempts (their records are read again at the
   * next start); a request under way finishes.
   */
  void close() {
    closed = true;
    vertx.cancelTimer(retryTimer);
    IllegalStateException stopped =
        new IllegalStateException("webhook output " + settings.name() + " stopped");
    if (current != null && retryTimer >= 0) {
      current.done().tryFail(stopped);
      current = null;
    }
    Pending pending;
    while ((pending = queue.poll()) != null) {
      pending.done().tryFail(stopped);
    }
  }

  private void next() {
    if (current != null || closed) {
      return;
    }
    current = queue.poll();
    if (current != null) {
      attempt(current, Buffer.buffer(AlertPayloads.body(settings.format(), current.alert())), 1);
    }
  }

  private void attempt(Pending pending, Buffer body, int attempt) {
    retryTimer = -1;
    HttpRequest<Buffer> request =
        client
            .requestAbs(HttpMethod.POST, settings.url().toString())
            .timeout(settings.timeout().toMillis())
            .putHeader("Content-Type", AlertPayloads.contentType(settings.format()))
            .putHeader("User-Agent", "porthole-controller");
    settings.headers().forEach(request::putHeader);
    request.sendBuffer(body).onComplete(ar -> answered(pending, body, attempt, ar));
  }

  private void answered(
      Pending pending, Buffer body, int attempt, AsyncResult<HttpResponse<Buffer>> ar) {
    if (pending != current) {
      return; // closed meanwhile
    }
    int status = ar.succeeded() ? ar.result().statusCode() : 0;
    if (status >= 200 && status < 300) {
      counters.delivered();
      finish(pending);
      return;
    }
    String problem = ar.succeeded() ? "HTTP " + status : ar.cause().toString();
    boolean refused = status >= 400 && status < 500 && status != 408 && status != 429;
    if (refused || attempt >= settings.attempts() || closed) {
      counters.failed();
      LOG.warn(
          "webhook {}: gave up on alert {} after {} attempt(s): {}",
          settings.name(),
          pending.alert().getAlertId(),
          attempt,
          problem);
      finish(pending);
      return;
    }
    counters.retried();
    long wait = settings.backoffBefore(attempt + 1).toMillis();
    LOG.debug(
        "webhook {}: attempt {} for alert {} failed ({}); next in {} ms",
        settings.name(),
        attempt,
        pending.alert().getAlertId(),
        problem,
        wait);
    retryTimer = vertx.setTimer(Math.max(1, wait), id -> attempt(pending, body, attempt + 1));
  }

  private void finish(Pending pending) {
    current = null;
    pending.done().tryComplete();
    next();
  }
}
