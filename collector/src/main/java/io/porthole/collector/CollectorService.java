package io.porthole.collector;

import com.github.dockerjava.api.DockerClient;
import io.porthole.collector.docker.DockerEventSource;
import io.porthole.collector.heartbeat.HeartbeatSource;
import io.porthole.collector.publish.KafkaEventSink;
import io.porthole.runtime.Lifecycle;
import io.porthole.runtime.Settings;
import io.porthole.runtime.kafka.RecordPublisher;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
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
  private final List<Lifecycle> added = new ArrayList<>();
  private final List<Lifecycle> started = new ArrayList<>();
  private boolean starting;

  public CollectorService(Vertx vertx, CollectorConfig config) {
    this.vertx = Objects.requireNonNull(vertx, "vertx");
    this.config = Objects.requireNonNull(config, "config");
    this.dockerClient = DockerClients.create(config.dockerHost(), DOCKER_CALL_TIMEOUT);
    this.dockerEventsClient = DockerClients.create(config.dockerHost(), Duration.ZERO);
    this.publisher =
        RecordPublisher.create(
            vertx, config.kafka(), "porthole-collector-" + config.hostId(), config.topicNames(),
            config.publishBufferRecords());
    this.sink = new KafkaEventSink(publisher, stats);
    this.dockerEvents =
        new DockerEventSource(
            vertx, dockerClient, dockerEventsClient, config.hostId(), directory, sink, stats,
            config.reconnectMinBackoff(), config.reconnectMaxBackoff());
    this.heartbeat =
        new HeartbeatSource(
            vertx, publisher, dockerClient, config.hostId(), config.heartbeatInterval(), directory, stats);
  }

  /** The collector configured from {@code settings}; a bad value throws a ConfigException naming its key. */
  public static CollectorService create(Vertx vertx, Settings settings) {
    return new CollectorService(vertx, CollectorConfig.from(settings));
  }

  /** Adds a component (strace tracer, packet source, remediation executor) before {@link #start()}. */
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
    List<Lifecycle> order = new ArrayList<>();
    order.add(publisher);
    order.addAll(added);
    order.add(dockerEvents);
    order.add(heartbeat);
    Future<Void> chain = Future.succeededFuture();
    for (Lifecycle component : order) {
      chain = chain.compose(v -> component.start().onSuccess(ok -> started.add(component)));
    }
    return chain
        .onSuccess(v -> LOG.info("collector of host {} started ({})", config.hostId(), config.topicNames()))
        .recover(e -> stop().transform(ignored -> Future.failedFuture(e)));
  }

  /** Stops what was started, in reverse, then closes the Docker clients. */
  @Override
  public Future<Void> stop() {
    Future<Void> chain = Future.succeededFuture();
    List<Lifecycle> reverse = new ArrayList<>(started);
    started.clear();
    java.util.Collections.reverse(reverse);
    for (Lifecycle component : reverse) {
      chain =
          chain.transform(
              ignored ->
                  component
                      .stop()
                      .onFailure(e -> LOG.warn("stopping {} failed: {}", component.getClass().getSimpleName(), e.toString()))
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
