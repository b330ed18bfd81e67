package io.porthole.collector;

import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.porthole.runtime.ConfigException;
import io.porthole.runtime.Settings;
import java.util.Map;
import org.junit.jupiter.api.Test;

class CollectorSettingDefinitionsTest {

  @Test
  void aTypoUnderACollectorPrefixIsRefusedNamingTheKeyAndTheNearestKnownKey() {
    Settings settings =
        Settings.from(Map.of("PORTHOLE_COLLECTOR_STRACE_BATCHSIZE", "10"), Map.of());

    assertThatThrownBy(() -> CollectorSettingDefinitions.rejectUnknown(settings))
        .isInstanceOf(ConfigException.class)
        .hasMessageStartingWith("PORTHOLE_COLLECTOR_STRACE_BATCHSIZE: unknown setting;")
        .hasMessageContaining("the nearest known key is collector.");
    assertThatThrownBy(
            () ->
                CollectorSettingDefinitions.rejectUnknown(
                    Settings.of(Map.of("strace.batch.max.event", "10"))))
        .hasMessage(
            "strace.batch.max.event: unknown setting; the nearest known key is"
                + " strace.batch.max.events");
  }

  @Test
  void keysOtherServicesReadAreLeftToThem() {
    Settings settings =
        Settings.of(
            Map.of(
                "command.ttl", "60s",
                "analyzer.group.id", "g",
                "kafka.producer.linger.ms", "5",
                "strace.batch.max.events", "10"));

    assertThatCode(() -> CollectorSettingDefinitions.rejectUnknown(settings))
        .doesNotThrowAnyException();
  }
}
