package io.porthole.runtime.security;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import io.porthole.proto.RemediationAction;
import io.porthole.proto.RemediationCommand;
import io.porthole.wire.Timestamps;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CommandSignerTest {

  private static final Instant NOW = Instant.parse("2026-11-29T10:00:00Z");
  private static final Duration MAX_LIFETIME = Duration.ofMinutes(10);
  private static final Duration SKEW = Duration.ofSeconds(30);

  @TempDir Path dir;

  private static RemediationCommand command() {
    return RemediationCommand.newBuilder()
        .setCommandId("c1")
        .setAction(RemediationAction.ISOLATE_NETWORK)
        .setHostId("host-a")
        .setContainerId("abc")
        .setRequestedBy("alice")
        .setIssuedAt(Timestamps.of(NOW))
        .setExpiresAt(Timestamps.of(NOW.plusSeconds(60)))
        .build();
  }

  private CommandSigner pair(String name) throws Exception {
    CommandKeys.writePair(dir.resolve(name + "-signing.pem"), dir.resolve(name + "-verify.pem"));
    return CommandSigner.fromFile(dir.resolve(name + "-signing.pem"));
  }

  private CommandVerifier verifier(String... names) {
    return CommandVerifier.fromFiles(
        List.of(names).stream().map(n -> dir.resolve(n + "-verify.pem")).toList());
  }

  @Test
  void aCommandSignedWithThePrivateKeyVerifiesWithThePublicKeyFileAlone() throws Exception {
    CommandSigner signer = pair("a");
    RemediationCommand signed = signer.sign(command());
    assertThat(signed.getSigningKeyId()).isEqualTo(signer.keyId()).hasSize(16);
    assertThat(verifier("a").rejectionReason(signed, "host-a", NOW, MAX_LIFETIME, SKEW)).isEmpty();
  }

  @Test
  void aCommandSignedWithAnotherKeyOrAlteredIsRefused() throws Exception {
    CommandSigner genuine = pair("a");
    CommandSigner other = pair("b");
    RemediationCommand foreign = other.sign(command());
    assertThat(verifier("a").rejectionReason(foreign, "host-a", NOW, MAX_LIFETIME, SKEW))
        .hasValueSatisfying(r -> assertThat(r).contains("not one of the trusted keys"));
    // Another key's signature under our key id still fails.
    RemediationCommand relabelled = foreign.toBuilder().setSigningKeyId(genuine.keyId()).build();
    assertThat(verifier("a").rejectionReason(relabelled, "host-a", NOW, MAX_LIFETIME, SKEW))
        .hasValueSatisfying(r -> assertThat(r).contains("does not verify"));
    RemediationCommand altered =
        genuine.sign(command()).toBuilder().setContainerId("other").build();
    assertThat(verifier("a").rejectionReason(altered, "host-a", NOW, MAX_LIFETIME, SKEW))
        .hasValueSatisfying(r -> assertThat(r).contains("does not verify"));
    assertThat(verifier("a").rejectionReason(command(), "host-a", NOW, MAX_LIFETIME, SKEW))
        .hasValue("command is not signed");
  }

  @Test
  void twoVerifyKeysAcceptCommandsOfBothDuringARotation() throws Exception {
    CommandSigner old = pair("old");
    CommandSigner next = pair("new");
    CommandVerifier both = verifier("old", "new");
    assertThat(both.keyIds()).containsExactlyInAnyOrder(old.keyId(), next.keyId());
    assertThat(both.rejectionReason(old.sign(command()), "host-a", NOW, MAX_LIFETIME, SKEW))
        .isEmpty();
    assertThat(both.rejectionReason(next.sign(command()), "host-a", NOW, MAX_LIFETIME, SKEW))
        .isEmpty();
    assertThat(
            verifier("new").rejectionReason(old.sign(command()), "host-a", NOW, MAX_LIFETIME, SKEW))
        .isPresent();
  }

  @Test
  void expiryLifetimeSkewAndHostAreChecked() throws Exception {
    CommandSigner signer = pair("a");
    CommandVerifier verifier = verifier("a");
    RemediationCommand signed = signer.sign(command());
    assertThat(verifier.rejectionReason(signed, "host-a", NOW.plusSeconds(60), MAX_LIFETIME, SKEW))
        .hasValueSatisfying(r -> assertThat(r).startsWith("command expired"));
    assertThat(verifier.rejectionReason(signed, "host-b", NOW, MAX_LIFETIME, SKEW))
        .hasValueSatisfying(r -> assertThat(r).contains("for host 'host-a'"));
    RemediationCommand longLived =
        signer.sign(
            command().toBuilder()
                .setExpiresAt(Timestamps.of(NOW.plus(Duration.ofMinutes(11))))
                .build());
    assertThat(verifier.rejectionReason(longLived, "host-a", NOW, MAX_LIFETIME, SKEW))
        .hasValueSatisfying(
            r -> assertThat(r).contains("lifetime 660 s exceeds the maximum of 600 s"));
    RemediationCommand future =
        signer.sign(
            command().toBuilder()
                .setIssuedAt(Timestamps.of(NOW.plusSeconds(31)))
                .setExpiresAt(Timestamps.of(NOW.plusSeconds(90)))
                .build());
    assertThat(verifier.rejectionReason(future, "host-a", NOW, MAX_LIFETIME, SKEW))
        .hasValueSatisfying(r -> assertThat(r).contains("clock skew"));
    assertThat(verifier.rejectionReason(future, "host-a", NOW.plusSeconds(1), MAX_LIFETIME, SKEW))
        .isEmpty();
  }

  @Test
  void theDigestDiffersForAnyChangeIncludingTheSignature() throws Exception {
    RemediationCommand signed = pair("a").sign(command());
    assertThat(CommandSigner.digest(signed))
        .isEqualTo(CommandSigner.digest(signed.toBuilder().build()));
    RemediationCommand otherSignature =
        signed.toBuilder().setSignature(ByteString.copyFromUtf8("x")).build();
    assertThat(CommandSigner.digest(otherSignature)).isNotEqualTo(CommandSigner.digest(signed));
  }

  @Test
  void keyFilesAreWrittenWithTheirModesAndBadFilesAreNamed() throws Exception {
    pair("a");
    assertThat(
            PosixFilePermissions.toString(
                Files.getPosixFilePermissions(dir.resolve("a-signing.pem"))))
        .isEqualTo("rw-------");
    assertThat(Files.readString(dir.resolve("a-verify.pem")))
        .startsWith("-----BEGIN PUBLIC KEY-----")
        .doesNotContain("PRIVATE");
    assertThatThrownBy(() -> CommandVerifier.fromFiles(List.of(dir.resolve("a-signing.pem"))))
        .hasMessageContaining("a-signing.pem: holds a private key");
    assertThatThrownBy(() -> CommandSigner.fromFile(dir.resolve("a-verify.pem")))
        .hasMessageContaining("no '-----BEGIN PRIVATE KEY-----' block");
    Path privateOnly = dir.resolve("private-only.pem");
    String text = Files.readString(dir.resolve("a-signing.pem"));
    Files.writeString(privateOnly, text.substring(0, text.indexOf("-----BEGIN PUBLIC KEY")));
    assertThatThrownBy(() -> CommandSigner.fromFile(privateOnly))
        .hasMessageContaining("openssl pkey");
    assertThatThrownBy(() -> CommandSigner.fromFile(dir.resolve("missing.pem")))
        .hasMessageContaining("cannot be read");
  }
}
