package io.porthole.wire;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Message;
import io.porthole.testing.SharedKafka;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;

/**
 * Every message type survives a real broker: produced with the project's serializer, read back
 * equal.
 */
class WireContractIT {

  @Test
  void oneRecordOfEveryMessageTypeIsReadBackEqual() {
    String run = SharedKafka.uniqueTopic("wire");
    Map<String, Topic> topicOf = new HashMap<>();
    Map<String, Message> sent = new HashMap<>();
    for (Map.Entry<Topic, Message> sample : SampleMessages.all()) {
      String name = run + "." + sample.getKey().topicName();
      topicOf.put(name, sample.getKey());
      sent.put(name, sample.getValue());
    }
    SharedKafka.createTopics(3, sent.keySet().toArray(String[]::new));

    Properties producerProps = new Properties();
    producerProps.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, SharedKafka.bootstrapServers());
    producerProps.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
    producerProps.put(ProducerConfig.ACKS_CONFIG, "all");
    try (KafkaProducer<String, Message> producer =
        new KafkaProducer<>(producerProps, new StringSerializer(), new ProtobufSerializer<>())) {
      for (Map.Entry<String, Message> entry : sent.entrySet()) {
        String key = new RecordKey("host-a", "c0ffee").asString();
        producer.send(new ProducerRecord<>(entry.getKey(), key, entry.getValue()));
      }
      producer.flush();
    }

    Properties consumerProps = new Properties();
    consumerProps.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, SharedKafka.bootstrapServers());
    consumerProps.put(ConsumerConfig.GROUP_ID_CONFIG, run);
    consumerProps.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
    Map<String, Message> received = new HashMap<>();
    List<String> keys = new ArrayList<>();
    try (KafkaConsumer<String, byte[]> consumer =
        new KafkaConsumer<>(consumerProps, new StringDeserializer(), new ByteArrayDeserializer())) {
      consumer.subscribe(List.copyOf(sent.keySet()));
      Instant deadline = Instant.now().plusSeconds(30);
      while (received.size() < sent.size() && Instant.now().isBefore(deadline)) {
        for (ConsumerRecord<String, byte[]> record : consumer.poll(Duration.ofMillis(500))) {
          Topic topic = topicOf.get(record.topic());
          Message message = topic.parser().orElseThrow().parseFrom(record.value());
          received.put(record.topic(), message);
          keys.add(record.key());
        }
      }
    } catch (InvalidProtocolBufferException e) {
      throw new AssertionError(e);
    }

    assertThat(received).isEqualTo(sent);
    assertThat(keys)
        .allSatisfy(
            k -> assertThat(RecordKey.parse(k)).isEqualTo(new RecordKey("host-a", "c0ffee")));
  }
}
