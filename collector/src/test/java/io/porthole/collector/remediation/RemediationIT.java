package io.porthole.collector.remediation;

import static org.assertj.core.api.Assertions.assertThat;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.model.HostConfig;
import com.github.dockerjava.api.model.RestartPolicy;
import com.google.protobuf.ByteString;
import com.google.protobuf.InvalidProtocolBufferException;
import io.porthole.collector.CollectorStats;
import io.porthole.collector.ContainerDirectory;
import io.porthole.collector.DockerClients;
import io.porthole.collector.HostContext;
import io.porthole.collector.docker.DockerEventSource;
import io.porthole.collector.docker.DockerEventsConfig;
import io.porthole.proto.ArtifactChunk;
import io.porthole.proto.RemediationAction;
import io.porthole.proto.RemediationCommand;
import io.porthole.proto.RemediationResult;
import io.porthole.proto.RemediationStatus;
import io.porthole.runtime.KafkaSettings;
import io.porthole.runtime.Settings;
import io.porthole.runtime.kafka.RecordPublisher;
import io.porthole.runtime.security.CommandKeys;
import io.porthole.runtime.security.CommandSigner;
import io.porthole.testing.Await;
import io.porthole.testing.SharedKafka;
import io.porthole.testing.TestDocker;
import io.porthole.wire.Timestamps;
import io.porthole.wire.Topic;
import io.porthole.wire.TopicNames;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Remediation end to end on this machine: signed commands produced onto a real Kafka topic, the
 * collector's consumer and executor acting on real containers and their real veths, results read
 * back from the results topic. Every test checks that the host's default routes and uplink are as
 * they were.
 */
class RemediationIT {

  private static final String HOST = "it-host-" + UUID.randomUUID().toString().substring(0, 8);
  private static final Duration WAIT = Duration.ofSeconds(60);

  private static final DockerClient docker = TestDocker.client();
  private static final List<String> containers = new CopyOnWriteArrayList<>();
  private static final Map<String, List<RemediationResult>> results = new ConcurrentHashMap<>();
  private static final List<String> traced = new CopyOnWriteArrayList<>();
  private static CommandSigner signer;
  private static CommandSigner nextSigner;
  private static CommandSigner otherSigner;
  private static Vertx vertx;
  private static TopicNames topics;
  private static RecordPublisher publisher;
  private static CommandConsumer commands;
  private static KafkaProducer<String, byte[]> producer;
  private static Thread resultReader;
  private static volatile boolean reading = true;
  private static Path dataDir;
  private static RemediationConfig config;
  private static final ContainerDirectory directory = new ContainerDirectory();
  private static DockerEventSource dockerEvents;

  private HostNetwork hostBefore;

  @BeforeAll
  static void startCollectorSide() throws Exception {
    dataDir = Files.createTempDirectory("porthole-remediation-it");
    String bootstrap = SharedKafka.bootstrapServers();
    topics = TopicNames.withPrefix("it-rem-" + UUID.randomUUID().toString().substring(0, 8) + ".");
    SharedKafka.createTopics(
        3, topics.names(Topic.COMMANDS, Topic.COMMAND_RESULTS, Topic.DEAD_LETTERS));
    vertx = Vertx.vertx();
    // The collector holds public keys only: the current one and the next one (a rotation under
    // way).
    Path keys = Files.createDirectories(dataDir.resolve("keys"));
    signer = keyPair(keys, "current");
    nextSigner = keyPair(keys, "next");
    otherSigner = keyPair(keys, "other");
    config =
        RemediationConfig.from(
            Settings.of(
                Map.of(
                    "remediation.data.dir",
                    dataDir.toString(),
                    "remediation.chunk.bytes",
                    "65536")));
    CommandVerification verification =
        CommandVerification.from(
            Settings.of(
                Map.of(
                    "command.verify.key.file",
                    keys.resolve("current-verify.pem") + "," + keys.resolve("next-verify.pem"))));
    KafkaSettings kafka = KafkaSettings.of(bootstrap);
    publisher = RecordPublisher.create(vertx, kafka, "it-collector", topics, 1000);
    KafkaResultSink sink = new KafkaResultSink(vertx, publisher);
    SyscallTraceStarter tracer =
        (containerId, duration, reason) -> {
          traced.add(containerId + " " + duration.toSeconds() + " " + reason);
          return Future.succeededFuture();
        };
    // The real Docker event source keeps the directory current, so that the executor hears of
    // restarts.
    HostContext host =
        new HostContext(
            vertx,
            HOST,
            docker,
            directory,
            (topic, envelope) -> {},
            new CollectorStats(),
            dataDir.resolve("collector"));
    dockerEvents =
        new DockerEventSource(
            host,
            DockerClients.create(DockerClients.DEFAULT_DOCKER_HOST, Duration.ZERO),
            new DockerEventsConfig(
                Duration.ofMillis(200), Duration.ofSeconds(2), Duration.ofSeconds(1)));
    dockerEvents.start().await(60, TimeUnit.SECONDS);
    RemediationExecutor executor =
        RemediationExecutor.create(vertx, config, HOST, docker, directory, tracer, sink);
    commands = CommandConsumer.create(host, kafka, config, verification, publisher, executor, sink);
    commands.start().await(60, TimeUnit.SECONDS);

    Properties producerProps = new Properties();
    producerProps.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
    producer =
        new KafkaProducer<>(producerProps, new StringSerializer(), new ByteArraySerializer());
    resultReader = new Thread(() -> readResults(bootstrap), "it-result-reader");
    resultReader.start();
  }

  @AfterAll
  static void stopAll() throws Exception {
    for (String id : containers) {
      try {
        docker.removeContainerCmd(id).withForce(true).exec();
      } catch (RuntimeException e) {
        // already gone
      }
    }
    reading = false;
    if (resultReader != null) {
      resultReader.join(10_000);
    }
    if (producer != null) {
      producer.close();
    }
    if (commands != null) {
      commands.stop().await(30, TimeUnit.SECONDS);
    }
    if (dockerEvents != null) {
      dockerEvents.stop().await(30, TimeUnit.SECONDS);
    }
    if (publisher != null) {
      publisher.stop().await(30, TimeUnit.SECONDS);
    }
    if (vertx != null) {
      vertx.close().await(30, TimeUnit.SECONDS);
    }
  }

