package io.porthole.collector.packets;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.porthole.runtime.ConfigException;
import io.porthole.runtime.Settings;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class CaptureConfigTest {

  @Test
  void defaults() {
    CaptureConfig config = CaptureConfig.from(Settings.of(Map.of()));

    assertThat(config)
        .isEqualTo(
            new CaptureConfig(
                true,
                List.of("docker0"),
                "ip or ip6",
                1024,
                8 * 1024 * 1024,
                Duration.ofSeconds(5),
                Duration.ofSeconds(60),
                65_536,
                256));
    assertThat(config.flowTable()).isEqualTo(FlowTableSettings.defaults());
  }

  @Test
  void readsEveryKeyFromTheEnvironment() {
    Settings settings =
        Settings.from(
            Map.of(
                "PORTHOLE_CAPTURE_ENABLED", "false",
                "PORTHOLE_CAPTURE_INTERFACES", "docker0, br-*",
                "PORTHOLE_CAPTURE_FILTER", "tcp port 80",
                "PORTHOLE_CAPTURE_SNAPLEN", "2048",
                "PORTHOLE_CAPTURE_BUFFER_BYTES", "2097152",
                "PORTHOLE_CAPTURE_FLUSH_INTERVAL", "500ms",
                "PORTHOLE_CAPTURE_IDLE_TIMEOUT", "2m",
                "PORTHOLE_CAPTURE_MAX_FLOWS", "1000",
                "PORTHOLE_CAPTURE_EXCERPT_BYTES", "512"),
            Map.of());

    assertThat(CaptureConfig.from(settings))
        .isEqualTo(
            new CaptureConfig(
                false,
                List.of("docker0", "br-*"),
                "tcp port 80",
                2048,
                2 * 1024 * 1024,
                Duration.ofMillis(500),
                Duration.ofMinutes(2),
                1000,
                512));
  }

  @Test
  void theFilterDefaultsToIpAndAllTurnsItOff() {
    assertThat(CaptureConfig.from(Settings.of(Map.of("capture.filter", " "))).filter())
        .isEqualTo("ip or ip6");
    assertThat(CaptureConfig.from(Settings.of(Map.of("capture.filter", "ALL"))).filter()).isEmpty();
  }

  @Test
  void badValuesNameTheKeyAndWhatWasExpected() {
    assertBad(
        Map.of("PORTHOLE_CAPTURE_ENABLED", "maybe"),
        "PORTHOLE_CAPTURE_ENABLED: expected true or false but was 'maybe'");
    assertBad(
        Map.of("PORTHOLE_CAPTURE_SNAPLEN", "32"),
        "PORTHOLE_CAPTURE_SNAPLEN: expected a whole number from 64 to 262144 but was 32");
    assertBad(
        Map.of("PORTHOLE_CAPTURE_MAX_FLOWS", "lots"),
        "PORTHOLE_CAPTURE_MAX_FLOWS: expected a whole number from 16 to 1000000 but was 'lots'");
    assertBad(
        Map.of("PORTHOLE_CAPTURE_EXCERPT_BYTES", "5000"),
        "PORTHOLE_CAPTURE_EXCERPT_BYTES: expected a whole number from 0 to 4096 but was 5000");
    assertBad(
        Map.of("PORTHOLE_CAPTURE_FLUSH_INTERVAL", "10ms"),
        "PORTHOLE_CAPTURE_FLUSH_INTERVAL: expected a duration from 100ms to 300s");
    assertBad(
        Map.of("PORTHOLE_CAPTURE_IDLE_TIMEOUT", "soon"),
        "PORTHOLE_CAPTURE_IDLE_TIMEOUT: expected a duration from 1s to 86400s");
    assertBad(
        Map.of("PORTHOLE_CAPTURE_BUFFER_BYTES", "1000"),
        "PORTHOLE_CAPTURE_BUFFER_BYTES: expected a whole number from 1048576");
  }

  @Test
  void theIdleTimeoutMustNotBeShorterThanTheFlushInterval() {
    assertBad(
        Map.of("PORTHOLE_CAPTURE_FLUSH_INTERVAL", "30s", "PORTHOLE_CAPTURE_IDLE_TIMEOUT", "10s"),
        "PORTHOLE_CAPTURE_IDLE_TIMEOUT: expected at least "
            + "PORTHOLE_CAPTURE_FLUSH_INTERVAL (30000ms) but was 10000ms");
  }

  @Test
  void theSnaplenMustLeaveRoomForTheExcerpt() {
    assertBad(
        Map.of("PORTHOLE_CAPTURE_SNAPLEN", "300", "PORTHOLE_CAPTURE_EXCERPT_BYTES", "256"),
        "PORTHOLE_CAPTURE_SNAPLEN: expected at least 384 (PORTHOLE_CAPTURE_EXCERPT_BYTES "
            + "256 plus 128 bytes of headers) but was 300");
  }

  @Test
  void interfaceNamesAreCheckedAndNeeded() {
    assertBad(
        Map.of("PORTHOLE_CAPTURE_INTERFACES", "docker0,eth0; rm -rf /"),
        "PORTHOLE_CAPTURE_INTERFACES: expected interface names");
    assertBad(
        Map.of("PORTHOLE_CAPTURE_INTERFACES", "a-name-longer-than-15"),
        "but got 'a-name-longer-than-15'");
    assertBad(
        Map.of("PORTHOLE_CAPTURE_INTERFACES", " , "),
        "PORTHOLE_CAPTURE_INTERFACES: expected at least one interface name");
    assertThat(
            CaptureConfig.from(Settings.of(Map.of("capture.interfaces", "br-*,veth1234@if5")))
                .interfaces())
        .containsExactly("br-*", "veth1234@if5");
    assertThat(
            CaptureConfig.from(
                    Settings.of(Map.of("capture.enabled", "false", "capture.interfaces", ",")))
                .enabled())
        .isFalse();
  }

  private static void assertBad(Map<String, String> environment, String message) {
    Settings settings = Settings.from(environment, Map.of());
    assertThatThrownBy(() -> CaptureConfig.from(settings))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining(message);
  }
}
