package io.porthole.collector.packets;

import static org.assertj.core.api.Assertions.assertThat;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.async.ResultCallback;
import com.github.dockerjava.api.command.InspectContainerResponse;
import com.github.dockerjava.api.model.Frame;
import com.github.dockerjava.api.model.HostConfig;
import com.google.protobuf.InvalidProtocolBufferException;
import io.porthole.collector.CollectorStats;
import io.porthole.collector.ContainerDirectory;
import io.porthole.collector.ContainerInfo;
import io.porthole.collector.EventSink;
import io.porthole.proto.EventEnvelope;
import io.porthole.proto.FlowDirection;
import io.porthole.proto.FlowRecord;
import io.porthole.runtime.KafkaSettings;
import io.porthole.runtime.Settings;
import io.porthole.runtime.kafka.RecordPublisher;
import io.porthole.testing.Await;
import io.porthole.testing.SharedKafka;
import io.porthole.testing.TestDocker;
import io.porthole.wire.RecordKey;
import io.porthole.wire.Timestamps;
import io.porthole.wire.Topic;
import io.porthole.wire.TopicNames;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Live capture with real libpcap on docker0: HTTP between two busybox containers reaches
 * porthole.flows.v1 (a real Kafka) as FlowRecords attributed to both containers.
 */
class PacketCaptureIT {

  private static final String HOST = "it-host";

  private final DockerClient docker = TestDocker.client();
  private final String run = UUID.randomUUID().toString().substring(0, 8);
  private final List<String> containers = new ArrayList<>();
  private Vertx vertx;

  @BeforeEach
  void setUp() {
    vertx = Vertx.vertx();
  }

  @AfterEach
  void tearDown() throws Exception {
    for (String id : containers) {
      try {
        docker.removeContainerCmd(id).withForce(true).exec();
      } catch (RuntimeException e) {
        System.err.println("cannot remove container " + id + ": " + e);
      }
    }
    vertx.close().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
    docker.close();
  }