  @BeforeEach
  void rememberHostNetwork() throws IOException {
    hostBefore = HostNetwork.now();
    assertThat(hostBefore.uplinkState()).isEqualTo("UP");
  }

  @AfterEach
  void hostNetworkIsUnchanged() throws IOException {
    HostNetwork after = HostNetwork.now();
    assertThat(after).isEqualTo(hostBefore);
    assertThat(after.uplinkState()).isEqualTo("UP");
  }

  @Test
  void isolatingCutsTheContainerOffAndRestoringBringsItBack() throws Exception {
    String id = busybox();
    String gateway = gateway(id);
    assertThat(ping(id, gateway)).as("ping before isolation").isTrue();

    RemediationResult isolated = await(send(command(RemediationAction.ISOLATE_NETWORK, id)));
    assertThat(isolated.getStatus())
        .as(isolated.getDetail())
        .isEqualTo(RemediationStatus.SUCCEEDED);
    assertThat(isolated.getInterface()).startsWith("veth");
    assertThat(isolated.getDetail()).contains(isolated.getInterface()).contains("down");
    assertThat(ping(id, gateway)).as("ping while isolated").isFalse();

    RemediationResult restored = await(send(command(RemediationAction.RESTORE_NETWORK, id)));
    assertThat(restored.getStatus())
        .as(restored.getDetail())
        .isEqualTo(RemediationStatus.SUCCEEDED);
    assertThat(restored.getInterface()).isEqualTo(isolated.getInterface());
    assertThat(pingsWithin(id, gateway, Duration.ofSeconds(5))).as("ping after restore").isTrue();
  }

  @Test
  void anIsolationWithTtlRestoresItself() throws Exception {
    String id = busybox();
    String gateway = gateway(id);

    String commandId = send(command(RemediationAction.ISOLATE_NETWORK, id).setTtlSeconds(4));
    RemediationResult isolated = await(commandId);
    assertThat(isolated.getStatus())
        .as(isolated.getDetail())
        .isEqualTo(RemediationStatus.SUCCEEDED);
    assertThat(isolated.hasRestoreAt()).isTrue();
    assertThat(ping(id, gateway)).as("ping while isolated").isFalse();

    RemediationResult restored = await(commandId + "-ttl-restore");
    assertThat(restored.getStatus())
        .as(restored.getDetail())
        .isEqualTo(RemediationStatus.SUCCEEDED);
    assertThat(restored.getAction()).isEqualTo(RemediationAction.RESTORE_NETWORK);
    assertThat(restored.getRequestedBy())
        .as("the isolation's requester")
        .isEqualTo("RemediationIT");
    assertThat(restored.getDetail()).startsWith("TTL of isolation " + commandId + " expired: ");
    assertThat(pingsWithin(id, gateway, Duration.ofSeconds(5))).as("ping after the TTL").isTrue();
    assertThat(Files.readString(config.isolationsFile())).doesNotContain(id);
  }

  @Test
  void aPendingRestoreIsCarriedOutAfterARestart() throws Exception {
    String id = busybox();
    String gateway = gateway(id);
    Path restartDir = Files.createTempDirectory(dataDir, "restart");
    RemediationConfig restartConfig =
        RemediationConfig.from(Settings.of(Map.of("remediation.data.dir", restartDir.toString())));
    List<RemediationResult> published = new CopyOnWriteArrayList<>();
    ResultSink collect =
        r -> {
          published.add(r);
          return Future.succeededFuture();
        };
    RemediationExecutor before =
        RemediationExecutor.create(
            vertx,
            restartConfig,
            HOST,
            docker,
            new ContainerDirectory(),
            (c, d, r) -> Future.succeededFuture(),
            collect);
    before.start().await(30, TimeUnit.SECONDS);
    RemediationCommand isolate =
        signer.sign(command(RemediationAction.ISOLATE_NETWORK, id).setTtlSeconds(600).build());
    RemediationResult isolated = before.execute(isolate).await(30, TimeUnit.SECONDS).get(0);
    assertThat(isolated.getStatus())
        .as(isolated.getDetail())
        .isEqualTo(RemediationStatus.SUCCEEDED);
    before.stop().await(30, TimeUnit.SECONDS);
    assertThat(ping(id, gateway)).as("isolated while the collector is down").isFalse();

    Clock tenMinutesLater = Clock.offset(Clock.systemUTC(), Duration.ofSeconds(601));
    RemediationExecutor after =
        new RemediationExecutor(
            vertx,
            restartConfig,
            HOST,
            RemediationParts.of(
                restartConfig,
                docker,
                new ContainerDirectory(),
                (c, d, r) -> Future.succeededFuture(),
                collect,
                new ProcessCommandRunner(),
                tenMinutesLater));
    after.start().await(30, TimeUnit.SECONDS);
    try {
      awaitCondition(
          () ->
              published.stream()
                  .anyMatch(r -> r.getCommandId().equals(isolate.getCommandId() + "-ttl-restore")));
      RemediationResult restored = published.get(published.size() - 1);
      assertThat(restored.getStatus())
          .as(restored.getDetail())
          .isEqualTo(RemediationStatus.SUCCEEDED);
      assertThat(pingsWithin(id, gateway, Duration.ofSeconds(5)))
          .as("ping after the restart restored it")
          .isTrue();
      assertThat(new IsolationStore(restartConfig.isolationsFile()).load()).isEmpty();
    } finally {
      after.stop().await(30, TimeUnit.SECONDS);
    }
  }

