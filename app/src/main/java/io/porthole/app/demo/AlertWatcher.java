package io.porthole.app.demo;

import com.google.protobuf.InvalidProtocolBufferException;
import io.porthole.proto.Alert;
import io.porthole.runtime.KafkaSettings;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;

/** Follows the alerts topic from its beginning on a thread of its own and hands each alert on. */
final class AlertWatcher implements AutoCloseable {

  private final KafkaConsumer<String, byte[]> consumer;
  private final String topic;
  private final Consumer<Alert> onAlert;
  private final Thread thread;
  private volatile boolean running = true;

  AlertWatcher(KafkaSettings kafka, String topic, Consumer<Alert> onAlert) {
    Map<String, Object> config = new HashMap<>(kafka.consumerConfig("porthole-demo-alerts", null));
    this.consumer =
        new KafkaConsumer<>(config, new StringDeserializer(), new ByteArrayDeserializer());
    this.topic = Objects.requireNonNull(topic, "topic");
    this.onAlert = Objects.requireNonNull(onAlert, "onAlert");
    this.thread = new Thread(this::follow, "porthole-demo-alerts");
    this.thread.setDaemon(true);
  }

  void start() {
    List<TopicPartition> partitions =
        consumer.partitionsFor(topic, Duration.ofSeconds(10)).stream()
            .map(p -> new TopicPartition(topic, p.partition()))
            .toList();
    consumer.assign(partitions);
    consumer.seekToBeginning(partitions);
    thread.start();
  }

  private void follow() {
    try {
      while (running) {
        for (ConsumerRecord<String, byte[]> record : consumer.poll(Duration.ofMillis(200))) {
          try {
            onAlert.accept(Alert.parseFrom(record.value()));
          } catch (InvalidProtocolBufferException e) {
            // Not an alert: nothing the demo waits for.
          }
        }
      }
    } catch (WakeupException e) {
      // closing
    } finally {
      consumer.close(Duration.ofSeconds(2));
    }
  }

  @Override
  public void close() throws InterruptedException {
    running = false;
    consumer.wakeup();
    thread.join(5000);
  }
}
