package io.porthole.collector.strace;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.exception.NotFoundException;
import io.porthole.collector.CollectorStats;
import io.porthole.collector.ContainerDirectory;
import io.porthole.collector.ContainerInfo;
import io.porthole.collector.EventSink;
import io.porthole.collector.HostContext;
import io.porthole.proto.EventEnvelope;
import io.porthole.runtime.Executables;
import io.porthole.runtime.Lifecycle;
import io.porthole.wire.Topic;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Traces the syscalls of containers with strace from the host and publishes them as SyscallBatch
 * envelopes on {@link Topic#SYSCALLS}: containers labelled {@code porthole.trace=syscalls} from
 * their start for as long as they run (it listens to the {@link ContainerDirectory}), and any
 * container on demand for a bounded time ({@link #trace}, the TRACE_SYSCALLS remediation).
 *
 * <p>strace attaches to every process of the container (from its cgroup) while the container is
 * paused, so nothing runs between listing the processes and attaching; the container is unpaused in
 * every case. Each pause is written down (under the data directory) before it happens and the
 * record removed after the unpause, so a container a crash left paused is unpaused at the next
 * start. Each strace runs as a child process read by its own thread (never an event loop); it ends
 * when its container stops, its duration ends, or on {@link #stop()}; a JVM shutdown hook and a
 * parent-death signal end it when the collector goes away, so no strace process outlives it.
 *
 * <p>Without a strace binary the tracer still starts (reported by {@link #degradedReason()}), and
 * every trace fails naming the reason; a failed attach fails that trace only.
 */
public final class SyscallTracer implements Lifecycle, ContainerDirectory.Listener {

  public static final String TRACE_LABEL = "porthole.trace";
  public static final String TRACE_LABEL_VALUE = "syscalls";

  /** SyscallBatch.trace_reason of containers traced because of their label. */
  public static final String LABEL_REASON = "label";

  private static final Logger LOG = LoggerFactory.getLogger(SyscallTracer.class);

  private final Vertx vertx;
  private final Context context;
  private final StraceConfig config;
  private final ContainerDirectory directory;
  private final EventSink sink;
  private final CollectorStats stats;
  private final String hostId;
  private final DockerClient docker;
  private final ContainerProcesses processes;
  private final PausedContainers paused;
  private final Map<String, TraceSession> sessions = new ConcurrentHashMap<>();
  private final ExecutorService attachExecutor;
  private final Thread shutdownHook;
  private volatile StraceCommand command;
  private volatile String degradedReason;
  private volatile boolean running;

  /**
   * @param host the shared parts; its Docker client pauses the container while strace attaches, and
   *     the containers paused are written down under its data directory until unpaused, so that the
   *     next start unpauses any a crash left paused
   */
  public SyscallTracer(HostContext host, StraceConfig config) {
    this.vertx = host.vertx();
    this.context = vertx.getOrCreateContext();
    this.config = Objects.requireNonNull(config, "config");
    this.directory = host.directory();
    this.sink = host.sink();
    this.stats = host.stats();
    this.hostId = host.hostId();
    this.docker = host.docker();
    this.processes = new ContainerProcesses();
    this.paused = new PausedContainers(host.dataDir());
    AtomicInteger threads = new AtomicInteger();
    this.attachExecutor =
        Executors.newCachedThreadPool(
            r -> {
              Thread t = new Thread(r, "porthole-strace-attach-" + threads.incrementAndGet());
              t.setDaemon(true);
              return t;
            });
    this.shutdownHook = new Thread(this::endAllNow, "porthole-strace-shutdown");
  }

  /** True when the container asks to be traced from its start ({@code porthole.trace=syscalls}). */
  public static boolean isLabelled(ContainerInfo container) {
    return TRACE_LABEL_VALUE.equals(container.labels().get(TRACE_LABEL));
  }

  /**
   * Finds the strace binary, starts listening to the container directory and traces the labelled
   * containers already running. Succeeds without strace (see {@link #degradedReason()}).
   */
  @Override
  public Future<Void> start() {
    return vertx
        .executeBlocking(
            () -> {
              paused.unpauseLeftovers(docker);
              // Built here: it looks for its wrappers and reads this process's capabilities.
              return Executables.find(config.binary())
                  .map(binary -> new StraceCommand(binary.toString(), config.syscalls(), true));
            })
        .map(
            found -> {
              if (found.isEmpty()) {
                degradedReason =
                    "strace binary '"
                        + config.binary()
                        + "' not found"
                        + (config.binary().contains("/") ? "" : " on PATH")
                        + " ("
                        + StraceConfig.BINARY
                        + ")";
                LOG.warn("syscall tracing unavailable: {}", degradedReason);
              } else {
                command = found.get();
              }
              Runtime.getRuntime().addShutdownHook(shutdownHook);
              running = true;
              directory.addListener(this);
              for (ContainerInfo container : directory.all()) {
                started(container);
              }
              return null;
            });
  }

  /** Ends every trace and waits (bounded) for their strace processes to exit. */
  @Override
  public Future<Void> stop() {
    if (!running) {
      return Future.succeededFuture();
    }
    running = false;
    directory.removeListener(this);
    List<CompletableFuture<Void>> ended = new ArrayList<>();
    for (TraceSession session : sessions.values()) {
      session.end("tracer stopped");
      ended.add(session.ended());
    }
    CompletableFuture<Void> all =
        CompletableFuture.allOf(ended.toArray(CompletableFuture[]::new))
            .completeOnTimeout(null, 10, TimeUnit.SECONDS);
    return Future.fromCompletionStage(all, context)
        .eventually(
            () ->
                vertx.executeBlocking(
                    () -> {
                      endAllNow();
                      attachExecutor.shutdownNow();
                      try {
                        Runtime.getRuntime().removeShutdownHook(shutdownHook);
                      } catch (IllegalStateException e) {
                        // the JVM is shutting down: the hook runs anyway
                      }
                      return null;
                    }))
        .mapEmpty();
  }

  /** A labelled container started (or was found running): trace it for as long as it runs. */
  @Override
  public void started(ContainerInfo container) {
    if (!running || !isLabelled(container)) {
      return;
    }
    startSession(container, LABEL_REASON, null)
        .onFailure(
            e ->
                LOG.atWarn()
                    .addKeyValue("container_id", container.id())
                    .log(
                        "cannot trace labelled container {}: {}",
                        container.name(),
                        e.getMessage()));
  }

  @Override
  public void stopped(String containerId) {
    TraceSession session = sessions.get(containerId);
    if (session != null) {
      session.end("container stopped");
    }
  }

  /**
   * Traces a running container for a bounded time (shortened to {@code strace.max.duration}). The
   * future completes when the trace has ended (its duration passed or the container stopped); it
   * fails, naming the reason, when the container is unknown, strace is missing, too many containers
   * are traced, or strace cannot attach. A container already traced stays traced by the running
   * strace and the future completes after the duration.
   *
   * @param containerId full id, unique id prefix (12+ characters) or name
   * @param reason recorded in each batch ({@code command:<id>})
   */
  public Future<Void> trace(String containerId, Duration duration, String reason) {
    Objects.requireNonNull(containerId, "containerId");
    Objects.requireNonNull(duration, "duration");
    Objects.requireNonNull(reason, "reason");
    if (duration.isNegative() || duration.isZero()) {
      return Future.failedFuture(
          new IllegalArgumentException("trace duration must be positive but was " + duration));
    }
    Optional<ContainerInfo> container = directory.find(containerId);
    if (container.isEmpty()) {
      return Future.failedFuture(
          new StraceException("no running container '" + containerId + "' on host " + hostId));
    }
    Duration bounded =
        duration.compareTo(config.maxDuration()) > 0 ? config.maxDuration() : duration;
    if (bounded != duration) {
      LOG.info(
          "trace of {} shortened from {} to {} ({})",
          containerId,
          duration,
          bounded,
          StraceConfig.MAX_DURATION);
    }
    return startSession(container.get(), reason, bounded);
  }

  private Future<Void> startSession(ContainerInfo container, String reason, Duration duration) {
    if (!running) {
      return Future.failedFuture(new StraceException("syscall tracer is not running"));
    }
    StraceCommand cmd = command;
    if (cmd == null) {
      return Future.failedFuture(
          new StraceException(
              "cannot trace container " + container.name() + ": " + degradedReason));
    }
    if (container.pid() <= 0) {
      return Future.failedFuture(
          new StraceException("container " + container.name() + " has no running process"));
    }
    TraceSession session;
    synchronized (sessions) {
      TraceSession existing = sessions.get(container.id());
      if (existing != null && existing.mainPid() == container.pid()) {
        LOG.info(
            "container {} is already traced ({}); {} joins that trace",
            container.name(),
            existing.reason(),
            reason);
        return joinExisting(existing, duration);
      }
      if (existing != null) {
        // restarted with a new main process: the old strace ends with the old processes
        existing.end("container restarted");
        return Future.fromCompletionStage(existing.ended(), context)
            .compose(v -> startSession(container, reason, duration));
      }
      if (sessions.size() >= config.maxConcurrent()) {
        return Future.failedFuture(
            new StraceException(
                "cannot trace container "
                    + container.name()
                    + ": already tracing "
                    + sessions.size()
                    + " containers ("
                    + StraceConfig.MAX_CONCURRENT
                    + "="
                    + config.maxConcurrent()
                    + ")"));
      }
      SyscallBatcher batcher =
          new SyscallBatcher(
              hostId,
              container.id(),
              reason,
              config.batchInterval(),
              config.batchMaxEvents(),
              System::currentTimeMillis,
              this::publish);
      session =
          new TraceSession(container.id(), container.pid(), reason, cmd, processes, batcher, stats);
      sessions.put(container.id(), session);
      Promise<Void> traced = Promise.promise();
      try {
        attachExecutor.execute(() -> attach(session, batcher, duration, traced));
      } catch (RejectedExecutionException e) {
        sessions.remove(container.id(), session);
        return Future.failedFuture(new StraceException("syscall tracer is not running"));
      }
      return traced.future();
    }
  }

  private void attach(
      TraceSession session, SyscallBatcher batcher, Duration duration, Promise<Void> traced) {
    boolean paused = config.pauseWhileAttaching() && pause(session.containerId());
    try {
      session.attach(config.attachTimeout());
    } catch (StraceException | RuntimeException e) {
      sessions.remove(session.containerId(), session);
      String message =
          e instanceof StraceException ? e.getMessage() : "cannot trace container: " + e;
      context.runOnContext(v -> traced.fail(new StraceException(message)));
      return;
    } finally {
      if (paused) {
        unpause(session.containerId());
      }
    }
    context.runOnContext(
        v -> {
          long flushTimer =
              vertx.setPeriodic(config.batchInterval().toMillis(), id -> batcher.flushIfDue());
          long deadline =
              duration == null
                  ? -1
                  : vertx.setTimer(
                      duration.toMillis(),
                      id -> session.end("duration of " + duration.toMillis() + " ms elapsed"));
          session
              .ended()
              .whenComplete(
                  (r, e) ->
                      context.runOnContext(
                          x -> {
                            vertx.cancelTimer(flushTimer);
                            if (deadline >= 0) {
                              vertx.cancelTimer(deadline);
                            }
                            sessions.remove(session.containerId(), session);
                            traced.tryComplete();
                          }));
          if (!running || directory.byId(session.containerId()).isEmpty()) {
            session.end(running ? "container stopped" : "tracer stopped");
          }
        });
  }

  private Future<Void> joinExisting(TraceSession existing, Duration duration) {
    Promise<Void> joined = Promise.promise();
    long timer =
        duration == null ? -1 : vertx.setTimer(duration.toMillis(), id -> joined.tryComplete());
    existing
        .ended()
        .whenComplete(
            (r, e) ->
                context.runOnContext(
                    v -> {
                      if (timer >= 0) {
                        vertx.cancelTimer(timer);
                      }
                      joined.tryComplete();
                    }));
    return joined.future();
  }

  private void publish(EventEnvelope envelope) {
    sink.emit(Topic.SYSCALLS, envelope); // the sink counts it once Kafka acknowledged it
  }

  private boolean pause(String containerId) {
    if (!paused.aboutToPause(containerId)) {
      return false;
    }
    try {
      docker.pauseContainerCmd(containerId).exec();
      return true;
    } catch (RuntimeException e) {
      LOG.atInfo()
          .addKeyValue("container_id", containerId)
          .log("attaching to container {} without pausing it: {}", containerId, e.getMessage());
      paused.unpaused(containerId);
      return false;
    }
  }

  private void unpause(String containerId) {
    RuntimeException last = null;
    for (int attempt = 0; attempt < 5; attempt++) {
      try {
        docker.unpauseContainerCmd(containerId).exec();
        forgetPause(containerId);
        return;
      } catch (NotFoundException e) {
        forgetPause(containerId);
        return; // removed meanwhile
      } catch (RuntimeException e) {
        last = e;
        try {
          Thread.sleep(200L * (attempt + 1));
        } catch (InterruptedException ie) {
          Thread.currentThread().interrupt();
        }
      }
    }
    LOG.error(
        "container {} could not be unpaused after attaching strace (the next start tries "
            + "again): {}",
        containerId,
        last == null ? "" : last.getMessage());
  }

  private void forgetPause(String containerId) {
    paused.unpaused(containerId);
  }

  private void endAllNow() {
    for (TraceSession session : sessions.values()) {
      session.endNow();
    }
  }

  /** Why tracing is unavailable (no strace binary), or empty when it works. */
  public Optional<String> degradedReason() {
    return Optional.ofNullable(degradedReason);
  }

  /** Ids of the containers traced right now. */
  public Set<String> tracedContainers() {
    return Set.copyOf(sessions.keySet());
  }

  /** The strace processes running right now (for tests and diagnostics). */
  public List<ProcessHandle> straceProcesses() {
    List<ProcessHandle> handles = new ArrayList<>();
    sessions
        .values()
        .forEach(s -> s.strace().filter(ProcessHandle::isAlive).ifPresent(handles::add));
    return handles;
  }

  /** The resolved strace binary, once started. */
  Optional<Path> binary() {
    StraceCommand cmd = command;
    return cmd == null ? Optional.empty() : Optional.of(Path.of(cmd.binary()));
  }
}