  @Test
  void aContainerOnTwoNetworksIsCapturedOnBothOrOneAndCutOffFromBothAndRestoredOnBoth()
      throws Exception {
    String networkName = "porthole-it-rem-two-" + UUID.randomUUID().toString().substring(0, 8);
    String networkId =
        docker.createNetworkCmd().withName(networkName).withDriver("bridge").exec().getId();
    String id = busybox();
    try {
      docker.connectToNetworkCmd().withNetworkId(networkId).withContainerId(id).exec();
      String defaultGateway = gateway(id);
      String secondGateway = gateway(id, networkName);
      assertThat(ping(id, defaultGateway))
          .as("ping on the default bridge before isolation")
          .isTrue();
      assertThat(ping(id, secondGateway))
          .as("ping on the second network before isolation")
          .isTrue();

      capturesOnBothNetworksOrTheNamedOne(id, networkName, defaultGateway, secondGateway);

      RemediationResult isolated = await(send(command(RemediationAction.ISOLATE_NETWORK, id)));
      assertThat(isolated.getStatus())
          .as(isolated.getDetail())
          .isEqualTo(RemediationStatus.SUCCEEDED);
      assertThat(isolated.getInterface().split(","))
          .hasSize(2)
          .allMatch(name -> name.startsWith("veth"));
      assertThat(isolated.getDetail())
          .contains("all 2 interface(s)")
          .contains("on docker0, network bridge")
          .contains("on br-" + networkId.substring(0, 12) + ", network " + networkName);
      assertThat(ping(id, defaultGateway))
          .as("ping on the default bridge while isolated")
          .isFalse();
      assertThat(ping(id, secondGateway)).as("ping on the second network while isolated").isFalse();

      RemediationResult restored = await(send(command(RemediationAction.RESTORE_NETWORK, id)));
      assertThat(restored.getStatus())
          .as(restored.getDetail())
          .isEqualTo(RemediationStatus.SUCCEEDED);
      assertThat(restored.getInterface().split(","))
          .containsExactlyInAnyOrder(isolated.getInterface().split(","));
      assertThat(pingsWithin(id, defaultGateway, Duration.ofSeconds(5)))
          .as("ping on the default bridge after restore")
          .isTrue();
      assertThat(pingsWithin(id, secondGateway, Duration.ofSeconds(5)))
          .as("ping on the second network after restore")
          .isTrue();
    } finally {
      docker.removeContainerCmd(id).withForce(true).exec();
      docker.removeNetworkCmd(networkId).exec();
    }
  }

  /**
   * While the container pings both gateways: a capture of all its interfaces holds the packets of
   * both networks, one of eth1 (the second network, connected after the start) only that network's,
   * and one of an interface it does not have is rejected naming those it has.
   */
  private void capturesOnBothNetworksOrTheNamedOne(
      String id, String networkName, String defaultGateway, String secondGateway) throws Exception {
    List<Process> pingers = List.of(pinger(id, defaultGateway), pinger(id, secondGateway));
    try {
      String all = send(command(RemediationAction.CAPTURE_PACKETS, id).setDurationSeconds(3));
      String eth1 =
          send(
              command(RemediationAction.CAPTURE_PACKETS, id)
                  .setDurationSeconds(3)
                  .setCaptureInterface("eth1"));
      String eth7 =
          send(
              command(RemediationAction.CAPTURE_PACKETS, id)
                  .setDurationSeconds(3)
                  .setCaptureInterface("eth7"));

      List<RemediationResult> allChunks = awaitArtifact(all);
      assertThat(allChunks.get(0).getStatus())
          .as(allChunks.get(0).getDetail())
          .isEqualTo(RemediationStatus.SUCCEEDED);
      assertThat(allChunks.get(0).getInterface().split(",")).hasSize(2);
      assertThat(tcpdump(all, allChunks))
          .as("a capture of every interface")
          .contains(defaultGateway + ": ICMP echo request")
          .contains("IP " + defaultGateway + " > ")
          .contains(secondGateway + ": ICMP echo request")
          .contains("IP " + secondGateway + " > ");

      List<RemediationResult> eth1Chunks = awaitArtifact(eth1);
      RemediationResult eth1First = eth1Chunks.get(0);
      assertThat(eth1First.getStatus())
          .as(eth1First.getDetail())
          .isEqualTo(RemediationStatus.SUCCEEDED);
      assertThat(eth1First.getDetail())
          .contains("captured on eth1 -> host veth " + eth1First.getInterface())
          .contains("network " + networkName);
      assertThat(allChunks.get(0).getInterface().split(",")).contains(eth1First.getInterface());
      assertThat(tcpdump(eth1, eth1Chunks))
          .as("a capture of eth1 only")
          .contains(secondGateway + ": ICMP echo request")
          .contains("IP " + secondGateway + " > ")
          .doesNotContain(defaultGateway + ": ")
          .doesNotContain("IP " + defaultGateway + " ");

      RemediationResult eth7Result = await(eth7);
      assertThat(eth7Result.getStatus()).isEqualTo(RemediationStatus.REJECTED);
      assertThat(eth7Result.getDetail())
          .contains("has no interface 'eth7'")
          .endsWith("its interfaces: eth0, eth1");
      assertThat(eth7Result.hasArtifact()).isFalse();
    } finally {
      for (Process pinger : pingers) {
        pinger.destroy();
        pinger.waitFor(10, TimeUnit.SECONDS);
      }
    }
  }

