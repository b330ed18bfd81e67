package io.porthole.collector;

import com.github.dockerjava.api.DockerClient;
import io.porthole.collector.docker.DockerEventSource;
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
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The collector of one host, wired by hand: configuration, Docker clients, container directory,
 * Kafka publisher and sink, then the sources. Start order: publisher, the components added with
 * {@link #addComponent} (in the order added, so that directory listeners they register in their
 * {@code start()} are told of every container the Docker source then finds running), the Docker
 * source, the heartbeat. Stop runs in reverse and stops everything even when one stop fails.
 */
public final class CollectorService implements Lifecycle {

  private static final Logger LOG = LoggerFactory.getLogger(CollectorService.class);
  private static final Duration DOCKER_CALL_TIMEOUT = Duration.ofSeconds(30);

  private final Vertx vertx;
  private final CollectorConfig config;
  private final CollectorStats stats = new CollectorStats();
  private final ContainerDirectory directory = new ContainerDirectory();
  private final DockerClient dockerClient;
  private final DockerClient dockerEventsClient;
  private final RecordPublisher publisher;
  private final KafkaEventSink sink;
  private final DockerEventSource dockerEvents;
  private final HeartbeatSource heartbeat;
  private final PortholeMetrics metrics;
  private final Readiness readiness;
  private final OpsHttpServer opsServer;
  private final String dockerCheck;
  private final String producingCheck;
  private CollectorMetrics meters;
  private final List<Lifecycle> added = new ArrayList<>();
  private final List<Lifecycle> started = new ArrayList<>();
  private boolean starting;

  public CollectorService(Vertx vertx, CollectorConfig config) {
    this(vertx, config, Optional.empty());
  }

  /**
   * @param ops where to serve {@code /metrics} and {@code /health/*}; empty when the process serves
   *     them elsewhere (the controller in {@code porthole up}) or not at all
   */
  public CollectorService(Vertx vertx, CollectorConfig config, Optional<OpsHttpConfig> ops) {
    this.vertx = Objects.requireNonNull(vertx, "vertx");
    this.config = Objects.requireNonNull(config, "config");
    this.dockerClient = DockerClients.create(config.dockerHost(), DOCKER_CALL_TIMEOUT);
    this.dockerEventsClient = DockerClients.create(config.dockerHost(), Duration.ZERO);
    this.publisher =
        RecordPublisher.create(
            vertx,
            config.kafka(),
            "porthole-collector-" + config.hostId(),
            config.topicNames(),
            config.publishBufferRecords());
    this.sink = new KafkaEventSink(publisher, stats);
    this.dockerEvents =
        new DockerEventSource(
            vertx,
            dockerClient,
            dockerEventsClient,
            config.hostId(),
            directory,
            sink,
            stats,
            config.reconnectMinBackoff(),
            config.reconnectMaxBackoff(),
            config.dataDir(),
            config.positionFlushInterval());
    this.heartbeat =
        new HeartbeatSource(
            vertx,
            publisher,
            dockerClient,
            config.hostId(),
            config.heartbeatInterval(),
            directory,
            stats);
    this.metrics = PortholeMetrics.of(vertx);
    this.readiness = Readiness.of(vertx);
    this.opsServer =
        ops.map(o -> new OpsHttpServer(vertx, o, metrics, readiness, "collector")).orElse(null);
    this.dockerCheck = "collector " + config.hostId() + ": docker events";
    this.producingCheck = "collector " + config.hostId() + ": kafka producing";
  }

