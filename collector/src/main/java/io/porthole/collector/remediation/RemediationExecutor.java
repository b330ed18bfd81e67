package io.porthole.collector.remediation;

import static io.porthole.proto.RemediationStatus.FAILED;
import static io.porthole.proto.RemediationStatus.REJECTED;
import static io.porthole.proto.RemediationStatus.RUNNING;
import static io.porthole.proto.RemediationStatus.SUCCEEDED;

import com.github.dockerjava.api.DockerClient;
import io.porthole.collector.ContainerDirectory;
import io.porthole.proto.ArtifactChunk;
import io.porthole.proto.RemediationAction;
import io.porthole.proto.RemediationCommand;
import io.porthole.proto.RemediationResult;
import io.porthole.proto.RemediationStatus;
import io.porthole.runtime.Lifecycle;
import io.porthole.wire.Timestamps;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.WorkerExecutor;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Carries out verified remediation commands on this host, each as a chain of small named steps on
 * worker threads (find the container, resolve its veth, prove it safe, act, verify, report), and
 * restores TTL isolations by itself, also after a restart ({@link IsolationStore}). Commands on the
 * same container run one after another; others run side by side. Never called with an unverified
 * command: {@link CommandConsumer} checks signature, expiry and host first.
 */
public final class RemediationExecutor implements Lifecycle {

  private static final Logger LOG = LoggerFactory.getLogger(RemediationExecutor.class);

  private final Vertx vertx;
  private final RemediationConfig config;
  private final String hostId;
  private final ContainerLookup containers;
  private final VethResolver veths;
  private final LinkSwitch links;
  private final PacketCapture capture;
  private final ImageFileExtractor extractor;
  private final SyscallTraceStarter tracer;
  private final IsolationStore isolations;
  private final ResultSink results;
  private final Clock clock;
  private final Map<String, Future<?>> queues = new HashMap<>();
  private final Set<Long> restoreTimers = ConcurrentHashMap.newKeySet();
  private WorkerExecutor workers;

  public RemediationExecutor(
      Vertx vertx,
      RemediationConfig config,
      String hostId,
      ContainerLookup containers,
      VethResolver veths,
      LinkSwitch links,
      PacketCapture capture,
      ImageFileExtractor extractor,
      SyscallTraceStarter tracer,
      IsolationStore isolations,
      ResultSink results,
      Clock clock) {
    this.vertx = Objects.requireNonNull(vertx, "vertx");
    this.config = Objects.requireNonNull(config, "config");
    this.hostId = Objects.requireNonNull(hostId, "hostId");
    this.containers = Objects.requireNonNull(containers, "containers");
    this.veths = Objects.requireNonNull(veths, "veths");
    this.links = Objects.requireNonNull(links, "links");
    this.capture = Objects.requireNonNull(capture, "capture");
    this.extractor = Objects.requireNonNull(extractor, "extractor");
    this.tracer = Objects.requireNonNull(tracer, "tracer");
    this.isolations = Objects.requireNonNull(isolations, "isolations");
    this.results = Objects.requireNonNull(results, "results");
    this.clock = Objects.requireNonNull(clock, "clock");
  }

  /** The executor with its real parts: {@code ip}/{@code nsenter} processes, docker-java, libpcap. */
  public static RemediationExecutor create(
      Vertx vertx,
      RemediationConfig config,
      String hostId,
      DockerClient docker,
      ContainerDirectory directory,
      SyscallTraceStarter tracer,
      ResultSink results) {
    CommandRunner runner = new ProcessCommandRunner();
    return new RemediationExecutor(
        vertx,
        config,
        hostId,
        new ContainerLookup(directory, docker),
        new VethResolver(runner, docker),
        new LinkSwitch(runner),
        new PacketCapture(),
        new ImageFileExtractor(docker),
        tracer,
        new IsolationStore(config.isolationsFile()),
        results,
        Clock.systemUTC());
  }

  /** Loads pending restores: restores the expired ones now and schedules the others. */
  @Override
  public Future<Void> start() {
    workers = vertx.createSharedWorkerExecutor("porthole-remediation", config.maxConcurrentCommands() + 1, 1, TimeUnit.HOURS);
    return blocking(isolations::load).map(pending -> {
      pending.forEach(this::scheduleRestore);
      LOG.info("remediation executor started; {} pending restore(s)", pending.size());
      return null;
    });
  }

  @Override
  public Future<Void> stop() {
    // Pending restores stay in the store: the next start restores them.
    restoreTimers.forEach(vertx::cancelTimer);
    restoreTimers.clear();
    return workers == null ? Future.succeededFuture() : workers.close();
  }