  @Test
  void httpBetweenTwoContainersYieldsFlowRecordsWithTheRequestAndStatusLines() throws Exception {
    Instant testStart = Instant.now();
    String server =
        startContainer(
            "srv",
            "mkdir -p /www && echo hello-porthole > /www/index.html && exec httpd -f -p "
                + "80 -h /www");
    String client = startContainer("cli", "exec sleep 600");
    InspectContainerResponse serverInfo = docker.inspectContainerCmd(server).exec();
    InspectContainerResponse clientInfo = docker.inspectContainerCmd(client).exec();
    String serverIp = ipOf(serverInfo);
    String clientIp = ipOf(clientInfo);
    ContainerDirectory directory = new ContainerDirectory();
    directory.running(infoOf(serverInfo, serverIp));
    directory.running(infoOf(clientInfo, clientIp));

    TopicNames topics = TopicNames.withPrefix("it-" + run + ".");
    String flowsTopic = topics.name(Topic.FLOWS);
    SharedKafka.createTopics(3, flowsTopic);
    RecordPublisher publisher =
        RecordPublisher.create(
            vertx,
            KafkaSettings.of(SharedKafka.bootstrapServers()),
            "packet-capture-it",
            topics,
            10_000);
    EventSink sink =
        (topic, envelope) ->
            publisher.publish(
                topic,
                new RecordKey(envelope.getHostId(), envelope.getContainerId()).asString(),
                envelope);
    CollectorStats stats = new CollectorStats();
    CaptureConfig config =
        CaptureConfig.from(
            Settings.of(
                Map.of(
                    "capture.interfaces", "docker0",
                    "capture.filter", "host " + serverIp + " and tcp port 80",
                    "capture.flush.interval", "1s")));
    PacketCaptureSource source =
        new PacketCaptureSource(vertx, config, directory, sink, stats, HOST);
    await(source.start());
    assertThat(source.interfaces()).containsExactly("docker0");

    try (KafkaConsumer<String, byte[]> consumer = consumer()) {
      consumer.subscribe(List.of(flowsTopic));
      String output = exec(client, "wget", "-q", "-O", "-", "http://" + serverIp + "/");
      assertThat(output).isEqualTo("hello-porthole\n");

      List<ConsumerRecord<String, byte[]>> received = new ArrayList<>();
      long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
      while (System.nanoTime() < deadline && !endedRecordOf(received, client)) {
        consumer.poll(Duration.ofMillis(500)).forEach(received::add);
      }

      List<FlowRecord> clientRecords = recordsOf(received, client);
      assertThat(clientRecords).as("records keyed %s/%s", HOST, client).isNotEmpty();
      FlowRecord last = clientRecords.get(clientRecords.size() - 1);
      assertThat(last.getEnded()).isTrue();
      assertThat(last.getDirection()).isEqualTo(FlowDirection.OUTBOUND);
      assertThat(last.getSourceAddress()).isEqualTo(clientIp);
      assertThat(last.getContainerAddress()).isEqualTo(clientIp);
      assertThat(last.getDestinationAddress()).isEqualTo(serverIp);
      assertThat(last.getDestinationPort()).isEqualTo(80);
      assertThat(last.getInterface()).isEqualTo("docker0");
      assertThat(Timestamps.toInstant(last.getFirstSeen())).isBetween(testStart, Instant.now());
      assertThat(Timestamps.toInstant(last.getLastSeen()))
          .isBetween(Timestamps.toInstant(last.getFirstSeen()), Instant.now());
      assertThat(last.getExcerptForward().toString(StandardCharsets.ISO_8859_1))
          .matches("(?s)GET / HTTP/1\\.[01]\r\nHost: " + serverIp.replace(".", "\\.") + "\r\n.*");
      assertThat(last.getExcerptReverse().toString(StandardCharsets.ISO_8859_1))
          .startsWith("HTTP/1.1 200 OK\r\n")
          .endsWith("hello-porthole\n");
      assertThat(last.getApplication().getHttpRequestLine()).matches("GET / HTTP/1\\.[01]");
      assertThat(last.getApplication().getHttpHost()).isEqualTo(serverIp);
      assertThat(last.getApplication().getHttpStatusLine()).isEqualTo("HTTP/1.1 200 OK");
      assertThat(clientRecords.stream().mapToInt(r -> r.getTcpFlags().getSyn()).sum()).isEqualTo(1);
      assertThat(clientRecords.stream().mapToInt(r -> r.getTcpFlags().getSynAck()).sum())
          .isEqualTo(1);
      assertThat(clientRecords.stream().mapToInt(r -> r.getTcpFlags().getFin()).sum()).isEqualTo(2);
      assertThat(clientRecords.stream().mapToLong(FlowRecord::getPacketsForward).sum())
          .isGreaterThanOrEqualTo(5);
      assertThat(clientRecords.stream().mapToLong(FlowRecord::getPacketsReverse).sum())
          .isGreaterThanOrEqualTo(4);

      List<FlowRecord> serverRecords = recordsOf(received, server);
      assertThat(serverRecords).isNotEmpty();
      assertThat(serverRecords)
          .allSatisfy(
              r -> {
                assertThat(r.getDirection()).isEqualTo(FlowDirection.INBOUND);
                assertThat(r.getContainerAddress()).isEqualTo(serverIp);
              });
    } finally {
      await(source.stop());
    }
    assertThat(stats.packetsSeen.get()).isGreaterThanOrEqualTo(9);
    assertThat(stats.pcapDropped.get()).isZero();
  }

  @Test
  void brStarCapturesOnEveryUserDefinedDockerBridge() {
    String networkId =
        docker
            .createNetworkCmd()
            .withName("porthole-it-packets-net-" + run)
            .withDriver("bridge")
            .exec()
            .getId();
    try {
      CaptureConfig config =
          CaptureConfig.from(Settings.of(Map.of("capture.interfaces", "docker0,br-*")));
      PacketCaptureSource source =
          new PacketCaptureSource(
              vertx, config, new ContainerDirectory(), (t, e) -> {}, new CollectorStats(), HOST);
      await(source.start());
      try {
        assertThat(source.interfaces())
            .startsWith("docker0")
            .contains("br-" + networkId.substring(0, 12));
        assertThat(source.interfaces())
            .allMatch(name -> name.equals("docker0") || name.startsWith("br-"));
      } finally {
        await(source.stop());
      }
    } finally {
      docker.removeNetworkCmd(networkId).exec();
    }
  }

  @Test
  void aMissingInterfaceFailsTheStartNamingItAndTheSetting() {
    CaptureConfig config =
        CaptureConfig.from(
            Settings.of(Map.of("capture.interfaces", "docker0,phnope" + run.substring(0, 4))));
    PacketCaptureSource source =
        new PacketCaptureSource(
            vertx, config, new ContainerDirectory(), (t, e) -> {}, new CollectorStats(), HOST);

    Throwable failure = failureOf(source.start());

    assertThat(failure)
        .hasMessageContaining("interface 'phnope" + run.substring(0, 4) + "' does not exist")
        .hasMessageContaining("docker0")
        .hasMessageContaining("capture.interfaces");
    assertThat(source.interfaces()).isEmpty();
    await(source.stop());
  }