  /**
   * The whole collector configured from {@code settings}: the Docker source and heartbeat, the
   * syscall tracer, the kernel log's OOM kills (degraded, not fatal, without permission), packet
   * capture (optional: without permission or a bridge the collector runs without it, reported as
   * degraded) and, unless {@code remediation.enabled=false}, the remediation executor with its
   * command consumer. A bad value throws a ConfigException naming its key.
   */
  public static CollectorService create(Vertx vertx, Settings settings) {
    CollectorSettingDefinitions.rejectUnknown(settings);
    CollectorConfig config = CollectorConfig.from(settings);
    StraceConfig straceConfig = StraceConfig.from(settings);
    CaptureConfig captureConfig = CaptureConfig.from(settings);
    RemediationConfig remediationConfig = RemediationConfig.from(settings);
    CommandVerification verification =
        remediationConfig.enabled() ? CommandVerification.from(settings) : null;
    CollectorService service = new CollectorService(vertx, config, OpsHttpConfig.from(settings));
    SyscallTracer tracer =
        new SyscallTracer(
            vertx,
            straceConfig,
            service.directory,
            service.sink,
            service.stats,
            config.hostId(),
            service.dockerClient,
            config.dataDir());
    service.addComponent(
        new Lifecycle() {
          @Override
          public Future<Void> start() {
            return tracer
                .start()
                .onSuccess(
                    v ->
                        tracer
                            .degradedReason()
                            .ifPresent(r -> service.stats.markDegraded("syscalls", r)));
          }

          @Override
          public Future<Void> stop() {
            return tracer.stop();
          }
        });
    service.addComponent(
        new KernelOomSource(
            vertx,
            KmsgConfig.from(settings),
            service.dockerClient,
            service.directory,
            config.hostId(),
            service.sink,
            service.stats,
            config.dataDir(),
            config.positionFlushInterval()));
    service.addComponent(
        new OptionalSource(
            PacketCaptureSource.SOURCE,
            new PacketCaptureSource(
                vertx,
                captureConfig,
                service.directory,
                service.sink,
                service.stats,
                config.hostId()),
            service.stats));
    if (remediationConfig.enabled()) {
      KafkaResultSink results = new KafkaResultSink(vertx, service.publisher);
      RemediationExecutor executor =
          RemediationExecutor.create(
              vertx,
              remediationConfig,
              config.hostId(),
              service.dockerClient,
              service.directory,
              tracer::trace,
              results);
      // The consumer starts and stops its executor (pending TTL restores first).
      service.addComponent(
          CommandConsumer.create(
              vertx,
              config.kafka(),
              remediationConfig,
              verification,
              config.hostId(),
              config.topicNames(),
              service.publisher,
              executor,
              results,
              service.stats));
    }
    return service;
  }

  /**
   * Adds a component (strace tracer, packet source, remediation executor) before {@link #start()}.
   */
  public CollectorService addComponent(Lifecycle component) {
    if (starting) {
      throw new IllegalStateException("components must be added before the collector starts");
    }
    added.add(Objects.requireNonNull(component, "component"));
    return this;
  }

  @Override
  public Future<Void> start() {
    if (starting) {
      return Future.failedFuture("the collector was already started");
    }
    starting = true;
    meters = CollectorMetrics.bind(metrics.registry(), stats);
    publisher.bindMetrics(metrics);
    readiness.register(
        dockerCheck,
        () ->
            dockerEvents.connected()
                ? Readiness.Status.up("connected")
                : Readiness.Status.down("not connected to the engine's events stream"));
    readiness.register(producingCheck, publisher::producing);
    List<Lifecycle> order = new ArrayList<>();
    if (opsServer != null) {
      order.add(opsServer); // first, so /health/ready answers 503 while the rest starts
    }
    order.add(publisher);
    order.addAll(added);
    order.add(dockerEvents);
    order.add(heartbeat);
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
    readiness.unregister(dockerCheck);
    readiness.unregister(producingCheck);
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
    for (DockerClient client : List.of(dockerClient, dockerEventsClient)) {
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
    return opsServer == null ? -1 : opsServer.actualPort();
  }

  public Vertx vertx() {
    return vertx;
  }

  public CollectorConfig config() {
    return config;
  }

  public ContainerDirectory directory() {
    return directory;
  }

  public EventSink sink() {
    return sink;
  }

  public CollectorStats stats() {
    return stats;
  }

  public RecordPublisher publisher() {
    return publisher;
  }

  /** A client for ordinary engine calls (30 s response timeout); use it off the event loop. */
  public DockerClient dockerClient() {
    return dockerClient;
  }
}
