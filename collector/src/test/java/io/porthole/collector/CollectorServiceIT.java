package io.porthole.collector;

import static org.assertj.core.api.Assertions.assertThat;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.model.AccessMode;
import com.github.dockerjava.api.model.Bind;
import com.github.dockerjava.api.model.HostConfig;
import com.github.dockerjava.api.model.Volume;
import com.google.protobuf.InvalidProtocolBufferException;
import io.porthole.proto.CollectorHeartbeat;
import io.porthole.proto.ContainerAction;
import io.porthole.proto.ContainerConfig;
import io.porthole.proto.EventEnvelope;
import io.porthole.proto.Mount;
import io.porthole.runtime.Settings;
import io.porthole.testing.SharedKafka;
import io.porthole.testing.TestDocker;
import io.porthole.wire.Topic;
import io.porthole.wire.TopicNames;
import io.vertx.core.Vertx;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.assertj.core.groups.Tuple;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * The collector against the real engine and a real Kafka: snapshots at start, the S1 configuration
 * snapshot, the S2 OOM kill, heartbeats. Each run has its own topics and host id.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class CollectorServiceIT {

  private static final Duration WAIT = Duration.ofSeconds(60);

  private final String run = UUID.randomUUID().toString().substring(0, 8);
  private final String hostId = "it-host-" + run;
  private final TopicNames topics = TopicNames.withPrefix("it-" + run + ".");
  private final DockerClient docker = TestDocker.client();
  private final List<String> containers = new ArrayList<>();
  private Vertx vertx;
  private CollectorService collector;
  private String runningBeforeStart;

  @BeforeAll
  void startCollector() throws Exception {
    SharedKafka.createTopics(3, topics.names(Topic.CONTAINER_EVENTS, Topic.HEARTBEATS));
    runningBeforeStart = createSharingHostNamespaces("before");
    docker.startContainerCmd(runningBeforeStart).exec();
    vertx = Vertx.vertx();
    collector =
        CollectorService.create(
            vertx,
            Settings.of(
                Map.of(
                    "kafka.bootstrap.servers",
                    SharedKafka.bootstrapServers(),
                    "host.id",
                    hostId,
                    "topic.prefix",
                    topics.prefix(),
                    "remediation.enabled",
                    "false",
                    "capture.enabled",
                    "false",
                    "heartbeat.interval",
                    "1s",
                    "collector.data.dir",
                    Files.createTempDirectory("porthole-collector-it").toString())));
    collector.start().toCompletionStage().toCompletableFuture().get(60, TimeUnit.SECONDS);
  }

  @AfterAll
  void stopCollector() throws Exception {
    try {
      if (collector != null) {
        collector.stop().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
      }
      if (vertx != null) {
        vertx.close().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
      }
    } finally {
      for (String id : containers) {
        docker.removeContainerCmd(id).withForce(true).withRemoveVolumes(true).exec();
      }
      docker.close();
    }
  }

  /** S1: {@code --net=host --pid=host -v /:/host:ro}. */
  private String createSharingHostNamespaces(String suffix) {
    String id =
        docker
            .createContainerCmd(TestDocker.BUSYBOX_IMAGE)
            .withName("porthole-it-" + run + "-" + suffix)
            .withCmd("sleep", "600")
            .withHostConfig(
                HostConfig.newHostConfig()
                    .withNetworkMode("host")
                    .withPidMode("host")
                    .withBinds(new Bind("/", new Volume("/host"), AccessMode.ro)))
            .exec()
            .getId();
    containers.add(id);
    return id;
  }

  private static List<EventEnvelope> of(List<EventEnvelope> envelopes, String containerId) {
    return envelopes.stream().filter(e -> e.getContainerId().equals(containerId)).toList();
  }

  private static boolean has(
      List<EventEnvelope> envelopes, String containerId, ContainerAction action) {
    return of(envelopes, containerId).stream()
        .anyMatch(e -> e.getContainerEvent().getAction() == action);
  }

  private static EventEnvelope first(
      List<EventEnvelope> envelopes, String containerId, ContainerAction action) {
    return of(envelopes, containerId).stream()
        .filter(e -> e.getContainerEvent().getAction() == action)
        .findFirst()
        .orElseThrow();
  }

  private static void assertSharesHostNamespacesAndMountsRootReadOnly(ContainerConfig config) {
    assertThat(config.getNetworkMode()).isEqualTo("host");
    assertThat(config.getPidMode()).isEqualTo("host");
    assertThat(config.getMountsList())
        .filteredOn(m -> m.getSource().equals("/"))
        .extracting(Mount::getType, Mount::getDestination, Mount::getReadOnly)
        .containsExactly(Tuple.tuple("bind", "/host", true));
  }

  @Test
  void aContainerRunningBeforeTheCollectorStartedIsSnapshotAtStartWithItsHostNamespaces() {
    try (EnvelopeReader<EventEnvelope> reader =
        EnvelopeReader.envelopes(topics.name(Topic.CONTAINER_EVENTS))) {
      List<EventEnvelope> read =
          reader.await(
              r -> has(r, runningBeforeStart, ContainerAction.SNAPSHOT),
              WAIT,
              "a snapshot of " + runningBeforeStart);
      EventEnvelope snapshot = first(read, runningBeforeStart, ContainerAction.SNAPSHOT);
      assertThat(snapshot.getHostId()).isEqualTo(hostId);
      assertThat(snapshot.getContainerEvent().getState()).isEqualTo("running");
      assertThat(snapshot.getContainerEvent().getPid()).isPositive();
      assertSharesHostNamespacesAndMountsRootReadOnly(snapshot.getContainerEvent().getConfig());
      assertThat(reader.records())
          .filteredOn(r -> r.value().getContainerId().equals(runningBeforeStart))
          .extracting(r -> r.key())
          .containsOnly(hostId + "/" + runningBeforeStart);
    }
    ContainerInfo info = collector.directory().byId(runningBeforeStart).orElseThrow();
    assertThat(info.sharesHostNetwork()).isTrue();
    assertThat(info.pid()).isPositive();
  }

  @Test
  void s1AContainerStartedWithHostNamespacesCarriesThemInItsCreateAndStartEvents() {
    String id = createSharingHostNamespaces("s1");
    docker.startContainerCmd(id).exec();
    try (EnvelopeReader<EventEnvelope> reader =
        EnvelopeReader.envelopes(topics.name(Topic.CONTAINER_EVENTS))) {
      List<EventEnvelope> read =
          reader.await(
              r -> has(r, id, ContainerAction.CREATE) && has(r, id, ContainerAction.START),
              WAIT,
              "create and start of " + id);
      assertSharesHostNamespacesAndMountsRootReadOnly(
          first(read, id, ContainerAction.CREATE).getContainerEvent().getConfig());
      EventEnvelope start = first(read, id, ContainerAction.START);
      assertSharesHostNamespacesAndMountsRootReadOnly(start.getContainerEvent().getConfig());
      assertThat(start.getContainerEvent().getName()).isEqualTo("porthole-it-" + run + "-s1");
    }
  }

  @Test
  void s2AnOomKilledContainerYieldsCreateStartOomAndDieWithOomKilledAndExitCode137() {
    String id =
        docker
            .createContainerCmd(TestDocker.BUSYBOX_IMAGE)
            .withName("porthole-it-" + run + "-oom")
            .withCmd("dd", "if=/dev/zero", "of=/dev/null", "bs=64M", "count=1")
            .withHostConfig(
                HostConfig.newHostConfig().withMemory(16L << 20).withMemorySwap(16L << 20))
            .exec()
            .getId();
    containers.add(id);
    docker.startContainerCmd(id).exec();
    try (EnvelopeReader<EventEnvelope> reader =
        EnvelopeReader.envelopes(topics.name(Topic.CONTAINER_EVENTS))) {
      List<EventEnvelope> read =
          reader.await(r -> has(r, id, ContainerAction.DIE), WAIT, "die of " + id);
      assertThat(of(read, id))
          .extracting(e -> e.getContainerEvent().getAction())
          .containsSubsequence(
              ContainerAction.CREATE,
              ContainerAction.START,
              ContainerAction.OOM,
              ContainerAction.DIE);
      EventEnvelope die = first(read, id, ContainerAction.DIE);
      assertThat(die.getContainerEvent().getOomKilled()).isTrue();
      assertThat(die.getContainerEvent().getExitCode()).isEqualTo(137);
      assertThat(die.getContainerEvent().getConfig().getMemoryLimitBytes()).isEqualTo(16L << 20);
      assertThat(die.getContainerEvent().getConfig().getMemorySwapBytes()).isEqualTo(16L << 20);
    }
    assertThat(collector.directory().byId(id)).isEmpty();
  }

  @Test
  void heartbeatsCarryHostKernelEngineRunningContainersAndCounters() throws Exception {
    String kernel = Files.readString(Path.of("/proc/sys/kernel/osrelease")).trim();
    String engine = docker.versionCmd().exec().getVersion();
    try (EnvelopeReader<CollectorHeartbeat> reader =
        new EnvelopeReader<>(
            topics.name(Topic.HEARTBEATS),
            bytes -> {
              try {
                return CollectorHeartbeat.parseFrom(bytes);
              } catch (InvalidProtocolBufferException e) {
                throw new AssertionError(e);
              }
            })) {
      List<CollectorHeartbeat> beats =
          reader.await(
              r ->
                  r.stream()
                      .anyMatch(
                          b ->
                              b.getCounters().getDockerEventsPublished() > 0
                                  && b.getRunningContainers() > 0),
              WAIT,
              "a heartbeat counting published events and running containers");
      CollectorHeartbeat beat =
          beats.stream()
              .filter(b -> b.getCounters().getDockerEventsPublished() > 0)
              .findFirst()
              .orElseThrow();
      assertThat(beat.getHostId()).isEqualTo(hostId);
      assertThat(beat.getKernelVersion()).isEqualTo(kernel);
      assertThat(beat.getEngineVersion()).isEqualTo(engine);
      assertThat(beat.getEngineApiVersion()).isNotEmpty();
      assertThat(beat.getIntervalSeconds()).isEqualTo(1);
      assertThat(beat.getCounters().getEventsPublished()).isPositive();
      assertThat(beat.getDegradedSourcesMap()).isEmpty();
      assertThat(reader.records()).extracting(r -> r.key()).containsOnly(hostId);
    }
  }
}
