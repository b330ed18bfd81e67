package io.porthole.collector.packets;

import static org.assertj.core.api.Assertions.assertThat;

import io.porthole.collector.packets.PcapFixtures.Frame;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class PacketParserTest {

  private final PacketParser parser = new PacketParser();
  private final PacketView view = new PacketView();

  private ParseStatus parse(Frame frame) {
    return parse(frame.linkType(), frame.bytes());
  }

  private ParseStatus parse(int linkType, byte[] bytes) {
    return parser.parse(linkType, bytes, 0, bytes.length, 42L, view);
  }

  private String payload() {
    return new String(
        view.data, view.payloadOffset, view.payloadCaptured, StandardCharsets.ISO_8859_1);
  }

  @Test
  void readsTheTcpHandshakeAndHttpRequestBetweenTwoContainers() {
    List<Frame> frames = PcapFixtures.frames("http.pcap");

    assertThat(parse(frames.get(0))).isEqualTo(ParseStatus.PARSED);
    assertThat(view.ipVersion).isEqualTo(4);
    assertThat(view.sourceAddress()).isEqualTo("172.17.0.3");
    assertThat(view.destinationAddress()).isEqualTo("172.17.0.2");
    assertThat(view.protocol).isEqualTo(6);
    assertThat(view.sourcePort).isEqualTo(49534);
    assertThat(view.destinationPort).isEqualTo(80);
    assertThat(view.tcpFlags).isEqualTo(PacketView.TCP_SYN);
    assertThat(view.tcpSequence).isEqualTo((int) 1440051648L);
    assertThat(view.ipLength).isEqualTo(60);
    assertThat(view.payloadLength).isZero();
    assertThat(view.vlanId).isEqualTo(-1);
    assertThat(view.timestampNanos).isEqualTo(42L);

    assertThat(parse(frames.get(1))).isEqualTo(ParseStatus.PARSED);
    assertThat(view.tcpFlags).isEqualTo(PacketView.TCP_SYN | PacketView.TCP_ACK);
    assertThat(view.sourcePort).isEqualTo(80);

    assertThat(parse(frames.get(3))).isEqualTo(ParseStatus.PARSED);
    assertThat(view.tcpFlags).isEqualTo(PacketView.TCP_PSH | PacketView.TCP_ACK);
    assertThat(view.ipLength).isEqualTo(125);
    assertThat(view.payloadLength).isEqualTo(73);
    assertThat(view.payloadCaptured).isEqualTo(73);
    assertThat(payload()).startsWith("GET / HTTP/1.1\r\nHost: 172.17.0.2\r\n");

    assertThat(parse(frames.get(5))).isEqualTo(ParseStatus.PARSED);
    assertThat(view.payloadLength).isEqualTo(208);
    assertThat(payload()).startsWith("HTTP/1.1 200 OK\r\n");

    assertThat(parser.parsed()).isEqualTo(4);
    assertThat(parser.unparsed()).isZero();
  }

  @Test
  void readsIpv6IcmpEchoAndTcpOnLoopback() {
    List<Frame> frames = PcapFixtures.frames("ipv6.pcap");

    assertThat(parse(frames.get(0))).isEqualTo(ParseStatus.PARSED);
    assertThat(view.ipVersion).isEqualTo(6);
    assertThat(view.sourceAddress()).isEqualTo("::1");
    assertThat(view.destinationAddress()).isEqualTo("::1");
    assertThat(view.protocol).isEqualTo(58);
    assertThat(view.icmpType).isEqualTo(128);
    assertThat(view.sourcePort).isEqualTo(25002);
    assertThat(view.destinationPort).isEqualTo(25002);
    assertThat(view.ipLength).isEqualTo(104);

    assertThat(parse(frames.get(1))).isEqualTo(ParseStatus.PARSED);
    assertThat(view.icmpType).isEqualTo(129);

    assertThat(parse(frames.get(4))).isEqualTo(ParseStatus.PARSED);
    assertThat(view.protocol).isEqualTo(6);
    assertThat(view.sourcePort).isEqualTo(35194);
    assertThat(view.destinationPort).isEqualTo(18080);
    assertThat(view.tcpFlags).isEqualTo(PacketView.TCP_SYN);
    assertThat(view.ipLength).isEqualTo(80);

    assertThat(parse(frames.get(7))).isEqualTo(ParseStatus.PARSED);
    assertThat(view.payloadLength).isEqualTo(75);
    assertThat(payload()).startsWith("GET / HTTP/1.1\r\nHost: [::1]:18080\r\n");
  }

  @Test
  void packetsCutBySnaplen60KeepIpv4HeadersButLoseIpv6TransportHeaders() {
    List<Frame> frames = PcapFixtures.frames("truncated.pcap");
    assertThat(frames).hasSize(24);

    // the request: 14 + 20 + 26 of 32 TCP header bytes captured, payload none
    assertThat(parse(frames.get(3))).isEqualTo(ParseStatus.PARSED);
    assertThat(view.sourcePort).isEqualTo(52982);
    assertThat(view.destinationPort).isEqualTo(18080);
    assertThat(view.tcpFlags).isEqualTo(PacketView.TCP_PSH | PacketView.TCP_ACK);
    assertThat(view.ipLength).isEqualTo(131);
    assertThat(view.payloadLength).isEqualTo(79);
    assertThat(view.payloadCaptured).isZero();

    for (Frame frame : frames.subList(12, 24)) {
      assertThat(parse(frame)).isEqualTo(ParseStatus.TRUNCATED);
    }
    assertThat(parser.truncated()).isEqualTo(12);
    assertThat(parser.unparsed()).isEqualTo(12);
  }

  @Test
  void readsIpv4FragmentsOfABigPing() {
    List<Frame> frames = PcapFixtures.frames("fragments.pcap");

    assertThat(parse(frames.get(0))).isEqualTo(ParseStatus.PARSED);
    assertThat(view.fragment).isFalse();
    assertThat(view.protocol).isEqualTo(1);
    assertThat(view.icmpType).isEqualTo(8);
    assertThat(view.sourcePort).isEqualTo(24922);
    assertThat(view.ipLength).isEqualTo(1500);

    assertThat(parse(frames.get(1))).isEqualTo(ParseStatus.PARSED);
    assertThat(view.fragment).isTrue();
    assertThat(view.protocol).isEqualTo(1);
    assertThat(view.sourcePort).isZero();
    assertThat(view.ipLength).isEqualTo(1500);

    assertThat(parse(frames.get(2))).isEqualTo(ParseStatus.PARSED);
    assertThat(view.fragment).isTrue();
    assertThat(view.ipLength).isEqualTo(68);
  }

  @Test
  void readsLinuxCookedCapturesV1AndV2() {
    for (String file : List.of("sll.pcap", "sll2.pcap")) {
      Frame first = PcapFixtures.frames(file).get(0);
      assertThat(first.linkType())
          .isEqualTo(file.equals("sll.pcap") ? LinkType.LINUX_SLL : LinkType.LINUX_SLL2);
      assertThat(parse(first)).isEqualTo(ParseStatus.PARSED);
      assertThat(view.sourceAddress()).isEqualTo("172.17.0.3");
      assertThat(view.destinationAddress()).isEqualTo("172.17.0.2");
      assertThat(view.destinationPort).isEqualTo(80);
      assertThat(view.tcpFlags).isEqualTo(PacketView.TCP_SYN);
    }
  }

  @Test
  void readsRawIpFrames() {
    byte[] ethernet = PcapFixtures.frames("http.pcap").get(3).bytes();
    byte[] raw = Arrays.copyOfRange(ethernet, 14, ethernet.length);

    assertThat(parse(LinkType.RAW, raw)).isEqualTo(ParseStatus.PARSED);
    assertThat(view.destinationPort).isEqualTo(80);
    assertThat(payload()).startsWith("GET / HTTP/1.1");
  }

  @Test
  void readsVlanTaggedAndDoubleTaggedFrames() {
    byte[] frame = PcapFixtures.frames("http.pcap").get(3).bytes();
    byte[] tagged = insert(frame, 12, new byte[] {(byte) 0x81, 0x00, 0x00, 0x2A});
    byte[] doubleTagged =
        insert(
            frame,
            12,
            new byte[] {(byte) 0x88, (byte) 0xA8, 0x00, 0x07, (byte) 0x81, 0x00, 0x00, 0x2A});

    assertThat(parse(LinkType.ETHERNET, tagged)).isEqualTo(ParseStatus.PARSED);
    assertThat(view.vlanId).isEqualTo(42);
    assertThat(view.destinationPort).isEqualTo(80);
    assertThat(payload()).startsWith("GET / HTTP/1.1");

    assertThat(parse(LinkType.ETHERNET, doubleTagged)).isEqualTo(ParseStatus.PARSED);
    assertThat(view.vlanId).isEqualTo(7);
    assertThat(view.payloadLength).isEqualTo(73);
  }

  @Test
  void skipsIpv4Options() {
    byte[] frame = PcapFixtures.frames("http.pcap").get(3).bytes();
    byte[] withOptions = insert(frame, 34, new byte[] {1, 1, 1, 0}); // NOP NOP NOP EOL
    withOptions[14] = 0x46; // IHL 6
    setU16(withOptions, 16, 125 + 4);

    assertThat(parse(LinkType.ETHERNET, withOptions)).isEqualTo(ParseStatus.PARSED);
    assertThat(view.ipLength).isEqualTo(129);
    assertThat(view.sourcePort).isEqualTo(49534);
    assertThat(view.payloadLength).isEqualTo(73);
    assertThat(payload()).startsWith("GET / HTTP/1.1");
  }

  @Test
  void walksIpv6ExtensionHeaders() {
    byte[] syn = PcapFixtures.frames("ipv6.pcap").get(4).bytes(); // ::1.35194 > ::1.18080 SYN
    // hop-by-hop (next: destination options) + destination options (next: TCP), 8 bytes each
    byte[] hopByHop = {60, 0, 1, 4, 0, 0, 0, 0};
    byte[] destinationOptions = {6, 0, 1, 4, 0, 0, 0, 0};
    byte[] withHeaders = insert(syn, 54, concat(hopByHop, destinationOptions));
    withHeaders[20] = 0; // next header: hop-by-hop
    setU16(withHeaders, 18, 40 + 16);

    assertThat(parse(LinkType.ETHERNET, withHeaders)).isEqualTo(ParseStatus.PARSED);
    assertThat(view.protocol).isEqualTo(6);
    assertThat(view.sourcePort).isEqualTo(35194);
    assertThat(view.destinationPort).isEqualTo(18080);
    assertThat(view.tcpFlags).isEqualTo(PacketView.TCP_SYN);
    assertThat(view.ipLength).isEqualTo(96);

    byte[] firstFragment = insert(syn, 54, new byte[] {6, 0, 0, 0, 0, 0, 0, 1}); // offset 0, M=0
    firstFragment[20] = 44;
    setU16(firstFragment, 18, 48);
    assertThat(parse(LinkType.ETHERNET, firstFragment)).isEqualTo(ParseStatus.PARSED);
    assertThat(view.fragment).isFalse();
    assertThat(view.destinationPort).isEqualTo(18080);

    byte[] laterFragment =
        insert(syn, 54, new byte[] {6, 0, 0x05, (byte) 0xA8, 0, 0, 0, 1}); // offset 181*8
    laterFragment[20] = 44;
    setU16(laterFragment, 18, 48);
    assertThat(parse(LinkType.ETHERNET, laterFragment)).isEqualTo(ParseStatus.PARSED);
    assertThat(view.fragment).isTrue();
    assertThat(view.protocol).isEqualTo(6);
    assertThat(view.destinationPort).isZero();
  }

  @Test
  void countsMalformedHeadersWithoutThrowing() {
    byte[] frame = PcapFixtures.frames("http.pcap").get(3).bytes();

    byte[] shortIhl = frame.clone();
    shortIhl[14] = 0x44;
    assertThat(parse(LinkType.ETHERNET, shortIhl)).isEqualTo(ParseStatus.MALFORMED);

    byte[] wrongVersion = frame.clone();
    wrongVersion[14] = 0x65;
    assertThat(parse(LinkType.ETHERNET, wrongVersion)).isEqualTo(ParseStatus.MALFORMED);

    byte[] totalBelowHeader = frame.clone();
    setU16(totalBelowHeader, 16, 19);
    assertThat(parse(LinkType.ETHERNET, totalBelowHeader)).isEqualTo(ParseStatus.MALFORMED);

    byte[] tcpOffsetTooSmall = frame.clone();
    tcpOffsetTooSmall[34 + 12] = 0x40;
    assertThat(parse(LinkType.ETHERNET, tcpOffsetTooSmall)).isEqualTo(ParseStatus.MALFORMED);

    byte[] udp = PcapFixtures.frames("dns.pcap").get(0).bytes().clone();
    setU16(udp, 34 + 4, 7);
    assertThat(parse(LinkType.ETHERNET, udp)).isEqualTo(ParseStatus.MALFORMED);

    assertThat(parser.malformed()).isEqualTo(5);
  }

  @Test
  void ignoresFramesWithoutIpAndUnknownLinkTypes() {
    byte[] arp = PcapFixtures.frames("http.pcap").get(0).bytes().clone();
    arp[12] = 0x08;
    arp[13] = 0x06;

    assertThat(parse(LinkType.ETHERNET, arp)).isEqualTo(ParseStatus.NOT_IP);
    assertThat(parse(147, arp)).isEqualTo(ParseStatus.UNSUPPORTED_LINK_TYPE);
    assertThat(parser.notIp()).isEqualTo(1);
    assertThat(parser.unsupportedLinkType()).isEqualTo(1);
  }

  @Test
  void everyPrefixOfEveryRecordedFrameIsTruncatedUntilTheTransportHeaderIsComplete() {
    for (String file :
        List.of(
            "http.pcap",
            "dns.pcap",
            "ipv6.pcap",
            "fragments.pcap",
            "sll.pcap",
            "sll2.pcap",
            "refused.pcap")) {
      for (Frame frame : PcapFixtures.frames(file)) {
        assertThat(parse(frame)).as(file).isEqualTo(ParseStatus.PARSED);
        String tuple = view.toString().replaceAll(" payload .*", "");
        int payloadOffset = view.payloadOffset;
        int payloadLength = view.payloadLength;
        boolean parsedBefore = false;
        for (int length = 0; length <= frame.bytes().length; length++) {
          ParseStatus status = parser.parse(frame.linkType(), frame.bytes(), 0, length, 0, view);
          String what = file + " cut at " + length;
          if (parsedBefore || status == ParseStatus.PARSED) {
            assertThat(status).as(what).isEqualTo(ParseStatus.PARSED);
            assertThat(view.toString()).as(what).startsWith(tuple);
            assertThat(view.payloadCaptured)
                .as(what)
                .isEqualTo(Math.max(0, Math.min(length - payloadOffset, payloadLength)));
            parsedBefore = true;
          } else {
            assertThat(status).as(what).isEqualTo(ParseStatus.TRUNCATED);
          }
        }
        assertThat(parsedBefore).isTrue();
      }
    }
    assertThat(parser.malformed()).isZero();
  }

  @Test
  void randomBytesNeverThrowAndAreAllCounted() {
    Random random = new Random(7);
    int[] linkTypes = {LinkType.ETHERNET, LinkType.RAW, LinkType.LINUX_SLL, LinkType.LINUX_SLL2};
    byte[] template = PcapFixtures.frames("http.pcap").get(3).bytes();
    for (int i = 0; i < 20_000; i++) {
      byte[] frame;
      if (i % 2 == 0) {
        frame = new byte[random.nextInt(200)];
        random.nextBytes(frame);
      } else {
        frame = template.clone();
        for (int flips = 0; flips < 4; flips++) {
          frame[random.nextInt(frame.length)] = (byte) random.nextInt();
        }
      }
      parser.parse(linkTypes[i % linkTypes.length], frame, 0, frame.length, 0, view);
      if (view.payloadCaptured > 0) {
        assertThat(view.payloadOffset + view.payloadCaptured).isLessThanOrEqualTo(frame.length);
      }
    }
    assertThat(parser.packets()).isEqualTo(20_000);
    assertThat(parser.parsed() + parser.notIp() + parser.unparsed()).isEqualTo(20_000);
  }

  @Test
  void rejectsOffsetsOutsideTheBuffer() {
    byte[] frame = new byte[10];
    assertThat(parser.parse(LinkType.ETHERNET, frame, 4, 10, 0, view))
        .isEqualTo(ParseStatus.MALFORMED);
    assertThat(parser.parse(LinkType.ETHERNET, frame, 0, -1, 0, view))
        .isEqualTo(ParseStatus.MALFORMED);
  }

  static byte[] insert(byte[] frame, int at, byte[] inserted) {
    byte[] result = new byte[frame.length + inserted.length];
    System.arraycopy(frame, 0, result, 0, at);
    System.arraycopy(inserted, 0, result, at, inserted.length);
    System.arraycopy(frame, at, result, at + inserted.length, frame.length - at);
    return result;
  }

  private static byte[] concat(byte[] a, byte[] b) {
    byte[] result = Arrays.copyOf(a, a.length + b.length);
    System.arraycopy(b, 0, result, a.length, b.length);
    return result;
  }

  static void setU16(byte[] data, int at, int value) {
    data[at] = (byte) (value >>> 8);
    data[at + 1] = (byte) value;
  }
}