  @Test
  void aContainerRestartedWhileIsolatedComesBackIsolatedAndTheIsolationSaysSo() throws Exception {
    String id = busybox();
    String gateway = gateway(id);
    String commandId = send(command(RemediationAction.ISOLATE_NETWORK, id));
    RemediationResult isolated = await(commandId);
    assertThat(isolated.getStatus())
        .as(isolated.getDetail())
        .isEqualTo(RemediationStatus.SUCCEEDED);
    assertThat(ping(id, gateway)).as("ping while isolated").isFalse();

    docker.restartContainerCmd(id).withTimeout(0).exec();

    awaitCondition(() -> results.get(commandId).stream().anyMatch(r -> !r.getFollowUp().isEmpty()));
    RemediationResult followUp =
        results.get(commandId).stream()
            .filter(r -> !r.getFollowUp().isEmpty())
            .findFirst()
            .orElseThrow();
    assertThat(followUp.getStatus())
        .as(followUp.getFollowUp())
        .isEqualTo(RemediationStatus.SUCCEEDED);
    assertThat(followUp.getAction()).isEqualTo(RemediationAction.ISOLATE_NETWORK);
    assertThat(followUp.getFollowUp())
        .contains("started again under isolation " + commandId)
        .contains("re-isolated");
    assertThat(followUp.getInterface()).startsWith("veth").isNotEqualTo(isolated.getInterface());
    // Bound to the very command, as its final result is: the controller applies nothing else.
    assertThat(followUp.getCommandSha256()).isEqualTo(isolated.getCommandSha256()).isNotEmpty();
    assertThat(ping(id, gateway)).as("ping after the restart under isolation").isFalse();

    RemediationResult restored = await(send(command(RemediationAction.RESTORE_NETWORK, id)));
    assertThat(restored.getStatus())
        .as(restored.getDetail())
        .isEqualTo(RemediationStatus.SUCCEEDED);
    assertThat(restored.getInterface()).isEqualTo(followUp.getInterface());
    assertThat(pingsWithin(id, gateway, Duration.ofSeconds(5))).as("ping after restore").isTrue();
    assertThat(Files.readString(config.isolationsFile())).doesNotContain(id);
  }

  @Test
  void aContainerRestartedByItsRestartPolicyAfterACrashComesBackIsolated() throws Exception {
    // PID 1 exits 1 once it is told to (so that the isolation is in force before the crash, however
    // slow this machine is); the engine's on-failure policy starts it again, and then it stays up.
    String id =
        container(
            HostConfig.newHostConfig()
                .withNetworkMode("bridge")
                .withRestartPolicy(RestartPolicy.onFailureRestart(3)),
            "sh",
            "-c",
            "if [ -e /crashed ]; then exec sleep 600; fi;"
                + " until [ -e /crash ]; do sleep 1; done; touch /crashed; exit 1");
    String gateway = gateway(id);
    assertThat(ping(id, gateway)).as("ping before isolation").isTrue();
    String commandId = send(command(RemediationAction.ISOLATE_NETWORK, id));
    RemediationResult isolated = await(commandId);
    assertThat(isolated.getStatus())
        .as(isolated.getDetail())
        .isEqualTo(RemediationStatus.SUCCEEDED);
    assertThat(ping(id, gateway)).as("ping while isolated").isFalse();

    ProcessOutput crash =
        new ProcessCommandRunner()
            .run(List.of("docker", "exec", id, "touch", "/crash"), Duration.ofSeconds(20));
    assertThat(crash.succeeded()).as(crash.describe()).isTrue();

    awaitCondition(() -> results.get(commandId).stream().anyMatch(r -> !r.getFollowUp().isEmpty()));
    var state = docker.inspectContainerCmd(id).exec();
    assertThat(state.getRestartCount()).as("restarted by the engine's policy").isEqualTo(1);
    assertThat(state.getState().getRunning()).isTrue();
    RemediationResult followUp =
        results.get(commandId).stream()
            .filter(r -> !r.getFollowUp().isEmpty())
            .findFirst()
            .orElseThrow();
    assertThat(followUp.getStatus())
        .as(followUp.getFollowUp())
        .isEqualTo(RemediationStatus.SUCCEEDED);
    String newVeth = followUp.getInterface();
    assertThat(newVeth).startsWith("veth").isNotEqualTo(isolated.getInterface());
    assertThat(followUp.getFollowUp())
        .contains("started again under isolation " + commandId)
        .contains("its new interface(s) are down")
        .contains("host veth " + newVeth);
    IpLink link =
        IpOutputParser.parseLink(
            new ProcessCommandRunner()
                .run(List.of("ip", "-d", "-o", "link", "show", "dev", newVeth), WAIT)
                .stdout());
    assertThat(link.isAdminUp()).as("the new host-side veth is down").isFalse();
    assertThat(link.state()).isEqualTo("DOWN");
    assertThat(ping(id, gateway)).as("ping after the restart under isolation").isFalse();

    RemediationResult restored = await(send(command(RemediationAction.RESTORE_NETWORK, id)));
    assertThat(restored.getStatus())
        .as(restored.getDetail())
        .isEqualTo(RemediationStatus.SUCCEEDED);
    assertThat(restored.getInterface()).isEqualTo(newVeth);
    assertThat(pingsWithin(id, gateway, Duration.ofSeconds(5))).as("ping after restore").isTrue();
  }