  /**
   * Carries out a verified command: the results to publish, in order (one, or one per artifact
   * chunk). Never fails: a refusal is a REJECTED result, an error a FAILED one.
   */
  public Future<List<RemediationResult>> execute(RemediationCommand command) {
    String queue = command.getContainerId().isEmpty() ? command.getCommandId() : command.getContainerId();
    synchronized (queues) {
      Future<?> previous = queues.getOrDefault(queue, Future.succeededFuture());
      Future<List<RemediationResult>> next = previous.transform(ignored -> run(command));
      queues.put(queue, next);
      next.onComplete(done -> {
        synchronized (queues) {
          queues.remove(queue, next);
        }
      });
      return next;
    }
  }

  private Future<List<RemediationResult>> run(RemediationCommand command) {
    Instant started = clock.instant();
    Future<List<RemediationResult>> outcome;
    try {
      outcome = switch (command.getAction()) {
        case ISOLATE_NETWORK -> isolate(command, started);
        case RESTORE_NETWORK -> restore(command, started);
        case CAPTURE_PACKETS -> capturePackets(command, started);
        case EXTRACT_FILE -> extractFile(command, started);
        case TRACE_SYSCALLS -> traceSyscalls(command, started);
        default -> Future.failedFuture(new RemediationRefused("unknown action " + command.getAction()));
      };
    } catch (RuntimeException e) {
      outcome = Future.failedFuture(e);
    }
    return outcome.recover(e -> Future.succeededFuture(List.of(failure(command, started, e))));
  }

  // ISOLATE_NETWORK: find container, resolve veth, prove it safe, bring it down, verify, remember the TTL.
  private Future<List<RemediationResult>> isolate(RemediationCommand command, Instant started) {
    Duration ttl = Duration.ofSeconds(command.getTtlSeconds());
    if (ttl.compareTo(config.maxTtl()) > 0) {
      throw new RemediationRefused("ttl_seconds " + command.getTtlSeconds() + " exceeds the maximum of " + config.maxTtl().toSeconds());
    }
    return findContainer(command).compose(container -> provenVeth(container).compose(veth -> {
      if (command.getDryRun()) {
        return done(result(command, started, SUCCEEDED,
            "dry run: would bring " + describe(veth) + " of " + container.label() + " down" + ttlText(ttl) + "; nothing changed").setInterface(veth.veth()));
      }
      return blocking(() -> links.set(veth, false))
          .compose(link -> rememberRestore(command, container, veth, ttl))
          .map(restoreAt -> {
            RemediationResult.Builder result = result(command, started, SUCCEEDED,
                describe(veth) + " of " + container.label() + " is down: the container is cut off from the network" + ttlText(ttl))
                .setInterface(veth.veth());
            restoreAt.ifPresent(at -> result.setRestoreAt(Timestamps.of(at)));
            return List.of(result.build());
          });
    }));
  }

  // RESTORE_NETWORK: find container, resolve veth, prove it safe, bring it up, verify, forget the TTL.
  private Future<List<RemediationResult>> restore(RemediationCommand command, Instant started) {
    return findContainer(command).compose(container -> provenVeth(container).compose(veth -> {
      if (command.getDryRun()) {
        return done(result(command, started, SUCCEEDED,
            "dry run: would bring " + describe(veth) + " of " + container.label() + " up; nothing changed").setInterface(veth.veth()));
      }
      return bringUp(container, veth)
          .map(link -> List.of(result(command, started, SUCCEEDED,
              describe(veth) + " of " + container.label() + " is up again (state " + link.state() + ")").setInterface(veth.veth()).build()));
    }));
  }

  // CAPTURE_PACKETS: find container, resolve veth, check bounds, capture, chunk the pcap file.
  private Future<List<RemediationResult>> capturePackets(RemediationCommand command, Instant started) {
    Duration duration = bounded("duration_seconds", Duration.ofSeconds(command.getDurationSeconds()), config.captureDefaultDuration(), config.captureMaxDuration());
    long maxPackets = bounded("max_packets", command.getMaxPackets(), config.captureDefaultPackets(), config.captureMaxPackets());
    long maxBytes = bounded("max_bytes", command.getMaxBytes(), config.captureDefaultBytes(), config.captureMaxBytes());
    return findContainer(command).compose(container -> provenVeth(container).compose(veth -> {
      String bounds = duration.toSeconds() + " s, at most " + maxPackets + " packets and " + maxBytes + " bytes";
      if (command.getDryRun()) {
        return done(result(command, started, SUCCEEDED,
            "dry run: would capture on " + describe(veth) + " of " + container.label() + " for " + bounds + "; nothing captured").setInterface(veth.veth()));
      }
      Path file = config.captureDir().resolve(command.getCommandId() + ".pcap");
      return blocking(() -> {
        Files.createDirectories(file.getParent());
        try {
          PacketCapture.Summary summary = capture.capture(veth.veth(), "", duration, maxPackets, maxBytes, file);
          return new Captured(summary, Files.readAllBytes(file));
        } finally {
          Files.deleteIfExists(file);
        }
      }).map(captured -> artifactResults(command, started,
          captured.summary.packets() + " packets (" + captured.bytes.length + " bytes of pcap) captured on " + veth.veth()
              + " of " + container.label() + ", stopped by " + captured.summary.stoppedBy() + " (" + bounds + ")",
          veth.veth(), ArtifactChunker.chunk(captured.bytes, config.chunkBytes(), ArtifactChunker.PCAP, "capture-" + container.label() + ".pcap")));
    }));
  }

