package io.porthole.collector.docker;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.async.ResultCallback;
import com.github.dockerjava.api.command.InspectContainerResponse;
import com.github.dockerjava.api.exception.NotFoundException;
import com.github.dockerjava.api.model.Container;
import com.github.dockerjava.api.model.Event;
import com.github.dockerjava.api.model.EventType;
import com.google.protobuf.Timestamp;
import io.porthole.collector.CollectorStats;
import io.porthole.collector.ContainerDirectory;
import io.porthole.collector.ContainerInfo;
import io.porthole.collector.EventSink;
import io.porthole.collector.HostContext;
import io.porthole.proto.ContainerAction;
import io.porthole.proto.ContainerEvent;
import io.porthole.runtime.Lifecycle;
import io.porthole.wire.Timestamps;
import io.porthole.wire.Topic;
import io.vertx.core.Context;
import io.vertx.core.Future;
import java.io.Closeable;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Publishes every container event of the engine as a {@link ContainerEvent} (with the container's
 * inspect taken right after the event) and keeps the {@link ContainerDirectory} current. An {@code
 * oom} or {@code die} is not inspected when an earlier inspect of the container is remembered (see
 * {@link RememberedContainers}): inspecting a dying container waits for the engine's clean-up, and
 * every later event waited behind it.
 *
 * <p>Threads: the events stream is followed on its own thread ({@code porthole-docker-events}),
 * which hands each event to a single ordered worker ({@code porthole-docker-inspect}) that
 * inspects, maps, emits and updates the directory. The inspects themselves run on {@link
 * InspectCalls}' threads: the worker stops waiting for one when a die of the same container is
 * queued behind it (the engine answers an inspect only after a start or a death's clean-up ends),
 * and publishes that event from the container's earlier inspect. Nothing here runs on an event
 * loop.
 *
 * <p>On start it publishes a SNAPSHOT of every running container. When the stream breaks (engine
 * restart) it waits with back-off until the engine answers, resumes the stream with {@code since}
 * set to the last event's time (the engine replays what it emitted meanwhile; replayed duplicates
 * are dropped), counts a reconnect, and reconciles: a SNAPSHOT of every running container, and a
 * DIE (raw action {@code die (reconciled)}) of every container it knew as running that stopped
 * meanwhile: with live-restore the engine emits no event for a container that exited while it was
 * down.
 *
 * <p>Across its own restarts: it persists its position in the stream (see {@link StreamPosition}:
 * the time of the last event Kafka acknowledged, the events at that time, and the containers it
 * knew) to {@code docker-events.position} at most every flush interval and on stop. On the next
 * start it asks the engine to replay the stream from that position up to now ({@code since}/{@code
 * until}), skips what it had already handed on, publishes the rest as usual, then reconciles what
 * the engine could no longer replay (its buffer is small, and empty after an engine restart): see
 * {@link Reconciliation}; those events carry source RECONCILED.
 */
public final class DockerEventSource implements Lifecycle {

  /** Name of this source in the heartbeat's degraded sources. */
  public static final String SOURCE = "docker";

  private static final Logger LOG = LoggerFactory.getLogger(DockerEventSource.class);
  private static final int MAX_QUEUED_EVENTS = 100_000;

  /** Inspects at once: the one awaited, and abandoned ones the engine has not answered yet. */
  private static final int INSPECT_THREADS = 4;

  private static final int REMEMBERED_EVENTS = 4096;
  private static final Duration STABLE_STREAM = Duration.ofSeconds(5);

  /** File under the data directory holding the {@link StreamPosition}. */
  public static final String POSITION_FILE = "docker-events.position";

  private static final int MAX_REPLAYED_EVENTS = 100_000;
  private static final int MAX_KNOWN_CONTAINERS = 10_000;
  private static final int MAX_RECONCILE_INSPECTS = 10_000;
  private static final Duration REPLAY_TIMEOUT = Duration.ofSeconds(30);
  private static final Duration FINAL_ACK_WAIT = Duration.ofSeconds(3);

