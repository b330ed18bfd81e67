package io.porthole.app.kafka;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.porthole.wire.Topic;
import io.porthole.wire.TopicNames;
import io.vertx.core.Vertx;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class EmbeddedKafkaIT {

  @TempDir Path dataDir;
  private Vertx vertx;

  @BeforeEach
  void createVertx() {
    vertx = Vertx.vertx();
  }

  @AfterEach
  void closeVertx() throws Exception {
    vertx.close().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
  }

  private EmbeddedKafkaConfig config(int port) {
    return new EmbeddedKafkaConfig(
        dataDir,
        port,
        TopicNames.standard(),
        TopicPartitions.withEventPartitions(6),
        1,
        Duration.ofSeconds(60));
  }

  @Test
  void startsCreatesEveryTopicRoundTripsARecordAndReleasesItsPortOnStop() throws Exception {
    EmbeddedKafka kafka = new EmbeddedKafka(vertx, config(0));
    kafka.start().toCompletionStage().toCompletableFuture().get(90, TimeUnit.SECONDS);
    String bootstrap = kafka.bootstrapServers();
    assertThat(bootstrap).startsWith("127.0.0.1:");
    int port = Integer.parseInt(bootstrap.substring(bootstrap.indexOf(':') + 1));

    try (Admin admin = Admin.create(Map.of("bootstrap.servers", bootstrap))) {
      Map<String, TopicDescription> topics =
          admin
              .describeTopics(List.of(TopicNames.standard().names(Topic.values())))
              .allTopicNames()
              .get(30, TimeUnit.SECONDS);
      assertThat(topics).hasSize(Topic.values().length);
      for (Topic event : Topic.eventTopics()) {
        assertThat(topics.get(event.topicName()).partitions()).hasSize(6);
      }
      assertThat(topics.get(Topic.HEARTBEATS.topicName()).partitions()).hasSize(1);
    }

    String topic = Topic.ALERTS.topicName();
    try (KafkaProducer<String, String> producer =
        new KafkaProducer<>(
            Map.of("bootstrap.servers", bootstrap),
            new StringSerializer(),
            new StringSerializer())) {
      producer
          .send(new ProducerRecord<>(topic, 0, "host-1/abc", "hello"))
          .get(30, TimeUnit.SECONDS);
    }
    try (KafkaConsumer<String, String> consumer =
        new KafkaConsumer<>(
            Map.of("bootstrap.servers", bootstrap),
            new StringDeserializer(),
            new StringDeserializer())) {
      TopicPartition partition = new TopicPartition(topic, 0);
      consumer.assign(List.of(partition));
      consumer.seekToBeginning(List.of(partition));
      ConsumerRecord<String, String> received = null;
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
      while (received == null && System.nanoTime() < deadline) {
        for (ConsumerRecord<String, String> r : consumer.poll(Duration.ofMillis(500))) {
          received = r;
        }
      }
      assertThat(received).isNotNull();
      assertThat(received.key()).isEqualTo("host-1/abc");
      assertThat(received.value()).isEqualTo("hello");
    }

    kafka.stop().toCompletionStage().toCompletableFuture().get(60, TimeUnit.SECONDS);
    try (ServerSocket socket = new ServerSocket()) {
      socket.setReuseAddress(true);
      socket.bind(new InetSocketAddress(InetAddress.getByName("127.0.0.1"), port));
      assertThat(socket.getLocalPort()).isEqualTo(port);
    }
  }

  @Test
  void aPortInUseIsReportedWithThePortAndHowToFixIt() throws Exception {
    try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
      EmbeddedKafka kafka = new EmbeddedKafka(vertx, config(taken.getLocalPort()));
      assertThatThrownBy(
              () ->
                  kafka.start().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS))
          .hasCauseInstanceOf(PortInUseException.class)
          .hasMessageContaining("port " + taken.getLocalPort() + " on 127.0.0.1 is already in use");
    }
  }
}