  @Test
  void aFilterLibpcapRejectsFailsTheStartNamingTheSetting() {
    CaptureConfig config =
        CaptureConfig.from(Settings.of(Map.of("capture.filter", "tcp port eighty")));
    PacketCaptureSource source =
        new PacketCaptureSource(
            vertx, config, new ContainerDirectory(), (t, e) -> {}, new CollectorStats(), HOST);

    Throwable failure = failureOf(source.start());

    assertThat(failure)
        .hasMessageStartingWith("capture.filter: libpcap rejected 'tcp port eighty' on docker0");
  }

  @Test
  void aBridgeCreatedAfterStartIsCapturedAndOneRemovedEndsQuietly() throws Exception {
    CaptureConfig config =
        CaptureConfig.from(
            Settings.of(
                Map.of("capture.interfaces", "docker0,br-*", "capture.flush.interval", "500ms")));
    List<FlowRecord> flows = Collections.synchronizedList(new ArrayList<>());
    ContainerDirectory directory = new ContainerDirectory();
    CollectorStats stats = new CollectorStats();
    PacketCaptureSource source =
        new PacketCaptureSource(
            vertx, config, directory, (t, e) -> flows.add(e.getFlow()), stats, HOST);
    await(source.start());
    String networkName = "porthole-it-packets-late-" + run;
    String networkId =
        docker.createNetworkCmd().withName(networkName).withDriver("bridge").exec().getId();
    String bridge = "br-" + networkId.substring(0, 12);
    try {
      awaitCondition(
          () -> source.interfaces().contains(bridge),
          "the new bridge " + bridge + " to be captured");
      String server = startContainerOn(networkName, "srv", "exec sleep 600");
      String client = startContainerOn(networkName, "cli", "exec sleep 600");
      InspectContainerResponse serverInfo = docker.inspectContainerCmd(server).exec();
      InspectContainerResponse clientInfo = docker.inspectContainerCmd(client).exec();
      String serverIp =
          serverInfo.getNetworkSettings().getNetworks().get(networkName).getIpAddress();
      String clientIp =
          clientInfo.getNetworkSettings().getNetworks().get(networkName).getIpAddress();
      directory.running(infoOf(serverInfo, serverIp));
      directory.running(infoOf(clientInfo, clientIp));
      exec(client, "ping", "-c", "3", "-W", "1", serverIp);
      awaitCondition(
          () -> {
            synchronized (flows) {
              return flows.stream()
                  .anyMatch(
                      f ->
                          f.getInterface().equals(bridge)
                              && f.getContainerAddress().equals(clientIp));
            }
          },
          "a flow of " + clientIp + " on " + bridge);
      for (String id : List.of(server, client)) {
        docker.removeContainerCmd(id).withForce(true).exec();
        containers.remove(id);
      }
      docker.removeNetworkCmd(networkId).exec();
      networkId = null;
      awaitCondition(
          () -> !source.interfaces().contains(bridge), "the capture of the removed bridge to end");
      assertThat(stats.degradedSources()).doesNotContainKey(PacketCaptureSource.SOURCE);
      assertThat(stats.packetCapturesFailed.get()).isZero();
      assertThat(source.interfaces()).contains("docker0");
    } finally {
      await(source.stop());
      if (networkId != null) {
        for (String id : List.copyOf(containers)) {
          docker.removeContainerCmd(id).withForce(true).exec();
          containers.remove(id);
        }
        docker.removeNetworkCmd(networkId).exec();
      }
    }
  }

  @Test
  void aCaptureThatDiesMarksTheSourceDegradedAndIsCounted() throws Exception {
    String bridge = "phrel" + run.substring(0, 6);
    String networkId =
        docker
            .createNetworkCmd()
            .withName("porthole-it-packets-dies-" + run)
            .withDriver("bridge")
            .withOptions(Map.of("com.docker.network.bridge.name", bridge))
            .exec()
            .getId();
    CollectorStats stats = new CollectorStats();
    PacketCaptureSource source =
        new PacketCaptureSource(
            vertx,
            CaptureConfig.from(Settings.of(Map.of("capture.interfaces", "docker0," + bridge))),
            new ContainerDirectory(),
            (t, e) -> {},
            stats,
            HOST);
    try {
      await(source.start());
      assertThat(source.interfaces()).contains(bridge);
      docker
          .removeNetworkCmd(networkId)
          .exec(); // a named interface must not vanish: its capture dies
      networkId = null;
      awaitCondition(
          () -> stats.degradedSources().containsKey(PacketCaptureSource.SOURCE),
          "the packet source to be reported degraded");
      assertThat(stats.degradedSources().get(PacketCaptureSource.SOURCE)).contains(bridge);
      assertThat(stats.packetCapturesFailed.get()).isEqualTo(1);
      assertThat(source.interfaces()).containsExactly("docker0");
    } finally {
      await(source.stop());
      if (networkId != null) {
        docker.removeNetworkCmd(networkId).exec();
      }
    }
  }

