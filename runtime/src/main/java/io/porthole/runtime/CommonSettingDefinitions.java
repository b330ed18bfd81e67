package io.porthole.runtime;

import static io.porthole.runtime.SettingDefinition.Type.BOOLEAN;
import static io.porthole.runtime.SettingDefinition.Type.INTEGER;
import static io.porthole.runtime.SettingDefinition.Type.LIST;
import static io.porthole.runtime.SettingDefinition.Type.PASS_THROUGH;
import static io.porthole.runtime.SettingDefinition.Type.PATH;
import static io.porthole.runtime.SettingDefinition.Type.STRING;
import static io.porthole.runtime.SettingDefinition.of;

/** Settings more than one service reads: Kafka, topic names, this host, the HTTP listener. */
public final class CommonSettingDefinitions {

  public static final SettingDefinitions ALL =
      SettingDefinitions.of(
          "Common (every service)",
          of(
              KafkaSettings.BOOTSTRAP_KEY,
              STRING,
              "Kafka, `HOST:PORT[,HOST:PORT...]`; required (`porthole up` starts an embedded broker"
                  + " without it)"),
          of(
              KafkaSettings.CLIENT_PREFIX + "*",
              PASS_THROUGH,
              "passed to every Kafka client: producers, consumers, admin clients (security, SASL,"
                  + " TLS, timeouts)"),
          of(
              KafkaSettings.PRODUCER_PREFIX + "*",
              PASS_THROUGH,
              "producers only, over `kafka.client.*`"),
          of(
              KafkaSettings.CONSUMER_PREFIX + "*",
              PASS_THROUGH,
              "consumers only, over `kafka.client.*`"),
          of(
              KafkaSettings.ADMIN_PREFIX + "*",
              PASS_THROUGH,
              "admin clients only, over `kafka.client.*`"),
          of(
              TopicSettings.TOPIC_PREFIX,
              STRING,
              "a prefix in front of every topic name (several deployments on one cluster)"),
          of(
              "host.id",
              STRING,
              "the hostname",
              "this host's id in every record key (no `/`, no white space)"),
          of(
              "data.dir",
              PATH,
              "`~/.porthole`",
              "the application's data directory: embedded broker, generated credentials, the"
                  + " collector's `collector/` sub-directory"),
          of(
              "http.host",
              STRING,
              "`0.0.0.0` (`porthole up`: `127.0.0.1`)",
              "the address the controller listens on; the collector's and analyzer's metrics and"
                  + " health server: `0.0.0.0`"),
          of(
              "http.port",
              INTEGER,
              "8080 (`porthole collector`: 9464, `porthole analyzer`: 9465)",
              "the controller's HTTP port; the collector's and analyzer's metrics and health port"
                  + " (unset in a library embedding: no server; 0: any free port)"),
          of(
              "ops.http.enabled",
              BOOLEAN,
              "true",
              "whether the collector and analyzer serve their own metrics and health endpoint"
                  + " (`porthole up` turns it off: the controller serves one endpoint for all)"),
          of(
              "command.verify.key.file",
              LIST,
              "comma-separated PEM files of Ed25519 public keys: on the collector, the keys"
                  + " commands must be signed with (required while `remediation.enabled`); on the"
                  + " controller, earlier keys still accepted during a rotation"));

  private CommonSettingDefinitions() {}
}
