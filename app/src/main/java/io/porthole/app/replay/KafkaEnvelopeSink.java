package io.porthole.app.replay;

import io.porthole.collector.EventSink;
import io.porthole.proto.EventEnvelope;
import io.porthole.runtime.KafkaSettings;
import io.porthole.wire.RecordKey;
import io.porthole.wire.Topic;
import io.porthole.wire.TopicNames;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;

/** Publishes replayed envelopes keyed {@code hostId/containerId}; counts failed sends. */
final class KafkaEnvelopeSink implements EventSink, AutoCloseable {

  private final KafkaProducer<String, byte[]> producer;
  private final KafkaSettings settings;
  private final TopicNames names;
  private final AtomicLong failures = new AtomicLong();
  private final AtomicReference<String> firstError = new AtomicReference<>();

  KafkaEnvelopeSink(KafkaSettings settings, TopicNames names) {
    Map<String, Object> config = new HashMap<>(settings.producerConfig("porthole-replay"));
    this.producer = new KafkaProducer<>(config, new StringSerializer(), new ByteArraySerializer());
    this.settings = settings;
    this.names = names;
  }

  @Override
  public void emit(Topic topic, EventEnvelope envelope) {
    String key = new RecordKey(envelope.getHostId(), envelope.getContainerId()).asString();
    producer.send(
        new ProducerRecord<>(names.name(topic), key, envelope.toByteArray()),
        (metadata, error) -> {
          if (error != null) {
            failures.incrementAndGet();
            firstError.compareAndSet(null, settings.scrub(String.valueOf(error.getMessage())));
          }
        });
  }

  void flush() {
    producer.flush();
  }

  long failures() {
    return failures.get();
  }

  String firstError() {
    return firstError.get();
  }

  @Override
  public void close() {
    producer.close(Duration.ofSeconds(10));
  }
}
