package io.porthole.collector.docker;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.async.ResultCallback;
import com.github.dockerjava.api.command.InspectContainerResponse;
import com.github.dockerjava.api.exception.NotFoundException;
import com.github.dockerjava.api.model.Container;
import com.github.dockerjava.api.model.Event;
import com.github.dockerjava.api.model.EventType;
import io.porthole.collector.CollectorStats;
import io.porthole.collector.ContainerDirectory;
import io.porthole.collector.ContainerInfo;
import io.porthole.collector.EventSink;
import io.porthole.proto.ContainerAction;
import io.porthole.proto.ContainerEvent;
import io.porthole.runtime.Lifecycle;
import io.porthole.wire.Timestamps;
import io.porthole.wire.Topic;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.io.Closeable;
import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Publishes every container event of the engine as a {@link ContainerEvent} (with the container's
 * inspect taken right after the event) and keeps the {@link ContainerDirectory} current. An
 * {@code oom} or {@code die} is not inspected when an earlier inspect of the container is remembered
 * (see {@link RememberedContainers}): inspecting a dying container waits for the engine's clean-up,
 * and every later event waited behind it.
 *
 * <p>Threads: the events stream is followed on its own thread ({@code porthole-docker-events}),
 * which hands each event to a single ordered worker ({@code porthole-docker-inspect}) that inspects,
 * maps, emits and updates the directory. Nothing here runs on an event loop.
 *
 * <p>On start it publishes a SNAPSHOT of every running container. When the stream breaks (engine
 * restart) it waits with back-off until the engine answers, resumes the stream with {@code since}
 * set to the last event's time (the engine replays what it emitted meanwhile; replayed duplicates
 * are dropped), counts a reconnect, and reconciles: a SNAPSHOT of every running container, and a
 * DIE (raw action {@code die (reconciled)}) of every container it knew as running that stopped
 * meanwhile: with live-restore the engine emits no event for a container that exited while it was
 * down.
 */
public final class DockerEventSource implements Lifecycle {

  /** Name of this source in the heartbeat's degraded sources. */
  public static final String SOURCE = "docker";

  private static final Logger LOG = LoggerFactory.getLogger(DockerEventSource.class);
  private static final int MAX_QUEUED_EVENTS = 100_000;
  private static final int REMEMBERED_EVENTS = 4096;
  private static final Duration STABLE_STREAM = Duration.ofSeconds(5);
  /** Actions that change a container's state or configuration: only these are inspected. */
  private static final Set<ContainerAction> INSPECTED =
      EnumSet.of(
          ContainerAction.CREATE, ContainerAction.START, ContainerAction.DIE, ContainerAction.OOM,
          ContainerAction.KILL, ContainerAction.STOP, ContainerAction.RESTART, ContainerAction.PAUSE,
          ContainerAction.UNPAUSE, ContainerAction.RENAME, ContainerAction.UPDATE,
          ContainerAction.HEALTH_STATUS);

