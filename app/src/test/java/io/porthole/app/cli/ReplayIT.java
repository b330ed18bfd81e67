package io.porthole.app.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.porthole.proto.EventEnvelope;
import io.porthole.testing.SharedKafka;
import io.porthole.wire.Topic;
import io.porthole.wire.TopicNames;
import io.vertx.core.json.JsonObject;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.junit.jupiter.api.Test;

/** `porthole replay` on recordings made on this machine (strace -f -o, tcpdump -w on loopback). */
class ReplayIT {

  private static final Path STRACE =
      Path.of("src/test/resources/replay/selinux-probe.strace").toAbsolutePath();
  private static final Path PCAP =
      Path.of("src/test/resources/replay/loopback-http.pcap").toAbsolutePath();

  @Test
  void straceReplayPrintsEnvelopesAsJsonLinesAndOneSummaryLineWithoutABroker() throws Exception {
    try (PortholeProcess replay =
        PortholeProcess.start(
            "replay",
            "--strace",
            STRACE.toString(),
            "--host-id",
            "lab-1",
            "--container-id",
            "c0ffee")) {
      int exit = replay.awaitExit(Duration.ofSeconds(60));
      assertThat(exit).as(replay.transcript()).isZero();
      List<JsonObject> envelopes = replay.out().stream().map(JsonObject::new).toList();
      assertThat(envelopes)
          .isNotEmpty()
          .allMatch(
              e ->
                  e.getString("hostId").equals("lab-1")
                      && e.getString("containerId").equals("c0ffee"));
      assertThat(replay.out())
          .anyMatch(line -> line.contains("/etc/selinux/config") && line.contains("ENOENT"));
      assertThat(replay.out()).anyMatch(line -> line.contains("\"exitCode\":12"));
      assertThat(replay.err()).hasSize(1);
      assertThat(replay.err().get(0)).contains("82 lines read").contains("0 lines unparsed");
    }
  }

  @Test
  void pcapReplayPrintsFlowRecordsOfTheContainerAddress() throws Exception {
    try (PortholeProcess replay =
        PortholeProcess.start(
            "replay",
            "--pcap",
            PCAP.toString(),
            "--host-id",
            "lab-1",
            "--container-id",
            "c0ffee",
            "--container-ip",
            "127.0.0.1")) {
      int exit = replay.awaitExit(Duration.ofSeconds(60));
      assertThat(exit).as(replay.transcript()).isZero();
      assertThat(replay.out())
          .isNotEmpty()
          .allMatch(line -> new JsonObject(line).containsKey("flow"));
      assertThat(replay.out()).anyMatch(line -> line.contains("18765"));
      assertThat(replay.err()).hasSize(1);
      assertThat(replay.err().get(0)).contains("packets read: ");
    }
  }

  @Test
  void withKafkaTheEnvelopesArePublishedKeyedByHostAndContainer() throws Exception {
    String prefix = "it-replay-" + UUID.randomUUID().toString().substring(0, 8) + ".";
    TopicNames names = TopicNames.withPrefix(prefix);
    String bootstrap = SharedKafka.bootstrapServers();
    SharedKafka.createTopics(3, names.names(Topic.values()));
    try (PortholeProcess replay =
        PortholeProcess.start(
            "replay",
            "--strace",
            STRACE.toString(),
            "--host-id",
            "lab-1",
            "--container-id",
            "c0ffee",
            "--kafka",
            bootstrap,
            "--topic-prefix",
            prefix)) {
      int exit = replay.awaitExit(Duration.ofSeconds(90));
      assertThat(exit).as(replay.transcript()).isZero();
      assertThat(replay.out()).isEmpty();
      assertThat(replay.err()).anyMatch(line -> line.contains("82 lines read"));
    }
    List<ConsumerRecord<String, byte[]>> records = new ArrayList<>();
    try (KafkaConsumer<String, byte[]> consumer =
        new KafkaConsumer<>(
            Map.of("bootstrap.servers", bootstrap),
            new StringDeserializer(),
            new ByteArrayDeserializer())) {
      String topic = names.name(Topic.SYSCALLS);
      List<TopicPartition> partitions =
          consumer.partitionsFor(topic).stream()
              .map(p -> new TopicPartition(topic, p.partition()))
              .toList();
      consumer.assign(partitions);
      consumer.seekToBeginning(partitions);
      long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
      while (records.isEmpty() && System.nanoTime() < deadline) {
        consumer.poll(Duration.ofMillis(500)).forEach(records::add);
      }
    }
    assertThat(records).isNotEmpty().allMatch(r -> r.key().equals("lab-1/c0ffee"));
    EventEnvelope envelope = EventEnvelope.parseFrom(records.get(0).value());
    assertThat(envelope.hasSyscalls()).isTrue();
  }
}
