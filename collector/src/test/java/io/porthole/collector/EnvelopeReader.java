package io.porthole.collector;

import com.google.protobuf.InvalidProtocolBufferException;
import io.porthole.proto.EventEnvelope;
import io.porthole.runtime.KafkaSettings;
import io.porthole.testing.SharedKafka;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.function.Function;
import java.util.function.Predicate;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;

/** Reads a topic from its beginning with a plain KafkaConsumer, for integration tests. */
final class EnvelopeReader<T> implements AutoCloseable {

  private final KafkaConsumer<String, byte[]> consumer;
  private final Function<byte[], T> parser;
  private final List<ConsumerRecord<String, T>> records = new ArrayList<>();

  EnvelopeReader(String topic, Function<byte[], T> parser) {
    this.parser = parser;
    this.consumer =
        new KafkaConsumer<>(
            new HashMap<String, Object>(
                KafkaSettings.of(SharedKafka.bootstrapServers())
                    .consumerConfig("it-reader", null)));
    List<TopicPartition> partitions =
        consumer.partitionsFor(topic, Duration.ofSeconds(30)).stream()
            .map(p -> new TopicPartition(topic, p.partition()))
            .toList();
    consumer.assign(partitions);
    consumer.seekToBeginning(partitions);
  }

  static EnvelopeReader<EventEnvelope> envelopes(String topic) {
    return new EnvelopeReader<>(
        topic,
        bytes -> {
          try {
            return EventEnvelope.parseFrom(bytes);
          } catch (InvalidProtocolBufferException e) {
            throw new AssertionError("undecodable record on " + topic, e);
          }
        });
  }

  /**
   * Polls until the values read so far satisfy the condition; fails with what was read at the
   * deadline.
   */
  List<T> await(Predicate<List<T>> condition, Duration timeout, String what) {
    Instant deadline = Instant.now().plus(timeout);
    while (true) {
      List<T> values = values();
      if (condition.test(values)) {
        return values;
      }
      if (Instant.now().isAfter(deadline)) {
        throw new AssertionError("within " + timeout + ": " + what + "; read " + values);
      }
      for (ConsumerRecord<String, byte[]> record : consumer.poll(Duration.ofMillis(200))) {
        records.add(
            new ConsumerRecord<>(
                record.topic(),
                record.partition(),
                record.offset(),
                record.key(),
                parser.apply(record.value())));
      }
    }
  }

  List<T> values() {
    return records.stream().map(ConsumerRecord::value).toList();
  }

  List<ConsumerRecord<String, T>> records() {
    return List.copyOf(records);
  }

  @Override
  public void close() {
    consumer.close();
  }
}
