package io.porthole.collector.remediation;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.porthole.runtime.Settings;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

class RemediationConfigTest {

  private static final String KEY = "0123456789abcdef-key";

  @Test
  void defaultsNeedOnlyTheCommandKey() {
    RemediationConfig config = RemediationConfig.from(Settings.of(Map.of("command.key", KEY)));

    assertThat(config.enabled()).isTrue();
    assertThat(config.dataDir()).isEqualTo(Path.of("/var/lib/porthole"));
    assertThat(config.isolationsFile()).isEqualTo(Path.of("/var/lib/porthole/isolations.json"));
    assertThat(config.chunkBytes()).isEqualTo(256 * 1024);
    assertThat(config.captureDefaultDuration()).isEqualTo(Duration.ofSeconds(10));
    assertThat(config.captureDefaultPackets()).isEqualTo(10_000);
    assertThat(config.extractMaxBytes()).isEqualTo(64L << 20);
  }

  @Test
  void readsEveryKeyFromTheEnvironment() {
    Map<String, String> env = new HashMap<>();
    env.put("PORTHOLE_COMMAND_KEY", KEY);
    env.put("PORTHOLE_REMEDIATION_DATA_DIR", "/tmp/porthole-data");
    env.put("PORTHOLE_REMEDIATION_CAPTURE_DURATION", "3s");
    env.put("PORTHOLE_REMEDIATION_CAPTURE_PACKETS", "50");
    env.put("PORTHOLE_REMEDIATION_CAPTURE_BYTES", "65536");
    env.put("PORTHOLE_REMEDIATION_EXTRACT_MAX_BYTES", "4096");
    env.put("PORTHOLE_REMEDIATION_CHUNK_BYTES", "1024");
    env.put("PORTHOLE_REMEDIATION_CONCURRENCY", "2");

    RemediationConfig config = RemediationConfig.from(Settings.from(env, Map.of()));

    assertThat(config.dataDir()).isEqualTo(Path.of("/tmp/porthole-data"));
    assertThat(config.captureDefaultDuration()).isEqualTo(Duration.ofSeconds(3));
    assertThat(config.captureDefaultPackets()).isEqualTo(50);
    assertThat(config.captureDefaultBytes()).isEqualTo(65536);
    assertThat(config.extractMaxBytes()).isEqualTo(4096);
    assertThat(config.chunkBytes()).isEqualTo(1024);
    assertThat(config.maxConcurrentCommands()).isEqualTo(2);
  }

  @Test
  void badValuesNameTheirKey() {
    assertThatThrownBy(() -> config("remediation.chunk.bytes", "10"))
        .hasMessageContaining("remediation.chunk.bytes")
        .hasMessageContaining("from 1024 to " + RemediationConfig.MAX_CHUNK_BYTES);
    assertThatThrownBy(() -> config("remediation.data.dir", "relative/dir"))
        .hasMessageContaining("remediation.data.dir: expected an absolute directory path");
    assertThatThrownBy(() -> config("remediation.capture.duration", "forever"))
        .hasMessageContaining("remediation.capture.duration");
    assertThatThrownBy(() -> config("remediation.capture.packets", "2000000"))
        .hasMessageContaining("remediation.capture.packets: must not exceed");
    assertThatThrownBy(() -> config("remediation.enabled", "maybe"))
        .hasMessageContaining("remediation.enabled: expected true or false");
  }

  private static RemediationConfig config(String key, String value) {
    return RemediationConfig.from(Settings.of(Map.of("command.key", KEY, key, value)));
  }
}
