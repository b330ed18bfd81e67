package io.porthole.app.docs;

import static org.assertj.core.api.Assertions.assertThat;

import io.porthole.analyzer.AnalyzerConfig;
import io.porthole.analyzer.images.ImagesConfig;
import io.porthole.app.AppSettingDefinitions;
import io.porthole.app.CommandSettings;
import io.porthole.app.kafka.EmbeddedKafkaConfig;
import io.porthole.app.kafka.TopicPartitions;
import io.porthole.app.kafka.TopicPolicy;
import io.porthole.app.logging.LogFormat;
import io.porthole.collector.CollectorConfig;
import io.porthole.collector.kmsg.KmsgConfig;
import io.porthole.collector.packets.CaptureConfig;
import io.porthole.collector.remediation.CommandVerification;
import io.porthole.collector.remediation.RemediationConfig;
import io.porthole.collector.strace.StraceConfig;
import io.porthole.controller.ControllerConfig;
import io.porthole.runtime.ConfigurationReference;
import io.porthole.runtime.SettingDefinition;
import io.porthole.runtime.SettingDefinitions;
import io.porthole.runtime.Settings;
import io.porthole.runtime.security.CommandKeys;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * docs/configuration.md is what the setting definitions generate, and every key a configuration
 * class reads is declared. {@code -Dporthole.regenerate.docs=true} rewrites the page instead.
 */
class ConfigurationReferenceTest {

  private static final String REGENERATE = "porthole.regenerate.docs";

  @Test
  void theCommittedReferenceIsWhatTheDefinitionsGenerate() throws IOException {
    Path page = repositoryRoot().resolve("docs/configuration.md");
    String generated = ConfigurationReference.markdown(AppSettingDefinitions.EVERY_MODULE);
    if (Boolean.getBoolean(REGENERATE)) {
      Files.writeString(page, generated);
    }
    assertThat(Files.exists(page) ? Files.readString(page) : "")
        .as("docs/configuration.md is out of date: run this test with -D" + REGENERATE + "=true")
        .isEqualTo(generated);
  }

  @Test
  void everyKeyIsDeclaredOnce() {
    Set<String> seen = new HashSet<>();
    List<String> twice = new ArrayList<>();
    for (SettingDefinitions module : AppSettingDefinitions.EVERY_MODULE) {
      for (SettingDefinition definition : module.definitions()) {
        if (!seen.add(definition.key())) {
          twice.add(definition.key());
        }
      }
    }
    assertThat(twice).as("keys declared more than once").isEmpty();
  }

  @Test
  void everyKeyTheConfigurationClassesReadIsDeclared(@TempDir Path dir) throws IOException {
    Path signing = dir.resolve("signing.pem");
    Path verify = dir.resolve("verify.pem");
    CommandKeys.writePair(signing, verify);
    Settings settings =
        Settings.of(
            Map.of(
                "kafka.bootstrap.servers", "localhost:9092",
                "viewer.token", "viewer-token-0123456789",
                "operator.token", "operator-token-0123456789",
                "command.signing.key.file", signing.toString(),
                "command.verify.key.file", verify.toString(),
                "remediation.data.dir", dir.toString(),
                "data.dir", dir.toString()));

    CollectorConfig.from(settings);
    StraceConfig.from(settings);
    CaptureConfig.from(settings);
    KmsgConfig.from(settings);
    RemediationConfig.from(settings);
    CommandVerification.from(settings);
    AnalyzerConfig.from(settings);
    ImagesConfig.from(settings);
    ControllerConfig.from(settings);
    LogFormat.from(settings);
    EmbeddedKafkaConfig.from(settings, dir);
    TopicPolicy.from(settings);
    TopicPartitions.from(settings);
    CommandSettings.dataDir(settings);
    AppSettingDefinitions.rejectUnknown(settings);

    List<String> undeclared = settings.askedKeys().stream().filter(key -> !declared(key)).toList();
    assertThat(settings.askedKeys()).hasSizeGreaterThan(100);
    assertThat(undeclared)
        .as("keys read but not declared in a *SettingDefinitions class")
        .isEmpty();
  }

  /** A key, or for {@code prefix.*} a prefix some declared key (or pass-through) lies under. */
  private static boolean declared(String key) {
    List<SettingDefinition> all = new ArrayList<>();
    AppSettingDefinitions.EVERY_MODULE.forEach(module -> all.addAll(module.definitions()));
    if (key.endsWith("*")) {
      String prefix = key.substring(0, key.length() - 1);
      return all.stream().anyMatch(d -> d.key().startsWith(prefix));
    }
    return all.stream().anyMatch(d -> d.matches(key));
  }

  private static Path repositoryRoot() {
    Path dir = Path.of("").toAbsolutePath();
    while (dir != null && !Files.isDirectory(dir.resolve("docs"))) {
      dir = dir.getParent();
    }
    assertThat(dir).as("the repository root (docs/) above the working directory").isNotNull();
    return dir;
  }
}