  // EXTRACT_FILE: check image and path, create (never start) a container, copy the file out, remove it.
  private Future<List<RemediationResult>> extractFile(RemediationCommand command, Instant started) {
    String image = command.getImage().strip();
    String path = command.getPath();
    if (image.isEmpty()) {
      throw new RemediationRefused("EXTRACT_FILE needs an image");
    }
    if (!path.startsWith("/") || path.contains("\0") || List.of(path.split("/")).contains("..")) {
      throw new RemediationRefused("path '" + path + "' must be absolute without '..'");
    }
    long maxBytes = bounded("max_bytes", command.getMaxBytes(), config.extractMaxBytes(), config.extractMaxBytes());
    if (command.getDryRun()) {
      return done(result(command, started, SUCCEEDED,
          "dry run: would copy " + path + " (at most " + maxBytes + " bytes) out of image " + image + " without starting it; nothing changed"));
    }
    return blocking(() -> extractor.extract(image, path, maxBytes))
        .map(file -> artifactResults(command, started,
            path + " from image " + image + ": " + file.bytes().length + " bytes, sha256 " + ArtifactChunker.sha256(file.bytes()),
            "", ArtifactChunker.chunk(file.bytes(), config.chunkBytes(), ArtifactChunker.OCTET_STREAM, file.fileName())));
  }

  // TRACE_SYSCALLS: find container, check bounds, report RUNNING, trace, report the end.
  private Future<List<RemediationResult>> traceSyscalls(RemediationCommand command, Instant started) {
    Duration duration = bounded("duration_seconds", Duration.ofSeconds(command.getDurationSeconds()), Duration.ofSeconds(30), config.traceMaxDuration());
    return findContainer(command).compose(container -> {
      if (command.getDryRun()) {
        return done(result(command, started, SUCCEEDED,
            "dry run: would trace the syscalls of " + container.label() + " for " + duration.toSeconds() + " s; nothing changed"));
      }
      String detail = "syscalls of " + container.label() + " traced for " + duration.toSeconds() + " s";
      return results.send(result(command, started, RUNNING, "tracing the " + detail).build())
          .recover(e -> Future.succeededFuture())
          .compose(v -> tracer.trace(container.id(), duration, command.getReason()))
          .map(v -> List.of(result(command, started, SUCCEEDED, detail + " (on porthole.syscalls.v1)").build()));
    });
  }

  private Future<TargetContainer> findContainer(RemediationCommand command) {
    if (command.getContainerId().isEmpty()) {
      return Future.failedFuture(new RemediationRefused(command.getAction() + " needs a container id"));
    }
    return blocking(() -> containers.runningContainer(command.getContainerId()));
  }

  private Future<VethVerdict> provenVeth(TargetContainer container) {
    return blocking(() -> {
      VethVerdict verdict = veths.resolve(container);
      if (!verdict.isSafe()) {
        throw new RemediationRefused("refusing to touch the network of " + container.label() + ": " + verdict.refusal());
      }
      return verdict;
    });
  }

  private Future<IpLink> bringUp(TargetContainer container, VethVerdict veth) {
    return blocking(() -> {
      IpLink link = links.set(veth, true);
      isolations.remove(container.id());
      return link;
    });
  }

  private Future<Optional<Instant>> rememberRestore(
      RemediationCommand command, TargetContainer container, VethVerdict veth, Duration ttl) {
    return blocking(() -> {
      if (ttl.isZero()) {
        isolations.remove(container.id());
        return Optional.<Instant>empty();
      }
      Instant restoreAt = clock.instant().plus(ttl);
      PendingRestore pending = new PendingRestore(container.id(), container.name(), command.getCommandId(), veth.veth(), restoreAt.toEpochMilli());
      isolations.put(pending);
      scheduleRestore(pending);
      return Optional.of(restoreAt);
    });
  }

  private void scheduleRestore(PendingRestore pending) {
    long delay = Math.max(1, pending.restoreAtEpochMillis() - clock.millis());
    restoreTimers.add(vertx.setTimer(delay, id -> {
      restoreTimers.remove(id);
      restoreByTtl(pending);
    }));
  }

