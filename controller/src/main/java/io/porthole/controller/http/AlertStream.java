package io.porthole.controller.http;

import io.porthole.controller.view.RenderedAlert;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.ext.web.RoutingContext;
import java.security.SecureRandom;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The server-sent-event stream of alerts: every alert that arrives (new, or a new version of one)
 * after the views caught up is one {@code alert} event to every connected client. A client that
 * does not keep up (its write queue is full) is disconnected rather than buffered without bound.
 *
 * <p>Every event has an id ({@code EPOCH-SEQ}, see {@link StreamReplay}) and the stream opens with
 * a {@code retry:} hint and the id of the newest event, so that a client reconnecting with {@code
 * Last-Event-ID} is sent the events it missed (the last {@code sse.replay.max}), or one {@code
 * reset} event when they cannot be known any more (another epoch: the controller restarted; or too
 * old): the client then reloads the alerts with {@code GET /api/v1/alerts}.
 */
public final class AlertStream {

  static final long RETRY_MS = 3_000;
  static final String RESET_DATA =
      "{\"reason\":\"the events since Last-Event-ID are no longer known: reload the alerts\"}";

  private final int maxClients;
  private final StreamReplay replay;
  private final Set<HttpServerResponse> clients = ConcurrentHashMap.newKeySet();
  private final AtomicLong eventsSent = new AtomicLong();
  private final AtomicLong slowClientsClosed = new AtomicLong();
  private final AtomicLong replayed = new AtomicLong();
  private final AtomicLong resets = new AtomicLong();

  public AlertStream(int maxClients, int replayMax) {
    this.maxClients = maxClients;
    this.replay = new StreamReplay(newEpoch(), replayMax);
  }

  public AlertStream(int maxClients) {
    this(maxClients, 1_000);
  }

  private static String newEpoch() {
    return Long.toString(System.currentTimeMillis(), 36)
        + Integer.toString(new SecureRandom().nextInt(36 * 36), 36);
  }

  void open(RoutingContext rc) {
    if (clients.size() >= maxClients) {
      Errors.send(
          rc,
          503,
          "TOO_MANY_STREAMS",
          "at most " + maxClients + " alert streams at once; try again later");
      return;
    }
    HttpServerResponse response = rc.response();
    response
        .setChunked(true)
        .putHeader("Content-Type", "text/event-stream; charset=utf-8")
        .putHeader("Cache-Control", "no-store")
        .putHeader("X-Accel-Buffering", "no");
    response.closeHandler(v -> clients.remove(response));
    response.endHandler(v -> clients.remove(response));
    String lastEventId = rc.request().getHeader("Last-Event-ID");
    // Under the lock no alert is published between the replay and the registration: the client
    // gets every event exactly once.
    synchronized (replay) {
      StringBuilder opening =
          new StringBuilder(": porthole alert stream\nretry: " + RETRY_MS + "\n\n");
      if (lastEventId != null && !lastEventId.isBlank()) {
        replay
            .after(lastEventId.strip())
            .ifPresentOrElse(
                missed -> {
                  missed.forEach(opening::append);
                  replayed.addAndGet(missed.size());
                },
                () -> {
                  resets.incrementAndGet();
                  opening.append("event: reset\ndata: ").append(RESET_DATA).append("\n\n");
                });
      }
      opening.append("id: ").append(replay.lastId()).append("\n\n");
      response.write(opening.toString());
      clients.add(response);
    }
  }

  /**
   * Sends the alert to every client, and keeps it for clients that reconnect. Its JSON is rendered
   * only when a client is sent it (now, or when it reconnects).
   */
  public void publish(RenderedAlert alert) {
    synchronized (replay) {
      StreamReplay.Event event = replay.append("alert", alert::json);
      if (!clients.isEmpty()) {
        send(event.frame());
        eventsSent.incrementAndGet();
      }
    }
  }

  /** A comment line, so that proxies and clients see the connection is alive. */
  public void keepAlive() {
    send(": keep-alive\n\n");
  }

  private void send(String frame) {
    for (HttpServerResponse client : clients) {
      if (client.writeQueueFull()) {
        clients.remove(client);
        slowClientsClosed.incrementAndGet();
        client.reset();
      } else {
        client.write(frame);
      }
    }
  }

  public int clients() {
    return clients.size();
  }

  public long eventsSent() {
    return eventsSent.get();
  }

  public long slowClientsClosed() {
    return slowClientsClosed.get();
  }

  /** Events sent again to clients that reconnected with {@code Last-Event-ID}. */
  public long eventsReplayed() {
    return replayed.get();
  }

  /** Reconnections that could not be resumed and were told to reload. */
  public long resets() {
    return resets.get();
  }

  /** Ends every stream (on stop). */
  public void closeAll() {
    for (HttpServerResponse client : clients) {
      clients.remove(client);
      client.end();
    }
  }
}
