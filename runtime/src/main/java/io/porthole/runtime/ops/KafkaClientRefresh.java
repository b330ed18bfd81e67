package io.porthole.runtime.ops;

import java.util.List;
import java.util.Set;
import java.util.concurrent.AbstractExecutorService;
import java.util.concurrent.Callable;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

/**
 * The refresh of one Kafka client's meters, run on one daemon thread shared by every client of the
 * process ({@link #SHARED}). Micrometer's binder, handed a scheduler, schedules its periodic
 * refresh on it and leaves it running when the binder closes (a scheduler handed in is the
 * caller's): the task kept the client reachable, and through the client's rebalance listener
 * everything of a stopped service (an analyzer's whole engine), for the life of the process. This
 * scheduler delegates to the shared thread, remembers what the binder scheduled, and {@link
 * #cancelAll} cancels it; shutting it down never stops the shared thread.
 */
final class KafkaClientRefresh extends AbstractExecutorService implements ScheduledExecutorService {

  /** The one refresh thread of the process; a cancelled refresh leaves its queue at once. */
  static final ScheduledThreadPoolExecutor SHARED = sharedThread();

  private final Set<ScheduledFuture<?>> scheduled = ConcurrentHashMap.newKeySet();
  private volatile boolean cancelled;

  private static ScheduledThreadPoolExecutor sharedThread() {
    ScheduledThreadPoolExecutor executor =
        new ScheduledThreadPoolExecutor(
            1,
            task -> {
              Thread thread = new Thread(task, "porthole-kafka-metrics");
              thread.setDaemon(true);
              return thread;
            });
    executor.setRemoveOnCancelPolicy(true);
    return executor;
  }

  /** Cancels every refresh scheduled through this scheduler, and any scheduled later. */
  void cancelAll() {
    cancelled = true;
    scheduled.forEach(future -> future.cancel(false));
    scheduled.clear();
  }

  private <F extends ScheduledFuture<?>> F track(F future) {
    scheduled.add(future);
    if (cancelled) {
      future.cancel(false);
      scheduled.remove(future);
    }
    return future;
  }

  @Override
  public ScheduledFuture<?> schedule(Runnable command, long delay, TimeUnit unit) {
    return track(SHARED.schedule(command, delay, unit));
  }

  @Override
  public <V> ScheduledFuture<V> schedule(Callable<V> callable, long delay, TimeUnit unit) {
    return track(SHARED.schedule(callable, delay, unit));
  }

  @Override
  public ScheduledFuture<?> scheduleAtFixedRate(
      Runnable command, long initialDelay, long period, TimeUnit unit) {
    return track(SHARED.scheduleAtFixedRate(command, initialDelay, period, unit));
  }

  @Override
  public ScheduledFuture<?> scheduleWithFixedDelay(
      Runnable command, long initialDelay, long delay, TimeUnit unit) {
    return track(SHARED.scheduleWithFixedDelay(command, initialDelay, delay, unit));
  }

  @Override
  public void execute(Runnable command) {
    schedule(command, 0, TimeUnit.NANOSECONDS);
  }

  /** Cancels this client's refreshes; the shared thread goes on. */
  @Override
  public void shutdown() {
    cancelAll();
  }

  @Override
  public List<Runnable> shutdownNow() {
    cancelAll();
    return List.of();
  }

  @Override
  public boolean isShutdown() {
    return cancelled;
  }

  @Override
  public boolean isTerminated() {
    return cancelled;
  }

  @Override
  public boolean awaitTermination(long timeout, TimeUnit unit) {
    return cancelled;
  }
}