  @Test
  void aTtlRestoreThatFailsTransientlyIsRetriedUntilItSucceeds() throws Exception {
    String id = busybox();
    String gateway = gateway(id);
    Path retryDir = Files.createTempDirectory(dataDir, "retry");
    RemediationConfig retryConfig =
        RemediationConfig.from(
            Settings.of(
                Map.of(
                    "remediation.data.dir",
                    retryDir.toString(),
                    "remediation.restore.retry.first",
                    "200ms")));
    List<RemediationResult> published = new CopyOnWriteArrayList<>();
    ResultSink collect =
        r -> {
          published.add(r);
          return Future.succeededFuture();
        };
    List<String> injected = new CopyOnWriteArrayList<>();
    CommandRunner real = new ProcessCommandRunner();
    // The first "ip link set ... up" fails as a busy kernel or a killed ip would; later ones run.
    CommandRunner failsFirstUp =
        (command, timeout) -> {
          String line = String.join(" ", command);
          if (line.startsWith("ip link set") && line.endsWith(" up") && injected.isEmpty()) {
            injected.add(line);
            return new ProcessOutput(
                command, 2, "", "RTNETLINK answers: Resource temporarily unavailable (injected)\n");
          }
          return real.run(command, timeout);
        };
    RemediationExecutor executor =
        new RemediationExecutor(
            vertx,
            retryConfig,
            HOST,
            RemediationParts.of(
                retryConfig,
                docker,
                new ContainerDirectory(),
                (c, d, r) -> Future.succeededFuture(),
                collect,
                failsFirstUp,
                Clock.systemUTC()));
    executor.start().await(30, TimeUnit.SECONDS);
    try {
      RemediationCommand isolate =
          signer.sign(command(RemediationAction.ISOLATE_NETWORK, id).setTtlSeconds(2).build());
      RemediationResult isolated = executor.execute(isolate).await(30, TimeUnit.SECONDS).get(0);
      assertThat(isolated.getStatus())
          .as(isolated.getDetail())
          .isEqualTo(RemediationStatus.SUCCEEDED);
      assertThat(ping(id, gateway)).as("ping while isolated").isFalse();

      awaitCondition(
          () ->
              published.stream()
                  .anyMatch(r -> r.getCommandId().equals(isolate.getCommandId() + "-ttl-restore")));

      assertThat(injected).hasSize(1);
      RemediationResult restored =
          published.stream()
              .filter(r -> r.getCommandId().equals(isolate.getCommandId() + "-ttl-restore"))
              .findFirst()
              .orElseThrow();
      assertThat(restored.getStatus())
          .as(restored.getDetail())
          .isEqualTo(RemediationStatus.SUCCEEDED);
      assertThat(published)
          .as("one result: the failed attempt is retried, not reported as final")
          .hasSize(1);
      // The restore result is handed over in-process, with no Kafka round trip before the ping:
      // allow
      // the container's ARP entry for the gateway (failed while isolated) a few seconds to resolve.
      assertThat(pingsWithin(id, gateway, Duration.ofSeconds(5)))
          .as("ping after the retried restore")
          .isTrue();
      assertThat(new IsolationStore(retryConfig.isolationsFile()).load()).isEmpty();
    } finally {
      executor.stop().await(30, TimeUnit.SECONDS);
    }
  }

  @Test
  void aHostNetworkContainerIsNotIsolated() throws Exception {
    String id = container("host", "sleep", "600");

    RemediationResult result = await(send(command(RemediationAction.ISOLATE_NETWORK, id)));

    assertThat(result.getStatus()).isEqualTo(RemediationStatus.REJECTED);
    assertThat(result.getDetail()).contains("host network");
    assertThat(result.getInterface()).isEmpty();
  }

  @Test
  void aContainerWithoutNetworkIsNotIsolated() throws Exception {
    String id = container("none", "sleep", "600");

    RemediationResult result = await(send(command(RemediationAction.ISOLATE_NETWORK, id)));

    assertThat(result.getStatus()).isEqualTo(RemediationStatus.REJECTED);
    assertThat(result.getDetail()).contains("no network interface besides loopback");
  }

  @Test
  void aContainerOnAUserDefinedNetworkIsIsolatedOnItsBridge() throws Exception {
    String networkName = "porthole-it-rem-net-" + UUID.randomUUID().toString().substring(0, 8);
    String networkId =
        docker.createNetworkCmd().withName(networkName).withDriver("bridge").exec().getId();
    try {
      String id = container(networkName, "sleep", "600");
      String gateway =
          docker
              .inspectContainerCmd(id)
              .exec()
              .getNetworkSettings()
              .getNetworks()
              .get(networkName)
              .getGateway();
      assertThat(ping(id, gateway)).as("ping before isolation").isTrue();

      RemediationResult isolated = await(send(command(RemediationAction.ISOLATE_NETWORK, id)));
      assertThat(isolated.getStatus())
          .as(isolated.getDetail())
          .isEqualTo(RemediationStatus.SUCCEEDED);
      assertThat(isolated.getDetail()).contains("on br-" + networkId.substring(0, 12));
      assertThat(ping(id, gateway)).as("ping while isolated").isFalse();

      RemediationResult restored = await(send(command(RemediationAction.RESTORE_NETWORK, id)));
      assertThat(restored.getStatus())
          .as(restored.getDetail())
          .isEqualTo(RemediationStatus.SUCCEEDED);
      assertThat(pingsWithin(id, gateway, Duration.ofSeconds(5))).as("ping after restore").isTrue();
      docker.removeContainerCmd(id).withForce(true).exec();
    } finally {
      docker.removeNetworkCmd(networkId).exec();
    }
  }

