package io.porthole.collector;

import com.github.dockerjava.api.DockerClient;
import io.porthole.collector.docker.DockerEventSource;
import io.porthole.collector.docker.DockerEventsConfig;
import io.porthole.collector.heartbeat.HeartbeatSource;
import io.porthole.collector.kmsg.KernelOomSource;
import io.porthole.collector.kmsg.KmsgConfig;
import io.porthole.collector.packets.CaptureConfig;
import io.porthole.collector.packets.PacketCaptureSource;
import io.porthole.collector.publish.KafkaEventSink;
import io.porthole.collector.remediation.CommandConsumer;
import io.porthole.collector.remediation.CommandVerification;
import io.porthole.collector.remediation.KafkaResultSink;
import io.porthole.collector.remediation.RemediationConfig;
import io.porthole.collector.remediation.RemediationExecutor;
import io.porthole.collector.strace.StraceConfig;
import io.porthole.collector.strace.SyscallTracer;
import io.porthole.runtime.Lifecycle;
import io.porthole.runtime.Settings;
import io.porthole.runtime.kafka.RecordPublisher;
import io.porthole.runtime.ops.OpsHttpConfig;
import io.porthole.runtime.ops.OpsHttpServer;
import io.porthole.runtime.ops.PortholeMetrics;
import io.porthole.runtime.ops.Readiness;
import io.porthole.wire.Topic;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The collector of one host. {@link #create} wires it in one direction: configuration, Docker
 * clients, the shared state (stats, container directory), the Kafka publisher and sink, the {@link
 * HostContext} that bundles them for the parts, the sources and the remediation path that use it,
 * and last this service, which only starts and stops what it was given. Start order: the metrics
 * and health server, the publisher, the components (tracer, kernel log, packet capture, command
 * consumer: in that order, so that directory listeners they register in their {@code start()} are
 * told of every container the Docker source then finds running), the Docker source, the heartbeat.
 * Stop runs in reverse and stops everything even when one stop fails.
 */
public final class CollectorService implements Lifecycle {

  private static final Logger LOG = LoggerFactory.getLogger(CollectorService.class);
  private static final Duration DOCKER_CALL_TIMEOUT = Duration.ofSeconds(30);

  /** What {@link #create} built, handed to the service in one piece. */
  private record Parts(
      DockerClient dockerClient,
      DockerClient dockerEventsClient,
      CollectorStats stats,
      ContainerDirectory directory,
      RecordPublisher publisher,
      List<Lifecycle> components,
      DockerEventSource dockerEvents,
      HeartbeatSource heartbeat,
      PortholeMetrics metrics,
      Readiness readiness,
      Optional<OpsHttpServer> opsServer) {}

  private final Vertx vertx;
  private final CollectorConfig config;
  private final Parts parts;
  private final String dockerCheck;
  private final String producingCheck;
  private CollectorMetrics meters;
  private final List<Lifecycle> started = new ArrayList<>();
  private boolean starting;

  private CollectorService(Vertx vertx, CollectorConfig config, Parts parts) {
    this.vertx = vertx;
    this.config = config;
    this.parts = parts;
    this.dockerCheck = "collector " + config.hostId() + ": docker events";
    this.producingCheck = "collector " + config.hostId() + ": kafka producing";
  }

  /**
   * The whole collector configured from {@code settings}: the Docker source and heartbeat, the
   * syscall tracer, the kernel log's OOM kills (degraded, not fatal, without permission), packet
   * capture (optional: without permission or a bridge the collector runs without it, reported as
   * degraded) and, unless {@code remediation.enabled=false}, the remediation executor with its
   * command consumer; {@code /metrics} and {@code /health/*} when {@code http.port} is set. A bad
   * value throws a ConfigException naming its key.
   */
  public static CollectorService create(Vertx vertx, Settings settings) {
    Objects.requireNonNull(vertx, "vertx");
    CollectorSettingDefinitions.rejectUnknown(settings);
    CollectorConfig config = CollectorConfig.from(settings);
    StraceConfig straceConfig = StraceConfig.from(settings);
    CaptureConfig captureConfig = CaptureConfig.from(settings);
    KmsgConfig kmsgConfig = KmsgConfig.from(settings);
    RemediationConfig remediationConfig = RemediationConfig.from(settings);
    CommandVerification verification =
        remediationConfig.enabled() ? CommandVerification.from(settings) : null;
    Optional<OpsHttpConfig> ops = OpsHttpConfig.from(settings);

    DockerClient dockerClient = DockerClients.create(config.dockerHost(), DOCKER_CALL_TIMEOUT);
    DockerClient dockerEventsClient = DockerClients.create(config.dockerHost(), Duration.ZERO);

    CollectorStats stats = new CollectorStats();
    ContainerDirectory directory = new ContainerDirectory();
    // Lifecycle events and heartbeats in a lane of their own (producer without linger): a die
    // never waits behind the host's flows and syscalls, the analyzer reads them first too.
    RecordPublisher publisher =
        RecordPublisher.createWithPriorityLane(
            vertx,
            config.kafka(),
            "porthole-collector-" + config.hostId(),
            config.topicNames(),
            config.publishBufferRecords(),
            Set.of(Topic.CONTAINER_EVENTS, Topic.HEARTBEATS));
    KafkaEventSink sink = new KafkaEventSink(publisher, stats);

    HostContext host =
        new HostContext(
            vertx, config.hostId(), dockerClient, directory, sink, stats, config.dataDir());

    List<Lifecycle> components = new ArrayList<>();
    SyscallTracer tracer = new SyscallTracer(host, straceConfig);
    components.add(reportingDegraded(tracer, stats));
    components.add(new KernelOomSource(host, kmsgConfig, config.positionFlushInterval()));
    components.add(
        new OptionalSource(
            PacketCaptureSource.SOURCE,
            new PacketCaptureSource(vertx, captureConfig, directory, sink, stats, config.hostId()),
            stats));
    if (remediationConfig.enabled()) {
      KafkaResultSink results = new KafkaResultSink(vertx, publisher);
      RemediationExecutor executor =
          RemediationExecutor.create(
              vertx,
              remediationConfig,
              config.hostId(),
              dockerClient,
              directory,
              tracer::trace,
              results);
      // The consumer starts and stops its executor (pending TTL restores first).
      components.add(
          CommandConsumer.create(
              host, config.kafka(), remediationConfig, verification, publisher, executor, results));
    }
    DockerEventSource dockerEvents =
        new DockerEventSource(host, dockerEventsClient, DockerEventsConfig.from(config));
    HeartbeatSource heartbeat =
        new HeartbeatSource(
            vertx,
            publisher,
            dockerClient,
            config.hostId(),
            config.heartbeatInterval(),
            directory,
            stats);

    PortholeMetrics metrics = PortholeMetrics.of(vertx);
    Readiness readiness = Readiness.of(vertx);
    Optional<OpsHttpServer> opsServer =
        ops.map(o -> new OpsHttpServer(vertx, o, metrics, readiness, "collector"));
    return new CollectorService(
        vertx,
        config,
        new Parts(
            dockerClient,
            dockerEventsClient,
            stats,
            directory,
            publisher,
            List.copyOf(components),
            dockerEvents,
            heartbeat,
            metrics,
            readiness,
            opsServer));
  }

  /** The tracer, marking the syscalls source degraded when it started without strace. */
  private static Lifecycle reportingDegraded(SyscallTracer tracer, CollectorStats stats) {
    return new Lifecycle() {
      @Override
      public Future<Void> start() {
        return tracer
            .start()
            .onSuccess(
                v -> tracer.degradedReason().ifPresent(r -> stats.markDegraded("syscalls", r)));
      }

      @Override
      public Future<Void> stop() {
        return tracer.stop();
      }
    };
  }

  @Override
  public Future<Void> start() {
    if (starting) {
      return Future.failedFuture("the collector was already started");
    }
    starting = true;
    meters = CollectorMetrics.bind(parts.metrics().registry(), parts.stats());
    parts.publisher().bindMetrics(parts.metrics());
    parts
        .readiness()
        .register(
            dockerCheck,
            () ->
                parts.dockerEvents().connected()
                    ? Readiness.Status.up("connected")
                    : Readiness.Status.down("not connected to the engine's events stream"));
    parts.readiness().register(producingCheck, parts.publisher()::producing);
    List<Lifecycle> order = new ArrayList<>();
    // first, so /health/ready answers 503 while the rest starts
    parts.opsServer().ifPresent(order::add);
    order.add(parts.publisher());
    order.addAll(parts.components());
    order.add(parts.dockerEvents());
    order.add(parts.heartbeat());
    Future<Void> chain = Future.succeededFuture();
    for (Lifecycle component : order) {
      chain = chain.compose(v -> component.start().onSuccess(ok -> started.add(component)));
    }
    return chain
        .onSuccess(
            v ->
                LOG.info("collector of host {} started ({})", config.hostId(), config.topicNames()))
        .recover(e -> stop().transform(ignored -> Future.failedFuture(e)));
  }

  /** Stops what was started, in reverse, then closes the Docker clients. */
  @Override
  public Future<Void> stop() {
    parts.readiness().unregister(dockerCheck);
    parts.readiness().unregister(producingCheck);
    if (meters != null) {
      meters.remove();
    }
    Future<Void> chain = Future.succeededFuture();
    List<Lifecycle> reverse = new ArrayList<>(started);
    started.clear();
    Collections.reverse(reverse);
    for (Lifecycle component : reverse) {
      chain =
          chain.transform(
              ignored ->
                  component
                      .stop()
                      .onFailure(
                          e ->
                              LOG.warn(
                                  "stopping {} failed: {}",
                                  component.getClass().getSimpleName(),
                                  e.toString()))
                      .recover(e -> Future.succeededFuture()));
    }
    return chain.compose(v -> vertx.executeBlocking(this::closeDockerClients));
  }

  private Void closeDockerClients() {
    for (DockerClient client : List.of(parts.dockerClient(), parts.dockerEventsClient())) {
      try {
        client.close();
      } catch (IOException | RuntimeException e) {
        LOG.debug("closing a Docker client: {}", e.toString());
      }
    }
    return null;
  }

  /** The port of the metrics and health endpoint, or -1 when this collector serves none. */
  public int opsPort() {
    return parts.opsServer().map(OpsHttpServer::actualPort).orElse(-1);
  }

  public CollectorConfig config() {
    return config;
  }

  public ContainerDirectory directory() {
    return parts.directory();
  }

  public CollectorStats stats() {
    return parts.stats();
  }
}
