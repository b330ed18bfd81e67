package io.porthole.controller.view;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import io.porthole.controller.TestKeys;
import io.porthole.controller.view.RemediationsView.Ignored;
import io.porthole.controller.view.RemediationsView.Outcome;
import io.porthole.proto.ArtifactChunk;
import io.porthole.proto.RemediationAction;
import io.porthole.proto.RemediationCommand;
import io.porthole.proto.RemediationResult;
import io.porthole.proto.RemediationStatus;
import io.porthole.runtime.security.CommandSigner;
import io.porthole.wire.Timestamps;
import java.security.MessageDigest;
import java.time.Instant;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

class RemediationsViewTest {

  private final RemediationsView view = view(100, 1 << 20);
  private final Map<String, RemediationCommand> issued = new HashMap<>();

  private static RemediationsView view(int max, long artifactBytes) {
    return new RemediationsView(TestKeys.SIGNER.verifier(), max, artifactBytes, artifactBytes);
  }

  private RemediationCommand command(String id, long issuedSecond) {
    RemediationCommand command =
        TestKeys.SIGNER.sign(
            RemediationCommand.newBuilder()
                .setCommandId(id)
                .setAction(RemediationAction.CAPTURE_PACKETS)
                .setHostId("h1")
                .setRequestedBy("alice")
                .setIssuedAt(Timestamps.of(Instant.EPOCH.plusSeconds(issuedSecond)))
                .build());
    issued.put(id, command);
    return command;
  }

  /** A result as the addressed collector sends it: its host, the command's digest. */
  private RemediationResult result(String id, RemediationStatus status) {
    RemediationCommand command = issued.containsKey(id) ? issued.get(id) : command(id, 1);
    return RemediationResult.newBuilder()
        .setCommandId(id)
        .setAction(RemediationAction.CAPTURE_PACKETS)
        .setStatus(status)
        .setHostId("h1")
        .setCommandSha256(ByteString.copyFrom(CommandSigner.digest(command)))
        .build();
  }

  private RemediationResult chunk(
      String id, byte[] all, int index, int total, int size, String sha) {
    int from = index * size;
    int to = Math.min(all.length, from + size);
    return result(id, RemediationStatus.SUCCEEDED).toBuilder()
        .setArtifact(
            ArtifactChunk.newBuilder()
                .setIndex(index)
                .setTotal(total)
                .setTotalSize(all.length)
                .setSha256(sha)
                .setData(ByteString.copyFrom(all, from, to - from))
                .setFileName("c.pcap")
                .setContentType("application/vnd.tcpdump.pcap"))
        .build();
  }

  private static String sha(byte[] bytes) throws Exception {
    return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
  }

  @Test
  void pendingUntilAResultThenItsStatusAndAFinalStatusIsNotDowngraded() {
    view.onCommand(command("c1", 1));
    assertThat(view.get("c1").orElseThrow().status()).isEqualTo(RemediationStatus.PENDING);
    assertThat(view.get("c1").orElseThrow().command().getRequestedBy()).isEqualTo("alice");
    view.onResult(result("c1", RemediationStatus.RUNNING));
    assertThat(view.get("c1").orElseThrow().status()).isEqualTo(RemediationStatus.RUNNING);
    assertThat(view.onResult(result("c1", RemediationStatus.SUCCEEDED))).isEqualTo(Outcome.FINAL);
    assertThat(view.onResult(result("c1", RemediationStatus.RUNNING))).isEqualTo(Outcome.IGNORED);
    assertThat(view.get("c1").orElseThrow().status()).isEqualTo(RemediationStatus.SUCCEEDED);
    assertThat(view.ignoredResults(Ignored.AFTER_FINAL)).isEqualTo(1);
  }

  @Test
  void aSecondFinalResultDoesNotRewriteTheFirst() {
    view.onCommand(command("c1", 1));
    view.onResult(
        result("c1", RemediationStatus.SUCCEEDED).toBuilder().setDetail("veth1 down").build());
    assertThat(
            view.onResult(
                result("c1", RemediationStatus.FAILED).toBuilder().setDetail("rewritten").build()))
        .isEqualTo(Outcome.IGNORED);
    assertThat(view.get("c1").orElseThrow().latestResult().getDetail()).isEqualTo("veth1 down");
    assertThat(view.ignoredResults(Ignored.AFTER_FINAL)).isEqualTo(1);
  }

