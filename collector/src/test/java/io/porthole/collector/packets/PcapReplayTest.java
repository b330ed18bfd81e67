package io.porthole.collector.packets;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.porthole.proto.EventEnvelope;
import io.porthole.proto.FlowDirection;
import io.porthole.wire.Timestamps;
import io.porthole.wire.Topic;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PcapReplayTest {

  private static final String CONTAINER = "ab".repeat(32);
  private static final Instant NOW = Instant.parse("2026-11-30T00:00:00Z");

  @TempDir Path dir;

  private final List<EventEnvelope> envelopes = new ArrayList<>();
  private final PcapReplay replay =
      new PcapReplay(FlowTableSettings.defaults(), Clock.fixed(NOW, ZoneOffset.UTC));

  private ReplaySummary run(String fixture, String containerIp) throws IOException {
    return replay.run(
        PcapFixtures.path(fixture),
        "host-1",
        CONTAINER,
        containerIp,
        (topic, envelope) -> {
          assertThat(topic).isEqualTo(Topic.FLOWS);
          envelopes.add(envelope);
        });
  }

  @Test
  void replaysTheHttpExchangeAsSeenByTheServer() throws IOException {
    ReplaySummary summary = run("http.pcap", "172.17.0.2");

    assertThat(summary).isEqualTo(new ReplaySummary(12, 1, 0, 0, 1, 0, false));
    EventEnvelope envelope = envelopes.get(0);
    assertThat(envelope.getHostId()).isEqualTo("host-1");
    assertThat(envelope.getContainerId()).isEqualTo(CONTAINER);
    assertThat(envelope.getEventId()).hasSize(36);
    assertThat(envelope.getTime())
        .isEqualTo(Timestamps.of(Instant.parse("2026-11-29T09:21:43.614580Z")));
    assertThat(envelope.getCollectorTime()).isEqualTo(Timestamps.of(NOW));
    assertThat(envelope.getFlow().getDirection()).isEqualTo(FlowDirection.INBOUND);
    assertThat(envelope.getFlow().getContainerAddress()).isEqualTo("172.17.0.2");
    assertThat(envelope.getFlow().getSourceAddress()).isEqualTo("172.17.0.3");
    assertThat(envelope.getFlow().getApplication().getHttpRequestLine())
        .isEqualTo("GET / HTTP/1.1");
    assertThat(envelope.getFlow().getInterface()).isEqualTo("file:http.pcap");
    assertThat(envelope.getFlow().getEnded()).isTrue();
  }

  @Test
  void withoutAnAddressEveryFlowIsTheContainersOwn() throws IOException {
    ReplaySummary summary = run("dns.pcap", null);

    assertThat(summary.flowRecords()).isEqualTo(2);
    assertThat(envelopes)
        .allSatisfy(
            e -> {
              assertThat(e.getFlow().getDirection()).isEqualTo(FlowDirection.OUTBOUND);
              assertThat(e.getFlow().getContainerAddress()).isEqualTo("172.17.0.3");
            });
  }

  @Test
  void flowsNotInvolvingTheContainerAreCountedAndSkipped() throws IOException {
    ReplaySummary summary = run("http.pcap", "172.17.0.9");

    assertThat(envelopes).isEmpty();
    assertThat(summary.flows()).isEqualTo(1);
    assertThat(summary.flowsUnattributed()).isEqualTo(1);
    assertThat(summary.flowRecords()).isZero();
  }

  @Test
  void countsTruncatedPacketsAsUnparsed() throws IOException {
    ReplaySummary summary = run("truncated.pcap", "127.0.0.1");

    assertThat(summary).isEqualTo(new ReplaySummary(24, 1, 12, 0, 1, 0, false));
    assertThat(summary.describe())
        .isEqualTo(
            "packets read: 24, flow records: 1, packets unparsed: 12, packets without "
                + "IP: 0, flows: 1,"
                + " flows not involving the container: 0");
  }

  @Test
  void ipv6AddressesMatchInDockersForm() throws IOException {
    ReplaySummary summary = run("ipv6.pcap", "::1");

    assertThat(summary.flowRecords()).isEqualTo(2);
    assertThat(envelopes.get(1).getFlow().getApplication().getHttpStatusLine())
        .isEqualTo("HTTP/1.0 200 OK");
  }

  @Test
  void flushesByPacketTimeSoALongRecordingYieldsIntervalRecords() throws IOException {
    // the SYN at t, the rest of the exchange 12 s later: the 5 s flush reports the SYN alone first
    byte[] bytes = Files.readAllBytes(PcapFixtures.path("http.pcap"));
    ByteBuffer buffer = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
    int at = 24 + 16 + buffer.getInt(24 + 8);
    while (at < bytes.length) {
      buffer.putInt(at, buffer.getInt(at) + 12);
      at += 16 + buffer.getInt(at + 8);
    }
    Path shifted = dir.resolve("slow.pcap");
    Files.write(shifted, bytes);

    ReplaySummary summary =
        replay.run(shifted, "host-1", CONTAINER, "172.17.0.3", (t, e) -> envelopes.add(e));

    assertThat(summary.flowRecords()).isEqualTo(2);
    assertThat(envelopes.get(0).getFlow().getSequence()).isZero();
    assertThat(envelopes.get(0).getFlow().getPacketsForward()).isEqualTo(1);
    assertThat(envelopes.get(0).getFlow().getEnded()).isFalse();
    assertThat(envelopes.get(1).getFlow().getSequence()).isEqualTo(1);
    assertThat(envelopes.get(1).getFlow().getPacketsForward()).isEqualTo(6);
    assertThat(envelopes.get(1).getFlow().getEnded()).isTrue();
  }

  @Test
  void rejectsPcapngAndUnsupportedLinkTypes() throws IOException {
    Path pcapng = dir.resolve("trace.pcapng");
    Files.write(pcapng, new byte[] {0x0A, 0x0D, 0x0D, 0x0A, 0x1c, 0, 0, 0, 0x4D, 0x3C, 0x2B, 0x1A});
    byte[] bytes = Files.readAllBytes(PcapFixtures.path("http.pcap"));
    ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).putInt(20, 105); // IEEE 802.11
    Path wifi = dir.resolve("wifi.pcap");
    Files.write(wifi, bytes);

    assertThatThrownBy(() -> replay.run(pcapng, "h", CONTAINER, null, (t, e) -> {}))
        .isInstanceOf(PcapFormatException.class)
        .hasMessageContaining("tcpdump -r trace.pcapng -w out.pcap");
    assertThatThrownBy(() -> replay.run(wifi, "h", CONTAINER, null, (t, e) -> {}))
        .isInstanceOf(PcapFormatException.class)
        .hasMessageContaining("link type 105 is not supported");
  }
}
