package io.porthole.runtime;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class KafkaSettingsTest {

  private static final String JAAS =
      "org.apache.kafka.common.security.plain.PlainLoginModule required "
          + "username=\"porthole\" password=\"s3cret-pw\";";

  @TempDir Path dir;

  @Test
  void clientPropertiesFromAFileReachEveryKindOfClientAndEachKindHasItsOwnPrefix()
      throws IOException {
    Path file = dir.resolve("kafka.properties");
    Files.writeString(
        file,
        String.join(
            "\n",
            "kafka.bootstrap.servers=broker-1:9093,broker-2:9093",
            "kafka.client.security.protocol=SASL_SSL",
            "kafka.client.sasl.mechanism=SCRAM-SHA-512",
            "kafka.client.sasl.jaas.config=" + JAAS.replace("PlainLoginModule", "ScramLoginModule"),
            "kafka.client.ssl.truststore.location=/etc/porthole/ca.p12",
            "kafka.admin.request.timeout.ms=7000",
            "kafka.consumer.max.poll.records=100"));
    KafkaSettings kafka =
        KafkaSettings.from(
            Settings.from(Map.of(Settings.CONFIG_FILE_ENV, file.toString()), Map.of()));

    for (Map<String, String> config :
        new Map[] {
          kafka.producerConfig("p"), kafka.consumerConfig("c", "g"), kafka.adminConfig("a")
        }) {
      assertThat(config)
          .containsEntry("bootstrap.servers", "broker-1:9093,broker-2:9093")
          .containsEntry("security.protocol", "SASL_SSL")
          .containsEntry("sasl.mechanism", "SCRAM-SHA-512")
          .containsEntry("ssl.truststore.location", "/etc/porthole/ca.p12");
    }
    assertThat(kafka.adminConfig("a"))
        .containsEntry("request.timeout.ms", "7000")
        .containsEntry("client.id", "a");
    assertThat(kafka.producerConfig("p"))
        .doesNotContainKey("request.timeout.ms")
        .doesNotContainKey("max.poll.records");
    assertThat(kafka.consumerConfig("c", "g")).containsEntry("max.poll.records", "100");
    assertThat(kafka.securityDescription()).isEqualTo("SASL_SSL, mechanism SCRAM-SHA-512");
  }

  @Test
  void theEnvironmentOverridesTheFileAndTheOperatorOverridesTheCallersAdminDefaults()
      throws IOException {
    Path file = dir.resolve("kafka.properties");
    Files.writeString(file, "kafka.bootstrap.servers=a:1\nkafka.client.security.protocol=SSL\n");
    KafkaSettings kafka =
        KafkaSettings.from(
            Settings.from(
                Map.of(
                    Settings.CONFIG_FILE_ENV,
                    file.toString(),
                    "PORTHOLE_KAFKA_CLIENT_SECURITY_PROTOCOL",
                    "SASL_PLAINTEXT",
                    "PORTHOLE_KAFKA_ADMIN_DEFAULT_API_TIMEOUT_MS",
                    "9000"),
                Map.of()));
    Map<String, String> admin =
        kafka.adminConfig(
            "probe", Map.of("default.api.timeout.ms", "4000", "request.timeout.ms", "3000"));
    assertThat(admin)
        .containsEntry("security.protocol", "SASL_PLAINTEXT")
        .containsEntry("default.api.timeout.ms", "9000")
        .containsEntry("request.timeout.ms", "3000");
  }

  @Test
  void aCallersProducerDefaultReplacesPortholesButNotWhatTheOperatorSet() {
    assertThat(KafkaSettings.of("a:1").producerConfig("p", Map.of("linger.ms", "0")))
        .containsEntry("linger.ms", "0")
        .containsEntry("acks", "all");
    KafkaSettings operator =
        KafkaSettings.from(
            Settings.from(
                Map.of(
                    "PORTHOLE_KAFKA_BOOTSTRAP_SERVERS",
                    "a:1",
                    "PORTHOLE_KAFKA_PRODUCER_LINGER_MS",
                    "20"),
                Map.of()));
    assertThat(operator.producerConfig("p", Map.of("linger.ms", "0")))
        .containsEntry("linger.ms", "20");
  }

  @Test
  void producersStayIdempotentWithAcksAll() {
    assertThat(KafkaSettings.of("a:1").producerConfig("p"))
        .containsEntry("enable.idempotence", "true")
        .containsEntry("acks", "all");
  }

  @Test
  void printedSettingsAndScrubbedMessagesCarryNoSecret() {
    KafkaSettings kafka =
        KafkaSettings.from(
            Settings.of(
                Map.of(
                    "kafka.bootstrap.servers", "a:1",
                    "kafka.client.sasl.jaas.config", JAAS,
                    "kafka.client.ssl.keystore.password", "keystore-pw",
                    "kafka.client.ssl.key.password", "key-pw-1",
                    "kafka.client.ssl.keystore.key", "-----BEGIN PRIVATE KEY----- abc",
                    "kafka.producer.sasl.jaas.config", JAAS)));
    String printed = kafka.toString();
    assertThat(printed)
        .doesNotContain("s3cret-pw", "keystore-pw", "key-pw-1", "PRIVATE KEY")
        .contains(
            "sasl.jaas.config=[hidden]", "ssl.keystore.password=[hidden]", "bootstrapServers=a:1");

    String message =
        "login failed for " + JAAS + "; the keystore password keystore-pw is wrong; s3cret-pw";
    assertThat(kafka.scrub(message))
        .doesNotContain("s3cret-pw", "keystore-pw")
        .isEqualTo("login failed for [hidden]; the keystore password [hidden] is wrong; [hidden]");
    assertThat(KafkaSecrets.scrub("username=\"u\" password=\"other\";", Set.of()))
        .isEqualTo("username=\"u\" password=[hidden];");
  }

  @Test
  void secretKeysAreRecognisedWhateverTheirKind() {
    assertThat(KafkaSecrets.isSecret("sasl.jaas.config")).isTrue();
    assertThat(KafkaSecrets.isSecret("listener.name.sasl_ssl.scram-sha-512.sasl.jaas.config"))
        .isTrue();
    assertThat(KafkaSecrets.isSecret("ssl.truststore.password")).isTrue();
    assertThat(KafkaSecrets.isSecret("ssl.keystore.key")).isTrue();
    assertThat(KafkaSecrets.isSecret("sasl.oauthbearer.client.credentials.client.secret")).isTrue();
    assertThat(KafkaSecrets.isSecret("ssl.truststore.location")).isFalse();
    assertThat(KafkaSecrets.isSecret("sasl.mechanism")).isFalse();
    assertThat(KafkaSecrets.isSecret("security.protocol")).isFalse();
  }
}