  @Test
  void resultsFromAnotherHostOrForAnotherCommandWithTheSameIdAreIgnored() {
    view.onCommand(command("c1", 1));
    assertThat(
            view.onResult(
                result("c1", RemediationStatus.SUCCEEDED).toBuilder().setHostId("h2").build()))
        .isEqualTo(Outcome.IGNORED);
    // The collector's REJECTED answer to a forged copy with the same id names the forged command's
    // digest.
    RemediationCommand forged = issued.get("c1").toBuilder().setContainerId("else").build();
    RemediationResult rejectedForgery =
        result("c1", RemediationStatus.REJECTED).toBuilder()
            .setCommandSha256(ByteString.copyFrom(CommandSigner.digest(forged)))
            .setDetail("signature does not verify")
            .build();
    assertThat(view.onResult(rejectedForgery)).isEqualTo(Outcome.IGNORED);
    assertThat(
            view.onResult(
                result("c1", RemediationStatus.SUCCEEDED).toBuilder().clearCommandSha256().build()))
        .isEqualTo(Outcome.IGNORED);
    assertThat(view.get("c1").orElseThrow().status()).isEqualTo(RemediationStatus.PENDING);
    assertThat(view.ignoredResults(Ignored.OTHER_HOST)).isEqualTo(1);
    assertThat(view.ignoredResults(Ignored.NOT_THIS_COMMAND)).isEqualTo(2);

    assertThat(view.onResult(result("c1", RemediationStatus.SUCCEEDED))).isEqualTo(Outcome.FINAL);
  }

  @Test
  void commandsNotSignedWithOurKeyAreNotRemediations() {
    RemediationCommand foreign =
        TestKeys.otherSigner()
            .sign(RemediationCommand.newBuilder().setCommandId("x").setHostId("h1").build());
    view.onCommand(foreign);
    view.onCommand(RemediationCommand.newBuilder().setCommandId("y").setHostId("h1").build());
    assertThat(view.get("x")).isEmpty();
    assertThat(view.get("y")).isEmpty();
    assertThat(view.unverifiedCommands()).isEqualTo(2);
  }

  @Test
  void aResultReadBeforeItsCommandIsHeldWhileLoadingAndCountedOnceCaughtUp() {
    RemediationResult early =
        result("c1", RemediationStatus.REJECTED).toBuilder().setDetail("too late").build();
    assertThat(view.onResult(early)).isEqualTo(Outcome.HELD);
    view.onCommand(issued.get("c1"));
    Remediation r = view.get("c1").orElseThrow();
    assertThat(r.status()).isEqualTo(RemediationStatus.REJECTED);
    assertThat(r.latestResult().getDetail()).isEqualTo("too late");

    assertThat(view.onResult(result("orphan", RemediationStatus.SUCCEEDED)))
        .isEqualTo(Outcome.HELD);
    view.onCaughtUp();
    assertThat(view.get("orphan")).isEmpty();
    assertThat(view.ignoredResults(Ignored.UNKNOWN_COMMAND)).isEqualTo(1);
    assertThat(view.onResult(result("another-orphan", RemediationStatus.SUCCEEDED)))
        .isEqualTo(Outcome.IGNORED);
    assertThat(view.ignoredResults(Ignored.UNKNOWN_COMMAND)).isEqualTo(2);
    assertThat(view.heldResults()).isZero();
  }

  @Test
  void followUpsBecomeEventsAndNeverChangeTheStatus() {
    view.onCommand(command("c1", 1));
    view.onResult(result("c1", RemediationStatus.SUCCEEDED));
    RemediationResult followUp =
        result("c1", RemediationStatus.SUCCEEDED).toBuilder()
            .setFollowUp("container restarted while isolated: re-isolated")
            .setFinishedAt(Timestamps.of(Instant.EPOCH.plusSeconds(9)))
            .build();
    assertThat(view.onResult(followUp)).isEqualTo(Outcome.FOLLOW_UP);
    assertThat(view.onResult(followUp.toBuilder().setHostId("h2").build()))
        .isEqualTo(Outcome.IGNORED);
    Remediation r = view.get("c1").orElseThrow();
    assertThat(r.status()).isEqualTo(RemediationStatus.SUCCEEDED);
    assertThat(r.events())
        .singleElement()
        .satisfies(
            e -> {
              assertThat(e.detail()).isEqualTo("container restarted while isolated: re-isolated");
              assertThat(e.time()).isEqualTo(Instant.EPOCH.plusSeconds(9));
            });
  }

