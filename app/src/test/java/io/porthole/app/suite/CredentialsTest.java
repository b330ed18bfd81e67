package io.porthole.app.suite;

import static org.assertj.core.api.Assertions.assertThat;

import io.porthole.runtime.Settings;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CredentialsTest {

  @TempDir Path dataDir;

  @Test
  void unsetCredentialsAreGeneratedAndWrittenReadableOnlyByTheOwner() throws Exception {
    Credentials credentials = Credentials.resolve(Settings.of(Map.of()), dataDir);

    assertThat(credentials.generated()).isTrue();
    assertThat(credentials.operatorToken()).hasSizeGreaterThanOrEqualTo(32).isNotEqualTo(credentials.viewerToken());
    assertThat(credentials.commandKey()).hasSizeGreaterThanOrEqualTo(16);
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(credentials.file()))).isEqualTo("rw-------");
    assertThat(Files.readString(credentials.file())).contains(credentials.operatorToken());
  }

  @Test
  void aSecondRunReusesTheSavedCredentialsWithoutShowingThemAgain() {
    Credentials first = Credentials.resolve(Settings.of(Map.of()), dataDir);
    Credentials second = Credentials.resolve(Settings.of(Map.of()), dataDir);

    assertThat(second.generated()).isFalse();
    assertThat(second.operatorToken()).isEqualTo(first.operatorToken());
    assertThat(second.commandKey()).isEqualTo(first.commandKey());
  }

  @Test
  void configuredValuesWinOverGeneratedOnes() {
    Settings settings =
        Settings.from(
            Map.of("PORTHOLE_OPERATOR_TOKEN", "op-token-from-env", "PORTHOLE_VIEWER_TOKEN", "viewer-from-env",
                "PORTHOLE_COMMAND_KEY", "a-command-key-of-enough-length"),
            Map.of());
    Credentials credentials = Credentials.resolve(settings, dataDir);

    assertThat(credentials.generated()).isFalse();
    assertThat(credentials.asSettings())
        .containsEntry("operator.token", "op-token-from-env")
        .containsEntry("viewer.token", "viewer-from-env")
        .containsEntry("command.key", "a-command-key-of-enough-length");
    assertThat(credentials.file()).doesNotExist();
  }
}
