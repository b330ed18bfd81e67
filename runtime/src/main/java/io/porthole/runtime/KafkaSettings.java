package io.porthole.runtime;

import java.util.HashMap;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.producer.ProducerConfig;

/**
 * How a service reaches Kafka: the bootstrap servers ({@code kafka.bootstrap.servers}), properties
 * for every client ({@code kafka.client.*}), and per-kind properties passed through unchanged
 * ({@code kafka.producer.*}, {@code kafka.consumer.*}), over Porthole's reliable defaults.
 */
public record KafkaSettings(
    String bootstrapServers,
    Map<String, String> clientProperties,
    Map<String, String> producerProperties,
    Map<String, String> consumerProperties) {

  public static final String BOOTSTRAP_KEY = "kafka.bootstrap.servers";

  public KafkaSettings {
    if (bootstrapServers == null || bootstrapServers.isBlank()) {
      throw new ConfigException(BOOTSTRAP_KEY, "required but not set (HOST:PORT[,HOST:PORT...])");
    }
    for (String server : bootstrapServers.split(",")) {
      String trimmed = server.trim();
      int colon = trimmed.lastIndexOf(':');
      if (colon <= 0 || colon == trimmed.length() - 1 || !trimmed.substring(colon + 1).chars().allMatch(Character::isDigit)) {
        throw new ConfigException(
            BOOTSTRAP_KEY, "expected HOST:PORT[,HOST:PORT...] but was '" + bootstrapServers + "'");
      }
    }
    clientProperties = Map.copyOf(clientProperties);
    producerProperties = Map.copyOf(producerProperties);
    consumerProperties = Map.copyOf(consumerProperties);
  }

  public static KafkaSettings from(Settings settings) {
    String bootstrap = settings.optional(BOOTSTRAP_KEY).orElse(null);
    if (bootstrap == null) {
      throw new ConfigException(
          settings.describe(BOOTSTRAP_KEY), "required but not set (HOST:PORT[,HOST:PORT...])");
    }
    try {
      return new KafkaSettings(
          bootstrap,
          settings.withPrefix("kafka.client."),
          settings.withPrefix("kafka.producer."),
          settings.withPrefix("kafka.consumer."));
    } catch (ConfigException e) {
      throw new ConfigException(settings.describe(BOOTSTRAP_KEY), e.getMessage().substring(BOOTSTRAP_KEY.length() + 2));
    }
  }

  public static KafkaSettings of(String bootstrapServers) {
    return new KafkaSettings(bootstrapServers, Map.of(), Map.of(), Map.of());
  }

  /**
   * Producer properties: idempotent, {@code acks=all}, lz4, a short linger and large batches, bounded
   * buffer memory; then {@code kafka.client.*} and {@code kafka.producer.*} over them.
   */
  public Map<String, String> producerConfig(String clientId) {
    Map<String, String> config = new HashMap<>();
    config.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
    config.put(ProducerConfig.CLIENT_ID_CONFIG, clientId);
    config.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true");
    config.put(ProducerConfig.ACKS_CONFIG, "all");
    config.put(ProducerConfig.COMPRESSION_TYPE_CONFIG, "lz4");
    config.put(ProducerConfig.LINGER_MS_CONFIG, "5");
    config.put(ProducerConfig.BATCH_SIZE_CONFIG, "262144");
    config.put(ProducerConfig.BUFFER_MEMORY_CONFIG, String.valueOf(32L << 20));
    config.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, "5000");
    config.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, "120000");
    config.put(
        ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG,
        "org.apache.kafka.common.serialization.StringSerializer");
    config.put(
        ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG,
        "org.apache.kafka.common.serialization.ByteArraySerializer");
    config.putAll(clientProperties);
    config.putAll(producerProperties);
    return config;
  }

  /**
   * Consumer properties: manual commits (the caller commits after the work is done), earliest reset,
   * bounded polls; then {@code kafka.client.*} and {@code kafka.consumer.*} over them.
   */
  public Map<String, String> consumerConfig(String clientId, String groupId) {
    Map<String, String> config = new HashMap<>();
    config.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
    config.put(ConsumerConfig.CLIENT_ID_CONFIG, clientId);
    if (groupId != null) {
      config.put(ConsumerConfig.GROUP_ID_CONFIG, groupId);
    }
    config.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
    config.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
    config.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, "500");
    config.put(
        ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG,
        "org.apache.kafka.common.serialization.StringDeserializer");
    config.put(
        ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG,
        "org.apache.kafka.common.serialization.ByteArrayDeserializer");
    config.putAll(clientProperties);
    config.putAll(consumerProperties);
    return config;
  }
}