  @Test
  void aTtlRestoreBelongsToASucceededIsolationWithARestoreTime() {
    RemediationCommand isolate =
        TestKeys.SIGNER.sign(
            RemediationCommand.newBuilder()
                .setCommandId("i1")
                .setAction(RemediationAction.ISOLATE_NETWORK)
                .setHostId("h1")
                .setTtlSeconds(5)
                .build());
    view.onCommand(isolate);
    RemediationResult restore =
        RemediationResult.newBuilder()
            .setCommandId("i1-ttl-restore")
            .setAction(RemediationAction.RESTORE_NETWORK)
            .setHostId("h1")
            .setStatus(RemediationStatus.SUCCEEDED)
            .build();
    view.onCaughtUp();
    assertThat(view.onResult(restore))
        .as("before the isolation succeeded")
        .isEqualTo(Outcome.IGNORED);
    view.onResult(
        RemediationResult.newBuilder()
            .setCommandId("i1")
            .setAction(RemediationAction.ISOLATE_NETWORK)
            .setHostId("h1")
            .setStatus(RemediationStatus.SUCCEEDED)
            .setRestoreAt(Timestamps.of(Instant.EPOCH))
            .setCommandSha256(ByteString.copyFrom(CommandSigner.digest(isolate)))
            .build());
    assertThat(view.onResult(restore.toBuilder().setHostId("h2").build()))
        .isEqualTo(Outcome.IGNORED);
    assertThat(view.onResult(restore)).isEqualTo(Outcome.FINAL);
    assertThat(view.get("i1-ttl-restore").orElseThrow().status())
        .isEqualTo(RemediationStatus.SUCCEEDED);
  }

  @Test
  void aTtlRestoreReadBeforeItsIsolationsResultWhileLoadingIsAppliedWhenThatResultArrives() {
    RemediationCommand isolate =
        TestKeys.SIGNER.sign(
            RemediationCommand.newBuilder()
                .setCommandId("i2")
                .setAction(RemediationAction.ISOLATE_NETWORK)
                .setHostId("h1")
                .setTtlSeconds(5)
                .build());
    view.onCommand(isolate);
    RemediationResult restore =
        RemediationResult.newBuilder()
            .setCommandId("i2-ttl-restore")
            .setAction(RemediationAction.RESTORE_NETWORK)
            .setHostId("h1")
            .setStatus(RemediationStatus.SUCCEEDED)
            .build();
    assertThat(view.onResult(restore)).as("held while loading").isEqualTo(Outcome.HELD);
    RemediationResult isolated =
        RemediationResult.newBuilder()
            .setCommandId("i2")
            .setAction(RemediationAction.ISOLATE_NETWORK)
            .setHostId("h1")
            .setStatus(RemediationStatus.SUCCEEDED)
            .setRestoreAt(Timestamps.of(Instant.EPOCH))
            .setCommandSha256(ByteString.copyFrom(CommandSigner.digest(isolate)))
            .build();
    assertThat(view.onResult(isolated)).isEqualTo(Outcome.FINAL);
    assertThat(view.releaseWaitingOn(isolated)).containsExactly(restore);
    view.onCaughtUp();
    assertThat(view.get("i2-ttl-restore").orElseThrow().status())
        .isEqualTo(RemediationStatus.SUCCEEDED);
    assertThat(view.heldResults()).isZero();
  }

  @Test
  void chunksInAnyOrderAssembleIntoTheArtifactCheckedBySizeAndHash() throws Exception {
    byte[] bytes = new byte[2500];
    new Random(1).nextBytes(bytes);
    view.onCommand(command("c1", 1));
    view.onResult(chunk("c1", bytes, 2, 3, 1000, sha(bytes)));
    view.onResult(chunk("c1", bytes, 0, 3, 1000, sha(bytes)));
    assertThat(view.get("c1").orElseThrow().artifact().complete()).isFalse();
    assertThatThrownBy(() -> view.artifactContent("c1")).hasMessageContaining("2 of 3 chunks");
    view.onResult(chunk("c1", bytes, 0, 3, 1000, sha(bytes)));
    view.onResult(chunk("c1", bytes, 1, 3, 1000, sha(bytes)));
    Remediation.ArtifactInfo info = view.get("c1").orElseThrow().artifact();
    assertThat(info.complete()).isTrue();
    assertThat(info.fileName()).isEqualTo("c.pcap");
    ArtifactContent content = view.artifactContent("c1").orElseThrow();
    content.verify();
    assertThat(content.chunks()).hasSize(3);
    assertThat(content.toByteArray()).isEqualTo(bytes);
    assertThat(view.artifactBytesHeld()).isEqualTo(2500);
    assertThat(view.ignoredResults().values()).allMatch(n -> n == 0);
  }

