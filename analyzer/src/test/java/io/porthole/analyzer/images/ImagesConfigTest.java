package io.porthole.analyzer.images;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.porthole.analyzer.AnalyzerConfig;
import io.porthole.analyzer.AnalyzerSettingDefinitions;
import io.porthole.proto.Severity;
import io.porthole.runtime.ConfigException;
import io.porthole.runtime.Settings;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ImagesConfigTest {

  @Test
  void defaultsAreAFifteenMinuteWindowAndASampleOfOne() {
    ImagesConfig config = ImagesConfig.defaults();

    assertThat(config.rule().window()).isEqualTo(Duration.ofMinutes(15));
    assertThat(config.rule().minimumSample()).isEqualTo(1);
    assertThat(config.rule().settings().severity()).isEqualTo(Severity.MEDIUM);
    assertThat(config.groupId()).isEqualTo("porthole-analyzer-images");
    assertThat(config.summaryGroupId()).isEqualTo("porthole-analyzer-image-summaries");
    assertThat(config.limits().window()).isEqualTo(config.rule().window());
  }

  @Test
  void theRuleKeysAreReadAndKnownToTheAnalyzersStrictRuleCheck() {
    Settings settings =
        Settings.of(
            Map.of(
                "rule.host.divergence.window", "2m",
                "rule.host.divergence.minimum.sample", "3",
                "rule.host.divergence.severity", "HIGH",
                "kafka.bootstrap.servers", "localhost:9092"));

    ImagesConfig config = ImagesConfig.from(settings);
    AnalyzerConfig.from(settings);

    assertThat(config.rule().window()).isEqualTo(Duration.ofMinutes(2));
    assertThat(config.rule().minimumSample()).isEqualTo(3);
    assertThat(config.rule().settings().severity()).isEqualTo(Severity.HIGH);
    assertThat(HostDivergenceRule.Config.KEYS).allMatch(AnalyzerSettingDefinitions.ALL::declares);
  }

  @Test
  void theImageGroupsFollowTheAnalyzersGroupUnlessSet() {
    ImagesConfig derived = ImagesConfig.from(Settings.of(Map.of("analyzer.group.id", "team-x")));
    ImagesConfig explicit =
        ImagesConfig.from(
            Settings.of(Map.of("analyzer.group.id", "team-x", "analyzer.images.group.id", "mine")));

    assertThat(derived.summaryGroupId()).isEqualTo("team-x-image-summaries");
    assertThat(derived.groupId()).isEqualTo("team-x-images");
    assertThat(explicit.groupId()).isEqualTo("mine");
  }

  @Test
  void aBadValueNamesItsKey() {
    assertThatThrownBy(
            () ->
                ImagesConfig.from(Settings.of(Map.of("rule.host.divergence.minimum.sample", "0"))))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("rule.host.divergence.minimum.sample");
    assertThatThrownBy(
            () -> ImagesConfig.from(Settings.of(Map.of("rule.host.divergence.severity", "LOUD"))))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("rule.host.divergence.severity");
  }
}
