package io.porthole.app.suite;

import static org.assertj.core.api.Assertions.assertThat;

import io.porthole.collector.remediation.CommandVerification;
import io.porthole.proto.RemediationAction;
import io.porthole.proto.RemediationCommand;
import io.porthole.runtime.Settings;
import io.porthole.runtime.security.CommandKeys;
import io.porthole.runtime.security.CommandSigner;
import io.porthole.runtime.security.CommandVerifier;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CredentialsTest {

  @TempDir Path dataDir;

  @Test
  void unsetCredentialsAreGeneratedAndWrittenReadableOnlyByTheOwner() throws Exception {
    Credentials credentials = Credentials.resolve(Settings.of(Map.of()), dataDir);

    assertThat(credentials.generated()).isTrue();
    assertThat(credentials.keysGenerated()).isTrue();
    assertThat(credentials.operatorToken())
        .hasSizeGreaterThanOrEqualTo(32)
        .isNotEqualTo(credentials.viewerToken());
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(credentials.file())))
        .isEqualTo("rw-------");
    assertThat(Files.readString(credentials.file()))
        .contains(credentials.operatorToken())
        .doesNotContain("command");
    Path signing = dataDir.resolve("command-signing.pem");
    Path verify = dataDir.resolve("command-verify.pem");
    assertThat(credentials.signingKeyFile()).isEqualTo(signing);
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(signing)))
        .isEqualTo("rw-------");
    assertThat(Files.readString(verify))
        .startsWith("-----BEGIN PUBLIC KEY-----")
        .doesNotContain("PRIVATE");
    assertThat(credentials.asSettings())
        .containsEntry("command.signing.key.file", signing.toString())
        .containsEntry("command.verify.key.file", verify.toString());
    CommandSigner signer = CommandSigner.fromFile(signing);
    assertThat(CommandVerifier.fromFiles(List.of(verify)).keyIds()).containsExactly(signer.keyId());
  }

  @Test
  void aSecondRunReusesTheSavedCredentialsAndKeysWithoutShowingThemAgain() throws Exception {
    Credentials first = Credentials.resolve(Settings.of(Map.of()), dataDir);
    String keyId = CommandSigner.fromFile(first.signingKeyFile()).keyId();
    Files.delete(dataDir.resolve("command-verify.pem"));
    Credentials second = Credentials.resolve(Settings.of(Map.of()), dataDir);

    assertThat(second.generated()).isFalse();
    assertThat(second.keysGenerated()).isFalse();
    assertThat(second.operatorToken()).isEqualTo(first.operatorToken());
    assertThat(CommandSigner.fromFile(second.signingKeyFile()).keyId()).isEqualTo(keyId);
    assertThat(
            CommandKeys.keyId(
                CommandKeys.readPublicKeys(dataDir.resolve("command-verify.pem")).get(0)))
        .as("the public key is written again from the private one")
        .isEqualTo(keyId);
  }

  @Test
  void configuredValuesWinOverGeneratedOnes() throws Exception {
    Path keys = Files.createDirectories(dataDir.resolve("keys"));
    CommandKeys.writePair(keys.resolve("s.pem"), keys.resolve("v.pem"));
    Settings settings =
        Settings.from(
            Map.of(
                "PORTHOLE_OPERATOR_TOKEN",
                "op-token-from-env",
                "PORTHOLE_VIEWER_TOKEN",
                "viewer-from-env",
                "PORTHOLE_COMMAND_SIGNING_KEY_FILE",
                keys.resolve("s.pem").toString(),
                "PORTHOLE_COMMAND_VERIFY_KEY_FILE",
                keys.resolve("v.pem") + ",/old/verify.pem"),
            Map.of());
    Credentials credentials = Credentials.resolve(settings, dataDir);

    assertThat(credentials.generated()).isFalse();
    assertThat(credentials.keysGenerated()).isFalse();
    assertThat(credentials.asSettings())
        .containsEntry("operator.token", "op-token-from-env")
        .containsEntry("viewer.token", "viewer-from-env")
        .containsEntry("command.signing.key.file", keys.resolve("s.pem").toString())
        .containsEntry(
            "command.verify.key.file",
            dataDir.resolve("command-verify.pem")
                + ","
                + keys.resolve("v.pem")
                + ",/old/verify.pem");
    assertThat(credentials.file()).doesNotExist();
    assertThat(dataDir.resolve("command-signing.pem")).doesNotExist();
  }

  @Test
  void duringARotationUpsCollectorTrustsTheNewSigningKeyAndEveryConfiguredOldOne()
      throws Exception {
    Path keys = Files.createDirectories(dataDir.resolve("keys"));
    CommandKeys.writePair(keys.resolve("old.pem"), keys.resolve("old.pub.pem"));
    CommandKeys.writePair(keys.resolve("older.pem"), keys.resolve("older.pub.pem"));
    CommandKeys.writePair(keys.resolve("new.pem"), keys.resolve("new.pub.pem"));
    CommandKeys.writePair(keys.resolve("other.pem"), keys.resolve("other.pub.pem"));
    Settings base =
        Settings.from(
            Map.of(
                "PORTHOLE_COMMAND_SIGNING_KEY_FILE",
                keys.resolve("new.pem").toString(),
                "PORTHOLE_COMMAND_VERIFY_KEY_FILE",
                keys.resolve("old.pub.pem") + ", " + keys.resolve("older.pub.pem")),
            Map.of());

    Credentials credentials = Credentials.resolve(base, dataDir);
    // What `porthole up` hands its collector.
    CommandVerifier collector =
        CommandVerification.from(base.with(credentials.asSettings())).verifier();

    for (String trusted : List.of("new.pem", "old.pem", "older.pem")) {
      CommandSigner signer = CommandSigner.fromFile(keys.resolve(trusted));
      assertThat(collector.signatureProblem(signer.sign(command(signer.keyId()))))
          .as("a command signed with " + trusted)
          .isEmpty();
    }
    CommandSigner other = CommandSigner.fromFile(keys.resolve("other.pem"));
    assertThat(collector.signatureProblem(other.sign(command(other.keyId()))))
        .hasValueSatisfying(problem -> assertThat(problem).contains("not one of the trusted keys"));
    assertThat(collector.keyIds()).hasSize(3);
  }

  @Test
  void aVerifyFileLeftFromAnotherKeyIsRewrittenAndNotTrusted() throws Exception {
    Path keys = Files.createDirectories(dataDir.resolve("keys"));
    CommandKeys.writePair(keys.resolve("gone.pem"), dataDir.resolve("command-verify.pem"));
    CommandKeys.writePair(keys.resolve("new.pem"), keys.resolve("new.pub.pem"));
    Settings base =
        Settings.from(
            Map.of("PORTHOLE_COMMAND_SIGNING_KEY_FILE", keys.resolve("new.pem").toString()),
            Map.of());

    Credentials credentials = Credentials.resolve(base, dataDir);
    CommandVerifier collector =
        CommandVerification.from(base.with(credentials.asSettings())).verifier();

    assertThat(collector.keyIds())
        .containsExactly(CommandSigner.fromFile(keys.resolve("new.pem")).keyId())
        .doesNotContain(CommandSigner.fromFile(keys.resolve("gone.pem")).keyId());
  }

  private static RemediationCommand command(String id) {
    return RemediationCommand.newBuilder()
        .setCommandId("c-" + id)
        .setAction(RemediationAction.ISOLATE_NETWORK)
        .setHostId("h1")
        .build();
  }
}
