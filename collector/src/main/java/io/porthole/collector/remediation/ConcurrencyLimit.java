package io.porthole.collector.remediation;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.function.Supplier;

/**
 * Runs at most {@code limit} tasks at once; the others wait in order, holding nothing but their
 * place in line. Bounds the memory of file extractions, each of which holds its file in memory.
 * Thread-safe.
 */
final class ConcurrencyLimit {

  private final int limit;
  private final Deque<Runnable> waiting = new ArrayDeque<>();
  private int running;

  ConcurrencyLimit(int limit) {
    if (limit < 1) {
      throw new IllegalArgumentException("limit must be positive");
    }
    this.limit = limit;
  }

  <T> Future<T> submit(Supplier<Future<T>> task) {
    Promise<T> done = Promise.promise();
    Runnable start =
        () -> {
          Future<T> outcome;
          try {
            outcome = task.get();
          } catch (RuntimeException e) {
            outcome = Future.failedFuture(e);
          }
          outcome.onComplete(
              result -> {
                finished();
                done.handle(result);
              });
        };
    boolean now;
    synchronized (this) {
      now = running < limit;
      if (now) {
        running++;
      } else {
        waiting.add(start);
      }
    }
    if (now) {
      start.run();
    }
    return done.future();
  }

  synchronized int running() {
    return running;
  }

  private void finished() {
    Runnable next;
    synchronized (this) {
      next = waiting.poll();
      if (next == null) {
        running--;
      }
    }
    if (next != null) {
      next.run();
    }
  }
}
