package io.porthole.collector.remediation;

import static io.porthole.proto.RemediationStatus.FAILED;

import io.porthole.collector.ContainerDirectory;
import io.porthole.collector.ContainerInfo;
import io.porthole.proto.RemediationResult;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps isolations in force between commands: restores each when its TTL runs out, and re-isolates
 * a container that starts again (new veths) under an isolation, until a RESTORE_NETWORK or the TTL.
 * Both run on the container's queue, like commands. A TTL restore or re-isolation that fails (a
 * transient Docker, {@code ip} or {@code nsenter} error) is tried again with back-off, for as long
 * as the isolation is in force; only the container's removal ends it early.
 */
final class IsolationKeeper implements ContainerDirectory.Listener {

  private static final Logger LOG = LoggerFactory.getLogger(IsolationKeeper.class);

  private final Vertx vertx;
  private final ContainerQueue queue;
  private final IsolationStore isolations;
  private final IsolateNetwork isolate;
  private final RestoreNetwork restore;
  private final ContainerLookup containers;
  private final ResultFactory results;
  private final ResultSink sink;
  private final Duration firstRetry;
  private final Duration maxRetry;
  private final Set<Long> timers = ConcurrentHashMap.newKeySet();
  private volatile boolean stopped;

  /**
   * @param config the back-off of retried restores and re-isolations ({@code
   *     remediation.restore.retry.*})
   * @param parts the isolations in force, the container lookups and the exit for results that are
   *     not a command's direct answer
   * @param queue the containers' queue, shared with the commands
   */
  IsolationKeeper(
      Vertx vertx,
      RemediationConfig config,
      RemediationParts parts,
      ContainerQueue queue,
      IsolateNetwork isolate,
      RestoreNetwork restore,
      ResultFactory results) {
    this.vertx = Objects.requireNonNull(vertx, "vertx");
    this.queue = Objects.requireNonNull(queue, "queue");
    this.isolations = parts.isolations();
    this.isolate = Objects.requireNonNull(isolate, "isolate");
    this.restore = Objects.requireNonNull(restore, "restore");
    this.containers = parts.containers();
    this.results = Objects.requireNonNull(results, "results");
    this.sink = parts.results();
    this.firstRetry = Objects.requireNonNull(config.restoreRetryFirst(), "restoreRetryFirst");
    this.maxRetry = Objects.requireNonNull(config.restoreRetryMax(), "restoreRetryMax");
  }

  /**
   * Takes over the isolations recorded before a (re)start: schedules their restores (at once when
   * due) and re-isolates the running ones whose veths are up again (restarted while the collector
   * was away, or a crash between recording and acting).
   */
  void resume(List<ActiveIsolation> recorded) {
    for (ActiveIsolation isolation : recorded) {
      scheduleRestore(isolation);
      if (!due(isolation)) {
        reisolate(isolation, 1);
      }
    }
  }

  /** Schedules the TTL restore of an isolation (none without a TTL). */
  void scheduleRestore(ActiveIsolation isolation) {
    if (isolation.hasTtl()) {
      later(
          Duration.ofMillis(isolation.restoreAtEpochMillis() - results.clock().millis()),
          () -> restoreDue(isolation, 1));
    }
  }

  @Override
  public void started(ContainerInfo container) {
    isolations
        .get(container.id())
        .filter(i -> !due(i))
        .ifPresent(isolation -> reisolate(isolation, 1));
  }

  @Override
  public void stopped(String containerId) {
    // Nothing to do: a stopped container has no veths; it is re-isolated when it starts again.
  }

  /** Cancels the timers; the isolations stay recorded, and the next start takes them over. */
  void stop() {
    stopped = true;
    timers.forEach(vertx::cancelTimer);
    timers.clear();
  }

  private void restoreDue(ActiveIsolation isolation, int attempt) {
    retrying(
        "TTL restore",
        isolation,
        attempt,
        () -> restore.restoreByTtl(isolation, containers),
        () -> restoreDue(isolation, attempt + 1));
  }

  private void reisolate(ActiveIsolation isolation, int attempt) {
    retrying(
            "re-isolation",
            isolation,
            attempt,
            () -> isolate.reisolate(isolation, containers),
            () -> {
              if (!due(isolation)) {
                reisolate(isolation, attempt + 1);
              }
            })
        .onFailure(
            e -> {
              if (attempt == 1) {
                // Said once, on the isolation's own record: the container is connected until a
                // retry succeeds.
                publish(
                    results
                        .followUp(
                            isolation,
                            FAILED,
                            "container "
                                + isolation.containerName()
                                + " started again under isolation "
                                + isolation.commandId()
                                + " but could not be re-isolated yet ("
                                + e.getMessage()
                                + "); retrying")
                        .build());
              }
            });
  }

  // Runs the work on the container's queue; publishes its result; on failure, while the isolation
  // is still in force, tries again after a back-off that doubles up to maxRetry.
  private Future<Optional<RemediationResult>> retrying(
      String what,
      ActiveIsolation isolation,
      int attempt,
      Supplier<Future<Optional<RemediationResult>>> work,
      Runnable again) {
    Future<Optional<RemediationResult>> outcome = queue.submit(isolation.containerId(), work);
    outcome.onSuccess(
        result ->
            result.ifPresent(
                r -> {
                  LOG.info(
                      "{} of {} ({}): {} {}",
                      what,
                      isolation.containerId(),
                      isolation.commandId(),
                      r.getStatus(),
                      r.getDetail());
                  publish(r);
                }));
    outcome.onFailure(
        e -> {
          if (stopped || !isolations.isCurrent(isolation)) {
            return;
          }
          Duration delay = backoff(attempt);
          LOG.warn(
              "{} of {} ({}) failed (attempt {}), trying again in {} ms: {}",
              what,
              isolation.containerId(),
              isolation.commandId(),
              attempt,
              delay.toMillis(),
              e.toString());
          later(delay, again);
        });
    return outcome;
  }

  private Duration backoff(int attempt) {
    long millis = firstRetry.toMillis() << Math.min(attempt - 1, 20);
    return Duration.ofMillis(Math.min(millis, maxRetry.toMillis()));
  }

  private void later(Duration delay, Runnable action) {
    if (stopped) {
      return;
    }
    long[] id = new long[1];
    id[0] =
        vertx.setTimer(
            Math.max(1, delay.toMillis()),
            t -> {
              timers.remove(id[0]);
              action.run();
            });
    timers.add(id[0]);
  }

  private boolean due(ActiveIsolation isolation) {
    return isolation.hasTtl() && results.clock().millis() >= isolation.restoreAtEpochMillis();
  }

  private void publish(RemediationResult result) {
    sink.send(result)
        .onFailure(
            e -> LOG.warn("result of {} not published: {}", result.getCommandId(), e.toString()));
  }
}
