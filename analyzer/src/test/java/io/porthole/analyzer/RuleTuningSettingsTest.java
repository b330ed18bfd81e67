package io.porthole.analyzer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.porthole.analyzer.rules.Glob;
import io.porthole.analyzer.rules.LabelSelector;
import io.porthole.analyzer.rules.RuleExclusions;
import io.porthole.analyzer.rules.RuleTuning;
import io.porthole.proto.Rule;
import io.porthole.runtime.ConfigException;
import io.porthole.runtime.Settings;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

class RuleTuningSettingsTest {

  private static RuleTuning tuning(String... keyValues) {
    return AnalyzerConfig.from(settings(keyValues)).rules().tuning();
  }

  private static Settings settings(String... keyValues) {
    Map<String, String> values = new HashMap<>();
    values.put("kafka.bootstrap.servers", "localhost:9092");
    for (int i = 0; i < keyValues.length; i += 2) {
      values.put(keyValues[i], keyValues[i + 1]);
    }
    return Settings.of(values);
  }

  @Test
  void byDefaultHostNamespacesExcludesPortholesCollectorAndTheLabelIsHonoured() {
    RuleTuning tuning = tuning();

    assertThat(tuning.ignoreLabelEnabled()).isTrue();
    assertThat(tuning.exclusions(Rule.HOST_NAMESPACES).labels())
        .containsExactly(new LabelSelector("dev.porthole.component", "collector"));
    assertThat(tuning.exclusions(Rule.OOM_KILLED)).isEqualTo(RuleExclusions.NONE);
  }

  @Test
  void imagesNamesAndLabelsAreCommaSeparatedListsPerRule() {
    RuleTuning tuning =
        tuning(
            "rule.oom.killed.exclude.images", "registry.local/debug/*, *:dev",
            "rule.oom.killed.exclude.names", "batch-*",
            "rule.connection.failures.exclude.labels", "team=infra,probe",
            "analyzer.ignore.label.enabled", "false");

    RuleExclusions oom = tuning.exclusions(Rule.OOM_KILLED);
    assertThat(oom.images())
        .extracting(Glob::toString)
        .containsExactly("registry.local/debug/*", "*:dev");
    assertThat(oom.names()).extracting(Glob::toString).containsExactly("batch-*");
    assertThat(tuning.exclusions(Rule.CONNECTION_FAILURES).labels())
        .containsExactly(new LabelSelector("team", "infra"), new LabelSelector("probe", null));
    assertThat(tuning.ignoreLabelEnabled()).isFalse();
    assertThat(tuning.exclusions(Rule.HOST_NAMESPACES).labels())
        .as("defaults of other rules stay")
        .hasSize(1);
  }

  @Test
  void noneClearsADefaultAndSettingAListReplacesIt() {
    assertThat(
            tuning("rule.host.namespaces.exclude.labels", "none").exclusions(Rule.HOST_NAMESPACES))
        .isEqualTo(RuleExclusions.NONE);
    assertThat(
            tuning("rule.host.namespaces.exclude.labels", "team=infra")
                .exclusions(Rule.HOST_NAMESPACES)
                .labels())
        .containsExactly(new LabelSelector("team", "infra"));
  }

  @Test
  void badValuesNameTheKeyAsTheOperatorWroteIt() {
    assertThatThrownBy(() -> AnalyzerConfig.from(settings("rule.selinux.exclude.names", "my app")))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("rule.selinux.exclude.names: invalid entry")
        .hasMessageContaining("'my app' contains white space");
    assertThatThrownBy(
            () ->
                AnalyzerConfig.from(settings("rule.host.namespaces.exclude.labels", "=collector")))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("rule.host.namespaces.exclude.labels: invalid entry")
        .hasMessageContaining("no label key");
    assertThatThrownBy(
            () ->
                AnalyzerConfig.from(
                    settings("rule.missing.syscall.exclude.images", "none,busybox")))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("rule.missing.syscall.exclude.images")
        .hasMessageContaining("cannot be combined");
    assertThatThrownBy(
            () -> AnalyzerConfig.from(settings("analyzer.ignore.label.enabled", "sometimes")))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("analyzer.ignore.label.enabled");
  }

  @Test
  void aTypoUnderRuleIsStillAnErrorAndHostRulesHaveNoExclusions() {
    assertThatThrownBy(
            () -> AnalyzerConfig.from(settings("rule.host.namespaces.exclude.image", "x")))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("rule.host.namespaces.exclude.image: unknown setting")
        .hasMessageContaining("nearest known key is rule.host.namespaces.exclude.images");
    assertThatThrownBy(() -> AnalyzerConfig.from(settings("rule.host.silent.exclude.names", "x")))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("unknown setting");
    AnalyzerConfig.from(settings("rule.oom.kill.disabled.exclude.names", "x"));
    AnalyzerConfig.from(settings("rule.connection.failures.exclude.labels", "a=b"));
  }

  @Test
  void exclusionsAreReadFromTheEnvironmentToo() {
    Settings settings =
        Settings.from(
            Map.of(
                "PORTHOLE_KAFKA_BOOTSTRAP_SERVERS", "localhost:9092",
                "PORTHOLE_RULE_HOST_NAMESPACES_EXCLUDE_NAMES", "porthole-*"),
            Map.of());

    assertThat(
            AnalyzerConfig.from(settings).rules().tuning().exclusions(Rule.HOST_NAMESPACES).names())
        .extracting(Glob::toString)
        .containsExactly("porthole-*");
    Settings bad =
        Settings.from(
            Map.of(
                "PORTHOLE_KAFKA_BOOTSTRAP_SERVERS", "localhost:9092",
                "PORTHOLE_RULE_OOM_KILLED_EXCLUDE_IMAGES", "my image"),
            Map.of());
    assertThatThrownBy(() -> AnalyzerConfig.from(bad))
        .isInstanceOf(ConfigException.class)
        .hasMessageStartingWith(
            "PORTHOLE_RULE_OOM_KILLED_EXCLUDE_IMAGES: invalid entry: 'my image'");
  }
}
