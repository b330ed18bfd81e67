package io.porthole.runtime;

import io.vertx.core.Future;

/**
 * A component that is started and stopped: a source, a sink, a server. {@code start()} returns the
 * future of the thing it started (the listen, the subscription, the first connection), so nothing
 * is started and forgotten; {@code stop()} releases everything {@code start()} acquired.
 */
public interface Lifecycle {

  Future<Void> start();

  Future<Void> stop();
}
