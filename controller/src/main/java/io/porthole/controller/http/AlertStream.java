package io.porthole.controller.http;

import io.porthole.proto.Alert;
import io.porthole.wire.ProtoJson;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.ext.web.RoutingContext;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The server-sent-event stream of alerts: every alert that arrives (new, or a new version of one)
 * after the views caught up is one {@code alert} event to every connected client. A client that
 * does not keep up (its write queue is full) is disconnected rather than buffered without bound.
 */
public final class AlertStream {

  private final int maxClients;
  private final Set<HttpServerResponse> clients = ConcurrentHashMap.newKeySet();
  private final AtomicLong eventsSent = new AtomicLong();
  private final AtomicLong slowClientsClosed = new AtomicLong();

  public AlertStream(int maxClients) {
    this.maxClients = maxClients;
  }

  void open(RoutingContext rc) {
    if (clients.size() >= maxClients) {
      Errors.send(rc, 503, "TOO_MANY_STREAMS", "at most " + maxClients + " alert streams at once; try again later");
      return;
    }
    HttpServerResponse response = rc.response();
    response
        .setChunked(true)
        .putHeader("Content-Type", "text/event-stream; charset=utf-8")
        .putHeader("Cache-Control", "no-store")
        .putHeader("X-Accel-Buffering", "no");
    clients.add(response);
    response.closeHandler(v -> clients.remove(response));
    response.endHandler(v -> clients.remove(response));
    response.write(": porthole alert stream\n\n");
  }

  /** Sends the alert to every client. */
  public void publish(Alert alert) {
    if (clients.isEmpty()) {
      return;
    }
    String event = "event: alert\nid: " + alert.getAlertId() + "\ndata: " + ProtoJson.toJson(alert) + "\n\n";
    send(event);
    eventsSent.incrementAndGet();
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

  /** Ends every stream (on stop). */
  public void closeAll() {
    for (HttpServerResponse client : clients) {
      clients.remove(client);
      client.end();
    }
  }
}
