package io.porthole.runtime.security;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import io.porthole.proto.RemediationAction;
import io.porthole.proto.RemediationCommand;
import io.porthole.wire.Timestamps;
import java.time.Instant;
import org.junit.jupiter.api.Test;

class CommandSignerTest {

  private static final Instant NOW = Instant.parse("2026-11-29T10:00:00Z");
  private final CommandSigner signer = CommandSigner.ofText("a-shared-command-key-of-32-chars!");

  private static RemediationCommand command() {
    return RemediationCommand.newBuilder()
        .setCommandId("c1")
        .setAction(RemediationAction.ISOLATE_NETWORK)
        .setHostId("host-a")
        .setContainerId("abc")
        .setIssuedAt(Timestamps.of(NOW))
        .setExpiresAt(Timestamps.of(NOW.plusSeconds(60)))
        .build();
  }

  @Test
  void aSignedCommandForThisHostVerifies() {
    RemediationCommand signed = signer.sign(command());
    assertThat(signed.getSignature().size()).isEqualTo(32);
    assertThat(signer.rejectionReason(signed, "host-a", NOW)).isEmpty();
  }

  @Test
  void unsignedForgedAlteredExpiredAndOtherHostCommandsAreRejected() {
    RemediationCommand signed = signer.sign(command());
    assertThat(signer.rejectionReason(command(), "host-a", NOW)).contains("command is not signed");
    assertThat(signer.rejectionReason(signed.toBuilder().setSignature(ByteString.copyFrom(new byte[32])).build(), "host-a", NOW))
        .hasValueSatisfying(r -> assertThat(r).startsWith("signature does not verify"));
    assertThat(signer.rejectionReason(signed.toBuilder().setContainerId("other").build(), "host-a", NOW))
        .hasValueSatisfying(r -> assertThat(r).startsWith("signature does not verify"));
    CommandSigner otherKey = CommandSigner.ofText("another-key-another-key-another!");
    assertThat(otherKey.rejectionReason(signed, "host-a", NOW)).isPresent();
    assertThat(signer.rejectionReason(signed, "host-a", NOW.plusSeconds(61)))
        .hasValueSatisfying(r -> assertThat(r).startsWith("command expired"));
    assertThat(signer.rejectionReason(signed, "host-b", NOW))
        .contains("command is for host 'host-a', this is 'host-b'");
  }

  @Test
  void shortKeysAreRefused() {
    assertThatThrownBy(() -> CommandSigner.ofText("short"))
        .hasMessageContaining("at least 16 characters");
    assertThat(CommandSigner.generateKeyText()).hasSizeGreaterThanOrEqualTo(43);
  }
}