  // The TTL ran out: restore unless a later command replaced or removed this isolation.
  private void restoreByTtl(PendingRestore pending) {
    RemediationCommand restore = RemediationCommand.newBuilder()
        .setCommandId(pending.commandId() + "-ttl-restore")
        .setAction(RemediationAction.RESTORE_NETWORK)
        .setHostId(hostId)
        .setContainerId(pending.containerId())
        .setContainerName(pending.containerName())
        .setReason("TTL of isolation " + pending.commandId() + " expired")
        .setRequestedBy("collector")
        .build();
    Instant started = clock.instant();
    String queue = pending.containerId();
    Future<List<RemediationResult>> restored;
    synchronized (queues) {
      Future<?> previous = queues.getOrDefault(queue, Future.succeededFuture());
      restored = previous.transform(ignored -> blocking(() -> isolations.all().contains(pending))
          .compose(stillPending -> stillPending ? ttlRestore(restore, pending, started) : Future.succeededFuture(List.<RemediationResult>of())));
      queues.put(queue, restored);
    }
    restored
        .recover(e -> Future.succeededFuture(List.of(failure(restore, started, e))))
        .onSuccess(list -> list.forEach(result -> {
          LOG.info("TTL restore of {}: {} {}", pending.containerId(), result.getStatus(), result.getDetail());
          results.send(result).onFailure(e -> LOG.warn("TTL restore result not published: {}", e.toString()));
        }));
  }

  private Future<List<RemediationResult>> ttlRestore(RemediationCommand restore, PendingRestore pending, Instant started) {
    return restore(restore, started).compose(list -> {
      boolean containerGone = list.stream().anyMatch(r -> r.getStatus() != SUCCEEDED);
      // A container that is gone or refused cannot be restored later either: forget it.
      return containerGone ? blocking(() -> isolations.remove(pending)).map(list) : Future.succeededFuture(list);
    }, e -> blocking(() -> isolations.remove(pending)).compose(v -> Future.failedFuture(e)));
  }

  private <T> Future<T> blocking(Callable<T> work) {
    return workers.executeBlocking(work, false);
  }

  private List<RemediationResult> artifactResults(
      RemediationCommand command, Instant started, String detail, String iface, List<ArtifactChunk> chunks) {
    RemediationResult.Builder base = result(command, started, SUCCEEDED, detail).setInterface(iface);
    return chunks.stream().map(chunk -> base.clone().setArtifact(chunk).build()).toList();
  }

  private RemediationResult.Builder result(RemediationCommand command, Instant started, RemediationStatus status, String detail) {
    return RemediationResult.newBuilder()
        .setCommandId(command.getCommandId())
        .setAction(command.getAction())
        .setHostId(hostId)
        .setContainerId(command.getContainerId())
        .setStatus(status)
        .setDetail(detail)
        .setStartedAt(Timestamps.of(started))
        .setFinishedAt(Timestamps.of(clock.instant()))
        .setDryRun(command.getDryRun());
  }

  private RemediationResult failure(RemediationCommand command, Instant started, Throwable e) {
    if (e instanceof RemediationRefused) {
      return result(command, started, REJECTED, e.getMessage()).build();
    }
    if (!(e instanceof RemediationFailed)) {
      LOG.warn("command {} ({}) failed", command.getCommandId(), command.getAction(), e);
    }
    String detail = e instanceof RemediationFailed ? e.getMessage() : e.toString();
    return result(command, started, FAILED, detail).build();
  }

  private static Future<List<RemediationResult>> done(RemediationResult.Builder result) {
    return Future.succeededFuture(List.of(result.build()));
  }

  private static Duration bounded(String field, Duration requested, Duration defaultValue, Duration max) {
    if (requested.isZero()) {
      return defaultValue;
    }
    if (requested.compareTo(max) > 0) {
      throw new RemediationRefused(field + " " + requested.toSeconds() + " exceeds this collector's maximum of " + max.toSeconds());
    }
    return requested;
  }

  private static long bounded(String field, long requested, long defaultValue, long max) {
    if (requested == 0) {
      return defaultValue;
    }
    if (requested > max) {
      throw new RemediationRefused(field + " " + requested + " exceeds this collector's maximum of " + max);
    }
    return requested;
  }

  private static String describe(VethVerdict veth) {
    return "host veth " + veth.veth() + " (index " + veth.index() + ", on " + veth.bridge() + ")";
  }

  private static String ttlText(Duration ttl) {
    return ttl.isZero() ? "" : "; restored by itself after " + ttl.toSeconds() + " s";
  }

  private record Captured(PacketCapture.Summary summary, byte[] bytes) {}
}
