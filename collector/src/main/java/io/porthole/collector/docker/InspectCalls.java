package io.porthole.collector.docker;

import com.github.dockerjava.api.command.InspectContainerResponse;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

/**
 * The event source's inspects, each made on a thread of this class's own pool, and the dies queued
 * behind them.
 *
 * <p>The engine answers an inspect only when it holds no lock on the container: not while it starts
 * it, not while it cleans it up after a death. Measured under load (the OOM figure of the benchmark
 * suite): a create's inspect answered once the start ended, 300 ms later, and the start's inspect
 * once the death's clean-up ended, 150 ms after the die. The source's single ordered worker waited
 * for each, and the die behind them waited as long.
 *
 * <p>So the worker waits for an inspect only until a die of the same container is queued behind it
 * ({@link #dieQueued}), when the caller can build the event without it ({@code mayAbandon}: it has
 * an earlier inspect of the container). The abandoned call ends on its own thread and its answer is
 * not used: a later answer would describe the dead container, not the event.
 *
 * <p>{@link #dieQueued} and {@link #dieHandled} from any thread, {@link #inspect} from the ordered
 * worker only.
 */
final class InspectCalls {

  /**
   * What came of an inspect: its answer, or the failure of the call, or neither when it was
   * abandoned.
   */
  record Outcome(InspectContainerResponse answer, RuntimeException failure, boolean abandoned) {

    static final Outcome ABANDONED = new Outcome(null, null, true);
  }

  private final Function<String, InspectContainerResponse> call;
  private final ThreadPoolExecutor pool;
  private final Object lock = new Object();

  /** Dies queued and not yet handled, by container id; guarded by {@link #lock}. */
  private final Map<String, Integer> queuedDies = new HashMap<>();

  /**
   * @param call the inspect itself (docker-java's inspect of the container with this id)
   * @param threads at most this many calls at once: abandoned calls still hold their thread until
   *     the engine answers (or the client's response timeout), later calls then queue
   */
  InspectCalls(Function<String, InspectContainerResponse> call, int threads) {
    this.call = call;
    this.pool =
        new ThreadPoolExecutor(
            threads,
            threads,
            30,
            TimeUnit.SECONDS,
            new LinkedBlockingQueue<>(),
            runnable -> {
              Thread thread = new Thread(runnable, "porthole-docker-inspect-call");
              thread.setDaemon(true);
              return thread;
            });
    this.pool.allowCoreThreadTimeOut(true);
  }

  /** A die of the container is queued for the worker: call before queueing it. */
  void dieQueued(String containerId) {
    synchronized (lock) {
      queuedDies.merge(containerId, 1, Integer::sum);
      lock.notifyAll();
    }
  }

  /** The worker took a die of the container (or the queue refused it). */
  void dieHandled(String containerId) {
    synchronized (lock) {
      queuedDies.computeIfPresent(containerId, (id, count) -> count == 1 ? null : count - 1);
    }
  }

  /**
   * Inspects the container and waits for the answer; when {@code mayAbandon}, stops waiting as soon
   * as a die of the same container is queued (already, or while it waits).
   *
   * @throws InterruptedException when the worker is stopped while it waits
   * @throws java.util.concurrent.RejectedExecutionException after {@link #stop}
   */
  Outcome inspect(String containerId, boolean mayAbandon) throws InterruptedException {
    if (mayAbandon && dieQueuedFor(containerId)) {
      return Outcome.ABANDONED; // not even asked: the engine would hold it like the others
    }
    CompletableFuture<InspectContainerResponse> answer =
        CompletableFuture.supplyAsync(() -> call.apply(containerId), pool);
    answer.whenComplete((ignored, failure) -> wakeWorker());
    synchronized (lock) {
      while (!answer.isDone()) {
        if (mayAbandon && queuedDies.containsKey(containerId)) {
          answer.cancel(false); // a call still queued in the pool is not made
          return Outcome.ABANDONED;
        }
        lock.wait();
      }
    }
    try {
      return new Outcome(answer.join(), null, false);
    } catch (CompletionException e) {
      Throwable cause = e.getCause();
      if (cause instanceof RuntimeException failure) {
        return new Outcome(null, failure, false);
      }
      throw e;
    }
  }

  private boolean dieQueuedFor(String containerId) {
    synchronized (lock) {
      return queuedDies.containsKey(containerId);
    }
  }

  /**
   * Interrupts the calls in flight and takes no more: a later {@link #inspect} throws {@link
   * java.util.concurrent.RejectedExecutionException}.
   */
  void stop() {
    pool.shutdownNow();
  }

  private void wakeWorker() {
    synchronized (lock) {
      lock.notifyAll();
    }
  }
}
