package io.porthole.analyzer;

import com.google.protobuf.InvalidProtocolBufferException;
import io.porthole.analyzer.engine.AnalysisEngine;
import io.porthole.analyzer.engine.EngineLimits;
import io.porthole.analyzer.rules.RuleSet;
import io.porthole.proto.Alert;
import io.porthole.proto.CollectorHeartbeat;
import io.porthole.proto.EventEnvelope;
import io.porthole.runtime.Settings;
import io.porthole.testing.Await;
import io.porthole.testing.SharedKafka;
import io.porthole.wire.Topic;
import io.porthole.wire.TopicNames;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.BooleanSupplier;
import java.util.function.Predicate;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * One test's own topics on the shared broker (3 partitions for the co-partitioned event topics), a
 * producer of collector records, readers of the alert and dead-letter topics, and a reference
 * engine that says which alert ids the records must produce.
 */
final class KafkaTestbed implements AutoCloseable {

  final TopicNames topics;
  final String groupId;
  private final KafkaProducer<String, byte[]> producer;
  private final List<Object> produced = new ArrayList<>();

  KafkaTestbed(String name) {
    String prefix = SharedKafka.uniqueTopic(name) + ".";
    topics = TopicNames.withPrefix(prefix);
    groupId = prefix + "analyzer";
    SharedKafka.createTopics(
        3,
        topics.names(
            Topic.CONTAINER_EVENTS,
            Topic.FLOWS,
            Topic.SYSCALLS,
            Topic.HEARTBEATS,
            Topic.ALERTS,
            Topic.DEAD_LETTERS));
    Properties props = new Properties();
    props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, SharedKafka.bootstrapServers());
    props.put(ProducerConfig.ACKS_CONFIG, "all");
    producer = new KafkaProducer<>(props, new StringSerializer(), new ByteArraySerializer());
  }

  Settings settings(String... extra) {
    Map<String, String> values = new HashMap<>();
    values.put("kafka.bootstrap.servers", SharedKafka.bootstrapServers());
    values.put("topic.prefix", topics.prefix());
    values.put("analyzer.group.id", groupId);
    values.put("analyzer.commit.interval", "200ms");
    values.put("analyzer.tick.interval", "200ms");
    for (int i = 0; i < extra.length; i += 2) {
      values.put(extra[i], extra[i + 1]);
    }
    return Settings.of(values);
  }

  /** Produces events as the collector would (key hostId/containerId), acknowledged. */
  void produce(EventEnvelope... events) {
    for (EventEnvelope event : events) {
      Topic topic =
          switch (event.getBodyCase()) {
            case CONTAINER_EVENT -> Topic.CONTAINER_EVENTS;
            case SYSCALLS -> Topic.SYSCALLS;
            case FLOW -> Topic.FLOWS;
            default -> throw new IllegalArgumentException("no body");
          };
      send(topic, event.getHostId() + "/" + event.getContainerId(), event.toByteArray());
      produced.add(event);
    }
  }

  void produce(CollectorHeartbeat heartbeat) {
    send(Topic.HEARTBEATS, heartbeat.getHostId(), heartbeat.toByteArray());
    produced.add(heartbeat);
  }

  void send(Topic topic, String key, byte[] value) {
    try {
      producer.send(new ProducerRecord<>(topics.name(topic), key, value)).get();
    } catch (Exception e) {
      throw new IllegalStateException("cannot produce to " + topic, e);
    }
  }

  /** The alert ids the produced records must yield, from the engine without Kafka. */
  Set<String> expectedAlertIds() {
    AnalysisEngine engine =
        new AnalysisEngine(EngineLimits.defaults(), RuleSet.defaults().enabledRules());
    Set<String> ids = new TreeSet<>();
    for (Object record : produced) {
      List<Alert> alerts =
          record instanceof CollectorHeartbeat heartbeat
              ? engine.onHeartbeat(heartbeat, Instant.now())
              : engine.onEvent(
                  topicOf((EventEnvelope) record), (EventEnvelope) record, Instant.now());
      alerts.forEach(a -> ids.add(a.getAlertId()));
    }
    return ids;
  }

  private static Topic topicOf(EventEnvelope event) {
    return switch (event.getBodyCase()) {
      case CONTAINER_EVENT -> Topic.CONTAINER_EVENTS;
      case SYSCALLS -> Topic.SYSCALLS;
      default -> Topic.FLOWS;
    };
  }

  /** Reads a topic from the start; {@link #await} polls it. */
  Reader reader(Topic topic) {
    return new Reader(topics.name(topic));
  }

  static void await(String what, Duration timeout, BooleanSupplier condition) {
    Await.until(what, timeout, condition::getAsBoolean);
  }

  @Override
  public void close() {
    producer.close(Duration.ofSeconds(5));
  }

  static final class Reader implements AutoCloseable {
    final List<ConsumerRecord<String, byte[]>> records = new ArrayList<>();
    private final KafkaConsumer<String, byte[]> consumer;
    private final String topic;

    Reader(String topic) {
      this.topic = topic;
      Properties props = new Properties();
      props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, SharedKafka.bootstrapServers());
      props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
      consumer = new KafkaConsumer<>(props, new StringDeserializer(), new ByteArrayDeserializer());
      List<TopicPartition> partitions =
          consumer.partitionsFor(topic).stream()
              .map(p -> new TopicPartition(topic, p.partition()))
              .toList();
      consumer.assign(partitions);
      consumer.seekToBeginning(partitions);
    }

    void pollOnce() {
      consumer.poll(Duration.ofMillis(100)).forEach(records::add);
    }

    /** Polls until the predicate holds on the latest version of each alert, by id. */
    Map<String, Alert> awaitAlerts(
        String what, Duration timeout, Predicate<Map<String, Alert>> done) {
      await(
          what,
          timeout,
          () -> {
            pollOnce();
            return done.test(alerts());
          });
      return alerts();
    }

    /** Reads everything up to the current end of the topic. */
    Map<String, Alert> readToEnd() {
      Map<TopicPartition, Long> end = consumer.endOffsets(consumer.assignment());
      await(
          "the end of " + topic,
          Duration.ofSeconds(30),
          () -> {
            pollOnce();
            return end.entrySet().stream()
                .allMatch(e -> consumer.position(e.getKey()) >= e.getValue());
          });
      return alerts();
    }

    Map<String, Alert> alerts() {
      Map<String, Alert> latest = new LinkedHashMap<>();
      for (ConsumerRecord<String, byte[]> record : records) {
        try {
          Alert alert = Alert.parseFrom(record.value());
          latest.put(alert.getAlertId(), alert);
        } catch (InvalidProtocolBufferException e) {
          throw new AssertionError("not an alert on " + topic, e);
        }
      }
      return latest;
    }

    @Override
    public void close() {
      consumer.close(Duration.ofSeconds(5));
    }
  }
}
