package io.porthole.collector.heartbeat;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.model.Version;
import io.porthole.collector.CollectorStats;
import io.porthole.collector.ContainerDirectory;
import io.porthole.proto.CollectorHeartbeat;
import io.porthole.runtime.Lifecycle;
import io.porthole.runtime.kafka.RecordPublisher;
import io.porthole.wire.RecordKey;
import io.porthole.wire.Timestamps;
import io.porthole.wire.Topic;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Objects;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Publishes a {@link CollectorHeartbeat} on {@code porthole.heartbeats.v1} (key {@code hostId}) at
 * start and then every interval: host id, kernel version, engine and API version, running
 * containers, the counters of {@link CollectorStats} and its degraded sources. The engine version
 * is asked on a worker thread at every beat (the engine may have been upgraded and restarted);
 * while the engine does not answer, the last known version is reported.
 */
public final class HeartbeatSource implements Lifecycle {

  private static final Logger LOG = LoggerFactory.getLogger(HeartbeatSource.class);
  private static final Path OS_RELEASE = Path.of("/proc/sys/kernel/osrelease");

  private final Vertx vertx;
  private final RecordPublisher publisher;
  private final DockerClient docker;
  private final String hostId;
  private final Duration interval;
  private final ContainerDirectory directory;
  private final CollectorStats stats;
  private final String collectorVersion;
  private Instant startedAt;
  private String kernelVersion = "";
  private volatile Version engine;
  private long timerId = -1;
  private boolean beating;

  public HeartbeatSource(
      Vertx vertx,
      RecordPublisher publisher,
      DockerClient docker,
      String hostId,
      Duration interval,
      ContainerDirectory directory,
      CollectorStats stats) {
    this.vertx = Objects.requireNonNull(vertx, "vertx");
    this.publisher = Objects.requireNonNull(publisher, "publisher");
    this.docker = Objects.requireNonNull(docker, "docker");
    this.hostId = RecordKey.ofHost(hostId).hostId();
    this.interval = Objects.requireNonNull(interval, "interval");
    this.directory = Objects.requireNonNull(directory, "directory");
    this.stats = Objects.requireNonNull(stats, "stats");
    String version = HeartbeatSource.class.getPackage().getImplementationVersion();
    this.collectorVersion = version == null ? "dev" : version;
  }

  /** Completes when the first heartbeat was handed to the publisher. */
  @Override
  public Future<Void> start() {
    startedAt = Instant.now();
    return vertx
        .executeBlocking(HeartbeatSource::readKernelVersion)
        .compose(
            kernel -> {
              kernelVersion = kernel;
              return beat();
            })
        .onSuccess(v -> timerId = vertx.setPeriodic(interval.toMillis(), id -> beat()));
  }

  @Override
  public Future<Void> stop() {
    if (timerId >= 0) {
      vertx.cancelTimer(timerId);
      timerId = -1;
    }
    return Future.succeededFuture();
  }

  private Future<Void> beat() {
    if (beating) {
      return Future.succeededFuture(); // the engine is slow to answer: skip rather than pile up
    }
    beating = true;
    return vertx
        .executeBlocking(() -> docker.versionCmd().exec(), false)
        .onSuccess(version -> engine = version)
        .onFailure(e -> LOG.debug("engine version unavailable: {}", e.toString()))
        .<Void>transform(
            ar -> {
              beating = false;
              publisher.publish(Topic.HEARTBEATS, hostId, heartbeat());
              return Future.succeededFuture();
            });
  }

  CollectorHeartbeat heartbeat() {
    Version version = engine;
    return CollectorHeartbeat.newBuilder()
        .setHostId(hostId)
        .setTime(Timestamps.now())
        .setStartedAt(Timestamps.of(startedAt))
        .setCollectorVersion(collectorVersion)
        .setKernelVersion(kernelVersion)
        .setEngineVersion(
            version == null || version.getVersion() == null ? "" : version.getVersion())
        .setEngineApiVersion(
            version == null || version.getApiVersion() == null ? "" : version.getApiVersion())
        .setIntervalSeconds((int) Math.max(1, interval.toSeconds()))
        .setRunningContainers(directory.all().size())
        .setCounters(stats.toProto())
        .putAllDegradedSources(stats.degradedSources())
        .build();
  }

  private static String readKernelVersion() {
    try {
      return Files.readString(OS_RELEASE).trim();
    } catch (IOException e) {
      return System.getProperty("os.version", "");
    }
  }
}
