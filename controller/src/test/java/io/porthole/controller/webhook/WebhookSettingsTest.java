package io.porthole.controller.webhook;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.porthole.proto.Rule;
import io.porthole.proto.Severity;
import io.porthole.runtime.ConfigException;
import io.porthole.runtime.Settings;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class WebhookSettingsTest {

  private static List<WebhookSettings> parse(Map<String, String> values) {
    return WebhookSettings.from(Settings.of(values));
  }

  private static void rejects(Map<String, String> values, String key, String problem) {
    assertThatThrownBy(() -> parse(values))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining(problem)
        .extracting(e -> ((ConfigException) e).key())
        .isEqualTo(key);
  }

  @Test
  void noSettingsNoOutputs() {
    assertThat(parse(Map.of("http.port", "8080"))).isEmpty();
  }

  @Test
  void theUnnamedUrlIsTheDefaultOutputWithDefaults() {
    List<WebhookSettings> outputs =
        parse(Map.of("alerts.webhook.url", "https://hooks.example.com/porthole"));
    assertThat(outputs).hasSize(1);
    WebhookSettings output = outputs.get(0);
    assertThat(output.name()).isEqualTo("default");
    assertThat(output.url().toString()).isEqualTo("https://hooks.example.com/porthole");
    assertThat(output.format()).isEqualTo(WebhookSettings.Format.CLOUDEVENTS);
    assertThat(output.headers()).isEmpty();
    assertThat(output.minSeverity()).isEqualTo(Severity.INFO);
    assertThat(output.rules()).isEmpty();
    assertThat(output.attempts()).isEqualTo(5);
    assertThat(output.backoff()).isEqualTo(Duration.ofSeconds(1));
    assertThat(output.backoffMax()).isEqualTo(Duration.ofSeconds(30));
    assertThat(output.timeout()).isEqualTo(Duration.ofSeconds(10));
    assertThat(output.queueMax()).isEqualTo(1_000);
  }

  @Test
  void namedOutputsWithEveryOption() {
    Map<String, String> values = new HashMap<>();
    values.put("alerts.webhook.url", "http://10.0.0.1:8080/");
    values.put("alerts.webhook.pager.url", "https://pager.example.com/v1/events");
    values.put("alerts.webhook.pager.token", "s3cret-token");
    values.put("alerts.webhook.pager.min.severity", "high");
    values.put("alerts.webhook.pager.rules", "OOM_KILLED, host_namespaces");
    values.put("alerts.webhook.pager.attempts", "3");
    values.put("alerts.webhook.pager.backoff", "200ms");
    values.put("alerts.webhook.pager.backoff.max", "2s");
    values.put("alerts.webhook.pager.timeout", "5s");
    values.put("alerts.webhook.pager.queue.max", "50");
    values.put("alerts.webhook.sidekick.url", "http://falcosidekick:2801/");
    values.put("alerts.webhook.sidekick.format", "falco");
    values.put("alerts.webhook.sidekick.header", "X-Api-Key: abc: def");
    List<WebhookSettings> outputs = parse(values);
    assertThat(outputs)
        .extracting(WebhookSettings::name)
        .containsExactly("default", "pager", "sidekick");
    WebhookSettings pager = outputs.get(1);
    assertThat(pager.headers()).containsExactly(Map.entry("Authorization", "Bearer s3cret-token"));
    assertThat(pager.minSeverity()).isEqualTo(Severity.HIGH);
    assertThat(pager.rules()).containsExactlyInAnyOrder(Rule.OOM_KILLED, Rule.HOST_NAMESPACES);
    assertThat(pager.attempts()).isEqualTo(3);
    assertThat(pager.backoff()).isEqualTo(Duration.ofMillis(200));
    assertThat(pager.backoffMax()).isEqualTo(Duration.ofSeconds(2));
    assertThat(pager.timeout()).isEqualTo(Duration.ofSeconds(5));
    assertThat(pager.queueMax()).isEqualTo(50);
    assertThat(pager.toString()).doesNotContain("s3cret").contains("pager.example.com");
    WebhookSettings sidekick = outputs.get(2);
    assertThat(sidekick.format()).isEqualTo(WebhookSettings.Format.FALCO);
    assertThat(sidekick.headers()).containsExactly(Map.entry("X-Api-Key", "abc: def"));
    assertThat(sidekick.toString()).doesNotContain("abc");
  }

  @Test
  void filtersBySeverityAndRule() {
    WebhookSettings output =
        parse(
                Map.of(
                    "alerts.webhook.url",
                    "http://h/",
                    "alerts.webhook.min.severity",
                    "MEDIUM",
                    "alerts.webhook.rules",
                    "OOM_KILLED"))
            .get(0);
    assertThat(output.accepts(Rule.OOM_KILLED, Severity.HIGH)).isTrue();
    assertThat(output.accepts(Rule.OOM_KILLED, Severity.MEDIUM)).isTrue();
    assertThat(output.accepts(Rule.OOM_KILLED, Severity.LOW)).isFalse();
    assertThat(output.accepts(Rule.HOST_NAMESPACES, Severity.CRITICAL)).isFalse();
  }

  @Test
  void backoffDoublesUpToItsCap() {
    WebhookSettings output =
        parse(
                Map.of(
                    "alerts.webhook.url",
                    "http://h/",
                    "alerts.webhook.backoff",
                    "100ms",
                    "alerts.webhook.backoff.max",
                    "1s"))
            .get(0);
    assertThat(output.backoffBefore(2)).isEqualTo(Duration.ofMillis(100));
    assertThat(output.backoffBefore(3)).isEqualTo(Duration.ofMillis(200));
    assertThat(output.backoffBefore(5)).isEqualTo(Duration.ofMillis(800));
    assertThat(output.backoffBefore(6)).isEqualTo(Duration.ofSeconds(1));
    assertThat(output.backoffBefore(99)).isEqualTo(Duration.ofSeconds(1));
  }

  @Test
  void badValuesNameTheirKey() {
    rejects(Map.of("alerts.webhook.url", "ftp://x/"), "alerts.webhook.url", "http:// or https://");
    rejects(Map.of("alerts.webhook.url", "not a url"), "alerts.webhook.url", "http:// or https://");
    rejects(Map.of("alerts.webhook.pager.token", "t"), "alerts.webhook.pager.url", "required");
    rejects(Map.of("alerts.webhook.format", "falco"), "alerts.webhook.url", "required");
    rejects(
        Map.of("alerts.webhook.url", "http://h/", "alerts.webhook.format", "xml"),
        "alerts.webhook.format",
        "CLOUDEVENTS");
    rejects(
        Map.of("alerts.webhook.url", "http://h/", "alerts.webhook.min.severity", "SEVERE"),
        "alerts.webhook.min.severity",
        "INFO, LOW, MEDIUM, HIGH, CRITICAL");
    rejects(
        Map.of("alerts.webhook.url", "http://h/", "alerts.webhook.rules", "OOM_KILLED,OOM"),
        "alerts.webhook.rules",
        "unknown rule 'OOM'");
    rejects(
        Map.of("alerts.webhook.url", "http://h/", "alerts.webhook.header", "no colon"),
        "alerts.webhook.header",
        "Name: value");
    rejects(
        Map.of("alerts.webhook.url", "http://h/", "alerts.webhook.attempts", "0"),
        "alerts.webhook.attempts",
        "from 1 to 100");
    rejects(
        Map.of("alerts.webhook.url", "http://h/", "alerts.webhook.queue.max", "lots"),
        "alerts.webhook.queue.max",
        "whole number");
    rejects(
        Map.of(
            "alerts.webhook.url",
            "http://h/",
            "alerts.webhook.backoff",
            "5s",
            "alerts.webhook.backoff.max",
            "1s"),
        "alerts.webhook.backoff.max",
        "must not be shorter");
    rejects(
        Map.of(
            "alerts.webhook.url",
            "http://h/",
            "alerts.webhook.token",
            "t",
            "alerts.webhook.header",
            "Authorization: Basic eA=="),
        "alerts.webhook.token",
        "Authorization");
    rejects(
        Map.of("alerts.webhook.pager.urll", "http://h/"),
        "alerts.webhook.pager.urll",
        "unknown webhook setting");
    rejects(
        Map.of("alerts.webhook.Pager.url", "http://h/"), "alerts.webhook.Pager.url", "output name");
    rejects(
        Map.of("alerts.webhook.default.url", "http://h/"),
        "alerts.webhook.default.url",
        "not 'default'");
  }

  @Test
  void environmentVariablesAreNamedAsWritten() {
    Settings settings =
        Settings.from(
            Map.of(
                "PORTHOLE_ALERTS_WEBHOOK_PAGER_URL",
                "http://h/",
                "PORTHOLE_ALERTS_WEBHOOK_PAGER_ATTEMPTS",
                "-1"),
            Map.of());
    assertThatThrownBy(() -> WebhookSettings.from(settings))
        .isInstanceOf(ConfigException.class)
        .extracting(e -> ((ConfigException) e).key())
        .isEqualTo("PORTHOLE_ALERTS_WEBHOOK_PAGER_ATTEMPTS");
  }
}
