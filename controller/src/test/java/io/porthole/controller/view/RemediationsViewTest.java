package io.porthole.controller.view;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import io.porthole.proto.ArtifactChunk;
import io.porthole.proto.RemediationAction;
import io.porthole.proto.RemediationCommand;
import io.porthole.proto.RemediationResult;
import io.porthole.proto.RemediationStatus;
import io.porthole.wire.Timestamps;
import java.security.MessageDigest;
import java.time.Instant;
import java.util.HexFormat;
import org.junit.jupiter.api.Test;

class RemediationsViewTest {

  private final RemediationsView view = new RemediationsView(100, 1 << 20);

  private static RemediationCommand command(String id, long issuedSecond) {
    return RemediationCommand.newBuilder()
        .setCommandId(id)
        .setAction(RemediationAction.CAPTURE_PACKETS)
        .setHostId("h1")
        .setIssuedAt(Timestamps.of(Instant.EPOCH.plusSeconds(issuedSecond)))
        .build();
  }

  private static RemediationResult result(String id, RemediationStatus status) {
    return RemediationResult.newBuilder().setCommandId(id).setAction(RemediationAction.CAPTURE_PACKETS).setStatus(status).build();
  }

  private static RemediationResult chunk(String id, byte[] all, int index, int total, int size, String sha) {
    int from = index * size;
    int to = Math.min(all.length, from + size);
    return result(id, RemediationStatus.SUCCEEDED).toBuilder()
        .setArtifact(ArtifactChunk.newBuilder().setIndex(index).setTotal(total).setTotalSize(all.length).setSha256(sha)
            .setData(ByteString.copyFrom(all, from, to - from)).setFileName("c.pcap").setContentType("application/vnd.tcpdump.pcap"))
        .build();
  }

  private static String sha(byte[] bytes) throws Exception {
    return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
  }

  @Test
  void pendingUntilAResultThenItsStatusAndAFinalStatusIsNotDowngraded() {
    view.onCommand(command("c1", 1));
    assertThat(view.get("c1").orElseThrow().status()).isEqualTo(RemediationStatus.PENDING);
    view.onResult(result("c1", RemediationStatus.RUNNING));
    assertThat(view.get("c1").orElseThrow().status()).isEqualTo(RemediationStatus.RUNNING);
    view.onResult(result("c1", RemediationStatus.SUCCEEDED));
    view.onResult(result("c1", RemediationStatus.RUNNING));
    assertThat(view.get("c1").orElseThrow().status()).isEqualTo(RemediationStatus.SUCCEEDED);
  }

  @Test
  void aResultReadBeforeItsCommandIsKeptAndJoined() {
    view.onResult(result("c1", RemediationStatus.REJECTED).toBuilder().setDetail("signature does not verify").build());
    view.onCommand(command("c1", 1));
    Remediation r = view.get("c1").orElseThrow();
    assertThat(r.status()).isEqualTo(RemediationStatus.REJECTED);
    assertThat(r.command()).isNotNull();
    assertThat(r.latestResult().getDetail()).isEqualTo("signature does not verify");
  }

  @Test
  void chunksInAnyOrderAssembleIntoTheArtifactCheckedBySizeAndHash() throws Exception {
    byte[] bytes = new byte[2500];
    new java.util.Random(1).nextBytes(bytes);
    view.onCommand(command("c1", 1));
    view.onResult(chunk("c1", bytes, 2, 3, 1000, sha(bytes)));
    view.onResult(chunk("c1", bytes, 0, 3, 1000, sha(bytes)));
    assertThat(view.get("c1").orElseThrow().artifact().complete()).isFalse();
    assertThatThrownBy(() -> view.artifactBytes("c1")).hasMessageContaining("2 of 3 chunks");
    view.onResult(chunk("c1", bytes, 0, 3, 1000, sha(bytes)));
    view.onResult(chunk("c1", bytes, 1, 3, 1000, sha(bytes)));
    Remediation.ArtifactInfo info = view.get("c1").orElseThrow().artifact();
    assertThat(info.complete()).isTrue();
    assertThat(info.fileName()).isEqualTo("c.pcap");
    assertThat(view.artifactBytes("c1")).get().isEqualTo(bytes);
    assertThat(view.artifactBytesHeld()).isEqualTo(2500);
  }

  @Test
  void aHashMismatchIsReportedNotServed() throws Exception {
    byte[] bytes = "hello".getBytes();
    view.onResult(chunk("c1", bytes, 0, 1, 1000, sha("other".getBytes())));
    assertThatThrownBy(() -> view.artifactBytes("c1")).hasMessageContaining("SHA-256");
  }

  @Test
  void chunksThatDoNotFitAreCountedAndIgnored() throws Exception {
    byte[] bytes = new byte[100];
    view.onResult(chunk("c1", bytes, 0, 2, 60, ""));
    view.onResult(chunk("c1", bytes, 1, 3, 60, ""));
    assertThat(view.rejectedChunks()).isEqualTo(1);
    assertThat(view.get("c1").orElseThrow().artifact().chunksReceived()).isEqualTo(1);
  }

  @Test
  void artifactBytesAreBoundedByDroppingTheOldest() throws Exception {
    RemediationsView small = new RemediationsView(100, 3000);
    byte[] a = new byte[2000];
    byte[] b = new byte[2000];
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
    RemediationsView small = new RemediationsView(2, 1 << 20);
    small.onCommand(command("c1", 1));
    small.onCommand(command("c2", 2));
    small.onCommand(command("c3", 3));
    assertThat(small.recent(10)).extracting(Remediation::id).containsExactly("c3", "c2");
    assertThat(small.recent(1)).extracting(Remediation::id).containsExactly("c3");
  }
}