  @Test
  void unsignedForgedExpiredAndOtherHostCommandsAreRejectedAndChangeNothing() throws Exception {
    String id = busybox();
    String gateway = gateway(id);
    RemediationCommand.Builder isolate = command(RemediationAction.ISOLATE_NETWORK, id);

    String unsigned = sendRaw(HOST, isolate.setCommandId(UUID.randomUUID().toString()).build());
    String forged =
        sendRaw(HOST, otherSigner.sign(isolate.setCommandId(UUID.randomUUID().toString()).build()));
    RemediationCommand otherKeyUnderOurId =
        otherSigner.sign(isolate.setCommandId(UUID.randomUUID().toString()).build()).toBuilder()
            .setSigningKeyId(signer.keyId())
            .build();
    String relabelled = sendRaw(HOST, otherKeyUnderOurId);
    Instant now = Instant.now();
    String longLived =
        sendRaw(
            HOST,
            signer.sign(
                isolate
                    .setCommandId(UUID.randomUUID().toString())
                    .setIssuedAt(Timestamps.of(now))
                    .setExpiresAt(Timestamps.of(now.plus(Duration.ofMinutes(11))))
                    .build()));
    String fromTheFuture =
        sendRaw(
            HOST,
            signer.sign(
                isolate
                    .setCommandId(UUID.randomUUID().toString())
                    .setIssuedAt(Timestamps.of(now.plusSeconds(120)))
                    .setExpiresAt(Timestamps.of(now.plusSeconds(300)))
                    .build()));
    isolate.setIssuedAt(Timestamps.of(now));
    String expired =
        sendRaw(
            HOST,
            signer.sign(
                isolate
                    .setCommandId(UUID.randomUUID().toString())
                    .setExpiresAt(Timestamps.of(Instant.now().minusSeconds(5)))
                    .build()));
    String otherHostInside =
        sendRaw(
            HOST,
            signer.sign(
                isolate
                    .setCommandId(UUID.randomUUID().toString())
                    .setExpiresAt(Timestamps.of(Instant.now().plusSeconds(300)))
                    .setHostId("another-host")
                    .build()));
    long skippedBefore = commands.skippedForOtherHosts();
    String otherHostKeyed =
        sendRaw(
            "another-host",
            signer.sign(isolate.setCommandId(UUID.randomUUID().toString()).build()));
    long undecodableBefore = commands.undecodable();
    producer
        .send(
            new ProducerRecord<>(
                topics.name(Topic.COMMANDS), HOST, new byte[] {(byte) 0xff, 0x01, 0x02}))
        .get();

    assertThat(await(unsigned).getDetail()).contains("not signed");
    assertThat(await(forged).getDetail())
        .contains("signed with key '" + otherSigner.keyId() + "', not one of the trusted keys");
    assertThat(await(relabelled).getDetail()).contains("signature does not verify");
    assertThat(await(longLived).getDetail())
        .contains("lifetime 660 s exceeds the maximum of 600 s");
    assertThat(await(fromTheFuture).getDetail()).contains("clock skew");
    assertThat(await(expired).getDetail()).contains("expired");
    assertThat(await(otherHostInside).getDetail()).contains("for host 'another-host'");
    for (String commandId :
        List.of(unsigned, forged, relabelled, longLived, fromTheFuture, expired, otherHostInside)) {
      assertThat(await(commandId).getStatus()).isEqualTo(RemediationStatus.REJECTED);
      assertThat(await(commandId).getInterface()).isEmpty();
    }
    awaitCondition(
        () ->
            commands.skippedForOtherHosts() == skippedBefore + 1
                && commands.undecodable() == undecodableBefore + 1);
    assertThat(results).doesNotContainKey(otherHostKeyed);
    assertThat(ping(id, gateway)).as("the container's network still works").isTrue();
  }

  @Test
  void aReplayedCommandRecordCopiedFromTheTopicIsRefusedAndPublishesNothing() throws Exception {
    String id = busybox();
    String gateway = gateway(id);
    String isolateId = send(command(RemediationAction.ISOLATE_NETWORK, id));
    assertThat(await(isolateId).getStatus())
        .as(await(isolateId).getDetail())
        .isEqualTo(RemediationStatus.SUCCEEDED);
    RemediationResult restored = await(send(command(RemediationAction.RESTORE_NETWORK, id)));
    assertThat(restored.getStatus())
        .as(restored.getDetail())
        .isEqualTo(RemediationStatus.SUCCEEDED);
    assertThat(ping(id, gateway)).isTrue();

    // An attacker with access to the topic copies the signed ISOLATE record and publishes it again.
    ConsumerRecordCopy copy = copyFromCommandsTopic(isolateId);
    long replayedBefore = commands.replayed();
    producer
        .send(
            new ProducerRecord<>(
                topics.name(Topic.COMMANDS), copy.partition(), copy.key(), copy.value()))
        .get();
    // A later command on the same key shows the copy was read (the consumer commits in order).
    String marker = send(command(RemediationAction.ISOLATE_NETWORK, id).setDryRun(true));
    await(marker);
    awaitCondition(() -> commands.replayed() == replayedBefore + 1);

    assertThat(results.get(isolateId)).as("no second result for the replayed command").hasSize(1);
    assertThat(ping(id, gateway)).as("the container was not isolated again").isTrue();
    assertThat(Files.readString(CommandVerification.acceptedIdsFile(config)))
        .as("the id is kept on disk")
        .contains(Base64.getUrlEncoder().withoutPadding().encodeToString(isolateId.getBytes()));
  }

  @Test
  void aCommandSignedWithTheNextKeyRunsWhileBothKeysAreTrusted() throws Exception {
    String id = busybox();

    RemediationResult result =
        await(
            sendRaw(
                HOST,
                nextSigner.sign(
                    command(RemediationAction.ISOLATE_NETWORK, id).setDryRun(true).build())));

    assertThat(result.getStatus()).as(result.getDetail()).isEqualTo(RemediationStatus.SUCCEEDED);
    assertThat(result.getRequestedBy()).isEqualTo("RemediationIT");
  }

  @Test
  void aDryRunSaysWhatItWouldDoAndChangesNothing() throws Exception {
    String id = busybox();

    RemediationResult result =
        await(send(command(RemediationAction.ISOLATE_NETWORK, id).setDryRun(true)));

    assertThat(result.getStatus()).isEqualTo(RemediationStatus.SUCCEEDED);
    assertThat(result.getDryRun()).isTrue();
    assertThat(result.getDetail())
        .startsWith("dry run: would bring down every interface of")
        .contains("nothing changed");
    assertThat(result.getInterface()).startsWith("veth");
    assertThat(ping(id, gateway(id))).isTrue();
  }

