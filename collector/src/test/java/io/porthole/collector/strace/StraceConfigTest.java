package io.porthole.collector.strace;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.porthole.runtime.ConfigException;
import io.porthole.runtime.Settings;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

class StraceConfigTest {

  @Test
  void defaults() {
    StraceConfig config = StraceConfig.defaults();
    assertThat(config.binary()).isEqualTo("strace");
    assertThat(config.batchInterval()).isEqualTo(Duration.ofMillis(250));
    assertThat(config.batchMaxEvents()).isEqualTo(2000);
    assertThat(config.maxDuration()).isEqualTo(Duration.ofMinutes(10));
    assertThat(config.maxConcurrent()).isEqualTo(8);
    assertThat(config.syscalls())
        .startsWith("%file,%process,%network,")
        .contains(
            ",?memfd_create,",
            ",?getrandom,",
            ",?statx,",
            ",?clone3,",
            ",?openat2,",
            ",?io_uring_setup,");
    assertThat(config.syscalls().split(",")).doesNotHaveDuplicates();
    assertThat(config.pauseWhileAttaching()).isTrue();
    assertThat(config.attachTimeout()).isEqualTo(Duration.ofSeconds(10));
  }

  @Test
  void valuesFromTheEnvironment() {
    Settings settings =
        Settings.from(
            Map.of(
                "PORTHOLE_STRACE_BINARY",
                "/usr/bin/strace",
                "PORTHOLE_STRACE_BATCH_INTERVAL",
                "100ms",
                "PORTHOLE_STRACE_BATCH_MAX_EVENTS",
                "50",
                "PORTHOLE_STRACE_MAX_DURATION",
                "30s",
                "PORTHOLE_STRACE_MAX_CONCURRENT",
                "2",
                "PORTHOLE_STRACE_SYSCALLS",
                "openat, execve,%network",
                "PORTHOLE_STRACE_PAUSE",
                "false"),
            Map.of());
    StraceConfig config = StraceConfig.from(settings);
    assertThat(config.binary()).isEqualTo("/usr/bin/strace");
    assertThat(config.batchInterval()).isEqualTo(Duration.ofMillis(100));
    assertThat(config.batchMaxEvents()).isEqualTo(50);
    assertThat(config.maxDuration()).isEqualTo(Duration.ofSeconds(30));
    assertThat(config.maxConcurrent()).isEqualTo(2);
    assertThat(config.syscalls()).isEqualTo("openat,execve,%network");
    assertThat(config.pauseWhileAttaching()).isFalse();
  }

  @Test
  void badValuesNameTheKey() {
    assertBad(
        Map.of("strace.batch.interval", "soon"), "strace.batch.interval", "expected a duration");
    assertBad(Map.of("strace.batch.interval", "5ms"), "strace.batch.interval", "from 10ms to 60s");
    assertBad(
        Map.of("strace.batch.max.events", "0"), "strace.batch.max.events", "from 1 to 1000000");
    assertBad(Map.of("strace.max.duration", "2d"), "strace.max.duration", "expected a duration");
    assertBad(
        Map.of("strace.max.concurrent", "many"),
        "strace.max.concurrent",
        "expected a whole number");
    assertBad(Map.of("strace.max.concurrent", "1000"), "strace.max.concurrent", "from 1 to 256");
    assertBad(
        Map.of("strace.syscalls", "openat;rm -rf"), "strace.syscalls", "found 'openat;rm -rf'");
    assertBad(Map.of("strace.syscalls", ","), "strace.syscalls", "comma-separated");
    assertBad(Map.of("strace.binary", "strace -o /tmp/x"), "strace.binary", "without spaces");
    assertBad(Map.of("strace.pause", "maybe"), "strace.pause", "expected true or false");
  }

  @Test
  void environmentVariableIsNamedWhenTheValueCameFromThere() {
    assertThatThrownBy(
            () ->
                StraceConfig.from(
                    Settings.from(Map.of("PORTHOLE_STRACE_MAX_CONCURRENT", "-1"), Map.of())))
        .isInstanceOf(ConfigException.class)
        .hasMessageStartingWith("PORTHOLE_STRACE_MAX_CONCURRENT: ");
  }

  private static void assertBad(Map<String, String> values, String key, String expected) {
    assertThatThrownBy(() -> StraceConfig.from(Settings.of(values)))
        .isInstanceOf(ConfigException.class)
        .satisfies(e -> assertThat(((ConfigException) e).key()).isEqualTo(key))
        .hasMessageContaining(expected);
  }
}