  /** Actions that change a container's state or configuration: only these are inspected. */
  private static final Set<ContainerAction> INSPECTED =
      EnumSet.of(
          ContainerAction.CREATE,
          ContainerAction.START,
          ContainerAction.DIE,
          ContainerAction.OOM,
          ContainerAction.KILL,
          ContainerAction.STOP,
          ContainerAction.RESTART,
          ContainerAction.PAUSE,
          ContainerAction.UNPAUSE,
          ContainerAction.RENAME,
          ContainerAction.UPDATE,
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
  private final InspectCalls inspects;
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

  /** Containers known to the published events, persisted with the position; any thread. */
  private final Map<String, KnownContainer> known = new ConcurrentHashMap<>();

  private final AtomicLong knownVersion = new AtomicLong();
  private final PositionStore positionStore;
  private final Duration positionFlushInterval;
  private volatile PositionTracker tracker = new PositionTracker(null);
  private ScheduledExecutorService positionSaver;
  private long savedTrackerVersion = -1;
  private long savedKnownVersion = -1;
  private volatile long lastEventNanos;
  private volatile boolean stopping;
  private volatile boolean streaming;
  private volatile Closeable stream;
  private Thread streamThread;

  /**
   * @param host the shared parts; its Docker client serves inspect, list and ping (with a response
   *     timeout), and the stream position is kept in {@value #POSITION_FILE} under its data
   *     directory
   * @param events client for the events stream (without a response timeout: the stream idles)
   */
  public DockerEventSource(HostContext host, DockerClient events, DockerEventsConfig config) {
    this.positionStore = new PositionStore(host.dataDir().resolve(POSITION_FILE));
    this.positionFlushInterval = config.positionFlushInterval();
    this.context = host.vertx().getOrCreateContext();
    this.calls = host.docker();
    this.events = Objects.requireNonNull(events, "events");
    this.hostId = host.hostId();
    this.directory = host.directory();
    this.sink = host.sink();
    this.stats = host.stats();
    this.backoff = new Backoff(config.reconnectMinBackoff(), config.reconnectMaxBackoff());
    this.inspects = new InspectCalls(id -> calls.inspectContainerCmd(id).exec(), INSPECT_THREADS);
    this.worker =
        new ThreadPoolExecutor(
            1,
            1,
            0,
            TimeUnit.MILLISECONDS,
            new LinkedBlockingQueue<>(MAX_QUEUED_EVENTS),
            r -> daemon(r, "porthole-docker-inspect"),
            (task, executor) -> {
              if (task instanceof HandleEvent refused && refused.die) {
                inspects.dieHandled(refused.containerId);
              }
              if (!executor.isShutdown()) {
                stats.dockerEventsDroppedBackpressure.incrementAndGet();
              }
              // Lost (counted above): the position stays before it, so the next start goes over it.
              tracker.freeze();
            });
  }

  /**
   * Completes when the engine answered and every running container's snapshot was handed over;
   * after a restart with a persisted position, also the replayed and reconciled events of the gap.
   */
  @Override
  public Future<Void> start() {
    CompletableFuture<Void> started =
        CompletableFuture.runAsync(
            () -> {
              try {
                calls.pingCmd().exec();
              } catch (RuntimeException e) {
                throw new IllegalStateException(
                    "Docker engine does not answer: " + e.getMessage(), e);
              }
              long nowNanos = Timestamps.toEpochNanos(Instant.now());
              Optional<StreamPosition> position = loadPosition();
              StreamPosition from =
                  position.orElse(new StreamPosition(nowNanos, Set.of(), Map.of()));
              tracker = new PositionTracker(from);
              lastEventNanos = nowNanos;
              from.containers().values().forEach(c -> known.put(c.id(), c));
              List<Reconciliation.Replayed> replayed =
                  position.isPresent() ? replaySince(from, nowNanos) : List.of();
              snapshotRunningContainers();
              if (position.isPresent()) {
                reconcileGap(from, replayed, nowNanos);
              }
            },
            worker);
    return Future.fromCompletionStage(started, context)
        .onFailure(e -> worker.shutdownNow())
        .onSuccess(
            v -> {
              startPositionSaver();
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
    if (!worker.shutdownNow().isEmpty()) {
      tracker.freeze(); // events received but never handled: the next start goes over them
    }
    inspects.stop();
    ScheduledExecutorService saver = positionSaver;
    if (saver != null) {
      saver.shutdownNow();
    }
    return context
        .owner()
        .executeBlocking(
            () -> {
              if (thread != null) {
                thread.join(5000);
              }
              worker.awaitTermination(5, TimeUnit.SECONDS);
              finalSave();
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
      streaming = true;
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
      streaming = false;
      closeStream();
    }
  }

  /** The events stream is open (readiness: the collector sees what the engine does). */
  public boolean connected() {
    return streaming;
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
    if (stopping) {
      return; // not handled: the saved position stays before it
    }
    long nanos = nanos(event);
    if (!firstTime(event, nanos)) {
      return; // replayed after a reconnect: already handled
    }
    if (nanos > lastEventNanos) {
      lastEventNanos = nanos;
    }
    stats.dockerEventsSeen.incrementAndGet();
    long ticket =
        tracker.begin(
            nanos, StreamPosition.eventKey(String.valueOf(containerId(event)), event.getAction()));
    HandleEvent handling = new HandleEvent(event, ticket);
    if (handling.die) {
      inspects.dieQueued(handling.containerId); // an inspect of it in progress need not be awaited
    }
    worker.execute(handling);
  }

  /** Handling of one event of the stream, with its ticket in the {@link PositionTracker}. */
  private final class HandleEvent implements Runnable {
    final Event event;
    final long ticket;
    final String containerId;
    final boolean die;

    HandleEvent(Event event, long ticket) {
      this.event = event;
      this.ticket = ticket;
      this.containerId = containerId(event);
      this.die =
          containerId != null
              && ContainerEventMapper.action(event.getAction()) == ContainerAction.DIE;
    }

    @Override
    public void run() {
      boolean handedOn = false;
      if (die) {
        inspects.dieHandled(containerId);
      }
      try {
        handedOn = handle(event, ticket);
      } finally {
        if (!handedOn) {
          tracker.done(ticket);
        }
      }
    }
  }

  private static String containerId(Event event) {
    return event.getId() != null
        ? event.getId()
        : event.getActor() == null ? null : event.getActor().getId();
  }

  /**
   * Handles one event; true when it was handed to the sink, whose outcome then completes the
   * ticket.
   */
  private boolean handle(Event event, long ticket) {
    String id = containerId(event);
    if (id == null || id.isEmpty()) {
      return false;
    }
    ContainerAction action = ContainerEventMapper.action(event.getAction());
    ContainerEvent fromMemory = remembered.withoutInspect(id, event);
    // a die replayed after a reconcile is recognised by its inspect's FinishedAt: inspect it
    if (fromMemory != null
        && !(action == ContainerAction.DIE && reconciledDeaths.containsKey(id))) {
      emit(id, fromMemory, ContainerEventMapper.time(event), ticket);
      if (action == ContainerAction.DIE) {
        directory.stopped(id);
      }
      return true;
    }
    InspectContainerResponse inspect = null;
    String inspectError = null;
    if (INSPECTED.contains(action)) {
      InspectContainerResponse earlier = remembered.lastInspect(id);
      // Not a die (its inspect is what tells a death already reported apart), not an update (its
      // configuration is the news); the others take the configuration the container was created
      // with from its earlier inspect.
      boolean mayAbandon =
          earlier != null && action != ContainerAction.DIE && action != ContainerAction.UPDATE;
      InspectCalls.Outcome outcome;
      try {
        outcome = inspects.inspect(id, mayAbandon);
      } catch (InterruptedException | RejectedExecutionException e) {
        if (e instanceof InterruptedException) {
          Thread.currentThread().interrupt();
        }
        // Stopping: not handled, so the position stays before it and the next start goes over it.
        tracker.freeze();
        return false;
      }
      if (outcome.answer() == null
          && (action == ContainerAction.START || action == ContainerAction.RESTART)) {
        // published without its StartedAt (inspect abandoned or failed): the run's later events
        // built from memory must not take the last run's
        remembered.startedWithoutInspect(id);
      }
      if (outcome.abandoned()) {
        stats.dockerInspectsNotAwaited.incrementAndGet();
        emit(
            id,
            ContainerEventMapper.withoutItsInspect(event, earlier, remembered.unknownRun(id)),
            ContainerEventMapper.time(event),
            ticket);
        return true;
      }
      inspect = outcome.answer();
      if (outcome.failure() instanceof NotFoundException) {
        inspectError = "inspect: no such container";
        remembered.forget(id);
      } else if (outcome.failure() != null) {
        inspectError = "inspect: " + outcome.failure().getMessage();
      }
    }
    if (action == ContainerAction.DIE && inspect != null && alreadyReported(id, inspect)) {
      return false;
    }
    ContainerEvent mapped = ContainerEventMapper.fromEvent(event, inspect, inspectError);
    emit(id, mapped, ContainerEventMapper.time(event), ticket);
    if (inspect != null) {
      record(inspect);
    } else if (action == ContainerAction.DESTROY || inspectError != null) {
      directory.stopped(id);
    }
    return true;
  }

  /** A die the engine replayed after the reconcile already reported that death. */
  private boolean alreadyReported(String id, InspectContainerResponse inspect) {
    String finishedAt = reconciledDeaths.remove(id);
    return finishedAt != null
        && finishedAt.equals(String.valueOf(inspect.getState().getFinishedAt()));
  }

  private void snapshotRunningContainers() {
    for (Container container : calls.listContainersCmd().exec()) {
      snapshot(container.getId());
    }
  }

  /**
   * After a reconnect: a snapshot of every running container, and a DIE for every container known
   * as running that stopped meanwhile without an event (see {@link
   * ContainerEventMapper#missedDeath}).
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
      emit(
          known.id(),
          ContainerEventMapper.missedDeath(known, "inspect: no such container"),
          Timestamps.now());
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

  private void emit(String id, ContainerEvent event, Timestamp time) {
    remember(id, event, time);
    sink.emit(Topic.CONTAINER_EVENTS, ContainerEventMapper.envelope(hostId, id, time, event));
  }

  /** Emits an event of the stream: its ticket is done once the sink reports the outcome. */
  private void emit(String id, ContainerEvent event, Timestamp time, long ticket) {
    remember(id, event, time);
    PositionTracker current = tracker;
    sink.emit(
        Topic.CONTAINER_EVENTS,
        ContainerEventMapper.envelope(hostId, id, time, event),
        e -> outcome(current, ticket, e));
  }

  /** Kafka took the record: the position may pass it; it did not: the position stays before it. */
  private static void outcome(PositionTracker tracker, long ticket, Throwable failure) {
    if (failure == null) {
      tracker.done(ticket);
    } else {
      tracker.freeze();
    }
  }

  /** Keeps {@link #known} in step with what was published. */
  private void remember(String id, ContainerEvent event, Timestamp time) {
    KnownContainer before = known.get(id);
    KnownContainer after = KnownContainer.after(before, id, event, time);
    if (after == null) {
      if (known.remove(id) != null) {
        knownVersion.incrementAndGet();
      }
      return;
    }
    if (!after.equals(before)) {
      if (before == null && known.size() >= MAX_KNOWN_CONTAINERS && !forgetOneExited()) {
        return; // bounded: a container first seen beyond the bound is not persisted
      }
      known.put(id, after);
      knownVersion.incrementAndGet();
    }
  }

  private boolean forgetOneExited() {
    for (KnownContainer candidate : known.values()) {
      if (!candidate.running() && known.remove(candidate.id()) != null) {
        return true;
      }
    }
    return false;
  }

  private String since() {
    return engineTime(lastEventNanos);
  }

  private static String engineTime(long nanos) {
    return String.format("%d.%09d", nanos / 1_000_000_000L, nanos % 1_000_000_000L);
  }

  private Optional<StreamPosition> loadPosition() {
    try {
      Optional<StreamPosition> position = positionStore.load();
      position.ifPresent(
          p ->
              LOG.info(
                  "resuming the Docker events stream from {} ({})",
                  engineTime(p.timeNanos()),
                  positionStore.file()));
      return position;
    } catch (IOException e) {
      Path aside = positionStore.file().resolveSibling(POSITION_FILE + ".unreadable");
      LOG.warn(
          "the Docker events position cannot be read, starting from now (moved to {}): {}",
          aside,
          e.getMessage());
      try {
        Files.move(positionStore.file(), aside, StandardCopyOption.REPLACE_EXISTING);
      } catch (IOException moveFailure) {
        LOG.warn("cannot move {} aside: {}", positionStore.file(), moveFailure.toString());
      }
      return Optional.empty();
    }
  }

  /**
   * Asks the engine for the events from the position up to {@code untilNanos} (a finite stream),
   * hands on those after the position, and returns every replayed event for the reconciliation.
   */
  private List<Reconciliation.Replayed> replaySince(StreamPosition from, long untilNanos) {
    List<Event> replayed = Collections.synchronizedList(new ArrayList<>());
    ResultCallback.Adapter<Event> callback =
        new ResultCallback.Adapter<>() {
          @Override
          public void onNext(Event event) {
            if (replayed.size() < MAX_REPLAYED_EVENTS) {
              replayed.add(event);
            }
          }
        };
    try {
      events
          .eventsCmd()
          .withSince(engineTime(from.timeNanos()))
          .withUntil(engineTime(untilNanos))
          .withEventTypeFilter(EventType.CONTAINER)
          .exec(callback);
      if (!callback.awaitCompletion(REPLAY_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)) {
        LOG.warn(
            "the engine's replay of events did not end within {}; reconciling the rest",
            REPLAY_TIMEOUT);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (RuntimeException e) {
      LOG.warn(
          "the engine's replay of events since {} failed, reconciling instead: {}",
          engineTime(from.timeNanos()),
          e.toString());
    } finally {
      try {
        callback.close();
      } catch (IOException | RuntimeException e) {
        LOG.debug("closing the replay: {}", e.toString());
      }
    }
    List<Reconciliation.Replayed> seen = new ArrayList<>();
    List<Event> copy;
    synchronized (replayed) {
      copy = List.copyOf(replayed);
    }
    for (Event event : copy) {
      String id = containerId(event);
      if (id == null) {
        continue;
      }
      long nanos = nanos(event);
      seen.add(
          new Reconciliation.Replayed(id, ContainerEventMapper.action(event.getAction()), nanos));
      if (from.covers(nanos, id, event.getAction())) {
        stats.dockerEventsReplaySkipped.incrementAndGet();
        continue;
      }
      if (!firstTime(event, nanos)) {
        continue;
      }
      stats.dockerEventsSeen.incrementAndGet();
      long ticket = tracker.begin(nanos, StreamPosition.eventKey(id, event.getAction()));
      new HandleEvent(event, ticket).run();
    }
    LOG.info(
        "the engine replayed {} container events since {}",
        copy.size(),
        engineTime(from.timeNanos()));
    return seen;
  }

  /**
   * Publishes what the engine could not replay (see {@link Reconciliation}), then moves the
   * position to {@code nowNanos} once those are delivered, so the next start does not reconcile
   * them again.
   */
  private void reconcileGap(
      StreamPosition from, List<Reconciliation.Replayed> replayed, long nowNanos) {
    Map<String, InspectContainerResponse> inspects = new HashMap<>();
    Set<String> listed = new HashSet<>();
    try {
      for (Container container : calls.listContainersCmd().withShowAll(true).exec()) {
        listed.add(container.getId());
        if (inspects.size() < MAX_RECONCILE_INSPECTS) {
          InspectContainerResponse inspect = inspectOrNull(container.getId());
          if (inspect != null) {
            inspects.put(container.getId(), inspect);
          }
        }
      }
    } catch (RuntimeException e) {
      LOG.warn(
          "listing containers to reconcile the gap failed; the next start reconciles it: {}",
          e.toString());
      tracker.freeze(); // the position must not pass the gap
      return;
    }
    List<InspectedState> states = inspects.values().stream().map(InspectedState::of).toList();
    List<Reconciliation.Missed> missed =
        Reconciliation.missed(
            from.timeNanos(), from.containers(), replayed, states, listed, nowNanos);
    long ticket = tracker.begin(nowNanos, "");
    AtomicInteger outstanding = new AtomicInteger(missed.size() + 1);
    PositionTracker current = tracker;
    Consumer<Throwable> delivered =
        failure -> {
          if (failure != null) {
            current.freeze();
          } else if (outstanding.decrementAndGet() == 0) {
            current.done(ticket);
          }
        };
    for (Reconciliation.Missed event : missed) {
      ContainerEvent rebuilt = rebuild(event, inspects.get(event.containerId()));
      Timestamp time = Timestamps.of(Instant.ofEpochSecond(0, event.timeNanos()));
      remember(event.containerId(), rebuilt, time);
      stats.dockerEventsReconciled.incrementAndGet();
      sink.emit(
          Topic.CONTAINER_EVENTS,
          ContainerEventMapper.envelope(hostId, event.containerId(), time, rebuilt),
          delivered);
      if (event.action() == ContainerAction.DIE || event.action() == ContainerAction.DESTROY) {
        directory.stopped(event.containerId());
      }
    }
    delivered.accept(null);
    if (!missed.isEmpty()) {
      LOG.info(
          "reconciled {} container events missed since {}",
          missed.size(),
          engineTime(from.timeNanos()));
    }
  }

  private static ContainerEvent rebuild(
      Reconciliation.Missed event, InspectContainerResponse inspect) {
    if (inspect != null) {
      return ContainerEventMapper.reconciled(event.action(), inspect);
    }
    KnownContainer known = event.known();
    Instant startedAt =
        known == null || known.startedAtNanos() == 0
            ? null
            : Instant.ofEpochSecond(0, known.startedAtNanos());
    return ContainerEventMapper.reconciledGone(
        event.action(), startedAt, "inspect: no such container");
  }

  private void startPositionSaver() {
    positionSaver =
        Executors.newSingleThreadScheduledExecutor(r -> daemon(r, "porthole-docker-position"));
    long every = Math.max(10, positionFlushInterval.toMillis());
    positionSaver.scheduleWithFixedDelay(this::saveIfMoved, every, every, TimeUnit.MILLISECONDS);
  }

  /** Writes the position when it or the known containers changed since the last save. */
  private synchronized void saveIfMoved() {
    PositionTracker current = tracker;
    long version = current.version();
    long knownNow = knownVersion.get();
    if (version == savedTrackerVersion && knownNow == savedKnownVersion) {
      return;
    }
    try {
      positionStore.save(
          new StreamPosition(current.committedNanos(), current.committedKeys(), Map.copyOf(known)));
      savedTrackerVersion = version;
      savedKnownVersion = knownNow;
    } catch (IOException | RuntimeException e) {
      LOG.warn(
          "saving the Docker events position to {} failed: {}", positionStore.file(), e.toString());
    }
  }

  /** On stop: waits briefly for the last events' acknowledgements, then saves. */
  private void finalSave() throws InterruptedException {
    long deadline = System.nanoTime() + FINAL_ACK_WAIT.toNanos();
    while (tracker.inFlight() > 0 && System.nanoTime() < deadline) {
      Thread.sleep(
          10); // acknowledgements arrive on Kafka's thread; nothing to wait on but the count
    }
    saveIfMoved();
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

  /**
   * False for an event this source has already seen (the engine replays from {@code since}
   * inclusive).
   */
  private boolean firstTime(Event event, long nanos) {
    String key = nanos + "/" + containerId(event) + "/" + event.getAction();
    synchronized (recentEvents) {
      return recentEvents.put(key, Boolean.TRUE) == null;
    }
  }

  private static long nanos(Event event) {
    if (event.getTimeNano() != null && event.getTimeNano() > 0) {
      return event.getTimeNano();
    }
    return event.getTime() == null ? 0 : event.getTime() * 1_000_000_000L;
  }

  private static Thread daemon(Runnable runnable, String name) {
    Thread thread = new Thread(runnable, name);
    thread.setDaemon(true);
    return thread;
  }
}
