package io.porthole.runtime;

import static io.porthole.runtime.SettingDefinition.Type.DURATION;
import static io.porthole.runtime.SettingDefinition.Type.INTEGER;
import static io.porthole.runtime.SettingDefinition.Type.PASS_THROUGH;
import static io.porthole.runtime.SettingDefinition.of;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class SettingDefinitionsTest {

  private static final SettingDefinitions DEFINITIONS =
      SettingDefinitions.of(
          "Test",
          of("strace.batch.interval", DURATION, "250ms", "batch"),
          of("strace.batch.max.events", INTEGER, "2000", "events"),
          of("topic.partitions.<TOPIC>", INTEGER, "3", "partitions"),
          of("kafka.client.*", PASS_THROUGH, "to Kafka"));

  @Test
  void concreteKeysPatternsAndPassThroughPrefixesMatch() {
    assertThat(DEFINITIONS.declares("strace.batch.interval")).isTrue();
    assertThat(DEFINITIONS.declares("strace.batch.intervall")).isFalse();
    assertThat(DEFINITIONS.declares("topic.partitions.command.results")).isTrue();
    assertThat(DEFINITIONS.declares("topic.partitions.")).isFalse();
    assertThat(DEFINITIONS.declares("kafka.client.security.protocol")).isTrue();
    assertThat(DEFINITIONS.declares("kafka.client")).isFalse();
    assertThat(DEFINITIONS.prefixes()).containsExactly("kafka", "strace", "topic");
  }

  @Test
  void anUnknownKeyUnderAKnownPrefixNamesTheKeyAndTheNearestKnownKey() {
    Settings settings = Settings.from(Map.of("PORTHOLE_STRACE_BATCH_INTERVALL", "1s"), Map.of());

    assertThatThrownBy(() -> SettingDefinitions.rejectUnknown(settings, List.of(DEFINITIONS)))
        .isInstanceOf(ConfigException.class)
        .hasMessage(
            "PORTHOLE_STRACE_BATCH_INTERVALL: unknown setting; the nearest known key is"
                + " strace.batch.interval");
  }

  @Test
  void keysUnderOtherPrefixesAndPassThroughKeysAreLeftAlone() {
    Settings settings =
        Settings.of(
            Map.of(
                "kafka.client.sasl.mechanism", "PLAIN",
                "analyzer.anything", "x",
                "strace.batch.max.events", "5"));

    assertThatCode(() -> SettingDefinitions.rejectUnknown(settings, List.of(DEFINITIONS)))
        .doesNotThrowAnyException();
    assertThatThrownBy(
            () ->
                SettingDefinitions.rejectUnknown(
                    Settings.of(Map.of("kafka.bootstrap", "x")),
                    List.of(DEFINITIONS),
                    Set.of("kafka")))
        .hasMessageContaining("kafka.bootstrap: unknown setting");
  }

  @Test
  void malformedDefinitionsAreRefused() {
    assertThatThrownBy(() -> of("Kafka.Client", INTEGER, "x"))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> of("kafka.client.*", INTEGER, "x"))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void settingsRecordTheKeysAskedOfThemAndOfTheirCopies() {
    Settings settings = Settings.of(Map.of());
    settings.string("a.b", "x");
    settings.with(Map.of("c", "d")).withPrefix("kafka.client.");

    assertThat(settings.askedKeys()).containsExactly("a.b", "kafka.client.*");
  }

  @Test
  void distanceCountsSingleCharacterEdits() {
    assertThat(SettingDefinitions.distance("batchsize", "batch.size")).isEqualTo(1);
    assertThat(SettingDefinitions.distance("", "abc")).isEqualTo(3);
  }
}
