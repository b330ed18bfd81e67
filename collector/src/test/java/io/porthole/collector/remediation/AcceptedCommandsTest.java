package io.porthole.collector.remediation;

import static org.assertj.core.api.Assertions.assertThat;

import io.porthole.collector.remediation.AcceptedCommands.Decision;
import io.porthole.proto.RemediationAction;
import io.porthole.proto.RemediationCommand;
import io.porthole.wire.Timestamps;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AcceptedCommandsTest {

  private static final Instant NOW = Instant.parse("2026-12-05T10:00:00Z");
  private static final Duration SKEW = Duration.ofSeconds(30);

  /** The longest command lifetime (90 s) plus the skew. */
  private static final Duration RETENTION = Duration.ofSeconds(120);

  @TempDir Path dir;

  private AcceptedCommands open(Instant now, int max) throws Exception {
    AcceptedCommands store =
        new AcceptedCommands(dir.resolve("accepted-commands.log"), SKEW, RETENTION, max);
    store.open(now);
    return store;
  }

  private static RemediationCommand command(String id, Instant expiresAt) {
    return RemediationCommand.newBuilder()
        .setCommandId(id)
        .setAction(RemediationAction.ISOLATE_NETWORK)
        .setContainerId("f00")
        .setExpiresAt(Timestamps.of(expiresAt))
        .build();
  }

  @Test
  void commandsAcceptedAndNeverAnsweredAreTheInterruptedOnesAtTheNextOpenEvenPastTheirExpiry()
      throws Exception {
    RemediationCommand answered = command("answered", NOW.plusSeconds(60));
    RemediationCommand cut = command("cut short", NOW.plusSeconds(60));
    try (AcceptedCommands store = open(NOW, 100)) {
      store.accept(answered, NOW);
      store.accept(cut, NOW);
      store.answered("answered", NOW);
      assertThat(store.interrupted()).as("nothing was unanswered when it was opened").isEmpty();
    }
    try (AcceptedCommands store = open(NOW.plusSeconds(3600), 100)) {
      assertThat(store.interrupted()).containsExactly(cut);
      assertThat(store.contains("answered")).as("answered and expired: forgotten").isFalse();
      assertThat(store.contains("cut short")).as("kept until answered").isTrue();
      store.answered("cut short", NOW.plusSeconds(3600));
    }
    try (AcceptedCommands store = open(NOW.plusSeconds(3601), 100)) {
      assertThat(store.interrupted()).isEmpty();
      assertThat(store.size()).isZero();
    }
  }

  @Test
  void anIdIsAcceptedOnceEvenAcrossARestart() throws Exception {
    try (AcceptedCommands store = open(NOW, 100)) {
      assertThat(store.accept(command("c1", NOW.plusSeconds(60)), NOW))
          .isEqualTo(Decision.ACCEPTED);
      assertThat(store.accept(command("c1", NOW.plusSeconds(60)), NOW))
          .isEqualTo(Decision.DUPLICATE);
      assertThat(store.accept(command("odd id\nwith a newline", NOW.plusSeconds(60)), NOW))
          .isEqualTo(Decision.ACCEPTED);
    }
    try (AcceptedCommands restarted = open(NOW.plusSeconds(30), 100)) {
      assertThat(restarted.accept(command("c1", NOW.plusSeconds(60)), NOW.plusSeconds(30)))
          .isEqualTo(Decision.DUPLICATE);
      assertThat(restarted.contains("odd id\nwith a newline")).isTrue();
      assertThat(restarted.size()).isEqualTo(2);
    }
  }

  @Test
  void idsAreForgottenOnlyAfterTheirExpiryPlusTheSkewAndTheFileIsCompactedAtStart()
      throws Exception {
    try (AcceptedCommands store = open(NOW, 100)) {
      store.accept(command("medium", NOW.plusSeconds(100)), NOW);
      store.accept(command("long", NOW.plusSeconds(600)), NOW);
      store.answered("medium", NOW);
      store.answered("long", NOW);
    }
    try (AcceptedCommands store = open(NOW.plusSeconds(100 + 30), 100)) {
      assertThat(store.contains("medium")).as("kept until expiry + skew").isTrue();
    }
    try (AcceptedCommands store = open(NOW.plusSeconds(100 + 30 + 2), 100)) {
      assertThat(store.contains("medium")).isFalse();
      assertThat(store.contains("long")).isTrue();
    }
    assertThat(Files.readAllLines(dir.resolve("accepted-commands.log"))).hasSize(1);
  }

  @Test
  void anIdIsKeptForTheRetentionAfterItsAcceptanceEvenWhenItsCommandExpiresSooner()
      throws Exception {
    try (AcceptedCommands store = open(NOW, 100)) {
      store.accept(command("short", NOW.plusSeconds(10)), NOW);
      store.answered("short", NOW);
    }
    try (AcceptedCommands store = open(NOW.plusSeconds(10 + 30 + 2), 100)) {
      assertThat(store.contains("short")).as("past expiry + skew, within the retention").isTrue();
      assertThat(store.accept(command("short", NOW.plusSeconds(10)), NOW.plusSeconds(42)))
          .isEqualTo(Decision.DUPLICATE);
    }
    try (AcceptedCommands store = open(NOW.plusSeconds(120), 100)) {
      assertThat(store.contains("short")).as("kept until acceptance + retention").isTrue();
    }
    try (AcceptedCommands store = open(NOW.plusSeconds(120 + 2), 100)) {
      assertThat(store.contains("short")).isFalse();
    }
  }

  @Test
  void whenFullItRefusesInsteadOfForgettingALiveId() throws Exception {
    try (AcceptedCommands store = open(NOW, 100)) {
      for (int i = 0; i < 100; i++) {
        assertThat(store.accept(command("c" + i, NOW.plusSeconds(60)), NOW))
            .isEqualTo(Decision.ACCEPTED);
        store.answered("c" + i, NOW);
      }
      assertThat(store.accept(command("one-more", NOW.plusSeconds(60)), NOW))
          .isEqualTo(Decision.FULL);
      assertThat(store.accept(command("one-more", NOW.plusSeconds(60)), NOW.plusSeconds(125)))
          .as("expired ids make room")
          .isEqualTo(Decision.ACCEPTED);
      assertThat(store.size()).isEqualTo(1);
    }
  }

  @Test
  void aTornLastLineIsSkippedAndTheRestKept() throws Exception {
    try (AcceptedCommands store = open(NOW, 100)) {
      store.accept(command("c1", NOW.plusSeconds(60)), NOW);
    }
    Files.writeString(
        dir.resolve("accepted-commands.log"),
        "17649",
        StandardCharsets.US_ASCII,
        StandardOpenOption.APPEND);
    try (AcceptedCommands store = open(NOW, 100)) {
      assertThat(store.contains("c1")).isTrue();
      assertThat(store.skippedLines()).isEqualTo(1);
      assertThat(store.accept(command("c2", NOW.plusSeconds(60)), NOW))
          .isEqualTo(Decision.ACCEPTED);
    }
    try (AcceptedCommands store = open(NOW, 100)) {
      assertThat(store.contains("c2")).isTrue();
      assertThat(store.skippedLines()).isZero();
    }
  }
}