  private String startContainerOn(String network, String role, String script) {
    String id =
        docker
            .createContainerCmd(TestDocker.BUSYBOX_IMAGE)
            .withName("porthole-it-packets-" + role + "-late-" + run)
            .withHostConfig(HostConfig.newHostConfig().withNetworkMode(network))
            .withCmd("sh", "-c", script)
            .exec()
            .getId();
    containers.add(id);
    docker.startContainerCmd(id).exec();
    return id;
  }

  private static void awaitCondition(BooleanSupplier condition, String what)
      throws InterruptedException {
    Await.until(what, Duration.ofSeconds(30), condition::getAsBoolean);
  }

  private boolean endedRecordOf(List<ConsumerRecord<String, byte[]>> received, String containerId) {
    return recordsOf(received, containerId).stream().anyMatch(FlowRecord::getEnded);
  }

  private static List<FlowRecord> recordsOf(
      List<ConsumerRecord<String, byte[]>> received, String containerId) {
    List<FlowRecord> records = new ArrayList<>();
    for (ConsumerRecord<String, byte[]> record : received) {
      if (!record.key().equals(HOST + "/" + containerId)) {
        continue;
      }
      try {
        EventEnvelope envelope = EventEnvelope.parseFrom(record.value());
        assertThat(envelope.getContainerId()).isEqualTo(containerId);
        assertThat(envelope.getHostId()).isEqualTo(HOST);
        records.add(envelope.getFlow());
      } catch (InvalidProtocolBufferException e) {
        throw new AssertionError("undecodable record on the flows topic", e);
      }
    }
    return records;
  }

  private String startContainer(String role, String script) {
    String id =
        docker
            .createContainerCmd(TestDocker.BUSYBOX_IMAGE)
            .withName("porthole-it-packets-" + role + "-" + run)
            .withCmd("sh", "-c", script)
            .exec()
            .getId();
    containers.add(id);
    docker.startContainerCmd(id).exec();
    return id;
  }

  private static String ipOf(InspectContainerResponse info) {
    return info.getNetworkSettings().getNetworks().get("bridge").getIpAddress();
  }

  private static ContainerInfo infoOf(InspectContainerResponse info, String ip) {
    return new ContainerInfo(
        info.getId(),
        info.getName().substring(1),
        info.getConfig().getImage(),
        info.getState().getPid(),
        Map.of(),
        List.of(ip),
        info.getHostConfig().getNetworkMode());
  }

  private String exec(String containerId, String... command) throws InterruptedException {
    String execId =
        docker
            .execCreateCmd(containerId)
            .withCmd(command)
            .withAttachStdout(true)
            .withAttachStderr(true)
            .exec()
            .getId();
    StringBuilder output = new StringBuilder();
    docker
        .execStartCmd(execId)
        .exec(
            new ResultCallback.Adapter<Frame>() {
              @Override
              public void onNext(Frame frame) {
                output.append(new String(frame.getPayload(), StandardCharsets.UTF_8));
              }
            })
        .awaitCompletion(30, TimeUnit.SECONDS);
    return output.toString();
  }

  private static KafkaConsumer<String, byte[]> consumer() {
    Properties props = new Properties();
    props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, SharedKafka.bootstrapServers());
    props.put(ConsumerConfig.GROUP_ID_CONFIG, "packet-capture-it-" + UUID.randomUUID());
    props.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
    return new KafkaConsumer<>(props, new StringDeserializer(), new ByteArrayDeserializer());
  }

  private static <T> T await(Future<T> future) {
    try {
      return future.toCompletionStage().toCompletableFuture().get(60, TimeUnit.SECONDS);
    } catch (ExecutionException e) {
      throw new AssertionError("future failed: " + e.getCause(), e.getCause());
    } catch (Exception e) {
      throw new AssertionError(e);
    }
  }

  private static Throwable failureOf(Future<?> future) {
    try {
      future.toCompletionStage().toCompletableFuture().get(60, TimeUnit.SECONDS);
      throw new AssertionError("expected the start to fail");
    } catch (ExecutionException e) {
      return e.getCause();
    } catch (Exception e) {
      throw new AssertionError(e);
    }
  }
}