  @Test
  void aCaptureWhileTheContainerPingsHoldsThoseIcmpPackets() throws Exception {
    String id = busybox();
    String gateway = gateway(id);
    Process pinger =
        new ProcessBuilder("docker", "exec", id, "ping", "-c", "60", "-i", "0.2", gateway)
            .redirectErrorStream(true)
            .redirectOutput(ProcessBuilder.Redirect.DISCARD)
            .start();
    try {
      String commandId = send(command(RemediationAction.CAPTURE_PACKETS, id).setDurationSeconds(3));
      List<RemediationResult> chunks = awaitArtifact(commandId);

      assertThat(chunks.get(0).getStatus())
          .as(chunks.get(0).getDetail())
          .isEqualTo(RemediationStatus.SUCCEEDED);
      byte[] pcap = join(chunks);
      ArtifactChunk first = chunks.get(0).getArtifact();
      assertThat(first.getContentType()).isEqualTo("application/vnd.tcpdump.pcap");
      assertThat(first.getTotalSize()).isEqualTo(pcap.length);
      assertThat(first.getSha256()).isEqualTo(ArtifactChunker.sha256(pcap));
      Path file = dataDir.resolve(commandId + ".pcap");
      Files.write(file, pcap);
      ProcessOutput read =
          new ProcessCommandRunner()
              .run(List.of("tcpdump", "-n", "-r", file.toString()), Duration.ofSeconds(30));
      assertThat(read.exitCode()).as(read.describe()).isZero();
      assertThat(read.stdout())
          .contains("ICMP echo request")
          .contains("ICMP echo reply")
          .contains(gateway);

      String capped =
          send(
              command(RemediationAction.CAPTURE_PACKETS, id)
                  .setDurationSeconds(30)
                  .setMaxPackets(3));
      List<RemediationResult> cappedChunks = awaitArtifact(capped);
      assertThat(cappedChunks.get(0).getDetail())
          .startsWith("3 packets")
          .contains("stopped by packet cap");
      Path cappedFile = dataDir.resolve(capped + ".pcap");
      Files.write(cappedFile, join(cappedChunks));
      ProcessOutput cappedRead =
          new ProcessCommandRunner()
              .run(List.of("tcpdump", "-n", "-r", cappedFile.toString()), Duration.ofSeconds(30));
      assertThat(cappedRead.stdout().lines().count()).as(cappedRead.stdout()).isEqualTo(3);
    } finally {
      pinger.destroy();
      pinger.waitFor(10, TimeUnit.SECONDS);
    }
  }

  @Test
  void extractingBusyboxReturnsTheFileTheImageWasBuiltFrom() throws Exception {
    String commandId = send(extract(TestDocker.BUSYBOX_IMAGE, "/bin/busybox"));

    List<RemediationResult> chunks = awaitArtifact(commandId);

    assertThat(chunks.get(0).getStatus())
        .as(chunks.get(0).getDetail())
        .isEqualTo(RemediationStatus.SUCCEEDED);
    assertThat(chunks.get(0).getArtifact().getFileName()).isEqualTo("busybox");
    assertThat(join(chunks)).isEqualTo(Files.readAllBytes(Path.of("/bin/busybox")));
    assertThat(
            docker
                .listContainersCmd()
                .withShowAll(true)
                .withLabelFilter(Map.of("io.porthole.purpose", "extract-file"))
                .exec())
        .as("the extraction container is removed")
        .isEmpty();
  }

  @Test
  void extractionFailuresSayWhatIsWrong() throws Exception {
    String missingPath = send(extract(TestDocker.BUSYBOX_IMAGE, "/etc/no-such-file"));
    String directory = send(extract(TestDocker.BUSYBOX_IMAGE, "/bin"));
    String symlink = send(extract(TestDocker.BUSYBOX_IMAGE, "/bin/sh"));
    String missingImage = send(extract("porthole/no-such-image:never", "/bin/busybox"));

    assertThat(await(missingPath).getStatus()).isEqualTo(RemediationStatus.FAILED);
    assertThat(await(missingPath).getDetail()).contains("'/etc/no-such-file' not found in image");
    assertThat(await(directory).getDetail()).contains("is a directory");
    assertThat(await(symlink).getDetail()).contains("is a symbolic link to");
    assertThat(await(missingImage).getStatus()).isEqualTo(RemediationStatus.FAILED);
    assertThat(await(missingImage).getDetail())
        .contains("image 'porthole/no-such-image:never' not found");
  }

  @Test
  void aTraceIsHandedToTheTracerWithItsDuration() throws Exception {
    String id = busybox();

    RemediationResult result =
        await(
            send(
                command(RemediationAction.TRACE_SYSCALLS, id)
                    .setDurationSeconds(7)
                    .setReason("why it exits")));

    assertThat(result.getStatus()).as(result.getDetail()).isEqualTo(RemediationStatus.SUCCEEDED);
    assertThat(traced).contains(id + " 7 why it exits");
    assertThat(results.get(result.getCommandId()))
        .extracting(RemediationResult::getStatus)
        .containsExactly(RemediationStatus.RUNNING, RemediationStatus.SUCCEEDED);
  }

  // --- commands and results

  private static RemediationCommand.Builder command(RemediationAction action, String containerId) {
    Instant now = Instant.now();
    return RemediationCommand.newBuilder()
        .setCommandId(UUID.randomUUID().toString())
        .setAction(action)
        .setHostId(HOST)
        .setContainerId(containerId)
        .setReason("integration test")
        .setRequestedBy("RemediationIT")
        .setIssuedAt(Timestamps.of(now))
        .setExpiresAt(Timestamps.of(now.plusSeconds(300)));
  }

  private static RemediationCommand.Builder extract(String image, String path) {
    return command(RemediationAction.EXTRACT_FILE, "").setImage(image).setPath(path);
  }

  private static String send(RemediationCommand.Builder command) throws Exception {
    return sendRaw(HOST, signer.sign(command.build()));
  }

  private static CommandSigner keyPair(Path dir, String name) throws IOException {
    CommandKeys.writePair(dir.resolve(name + "-signing.pem"), dir.resolve(name + "-verify.pem"));
    return CommandSigner.fromFile(dir.resolve(name + "-signing.pem"));
  }

  private record ConsumerRecordCopy(int partition, String key, byte[] value) {}