  private final Context context;
  private final DockerClient calls;
  private final DockerClient events;
  private final String hostId;
  private final ContainerDirectory directory;
  private final EventSink sink;
  private final CollectorStats stats;
  private final Backoff backoff;
  private final ThreadPoolExecutor worker;
  private final Map<String, Boolean> recentEvents =
      new LinkedHashMap<>() {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, Boolean> eldest) {
          return size() > REMEMBERED_EVENTS;
        }
      };
  /** Deaths reported by a reconcile (container id to State.FinishedAt); worker thread only. */
  private final Map<String, String> reconciledDeaths = new HashMap<>();
  /** Last inspects and oom events, to publish an oom or die at once; worker thread only. */
  private final RememberedContainers remembered = new RememberedContainers();
  private volatile long lastEventNanos;
  private volatile boolean stopping;
  private volatile Closeable stream;
  private Thread streamThread;

  /**
   * @param calls client for inspect, list and ping (with a response timeout)
   * @param events client for the events stream (without a response timeout: the stream idles)
   */
  public DockerEventSource(
      Vertx vertx,
      DockerClient calls,
      DockerClient events,
      String hostId,
      ContainerDirectory directory,
      EventSink sink,
      CollectorStats stats,
      Duration reconnectMinBackoff,
      Duration reconnectMaxBackoff) {
    this.context = vertx.getOrCreateContext();
    this.calls = Objects.requireNonNull(calls, "calls");
    this.events = Objects.requireNonNull(events, "events");
    this.hostId = Objects.requireNonNull(hostId, "hostId");
    this.directory = Objects.requireNonNull(directory, "directory");
    this.sink = Objects.requireNonNull(sink, "sink");
    this.stats = Objects.requireNonNull(stats, "stats");
    this.backoff = new Backoff(reconnectMinBackoff, reconnectMaxBackoff);
    this.worker =
        new ThreadPoolExecutor(
            1, 1, 0, TimeUnit.MILLISECONDS, new LinkedBlockingQueue<>(MAX_QUEUED_EVENTS),
            r -> daemon(r, "porthole-docker-inspect"),
            (task, executor) -> {
              if (!executor.isShutdown()) {
                stats.eventsDroppedBackpressure.incrementAndGet();
              }
            });
  }

  /** Completes when the engine answered and every running container's snapshot was handed over. */
  @Override
  public Future<Void> start() {
    lastEventNanos = nanos(Instant.now());
    CompletableFuture<Void> started =
        CompletableFuture.runAsync(
            () -> {
              try {
                calls.pingCmd().exec();
              } catch (RuntimeException e) {
                throw new IllegalStateException("Docker engine does not answer: " + e.getMessage(), e);
              }
              snapshotRunningContainers();
            },
            worker);
    return Future.fromCompletionStage(started, context)
        .onFailure(e -> worker.shutdownNow())
        .onSuccess(
            v -> {
              streamThread = daemon(this::followEvents, "porthole-docker-events");
              streamThread.start();
            });
  }

  @Override
  public Future<Void> stop() {
    stopping = true;
    closeStream();
    Thread thread = streamThread;
    if (thread != null) {
      thread.interrupt();
    }
    worker.shutdownNow();
    return context
        .owner()
        .executeBlocking(
            () -> {
              if (thread != null) {
                thread.join(5000);
              }
              worker.awaitTermination(5, TimeUnit.SECONDS);
              return null;
            },
            false)
        .mapEmpty();
  }

  /** Follows the stream until stopped; after each break, waits for the engine and resumes. */
  private void followEvents() {
    boolean reconnect = false;
    long openedAt = 0;
    while (!stopping) {
      if (reconnect) {
        if (System.nanoTime() - openedAt > STABLE_STREAM.toNanos()) {
          backoff.reset(); // a stream that broke at once keeps the back-off growing
        }
        if (!awaitEngine()) {
          return;
        }
        stats.dockerReconnects.incrementAndGet();
        stats.clearDegraded(SOURCE);
        LOG.info("Docker events stream resumed since {}", since());
      }
      openedAt = System.nanoTime();
      String end = streamUntilItEnds(reconnect);
      if (stopping) {
        return;
      }
      LOG.warn("Docker events stream ended ({}); reconnecting", end);
      stats.markDegraded(SOURCE, "events stream broken (" + end + "); reconnecting");
      reconnect = true;
    }
  }

  private String streamUntilItEnds(boolean reconcileAfterOpening) {
    CompletableFuture<String> ended = new CompletableFuture<>();
    ResultCallback.Adapter<Event> callback =
        new ResultCallback.Adapter<>() {
          @Override
          public void onNext(Event event) {
            received(event);
          }

          @Override
          public void onError(Throwable error) {
            ended.complete(String.valueOf(error));
            super.onError(error);
          }

          @Override
          public void onComplete() {
            ended.complete("closed by the engine");
            super.onComplete();
          }
        };
    try {
      events.eventsCmd().withSince(since()).withEventTypeFilter(EventType.CONTAINER).exec(callback);
      stream = callback;
      if (reconcileAfterOpening) {
        worker.execute(this::reconcile);
      }
      return ended.get();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return "interrupted";
    } catch (ExecutionException | RuntimeException e) {
      return String.valueOf(e);
    } finally {
      closeStream();
    }
  }

  /** Waits with back-off until the engine answers a ping; false when stopped meanwhile. */
  private boolean awaitEngine() {
    while (!stopping) {
      try {
        Thread.sleep(backoff.next().toMillis());
        calls.pingCmd().exec();
        return true;
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return false;
      } catch (RuntimeException e) {
        LOG.debug("Docker engine not answering yet: {}", e.toString());
      }
    }
    return false;
  }

  private void received(Event event) {
    long nanos = event.getTimeNano() == null ? event.getTime() * 1_000_000_000L : event.getTimeNano();
    String key = nanos + "/" + event.getId() + "/" + event.getAction();
    synchronized (recentEvents) {
      if (recentEvents.put(key, Boolean.TRUE) != null) {
        return; // replayed after a reconnect: already handled
      }
    }
    if (nanos > lastEventNanos) {
      lastEventNanos = nanos;
    }
    stats.dockerEventsSeen.incrementAndGet();
    worker.execute(() -> handle(event));
  }

  private void handle(Event event) {
    String id = event.getId() != null ? event.getId() : event.getActor() == null ? null : event.getActor().getId();
    if (id == null || id.isEmpty()) {
      return;
    }
    ContainerAction action = ContainerEventMapper.action(event.getAction());
    ContainerEvent fromMemory = remembered.withoutInspect(id, event);
    // a die replayed after a reconcile is recognised by its inspect's FinishedAt: inspect it
    if (fromMemory != null && !(action == ContainerAction.DIE && reconciledDeaths.containsKey(id))) {
      emit(id, fromMemory, ContainerEventMapper.time(event));
      if (action == ContainerAction.DIE) {
        directory.stopped(id);
      }
      return;
    }
    InspectContainerResponse inspect = null;
    String inspectError = null;
    if (INSPECTED.contains(action)) {
      try {
        inspect = calls.inspectContainerCmd(id).exec();
      } catch (NotFoundException e) {
        inspectError = "inspect: no such container";
        remembered.forget(id);
      } catch (RuntimeException e) {
        inspectError = "inspect: " + e.getMessage();
      }
    }
    if (action == ContainerAction.DIE && inspect != null && alreadyReported(id, inspect)) {
      return;
    }
    ContainerEvent mapped = ContainerEventMapper.fromEvent(event, inspect, inspectError);
    emit(id, mapped, ContainerEventMapper.time(event));
    if (inspect != null) {
      record(inspect);
    } else if (action == ContainerAction.DESTROY || inspectError != null) {
      directory.stopped(id);
    }
  }

  /** A die the engine replayed after the reconcile already reported that death. */
  private boolean alreadyReported(String id, InspectContainerResponse inspect) {
    String finishedAt = reconciledDeaths.remove(id);
    return finishedAt != null && finishedAt.equals(String.valueOf(inspect.getState().getFinishedAt()));
  }

  private void snapshotRunningContainers() {
    for (Container container : calls.listContainersCmd().exec()) {
      snapshot(container.getId());
    }
  }

  /**
   * After a reconnect: a snapshot of every running container, and a DIE for every container known as
   * running that stopped meanwhile without an event (see {@link ContainerEventMapper#missedDeath}).
   */
  private void reconcile() {
    try {
      Set<String> running = new HashSet<>();
      for (Container container : calls.listContainersCmd().exec()) {
        running.add(container.getId());
        snapshot(container.getId());
      }
      for (ContainerInfo known : directory.all()) {
        if (!running.contains(known.id())) {
          reportMissedDeath(known);
        }
      }
    } catch (RuntimeException e) {
      LOG.warn("reconciling the container list failed: {}", e.toString());
    }
  }

  private void reportMissedDeath(ContainerInfo known) {
    InspectContainerResponse inspect = inspectOrNull(known.id());
    if (inspect == null) {
      emit(known.id(), ContainerEventMapper.missedDeath(known, "inspect: no such container"), Timestamps.now());
      directory.stopped(known.id());
      return;
    }
    if (ContainerEventMapper.isRunning(inspect)) {
      record(inspect);
      return;
    }
    Instant finishedAt = ContainerEventMapper.finishedAt(inspect);
    reconciledDeaths.put(known.id(), String.valueOf(inspect.getState().getFinishedAt()));
    emit(
        known.id(),
        ContainerEventMapper.missedDeath(inspect),
        finishedAt == null ? Timestamps.now() : Timestamps.of(finishedAt));
    record(inspect);
  }

  /** Publishes a snapshot of one container and records it; false when it no longer exists. */
  private boolean snapshot(String id) {
    InspectContainerResponse inspect = inspectOrNull(id);
    if (inspect == null) {
      return false;
    }
    emit(id, ContainerEventMapper.snapshot(inspect), Timestamps.now());
    record(inspect);
    return true;
  }

  private InspectContainerResponse inspectOrNull(String id) {
    try {
      return calls.inspectContainerCmd(id).exec();
    } catch (NotFoundException e) {
      remembered.forget(id);
      return null;
    }
  }

  private void record(InspectContainerResponse inspect) {
    remembered.inspected(inspect.getId(), inspect);
    if (ContainerEventMapper.isRunning(inspect)) {
      directory.running(ContainerEventMapper.info(inspect));
    } else {
      directory.stopped(inspect.getId());
    }
  }

  private void emit(String id, ContainerEvent event, com.google.protobuf.Timestamp time) {
    sink.emit(Topic.CONTAINER_EVENTS, ContainerEventMapper.envelope(hostId, id, time, event));
  }

  private String since() {
    long nanos = lastEventNanos;
    return String.format("%d.%09d", nanos / 1_000_000_000L, nanos % 1_000_000_000L);
  }

  private void closeStream() {
    Closeable current = stream;
    stream = null;
    if (current != null) {
      try {
        current.close();
      } catch (IOException | RuntimeException e) {
        LOG.debug("closing the events stream: {}", e.toString());
      }
    }
  }

  private static long nanos(Instant instant) {
    return instant.getEpochSecond() * 1_000_000_000L + instant.getNano();
  }

  private static Thread daemon(Runnable runnable, String name) {
    Thread thread = new Thread(runnable, name);
    thread.setDaemon(true);
    return thread;
  }
}
