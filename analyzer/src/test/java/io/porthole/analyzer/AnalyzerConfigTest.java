package io.porthole.analyzer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.porthole.analyzer.rules.DetectionRule;
import io.porthole.proto.Rule;
import io.porthole.proto.Severity;
import io.porthole.runtime.ConfigException;
import io.porthole.runtime.Settings;
import io.porthole.wire.Topic;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

class AnalyzerConfigTest {

  private static Settings settings(String... keyValues) {
    Map<String, String> values = new HashMap<>();
    values.put("kafka.bootstrap.servers", "localhost:9092");
    for (int i = 0; i < keyValues.length; i += 2) {
      values.put(keyValues[i], keyValues[i + 1]);
    }
    return Settings.of(values);
  }

  @Test
  void defaultsNeedOnlyTheBootstrapServers() {
    AnalyzerConfig config = AnalyzerConfig.from(settings());

    assertThat(config.groupId()).isEqualTo("porthole-analyzer");
    assertThat(config.topicNames().name(Topic.ALERTS)).isEqualTo("porthole.alerts.v1");
    assertThat(config.rules().selinux().window()).isEqualTo(Duration.ofSeconds(10));
    assertThat(config.rules().connectionFailures().threshold()).isEqualTo(3);
    assertThat(config.replayWindow()).isEqualTo(Duration.ofMinutes(5));
    assertThat(config.rules().enabledRules())
        .extracting(DetectionRule::id)
        .containsExactly(
            Rule.HOST_NAMESPACES,
            Rule.OOM_KILLED,
            Rule.OOM_KILL_DISABLED_UNBOUNDED,
            Rule.SELINUX_ASSUMPTION,
            Rule.MISSING_SYSCALL,
            Rule.CONNECTION_FAILURES,
            Rule.COLLECTOR_DROPS,
            Rule.HOST_SILENT);
  }

  @Test
  void ruleWindowsThresholdsSeveritiesAndSwitchesAreRead() {
    AnalyzerConfig config =
        AnalyzerConfig.from(
            settings(
                "rule.selinux.window", "30s",
                "rule.selinux.severity", "critical",
                "rule.connection.failures.threshold", "5",
                "rule.connection.failures.window", "2m",
                "rule.oom.killed.enabled", "false",
                "rule.host.silent.missed.intervals", "6",
                "topic.prefix", "test-",
                "analyzer.group.id", "analyzers-eu"));

    assertThat(config.rules().selinux().window()).isEqualTo(Duration.ofSeconds(30));
    assertThat(config.rules().selinux().settings().severity()).isEqualTo(Severity.CRITICAL);
    assertThat(config.rules().connectionFailures().threshold()).isEqualTo(5);
    assertThat(config.rules().connectionFailures().window()).isEqualTo(Duration.ofMinutes(2));
    assertThat(config.rules().hostSilent().missedIntervals()).isEqualTo(6);
    assertThat(config.rules().enabledRules())
        .extracting(DetectionRule::id)
        .doesNotContain(Rule.OOM_KILLED);
    assertThat(config.topicNames().name(Topic.SYSCALLS)).isEqualTo("test-porthole.syscalls.v1");
    assertThat(config.groupId()).isEqualTo("analyzers-eu");
  }

  @Test
  void badValuesNameTheKeyAndWhatWasExpected() {
    assertThatThrownBy(() -> AnalyzerConfig.from(settings("rule.selinux.window", "soon")))
        .isInstanceOf(ConfigException.class)
        .hasMessageStartingWith("rule.selinux.window: expected a duration");
    assertThatThrownBy(() -> AnalyzerConfig.from(settings("rule.selinux.severity", "urgent")))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("rule.selinux.severity")
        .hasMessageContaining("urgent");
    assertThatThrownBy(
            () -> AnalyzerConfig.from(settings("rule.oom.killed.severity", "severity_unspecified")))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("expected one of INFO, LOW, MEDIUM, HIGH, CRITICAL");
    assertThatThrownBy(
            () -> AnalyzerConfig.from(settings("rule.connection.failures.threshold", "0")))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("rule.connection.failures.threshold: expected a whole number from 1");
    assertThatThrownBy(() -> AnalyzerConfig.from(settings("rule.selinux.windw", "10s")))
        .isInstanceOf(ConfigException.class)
        .hasMessage(
            "rule.selinux.windw: unknown setting; the nearest known key is rule.selinux.window");
    assertThatThrownBy(() -> AnalyzerConfig.from(settings("analyzer.commit.intervall", "1s")))
        .isInstanceOf(ConfigException.class)
        .hasMessage(
            "analyzer.commit.intervall: unknown setting; the nearest known key is "
                + "analyzer.commit.interval");
    assertThatThrownBy(() -> AnalyzerConfig.from(settings("rule.host.namespaces.enabled", "maybe")))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("expected true or false");
  }

  @Test
  void theReplayWindowMustCoverTheLongestRuleWindow() {
    assertThatThrownBy(
            () ->
                AnalyzerConfig.from(
                    settings(
                        "rule.connection.failures.window", "10m", "analyzer.replay.window", "5m")))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining(
            "analyzer.replay.window: must be at least the longest rule window (600000ms)");
  }

  @Test
  void alertUpdatesAreSpacedFiveSecondsApartAndNoMoreThanTheReplayWindow() {
    assertThat(AnalyzerConfig.from(settings()).alertUpdateInterval())
        .isEqualTo(Duration.ofSeconds(5));
    assertThat(
            AnalyzerConfig.from(settings("analyzer.alert.update.interval", "0s"))
                .alertUpdateInterval())
        .isZero();
    assertThatThrownBy(
            () ->
                AnalyzerConfig.from(
                    settings(
                        "analyzer.alert.update.interval", "10m", "analyzer.replay.window", "5m")))
        .isInstanceOf(ConfigException.class)
        .hasMessageStartingWith(
            "analyzer.alert.update.interval: must be at most analyzer.replay.window (300000ms)");
  }

  @Test
  void errorsFromTheEnvironmentNameTheVariable() {
    Settings fromEnv =
        Settings.from(
            Map.of(
                "PORTHOLE_KAFKA_BOOTSTRAP_SERVERS",
                "kafka:9092",
                "PORTHOLE_RULE_SELINUX_WINDOW",
                "ten"),
            Map.of());
    assertThatThrownBy(() -> AnalyzerConfig.from(fromEnv))
        .hasMessageStartingWith("PORTHOLE_RULE_SELINUX_WINDOW:");
    assertThatThrownBy(() -> AnalyzerConfig.from(Settings.of(Map.of())))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("KAFKA_BOOTSTRAP_SERVERS");
  }
}