  @Test
  void aHashMismatchIsReportedNotServed() throws Exception {
    byte[] bytes = "hello".getBytes();
    view.onCommand(command("c1", 1));
    view.onResult(chunk("c1", bytes, 0, 1, 1000, sha("other".getBytes())));
    assertThatThrownBy(() -> view.artifactContent("c1").orElseThrow().verify())
        .hasMessageContaining("SHA-256");
  }

  @Test
  void chunksThatDoNotFitAreCountedAndIgnored() throws Exception {
    byte[] bytes = new byte[100];
    view.onCommand(command("c1", 1));
    view.onResult(chunk("c1", bytes, 0, 2, 60, ""));
    view.onResult(chunk("c1", bytes, 1, 3, 60, ""));
    assertThat(view.rejectedChunks()).isEqualTo(1);
    assertThat(view.get("c1").orElseThrow().artifact().chunksReceived()).isEqualTo(1);
  }

  @Test
  void aChunkClaimingAHugeArtifactAllocatesNothingAndChunksCannotExceedTheAnnouncedSize() {
    RemediationsView small = view(100, 1 << 20);
    small.onCommand(command("huge", 1));
    RemediationResult claim =
        result("huge", RemediationStatus.SUCCEEDED).toBuilder()
            .setArtifact(
                ArtifactChunk.newBuilder()
                    .setIndex(0)
                    .setTotal(RemediationsView.MAX_CHUNKS)
                    .setTotalSize(1L << 40)
                    .setData(ByteString.copyFrom(new byte[10])))
            .build();
    small.onResult(claim);
    assertThat(small.get("huge").orElseThrow().artifact().evicted())
        .as("larger than the per-artifact bound")
        .isTrue();
    assertThat(small.artifactBytesHeld()).isZero();

    small.onCommand(command("liar", 2));
    RemediationResult first =
        result("liar", RemediationStatus.SUCCEEDED).toBuilder()
            .setArtifact(
                ArtifactChunk.newBuilder()
                    .setIndex(0)
                    .setTotal(1000)
                    .setTotalSize(100)
                    .setData(ByteString.copyFrom(new byte[80])))
            .build();
    small.onResult(first);
    small.onResult(
        first.toBuilder().setArtifact(first.getArtifact().toBuilder().setIndex(1)).build());
    assertThat(small.rejectedChunks()).isEqualTo(1);
    assertThat(small.artifactBytesHeld()).isEqualTo(80);
  }

  @Test
  void artifactBytesAreBoundedByDroppingTheOldest() throws Exception {
    RemediationsView small = view(100, 3000);
    byte[] a = new byte[2000];
    byte[] b = new byte[2000];
    small.onCommand(command("a", 1));
    small.onCommand(command("b", 2));
    small.onCommand(command("c", 3));
    small.onResult(chunk("a", a, 0, 1, 5000, ""));
    small.onResult(chunk("b", b, 0, 1, 5000, ""));
    assertThat(small.get("a").orElseThrow().artifact().evicted()).isTrue();
    assertThat(small.get("b").orElseThrow().artifact().complete()).isTrue();
    assertThat(small.artifactBytesHeld()).isEqualTo(2000);
    byte[] tooLarge = new byte[4000];
    small.onResult(chunk("c", tooLarge, 0, 1, 5000, ""));
    assertThat(small.get("c").orElseThrow().artifact().evicted()).isTrue();
    assertThat(small.get("b").orElseThrow().artifact().complete()).isTrue();
  }

  @Test
  void recentIsNewestFirstAndBounded() {
    RemediationsView small = view(2, 1 << 20);
    small.onCommand(command("c1", 1));
    small.onCommand(command("c2", 2));
    small.onCommand(command("c3", 3));
    assertThat(small.recent(10)).extracting(Remediation::id).containsExactly("c3", "c2");
    assertThat(small.recent(1)).extracting(Remediation::id).containsExactly("c3");
  }
}
