package io.porthole.collector.remediation;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.porthole.runtime.ConfigException;
import io.porthole.runtime.Settings;
import io.porthole.runtime.security.CommandKeys;
import java.nio.file.Path;
import java.security.KeyPair;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CommandVerificationTest {

  @TempDir Path dir;

  @Test
  void readsSeveralVerifyKeyFilesAndTheBoundsFromTheEnvironment() throws Exception {
    KeyPair first = CommandKeys.writePair(dir.resolve("a.pem"), dir.resolve("a.pub.pem"));
    KeyPair second = CommandKeys.writePair(dir.resolve("b.pem"), dir.resolve("b.pub.pem"));
    CommandVerification verification =
        CommandVerification.from(
            Settings.from(
                Map.of(
                    "PORTHOLE_COMMAND_VERIFY_KEY_FILE",
                        dir.resolve("a.pub.pem") + ", " + dir.resolve("b.pub.pem"),
                    "PORTHOLE_COMMAND_MAX_LIFETIME", "2m",
                    "PORTHOLE_COMMAND_CLOCK_SKEW", "5s"),
                Map.of()));

    assertThat(verification.verifier().keyIds())
        .containsExactlyInAnyOrder(
            CommandKeys.keyId(first.getPublic()), CommandKeys.keyId(second.getPublic()));
    assertThat(verification.maxLifetime()).isEqualTo(Duration.ofMinutes(2));
    assertThat(verification.clockSkew()).isEqualTo(Duration.ofSeconds(5));
    assertThat(verification.retention()).isEqualTo(Duration.ofSeconds(125));
  }

  @Test
  void defaultsAreTenMinutesAndThirtySeconds() throws Exception {
    CommandKeys.writePair(dir.resolve("a.pem"), dir.resolve("a.pub.pem"));
    CommandVerification verification =
        CommandVerification.from(
            Settings.of(Map.of("command.verify.key.file", dir.resolve("a.pub.pem").toString())));
    assertThat(verification.maxLifetime()).isEqualTo(Duration.ofMinutes(10));
    assertThat(verification.clockSkew()).isEqualTo(Duration.ofSeconds(30));
  }

  @Test
  void aMissingUnreadableOrPrivateKeyFileIsNamed() throws Exception {
    assertThatThrownBy(() -> CommandVerification.from(Settings.from(Map.of(), Map.of())))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("PORTHOLE_COMMAND_VERIFY_KEY_FILE")
        .hasMessageContaining("required");
    assertThatThrownBy(
            () ->
                CommandVerification.from(
                    Settings.of(Map.of("command.verify.key.file", "/nonexistent.pem"))))
        .hasMessageContaining("command.verify.key.file")
        .hasMessageContaining("/nonexistent.pem: cannot be read");
    CommandKeys.writePair(dir.resolve("a.pem"), dir.resolve("a.pub.pem"));
    assertThatThrownBy(
            () ->
                CommandVerification.from(
                    Settings.of(
                        Map.of("command.verify.key.file", dir.resolve("a.pem").toString()))))
        .hasMessageContaining("holds a private key")
        .hasMessageNotContaining("BEGIN PRIVATE KEY-----\n");
  }
}