  /** The command's record as anyone allowed to read the topic sees it: plain kafka-clients. */
  private static ConsumerRecordCopy copyFromCommandsTopic(String commandId) throws Exception {
    Properties props = new Properties();
    props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, SharedKafka.bootstrapServers());
    try (KafkaConsumer<String, byte[]> consumer =
        new KafkaConsumer<>(props, new StringDeserializer(), new ByteArrayDeserializer())) {
      String topic = topics.name(Topic.COMMANDS);
      List<TopicPartition> partitions =
          consumer.partitionsFor(topic).stream()
              .map(p -> new TopicPartition(topic, p.partition()))
              .toList();
      consumer.assign(partitions);
      consumer.seekToBeginning(partitions);
      long deadline = System.nanoTime() + WAIT.toNanos();
      while (System.nanoTime() < deadline) {
        for (var record : consumer.poll(Duration.ofMillis(200))) {
          try {
            if (RemediationCommand.parseFrom(record.value()).getCommandId().equals(commandId)) {
              return new ConsumerRecordCopy(record.partition(), record.key(), record.value());
            }
          } catch (InvalidProtocolBufferException e) {
            // not a command (the test's undecodable record)
          }
        }
      }
    }
    throw new AssertionError("command " + commandId + " not found on the commands topic");
  }

  private static String sendRaw(String key, RemediationCommand command) throws Exception {
    producer
        .send(new ProducerRecord<>(topics.name(Topic.COMMANDS), key, command.toByteArray()))
        .get();
    return command.getCommandId();
  }

  private static RemediationResult await(String commandId) throws InterruptedException {
    awaitCondition(
        () ->
            results.getOrDefault(commandId, List.of()).stream()
                .anyMatch(r -> r.getStatus() != RemediationStatus.RUNNING));
    return results.get(commandId).stream()
        .filter(r -> r.getStatus() != RemediationStatus.RUNNING)
        .findFirst()
        .orElseThrow();
  }

  private static List<RemediationResult> awaitArtifact(String commandId)
      throws InterruptedException {
    awaitCondition(
        () -> {
          List<RemediationResult> list = results.get(commandId);
          return list != null
              && (list.get(0).getStatus() != RemediationStatus.SUCCEEDED
                  || list.stream().filter(RemediationResult::hasArtifact).count()
                      == list.get(0).getArtifact().getTotal());
        });
    List<RemediationResult> list = new ArrayList<>(results.get(commandId));
    list.sort(Comparator.comparingInt(r -> r.getArtifact().getIndex()));
    return list;
  }

  private static byte[] join(List<RemediationResult> chunks) {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    chunks.stream()
        .map(r -> r.getArtifact().getData())
        .map(ByteString::toByteArray)
        .forEach(bytes::writeBytes);
    return bytes.toByteArray();
  }

  private static void awaitCondition(BooleanSupplier condition) throws InterruptedException {
    Await.until("the condition", WAIT, condition::getAsBoolean);
  }

  private static void readResults(String bootstrap) {
    Properties props = new Properties();
    props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
    try (KafkaConsumer<String, byte[]> consumer =
        new KafkaConsumer<>(props, new StringDeserializer(), new ByteArrayDeserializer())) {
      String topic = topics.name(Topic.COMMAND_RESULTS);
      List<TopicPartition> partitions =
          consumer.partitionsFor(topic).stream()
              .map(p -> new TopicPartition(topic, p.partition()))
              .toList();
      consumer.assign(partitions);
      consumer.seekToBeginning(partitions);
      while (reading) {
        consumer
            .poll(Duration.ofMillis(200))
            .forEach(
                record -> {
                  try {
                    RemediationResult result = RemediationResult.parseFrom(record.value());
                    assertThat(record.key()).isEqualTo(HOST + "/" + result.getCommandId());
                    results
                        .computeIfAbsent(result.getCommandId(), k -> new CopyOnWriteArrayList<>())
                        .add(result);
                  } catch (InvalidProtocolBufferException e) {
                    throw new IllegalStateException(e);
                  }
                });
      }
    }
  }

  // --- containers and the network

  private static String busybox() {
    return container("bridge", "sleep", "600");
  }

  private static String container(String networkMode, String... cmd) {
    return container(HostConfig.newHostConfig().withNetworkMode(networkMode), cmd);
  }

  private static String container(HostConfig hostConfig, String... cmd) {
    String id =
        docker
            .createContainerCmd(TestDocker.BUSYBOX_IMAGE)
            .withName("porthole-it-rem-" + UUID.randomUUID().toString().substring(0, 8))
            .withCmd(cmd)
            .withHostConfig(hostConfig)
            .exec()
            .getId();
    containers.add(id);
    docker.startContainerCmd(id).exec();
    return id;
  }

  private static String gateway(String id) {
    return gateway(id, "bridge");
  }

  private static String gateway(String id, String network) {
    return docker
        .inspectContainerCmd(id)
        .exec()
        .getNetworkSettings()
        .getNetworks()
        .get(network)
        .getGateway();
  }

  /** Pings {@code address} from inside the container five times a second for up to a minute. */
  private static Process pinger(String id, String address) throws IOException {
    return new ProcessBuilder("docker", "exec", id, "ping", "-c", "300", "-i", "0.2", address)
        .redirectErrorStream(true)
        .redirectOutput(ProcessBuilder.Redirect.DISCARD)
        .start();
  }

  /** What tcpdump reads from the pcap in {@code chunks}, one line per packet. */
  private static String tcpdump(String commandId, List<RemediationResult> chunks)
      throws IOException {
    Path file = dataDir.resolve(commandId + ".pcap");
    Files.write(file, join(chunks));
    ProcessOutput read =
        new ProcessCommandRunner()
            .run(List.of("tcpdump", "-n", "-r", file.toString()), Duration.ofSeconds(30));
    assertThat(read.exitCode()).as(read.describe()).isZero();
    return read.stdout();
  }

  private static boolean pingsWithin(String id, String address, Duration deadline)
      throws IOException {
    long end = System.nanoTime() + deadline.toNanos();
    while (!ping(id, address)) {
      if (System.nanoTime() > end) {
        return false;
      }
    }
    return true;
  }

  private static boolean ping(String id, String address) throws IOException {
    ProcessOutput output =
        new ProcessCommandRunner()
            .run(
                List.of("docker", "exec", id, "ping", "-c1", "-W1", address),
                Duration.ofSeconds(20));
    return output.succeeded();
  }
}
