package io.porthole.collector.packets;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import io.porthole.collector.packets.PcapFixtures.Frame;
import io.porthole.proto.FlowDirection;
import io.porthole.proto.FlowRecord;
import io.porthole.proto.TransportProtocol;
import io.porthole.wire.Timestamps;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class FlowTableTest {

  private static final String CLIENT = "c".repeat(64);
  private static final String SERVER = "5".repeat(64);
  private static final long SECOND = 1_000_000_000L;
  private static final String REQUEST =
      "GET / HTTP/1.1\r\nHost: 172.17.0.2\r\nUser-Agent: Wget\r\nConnection: close\r\n\r\n";

  private record Emitted(String containerId, FlowRecord record) {}

  private final List<Emitted> emitted = new ArrayList<>();
  private final Map<String, String> containers =
      new HashMap<>(Map.of("172.17.0.3", CLIENT, "172.17.0.2", SERVER));

  private FlowTable table(FlowTableSettings settings) {
    return new FlowTable(
        "docker0", settings, containers::get, (id, record) -> emitted.add(new Emitted(id, record)));
  }

  private FlowTable table() {
    return table(FlowTableSettings.defaults());
  }

  private static String text(ByteString bytes) {
    return bytes.toString(StandardCharsets.ISO_8859_1);
  }

  @Test
  void httpBetweenTwoContainersYieldsOneRecordPerContainerWithExcerptsAndSummary() {
    FlowTable table = table();
    PcapFixtures.feed("http.pcap", table);
    long last = PcapFixtures.nanos("2026-11-29T09:21:43.614580Z");
    table.flush(last + SECOND);

    assertThat(emitted).hasSize(2);
    Emitted client = emitted.get(0);
    Emitted server = emitted.get(1);
    assertThat(client.containerId()).isEqualTo(CLIENT);
    assertThat(server.containerId()).isEqualTo(SERVER);
    FlowRecord record = client.record();
    assertThat(record.getProtocol()).isEqualTo(TransportProtocol.TCP);
    assertThat(record.getSourceAddress()).isEqualTo("172.17.0.3");
    assertThat(record.getSourcePort()).isEqualTo(49534);
    assertThat(record.getDestinationAddress()).isEqualTo("172.17.0.2");
    assertThat(record.getDestinationPort()).isEqualTo(80);
    assertThat(record.getDirection()).isEqualTo(FlowDirection.OUTBOUND);
    assertThat(record.getContainerAddress()).isEqualTo("172.17.0.3");
    assertThat(record.getPacketsForward()).isEqualTo(7);
    assertThat(record.getBytesForward()).isEqualTo(445);
    assertThat(record.getPacketsReverse()).isEqualTo(5);
    assertThat(record.getBytesReverse()).isEqualTo(491);
    assertThat(record.getTcpFlags().getSyn()).isEqualTo(1);
    assertThat(record.getTcpFlags().getSynAck()).isEqualTo(1);
    assertThat(record.getTcpFlags().getFin()).isEqualTo(2);
    assertThat(record.getTcpFlags().getRst()).isZero();
    assertThat(record.getFirstSeen())
        .isEqualTo(Timestamps.of(Instant.parse("2026-11-29T09:21:43.613391Z")));
    assertThat(record.getLastSeen())
        .isEqualTo(Timestamps.of(Instant.parse("2026-11-29T09:21:43.614580Z")));
    assertThat(text(record.getExcerptForward())).isEqualTo(REQUEST);
    assertThat(record.getExcerptReverse().size()).isEqualTo(223);
    assertThat(text(record.getExcerptReverse()))
        .startsWith("HTTP/1.1 200 OK\r\n")
        .endsWith("\r\n\r\nhello-porthole\n");
    assertThat(record.getApplication().getHttpRequestLine()).isEqualTo("GET / HTTP/1.1");
    assertThat(record.getApplication().getHttpHost()).isEqualTo("172.17.0.2");
    assertThat(record.getApplication().getHttpStatusLine()).isEqualTo("HTTP/1.1 200 OK");
    assertThat(record.getEnded()).isTrue();
    assertThat(record.getSequence()).isZero();
    assertThat(record.getInterface()).isEqualTo("docker0");

    assertThat(server.record().getDirection()).isEqualTo(FlowDirection.INBOUND);
    assertThat(server.record().getContainerAddress()).isEqualTo("172.17.0.2");
    assertThat(
            server.record().toBuilder()
                .setDirection(FlowDirection.OUTBOUND)
                .setContainerAddress("172.17.0.3")
                .build())
        .isEqualTo(record);
    assertThat(table.size()).isZero();
    assertThat(table.recordsEmitted()).isEqualTo(2);
  }

  @Test
  void aFlushRightAfterTheFinsReportsTheIntervalAndTheEndComesAfterTheLinger() {
    FlowTable table = table();
    PcapFixtures.feed("http.pcap", table);
    long last = PcapFixtures.nanos("2026-11-29T09:21:43.614580Z");

    table.flush(last + 1_000_000);
    table.flush(last + SECOND);

    List<FlowRecord> client = recordsOf(CLIENT);
    assertThat(client).hasSize(2);
    assertThat(client.get(0).getEnded()).isFalse();
    assertThat(client.get(0).getSequence()).isZero();
    assertThat(client.get(0).getPacketsForward()).isEqualTo(7);
    assertThat(client.get(1).getEnded()).isTrue();
    assertThat(client.get(1).getSequence()).isEqualTo(1);
    assertThat(client.get(1).getPacketsForward() + client.get(1).getPacketsReverse()).isZero();
    assertThat(client.get(1).getTcpFlags().getSyn()).isZero();
    assertThat(text(client.get(1).getExcerptForward())).isEqualTo(REQUEST);
  }

  @Test
  void eachFlushReportsTheCountersOfItsIntervalWithTheNextSequence() {
    FlowTable table = table();
    List<Frame> frames = PcapFixtures.frames("http.pcap");
    PcapFixtures.feed(frames.subList(0, 4), table); // SYN, SYN-ACK, ACK, GET
    table.flush(frames.get(3).timestampNanos());
    PcapFixtures.feed(frames.subList(4, 12), table);
    table.flush(frames.get(11).timestampNanos() + SECOND);

    List<FlowRecord> client = recordsOf(CLIENT);
    assertThat(client).hasSize(2);
    FlowRecord first = client.get(0);
    assertThat(first.getSequence()).isZero();
    assertThat(first.getEnded()).isFalse();
    assertThat(first.getPacketsForward()).isEqualTo(3);
    assertThat(first.getBytesForward()).isEqualTo(60 + 52 + 125);
    assertThat(first.getPacketsReverse()).isEqualTo(1);
    assertThat(first.getTcpFlags().getSyn()).isEqualTo(1);
    assertThat(first.getTcpFlags().getSynAck()).isEqualTo(1);
    assertThat(first.getTcpFlags().getFin()).isZero();
    assertThat(first.getApplication().getHttpRequestLine()).isEqualTo("GET / HTTP/1.1");
    assertThat(first.getApplication().getHttpStatusLine()).isEmpty();
    FlowRecord second = client.get(1);
    assertThat(second.getSequence()).isEqualTo(1);
    assertThat(second.getEnded()).isTrue();
    assertThat(second.getPacketsForward()).isEqualTo(4);
    assertThat(second.getPacketsReverse()).isEqualTo(4);
    assertThat(second.getBytesForward() + first.getBytesForward()).isEqualTo(445);
    assertThat(second.getTcpFlags().getSyn()).isZero();
    assertThat(second.getTcpFlags().getFin()).isEqualTo(2);
    assertThat(second.getApplication().getHttpStatusLine()).isEqualTo("HTTP/1.1 200 OK");
  }

  @Test
  void aRefusedConnectionCountsTheRstFromTheDestinationAndEnds() {
    FlowTable table = table();
    PcapFixtures.feed("refused.pcap", table);
    table.flush(PcapFixtures.nanos("2026-11-29T09:21:45.759840Z") + SECOND);

    FlowRecord record = recordsOf(CLIENT).get(0);
    assertThat(record.getDestinationPort()).isEqualTo(81);
    assertThat(record.getPacketsForward()).isEqualTo(1);
    assertThat(record.getPacketsReverse()).isEqualTo(1);
    assertThat(record.getBytesReverse()).isEqualTo(40);
    assertThat(record.getTcpFlags().getSyn()).isEqualTo(1);
    assertThat(record.getTcpFlags().getSynAck()).isZero();
    assertThat(record.getTcpFlags().getRst()).isEqualTo(1);
    assertThat(record.getTcpFlags().getRstFromDestination()).isEqualTo(1);
    assertThat(record.getTcpFlags().getRstFromSource()).isZero();
    assertThat(record.getEnded()).isTrue();
    assertThat(record.hasApplication()).isFalse();
  }

  @Test
  void aNewSynOnAnEndedFlowStartsANewFlow() {
    FlowTable table = table();
    List<Frame> refused = PcapFixtures.frames("refused.pcap");
    List<Frame> twice = new ArrayList<>(refused);
    refused.forEach(
        f -> twice.add(new Frame(f.linkType(), f.bytes(), f.timestampNanos() + 100_000_000L)));
    PcapFixtures.feed(twice, table);
    table.closeAll();

    List<FlowRecord> client = recordsOf(CLIENT);
    assertThat(client).hasSize(2);
    assertThat(client)
        .allSatisfy(
            r -> {
              assertThat(r.getEnded()).isTrue();
              assertThat(r.getSequence()).isZero();
              assertThat(r.getTcpFlags().getSyn()).isEqualTo(1);
              assertThat(r.getTcpFlags().getRst()).isEqualTo(1);
            });
    assertThat(table.flowsCreated()).isEqualTo(2);
  }

  @Test
  void dnsQueriesYieldNameTypeAndRcode() {
    containers.put("172.17.0.1", null);
    FlowTable table = table();
    PcapFixtures.feed("dns.pcap", table);
    table.closeAll();

    List<FlowRecord> client = recordsOf(CLIENT);
    assertThat(client).hasSize(2);
    FlowRecord found =
        client.stream().filter(r -> r.getSourcePort() == 48610).findFirst().orElseThrow();
    assertThat(found.getProtocol()).isEqualTo(TransportProtocol.UDP);
    assertThat(found.getDestinationAddress()).isEqualTo("172.17.0.1");
    assertThat(found.getDestinationPort()).isEqualTo(53);
    assertThat(found.getPacketsForward()).isEqualTo(2);
    assertThat(found.getBytesForward()).isEqualTo(126);
    assertThat(found.getPacketsReverse()).isEqualTo(2);
    assertThat(found.getBytesReverse()).isEqualTo(142);
    assertThat(found.getApplication().getDnsQueryName()).isEqualTo("web.porthole.test");
    assertThat(found.getApplication().getDnsQueryType()).isEqualTo("A");
    assertThat(found.getApplication().getDnsRcode()).isEqualTo("NOERROR");
    assertThat(found.hasTcpFlags()).isFalse();
    FlowRecord missing =
        client.stream().filter(r -> r.getSourcePort() == 43334).findFirst().orElseThrow();
    assertThat(missing.getApplication().getDnsQueryName()).isEqualTo("missing.porthole.test");
    assertThat(missing.getApplication().getDnsRcode()).isEqualTo("NXDOMAIN");
  }

  @Test
  void ipv6EchoAndTcpOnLoopback() {
    containers.put("::1", CLIENT);
    FlowTable table = table();
    PcapFixtures.feed("ipv6.pcap", table);
    table.closeAll();

    List<FlowRecord> records = recordsOf(CLIENT);
    assertThat(records).hasSize(2);
    FlowRecord ping = records.get(0);
    assertThat(ping.getProtocol()).isEqualTo(TransportProtocol.ICMPV6);
    assertThat(ping.getSourceAddress()).isEqualTo("::1");
    assertThat(ping.getSourcePort()).isZero();
    assertThat(ping.getPacketsForward()).isEqualTo(2);
    assertThat(ping.getPacketsReverse()).isEqualTo(2);
    assertThat(ping.getBytesForward()).isEqualTo(208);
    FlowRecord http = records.get(1);
    assertThat(http.getProtocol()).isEqualTo(TransportProtocol.TCP);
    assertThat(http.getDestinationPort()).isEqualTo(18080);
    assertThat(http.getPacketsForward()).isEqualTo(6);
    assertThat(http.getPacketsReverse()).isEqualTo(6);
    assertThat(http.getApplication().getHttpRequestLine()).isEqualTo("GET / HTTP/1.1");
    assertThat(http.getApplication().getHttpHost()).isEqualTo("[::1]:18080");
    assertThat(http.getApplication().getHttpStatusLine()).isEqualTo("HTTP/1.0 200 OK");
  }

  @Test
  void truncatedIpv4PacketsAreCountedWithoutExcerptsAndTruncatedIpv6OnesAreSkipped() {
    containers.put("127.0.0.1", CLIENT);
    FlowTable table = table();
    PacketParser parser = PcapFixtures.feed("truncated.pcap", table);
    table.closeAll();

    assertThat(parser.truncated()).isEqualTo(12);
    List<FlowRecord> records = recordsOf(CLIENT);
    assertThat(records).hasSize(1);
    FlowRecord record = records.get(0);
    assertThat(record.getPacketsForward()).isEqualTo(6);
    assertThat(record.getBytesForward()).isEqualTo(399);
    assertThat(record.getPacketsReverse()).isEqualTo(6);
    assertThat(record.getBytesReverse()).isEqualTo(520);
    assertThat(record.getExcerptForward().isEmpty()).isTrue();
    assertThat(record.hasApplication()).isFalse();
  }

  @Test
  void retransmittedSegmentsDoNotRepeatInTheExcerpt() {
    // tcpdump -i any sees every packet twice (both veths): the copies act as retransmissions
    FlowTable table = table();
    PcapFixtures.feed("sll.pcap", table);
    table.closeAll();

    FlowRecord record = recordsOf(CLIENT).get(0);
    assertThat(record.getPacketsForward()).isEqualTo(12);
    assertThat(record.getTcpFlags().getSyn()).isEqualTo(2);
    assertThat(text(record.getExcerptForward())).isEqualTo(REQUEST);
    assertThat(record.getExcerptReverse().size()).isEqualTo(223);
  }

  @Test
  void fragmentsAfterTheFirstFormAFlowWithoutPorts() {
    containers.put("172.17.0.2", SERVER);
    FlowTable table = table();
    PcapFixtures.feed("fragments.pcap", table);
    table.closeAll();

    List<FlowRecord> records = recordsOf(SERVER);
    assertThat(records).hasSize(2);
    FlowRecord rest =
        records.stream().filter(r -> r.getPacketsForward() == 2).findFirst().orElseThrow();
    assertThat(rest.getSourceAddress()).isEqualTo("172.17.0.1");
    assertThat(rest.getBytesForward()).isEqualTo(1500 + 68);
    assertThat(rest.getPacketsReverse()).isZero();
    FlowRecord echo =
        records.stream().filter(r -> r.getPacketsForward() == 1).findFirst().orElseThrow();
    assertThat(echo.getBytesForward()).isEqualTo(1500);
    assertThat(echo.getPacketsReverse()).isEqualTo(1);
    assertThat(echo.getBytesReverse()).isEqualTo(3028);
    assertThat(echo.getDirection()).isEqualTo(FlowDirection.INBOUND);
  }

  @Test
  void aFlowSeenFromItsSynAckIsInitiatedByTheReceiverOfTheSynAck() {
    FlowTable table = table();
    List<Frame> frames = PcapFixtures.frames("http.pcap");
    PcapFixtures.feed(frames.subList(1, frames.size()), table);
    table.closeAll();

    FlowRecord record = recordsOf(CLIENT).get(0);
    assertThat(record.getSourceAddress()).isEqualTo("172.17.0.3");
    assertThat(record.getDirection()).isEqualTo(FlowDirection.OUTBOUND);
    assertThat(record.getPacketsForward()).isEqualTo(6);
    assertThat(record.getPacketsReverse()).isEqualTo(5);
    assertThat(text(record.getExcerptForward())).isEqualTo(REQUEST);
  }

  @Test
  void aFlowSeenMidStreamIsInitiatedByTheSenderOfItsFirstPacket() {
    FlowTable table = table();
    List<Frame> frames = PcapFixtures.frames("http.pcap");
    PcapFixtures.feed(frames.subList(4, frames.size()), table); // starts with the server's ACK
    table.closeAll();

    FlowRecord record = recordsOf(SERVER).get(0);
    assertThat(record.getSourceAddress()).isEqualTo("172.17.0.2");
    assertThat(record.getSourcePort()).isEqualTo(80);
    assertThat(record.getDirection()).isEqualTo(FlowDirection.OUTBOUND);
    assertThat(text(record.getExcerptForward())).startsWith("HTTP/1.1 200 OK");
    assertThat(record.getApplication().getHttpStatusLine()).isEmpty();
  }

  @Test
  void excerptsAreBoundedAndCanBeSwitchedOff() {
    FlowTable bounded =
        table(new FlowTableSettings(Duration.ofSeconds(5), Duration.ofSeconds(60), 100, 16));
    PcapFixtures.feed("http.pcap", bounded);
    bounded.closeAll();
    FlowRecord record = recordsOf(CLIENT).get(0);
    assertThat(text(record.getExcerptForward())).isEqualTo("GET / HTTP/1.1\r\nH".substring(0, 16));
    assertThat(text(record.getExcerptReverse())).isEqualTo("HTTP/1.1 200 OK\r");
    assertThat(record.getApplication().getHttpRequestLine()).isEqualTo("GET / HTTP/1.1");
    assertThat(record.getApplication().getHttpHost()).isEmpty();

    emitted.clear();
    FlowTable none =
        table(new FlowTableSettings(Duration.ofSeconds(5), Duration.ofSeconds(60), 100, 0));
    PcapFixtures.feed("http.pcap", none);
    none.closeAll();
    FlowRecord bare = recordsOf(CLIENT).get(0);
    assertThat(bare.getExcerptForward().isEmpty()).isTrue();
    assertThat(bare.hasApplication()).isFalse();
    assertThat(bare.getPacketsForward()).isEqualTo(7);
  }

  @Test
  void idleFlowsEndAfterTheIdleTimeout() {
    containers.put("172.17.0.1", null);
    FlowTable table =
        table(new FlowTableSettings(Duration.ofSeconds(1), Duration.ofSeconds(10), 100, 256));
    PcapFixtures.feed("dns.pcap", table);
    long last = PcapFixtures.nanos("2026-11-29T09:21:37.542552Z");

    table.flush(last + 9 * SECOND);
    assertThat(emitted).hasSize(2).allSatisfy(e -> assertThat(e.record().getEnded()).isFalse());
    assertThat(table.size()).isEqualTo(2);

    table.flush(last + 10 * SECOND);
    assertThat(emitted).hasSize(4);
    assertThat(emitted.subList(2, 4))
        .allSatisfy(
            e -> {
              assertThat(e.record().getEnded()).isTrue();
              assertThat(e.record().getSequence()).isEqualTo(1);
              assertThat(e.record().getPacketsForward()).isZero();
            });
    assertThat(table.size()).isZero();
  }

  @Test
  void advanceToFlushesOncePerIntervalOfPacketTime() {
    containers.put("172.17.0.1", null);
    FlowTable table =
        table(new FlowTableSettings(Duration.ofSeconds(1), Duration.ofSeconds(10), 100, 256));
    long start = PcapFixtures.nanos("2026-11-29T09:21:37.445842Z");
    PcapFixtures.feed("dns.pcap", table);
    table.advanceTo(start);
    table.advanceTo(start + SECOND - 1);
    assertThat(emitted).isEmpty();
    table.advanceTo(start + SECOND);
    assertThat(emitted).hasSize(2);
    table.advanceTo(start + SECOND + 1);
    assertThat(emitted).hasSize(2);
  }

  @Test
  void aFullTableEvictsTheLeastRecentlySeenFlowAndCountsIt() {
    containers.put("172.17.0.1", null);
    FlowTable table =
        table(new FlowTableSettings(Duration.ofSeconds(5), Duration.ofSeconds(60), 1, 256));
    PcapFixtures.feed("dns.pcap", table);

    assertThat(table.flowsEvicted()).isEqualTo(1);
    assertThat(table.size()).isEqualTo(1);
    assertThat(emitted).hasSize(1);
    FlowRecord evicted = emitted.get(0).record();
    assertThat(evicted.getSourcePort()).isEqualTo(48610);
    assertThat(evicted.getEnded()).isTrue();
    assertThat(evicted.getPacketsForward()).isEqualTo(2);
  }

  @Test
  void flowsWithoutAKnownContainerAreCountedNotReported() {
    containers.clear();
    FlowTable table = table();
    PcapFixtures.feed("http.pcap", table);
    table.closeAll();

    assertThat(emitted).isEmpty();
    assertThat(table.flowsUnattributed()).isEqualTo(1);
  }

  @Test
  void aContainerThatBecomesKnownLaterIsAttributedAtTheNextFlush() {
    containers.clear();
    FlowTable table = table();
    List<Frame> frames = PcapFixtures.frames("http.pcap");
    PcapFixtures.feed(frames.subList(0, 4), table);
    containers.put("172.17.0.3", CLIENT);
    table.flush(frames.get(3).timestampNanos());

    assertThat(recordsOf(CLIENT)).hasSize(1);
    assertThat(recordsOf(CLIENT).get(0).getPacketsForward()).isEqualTo(3);
  }

  private List<FlowRecord> recordsOf(String containerId) {
    return emitted.stream()
        .filter(e -> e.containerId().equals(containerId))
        .map(Emitted::record)
        .toList();
  }
}
