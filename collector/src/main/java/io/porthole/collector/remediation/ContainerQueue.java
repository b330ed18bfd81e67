package io.porthole.collector.remediation;

import io.vertx.core.Future;
import java.util.HashMap;
import java.util.Map;
import java.util.function.Supplier;

/**
 * One queue per container: commands, TTL restores and re-isolations of the same container run one
 * after another, in the order submitted; work on different containers runs side by side. A failed
 * task does not stop the queue. Thread-safe.
 */
final class ContainerQueue {

  private final Map<String, Future<?>> tails = new HashMap<>();

  <T> Future<T> submit(String key, Supplier<Future<T>> work) {
    synchronized (tails) {
      Future<?> previous = tails.getOrDefault(key, Future.succeededFuture());
      Future<T> next = previous.transform(ignored -> start(work));
      tails.put(key, next);
      next.onComplete(
          done -> {
            synchronized (tails) {
              tails.remove(key, next);
            }
          });
      return next;
    }
  }

  private static <T> Future<T> start(Supplier<Future<T>> work) {
    try {
      return work.get();
    } catch (RuntimeException e) {
      return Future.failedFuture(e);
    }
  }
}
