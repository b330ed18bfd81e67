package io.porthole.controller;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.porthole.runtime.ConfigException;
import io.porthole.runtime.Settings;
import io.porthole.wire.Topic;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ControllerConfigTest {

  private static Map<String, String> env() {
    Map<String, String> env = new HashMap<>();
    env.put("PORTHOLE_KAFKA_BOOTSTRAP_SERVERS", "kafka:9092");
    env.put("PORTHOLE_VIEWER_TOKEN", "viewer-token-0123456789");
    env.put("PORTHOLE_OPERATOR_TOKEN", "operator-token-0123456789");
    env.put("PORTHOLE_COMMAND_SIGNING_KEY_FILE", TestKeys.SIGNING_FILE.toString());
    return env;
  }

  @Test
  void defaultsAndTheEnvironmentVariablesOfTheIssue() {
    ControllerConfig config = ControllerConfig.from(Settings.from(env(), Map.of()));
    assertThat(config.kafka().bootstrapServers()).isEqualTo("kafka:9092");
    assertThat(config.tokens().all())
        .extracting(t -> t.name() + "/" + t.role() + "/" + t.secret())
        .containsExactly(
            "viewer/VIEWER/viewer-token-0123456789", "operator/OPERATOR/operator-token-0123456789");
    assertThat(config.signer().keyId()).isEqualTo(TestKeys.SIGNER.keyId());
    assertThat(config.issuedCommands().keyIds()).containsExactly(TestKeys.SIGNER.keyId());
    assertThat(config.views().maxOneArtifactBytes()).isEqualTo(256L << 20);
    assertThat(config.httpPort()).isEqualTo(8080);
    assertThat(config.httpHost()).isEqualTo("0.0.0.0");
    assertThat(config.commandTtl()).isEqualTo(Duration.ofSeconds(60));
    assertThat(config.bodyLimitBytes()).isEqualTo(64 * 1024);
    assertThat(config.topics().name(Topic.COMMANDS)).isEqualTo("porthole.commands.v1");
    assertThat(config.views().maxAlerts()).isEqualTo(10_000);
    assertThat(config.sseReplayMax()).isEqualTo(1_000);
    assertThat(config.webhooks()).isEmpty();
    assertThat(config.toString())
        .doesNotContain("viewer-token")
        .doesNotContain("operator-token")
        .contains("viewer(viewer)")
        .contains(TestKeys.SIGNER.keyId());
  }

  @Test
  void overridesAreApplied() {
    Map<String, String> env = env();
    env.put("PORTHOLE_HTTP_PORT", "0");
    env.put("PORTHOLE_TOPIC_PREFIX", "test.");
    env.put("PORTHOLE_COMMAND_TTL", "2m");
    env.put("PORTHOLE_HTTP_BODY_LIMIT", "2048");
    env.put("PORTHOLE_VIEWS_ALERTS_MAX", "50");
    env.put("PORTHOLE_VIEWS_ARTIFACTS_MAX_BYTES", "2097152");
    env.put("PORTHOLE_SSE_REPLAY_MAX", "20");
    env.put("PORTHOLE_ALERTS_WEBHOOK_URL", "http://hooks.example.com/");
    env.put("PORTHOLE_ALERTS_WEBHOOK_TOKEN", "webhook-secret");
    ControllerConfig config = ControllerConfig.from(Settings.from(env, Map.of()));
    assertThat(config.sseReplayMax()).isEqualTo(20);
    assertThat(config.webhooks()).hasSize(1);
    assertThat(config.toString()).contains("hooks.example.com").doesNotContain("webhook-secret");
    assertThat(config.httpPort()).isZero();
    assertThat(config.topics().name(Topic.ALERTS)).isEqualTo("test.porthole.alerts.v1");
    assertThat(config.commandTtl()).isEqualTo(Duration.ofMinutes(2));
    assertThat(config.bodyLimitBytes()).isEqualTo(2048);
    assertThat(config.views().maxAlerts()).isEqualTo(50);
    assertThat(config.views().maxArtifactBytes()).isEqualTo(2 * 1024 * 1024);
  }

  @Test
  void missingSecretsAreNamed() {
    Map<String, String> env = env();
    env.remove("PORTHOLE_OPERATOR_TOKEN");
    assertThatThrownBy(() -> ControllerConfig.from(Settings.from(env, Map.of())))
        .isInstanceOf(ConfigException.class)
        .hasMessage(
            "PORTHOLE_OPERATOR_TOKEN: required but not set (or PORTHOLE_OPERATOR_TOKENS "
                + "as name:token,name:token)");
    Map<String, String> noKey = env();
    noKey.remove("PORTHOLE_COMMAND_SIGNING_KEY_FILE");
    assertThatThrownBy(() -> ControllerConfig.from(Settings.from(noKey, Map.of())))
        .hasMessageStartingWith("PORTHOLE_COMMAND_SIGNING_KEY_FILE: required but not set");
    Map<String, String> publicOnly = env();
    publicOnly.put("PORTHOLE_COMMAND_SIGNING_KEY_FILE", TestKeys.VERIFY_FILE.toString());
    assertThatThrownBy(() -> ControllerConfig.from(Settings.from(publicOnly, Map.of())))
        .hasMessageStartingWith("PORTHOLE_COMMAND_SIGNING_KEY_FILE: ")
        .hasMessageContaining("no '-----BEGIN PRIVATE KEY-----' block");
  }

  @Test
  void weakOrSharedSecretsAreRefused() {
    Map<String, String> shortToken = env();
    shortToken.put("PORTHOLE_VIEWER_TOKEN", "short");
    assertThatThrownBy(() -> ControllerConfig.from(Settings.from(shortToken, Map.of())))
        .hasMessageStartingWith("PORTHOLE_VIEWER_TOKEN: expected tokens of at least 16 characters");
    Map<String, String> same = env();
    same.put("PORTHOLE_VIEWER_TOKEN", same.get("PORTHOLE_OPERATOR_TOKEN"));
    assertThatThrownBy(() -> ControllerConfig.from(Settings.from(same, Map.of())))
        .hasMessageStartingWith(
            "PORTHOLE_OPERATOR_TOKENS: the token named 'operator' is also configured")
        .hasMessageNotContaining("operator-token-0123456789");
  }

  @Test
  void namedTokenListsAddToTheSingleTokens() {
    Map<String, String> env = env();
    env.remove("PORTHOLE_VIEWER_TOKEN");
    env.put("PORTHOLE_VIEWER_TOKENS", "grafana:grafana-token-0123456789");
    env.put(
        "PORTHOLE_OPERATOR_TOKENS",
        "alice:alice-token-0123456789:with-colon, bob:bob-token-0123456789");
    ControllerConfig config = ControllerConfig.from(Settings.from(env, Map.of()));
    assertThat(config.tokens().all())
        .extracting(t -> t.name() + "/" + t.role() + "/" + t.secret())
        .containsExactly(
            "grafana/VIEWER/grafana-token-0123456789",
            "operator/OPERATOR/operator-token-0123456789",
            "alice/OPERATOR/alice-token-0123456789:with-colon",
            "bob/OPERATOR/bob-token-0123456789");
    Map<String, String> noName = env();
    noName.put("PORTHOLE_OPERATOR_TOKENS", "just-a-token-0123456789");
    assertThatThrownBy(() -> ControllerConfig.from(Settings.from(noName, Map.of())))
        .hasMessage(
            "PORTHOLE_OPERATOR_TOKENS: expected name:token entries separated by commas, "
                + "but an entry has no ':'");
    Map<String, String> twice = env();
    twice.put("PORTHOLE_OPERATOR_TOKENS", "viewer:another-token-0123456789");
    assertThatThrownBy(() -> ControllerConfig.from(Settings.from(twice, Map.of())))
        .hasMessage("PORTHOLE_OPERATOR_TOKENS: the token name 'viewer' is used twice");
    Map<String, String> shortOne = env();
    shortOne.put("PORTHOLE_OPERATOR_TOKENS", "bob:short");
    assertThatThrownBy(() -> ControllerConfig.from(Settings.from(shortOne, Map.of())))
        .hasMessageStartingWith(
            "PORTHOLE_OPERATOR_TOKENS: expected tokens of at least 16 characters");
  }

  @Test
  void badNumbersAndDurationsNameTheVariable() {
    Map<String, String> port = env();
    port.put("PORTHOLE_HTTP_PORT", "70000");
    assertThatThrownBy(() -> ControllerConfig.from(Settings.from(port, Map.of())))
        .hasMessage("PORTHOLE_HTTP_PORT: expected a whole number from 0 to 65535 but was 70000");
    Map<String, String> ttl = env();
    ttl.put("PORTHOLE_COMMAND_TTL", "1s");
    assertThatThrownBy(() -> ControllerConfig.from(Settings.from(ttl, Map.of())))
        .hasMessageStartingWith("PORTHOLE_COMMAND_TTL: expected a duration from 5s to 3600s");
    Map<String, String> body = env();
    body.put("PORTHOLE_HTTP_BODY_LIMIT", "lots");
    assertThatThrownBy(() -> ControllerConfig.from(Settings.from(body, Map.of())))
        .hasMessageStartingWith("PORTHOLE_HTTP_BODY_LIMIT: expected a whole number");
    Map<String, String> replay = env();
    replay.put("PORTHOLE_SSE_REPLAY_MAX", "0");
    assertThatThrownBy(() -> ControllerConfig.from(Settings.from(replay, Map.of())))
        .hasMessageStartingWith(
            "PORTHOLE_SSE_REPLAY_MAX: expected a whole number from 1 to 100000");
    Map<String, String> webhook = env();
    webhook.put("PORTHOLE_ALERTS_WEBHOOK_PAGER_FORMAT", "falco");
    assertThatThrownBy(() -> ControllerConfig.from(Settings.from(webhook, Map.of())))
        .hasMessageStartingWith(
            "PORTHOLE_ALERTS_WEBHOOK_PAGER_URL: required for this webhook output");
    Map<String, String> kafka = env();
    kafka.remove("PORTHOLE_KAFKA_BOOTSTRAP_SERVERS");
    assertThatThrownBy(() -> ControllerConfig.from(Settings.from(kafka, Map.of())))
        .hasMessageStartingWith("PORTHOLE_KAFKA_BOOTSTRAP_SERVERS: required");
  }
}
