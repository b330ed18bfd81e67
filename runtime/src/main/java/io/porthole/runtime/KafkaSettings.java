package io.porthole.runtime;

import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import org.apache.kafka.clients.CommonClientConfigs;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.config.SaslConfigs;

/**
 * How a service reaches Kafka: the bootstrap servers ({@code kafka.bootstrap.servers}), properties
 * for every client ({@code kafka.client.*}: security protocol, SASL, TLS), and per-kind properties
 * ({@code kafka.producer.*}, {@code kafka.consumer.*}, {@code kafka.admin.*}) passed through
 * unchanged over Porthole's reliable defaults. Every producer, consumer and admin client of every
 * service and command is configured here, so that one properties file secures all of them.
 */
public record KafkaSettings(
    String bootstrapServers,
    Map<String, String> clientProperties,
    Map<String, String> producerProperties,
    Map<String, String> consumerProperties,
    Map<String, String> adminProperties) {

  public static final String BOOTSTRAP_KEY = "kafka.bootstrap.servers";
  public static final String CLIENT_PREFIX = "kafka.client.";
  public static final String PRODUCER_PREFIX = "kafka.producer.";
  public static final String CONSUMER_PREFIX = "kafka.consumer.";
  public static final String ADMIN_PREFIX = "kafka.admin.";

  public KafkaSettings {
    if (bootstrapServers == null || bootstrapServers.isBlank()) {
      throw new ConfigException(BOOTSTRAP_KEY, "required but not set (HOST:PORT[,HOST:PORT...])");
    }
    for (String server : bootstrapServers.split(",")) {
      String trimmed = server.trim();
      int colon = trimmed.lastIndexOf(':');
      if (colon <= 0
          || colon == trimmed.length() - 1
          || !trimmed.substring(colon + 1).chars().allMatch(Character::isDigit)) {
        throw new ConfigException(
            BOOTSTRAP_KEY, "expected HOST:PORT[,HOST:PORT...] but was '" + bootstrapServers + "'");
      }
    }
    clientProperties = Map.copyOf(clientProperties);
    producerProperties = Map.copyOf(producerProperties);
    consumerProperties = Map.copyOf(consumerProperties);
    adminProperties = Map.copyOf(adminProperties);
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
          settings.withPrefix(CLIENT_PREFIX),
          settings.withPrefix(PRODUCER_PREFIX),
          settings.withPrefix(CONSUMER_PREFIX),
          settings.withPrefix(ADMIN_PREFIX));
    } catch (ConfigException e) {
      throw new ConfigException(
          settings.describe(BOOTSTRAP_KEY), e.getMessage().substring(BOOTSTRAP_KEY.length() + 2));
    }
  }

  public static KafkaSettings of(String bootstrapServers) {
    return new KafkaSettings(bootstrapServers, Map.of(), Map.of(), Map.of(), Map.of());
  }

  /**
   * Producer properties: idempotent, {@code acks=all}, lz4, a short linger and large batches,
   * bounded buffer memory; then {@code kafka.client.*} and {@code kafka.producer.*} over them.
   */
  public Map<String, String> producerConfig(String clientId) {
    return producerConfig(clientId, Map.of());
  }

  /**
   * Producer properties with the caller's defaults over Porthole's (e.g. no linger for the
   * analyzer's alerts) and under {@code kafka.client.*} and {@code kafka.producer.*}: what the
   * operator set wins.
   */
  public Map<String, String> producerConfig(String clientId, Map<String, String> callerDefaults) {
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
    config.putAll(callerDefaults);
    config.putAll(clientProperties);
    config.putAll(producerProperties);
    return config;
  }

  /**
   * Consumer properties: manual commits (the caller commits after the work is done), earliest
   * reset, bounded polls; then {@code kafka.client.*} and {@code kafka.consumer.*} over them.
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

  /**
   * Admin client properties: {@code kafka.client.*} and {@code kafka.admin.*} over the defaults.
   */
  public Map<String, String> adminConfig(String clientId) {
    return adminConfig(clientId, Map.of());
  }

  /**
   * Admin client properties with the caller's defaults (e.g. the short timeouts of a reachability
   * check) under {@code kafka.client.*} and {@code kafka.admin.*}: what the operator set wins.
   */
  public Map<String, String> adminConfig(String clientId, Map<String, String> callerDefaults) {
    Map<String, String> config = new HashMap<>();
    config.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
    config.put(AdminClientConfig.CLIENT_ID_CONFIG, clientId);
    config.putAll(callerDefaults);
    config.putAll(clientProperties);
    config.putAll(adminProperties);
    return config;
  }

  /**
   * How clients connect, for messages: {@code PLAINTEXT}, {@code SASL_SSL, mechanism
   * SCRAM-SHA-512}, ...
   */
  public String securityDescription() {
    String protocol =
        clientProperties.getOrDefault(CommonClientConfigs.SECURITY_PROTOCOL_CONFIG, "PLAINTEXT");
    if (protocol.toUpperCase(Locale.ROOT).startsWith("SASL")) {
      return protocol
          + ", mechanism "
          + clientProperties.getOrDefault(SaslConfigs.SASL_MECHANISM, "GSSAPI");
    }
    return protocol;
  }

  /** Without secrets: what may be logged (a record's default would print the JAAS password). */
  @Override
  public String toString() {
    return "KafkaSettings[bootstrapServers="
        + bootstrapServers
        + ", client="
        + KafkaSecrets.redacted(clientProperties)
        + ", producer="
        + KafkaSecrets.redacted(producerProperties)
        + ", consumer="
        + KafkaSecrets.redacted(consumerProperties)
        + ", admin="
        + KafkaSecrets.redacted(adminProperties)
        + "]";
  }

  /** Every value of these settings that must not appear in a log or an error line. */
  public Set<String> secretValues() {
    Set<String> values = new HashSet<>();
    for (Map<String, String> properties :
        List.of(clientProperties, producerProperties, consumerProperties, adminProperties)) {
      values.addAll(KafkaSecrets.secretValues(properties));
    }
    return values;
  }

  /**
   * The text with every secret of these settings replaced (for error lines built from exceptions).
   */
  public String scrub(String text) {
    return KafkaSecrets.scrub(text, secretValues());
  }
}
