package io.porthole.collector.packets;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;

/**
 * Reads the headers of raw frames (Ethernet with 802.1Q/802.1ad tags, Linux cooked v1/v2, raw IP;
 * IPv4 with options and fragments; IPv6 with hop-by-hop, routing, fragment, destination-options and
 * AH extension headers; TCP, UDP, ICMP, ICMPv6) straight from the capture buffer into a reused
 * {@link PacketView}. Bad input never throws: every frame gets a {@link ParseStatus} and is
 * counted.
 *
 * <p>One instance per capture thread (the counters are plain fields).
 */
public final class PacketParser {

  private static final VarHandle SHORT =
      MethodHandles.byteArrayViewVarHandle(short[].class, ByteOrder.BIG_ENDIAN);
  private static final VarHandle INT =
      MethodHandles.byteArrayViewVarHandle(int[].class, ByteOrder.BIG_ENDIAN);
  private static final VarHandle LONG =
      MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.BIG_ENDIAN);

  private static final int ETHERTYPE_IPV4 = 0x0800;
  private static final int ETHERTYPE_IPV6 = 0x86DD;
  private static final int ETHERTYPE_VLAN = 0x8100;
  private static final int ETHERTYPE_QINQ = 0x88A8;
  private static final int ETHERTYPE_QINQ_OLD = 0x9100;
  private static final int MAX_VLAN_TAGS = 2;
  private static final int MAX_IPV6_EXTENSION_HEADERS = 8;

  static final int PROTO_ICMP = 1;
  static final int PROTO_TCP = 6;
  static final int PROTO_UDP = 17;
  static final int PROTO_ICMPV6 = 58;

  private long packets;
  private long parsed;
  private long notIp;
  private long truncated;
  private long malformed;
  private long unsupportedLinkType;

  /**
   * Parses one frame.
   *
   * @param data buffer holding the frame's captured bytes
   * @param offset where the frame starts in {@code data}
   * @param captured how many bytes of the frame were captured
   * @param timestampNanos capture time (copied into the view)
   */
  public ParseStatus parse(
      int linkType, byte[] data, int offset, int captured, long timestampNanos, PacketView view) {
    packets++;
    view.reset();
    view.data = data;
    view.timestampNanos = timestampNanos;
    int end = offset + captured;
    ParseStatus status;
    if (captured < 0 || end > data.length || offset < 0) {
      status = ParseStatus.MALFORMED;
    } else {
      status =
          switch (linkType) {
            case LinkType.ETHERNET -> ethernet(data, offset, end, view);
            case LinkType.LINUX_SLL ->
                end - offset < 16
                    ? ParseStatus.TRUNCATED
                    : etherType(data, u16(data, offset + 14), offset + 16, end, view, 0);
            case LinkType.LINUX_SLL2 ->
                end - offset < 20
                    ? ParseStatus.TRUNCATED
                    : etherType(data, u16(data, offset), offset + 20, end, view, 0);
            case LinkType.RAW, LinkType.RAW_DLT_12, LinkType.RAW_DLT_14 ->
                rawIp(data, offset, end, view);
            default -> ParseStatus.UNSUPPORTED_LINK_TYPE;
          };
    }
    count(status);
    return status;
  }

  private void count(ParseStatus status) {
    switch (status) {
      case PARSED -> parsed++;
      case NOT_IP -> notIp++;
      case TRUNCATED -> truncated++;
      case MALFORMED -> malformed++;
      case UNSUPPORTED_LINK_TYPE -> unsupportedLinkType++;
    }
  }

  private static ParseStatus ethernet(byte[] data, int offset, int end, PacketView view) {
    if (end - offset < 14) {
      return ParseStatus.TRUNCATED;
    }
    return etherType(data, u16(data, offset + 12), offset + 14, end, view, 0);
  }

  private static ParseStatus etherType(
      byte[] data, int type, int offset, int end, PacketView view, int tags) {
    switch (type) {
      case ETHERTYPE_IPV4:
        return ipv4(data, offset, end, view);
      case ETHERTYPE_IPV6:
        return ipv6(data, offset, end, view);
      case ETHERTYPE_VLAN, ETHERTYPE_QINQ, ETHERTYPE_QINQ_OLD:
        if (tags >= MAX_VLAN_TAGS) {
          return ParseStatus.NOT_IP;
        }
        if (end - offset < 4) {
          return ParseStatus.TRUNCATED;
        }
        if (view.vlanId < 0) {
          view.vlanId = u16(data, offset) & 0x0FFF;
        }
        return etherType(data, u16(data, offset + 2), offset + 4, end, view, tags + 1);
      default:
        return ParseStatus.NOT_IP;
    }
  }

  private static ParseStatus rawIp(byte[] data, int offset, int end, PacketView view) {
    if (end - offset < 1) {
      return ParseStatus.TRUNCATED;
    }
    return switch ((data[offset] & 0xF0) >>> 4) {
      case 4 -> ipv4(data, offset, end, view);
      case 6 -> ipv6(data, offset, end, view);
      default -> ParseStatus.MALFORMED;
    };
  }

  private static ParseStatus ipv4(byte[] data, int offset, int end, PacketView view) {
    if (end - offset < 20) {
      return ParseStatus.TRUNCATED;
    }
    int versionAndLength = data[offset] & 0xFF;
    int headerLength = (versionAndLength & 0x0F) * 4;
    int totalLength = u16(data, offset + 2);
    if (versionAndLength >>> 4 != 4 || headerLength < 20 || totalLength < headerLength) {
      return ParseStatus.MALFORMED;
    }
    if (end - offset < headerLength) {
      return ParseStatus.TRUNCATED;
    }
    view.ipVersion = 4;
    view.ipLength = totalLength;
    view.protocol = data[offset + 9] & 0xFF;
    view.sourceLo = u32(data, offset + 12) & 0xFFFFFFFFL;
    view.destinationLo = u32(data, offset + 16) & 0xFFFFFFFFL;
    int fragmentOffset = u16(data, offset + 6) & 0x1FFF;
    int transport = offset + headerLength;
    int ipEnd = offset + totalLength;
    if (fragmentOffset != 0) {
      view.fragment = true;
      return ParseStatus.PARSED;
    }
    return transport(data, transport, ipEnd, Math.min(end, ipEnd), view);
  }

  private static ParseStatus ipv6(byte[] data, int offset, int end, PacketView view) {
    if (end - offset < 40) {
      return ParseStatus.TRUNCATED;
    }
    if ((data[offset] & 0xF0) != 0x60) {
      return ParseStatus.MALFORMED;
    }
    int payloadLength = u16(data, offset + 4);
    view.ipVersion = 6;
    view.ipLength = 40 + payloadLength;
    view.sourceHi = u64(data, offset + 8);
    view.sourceLo = u64(data, offset + 16);
    view.destinationHi = u64(data, offset + 24);
    view.destinationLo = u64(data, offset + 32);
    int ipEnd = offset + 40 + payloadLength;
    int next = data[offset + 6] & 0xFF;
    int position = offset + 40;
    for (int i = 0; i < MAX_IPV6_EXTENSION_HEADERS; i++) {
      int headerLength;
      switch (next) {
        case 0, 43, 60 -> { // hop-by-hop, routing, destination options
          if (end - position < 2) {
            return ParseStatus.TRUNCATED;
          }
          headerLength = ((data[position + 1] & 0xFF) + 1) * 8;
        }
        case 44 -> { // fragment
          if (end - position < 8) {
            return ParseStatus.TRUNCATED;
          }
          headerLength = 8;
          if ((u16(data, position + 2) & 0xFFF8) != 0) {
            view.protocol = data[position] & 0xFF;
            view.fragment = true;
            return position + 8 > ipEnd ? ParseStatus.MALFORMED : ParseStatus.PARSED;
          }
        }
        case 51 -> { // authentication header
          if (end - position < 2) {
            return ParseStatus.TRUNCATED;
          }
          headerLength = ((data[position + 1] & 0xFF) + 2) * 4;
        }
        default -> {
          view.protocol = next;
          return transport(data, position, ipEnd, Math.min(end, ipEnd), view);
        }
      }
      if (position + headerLength > ipEnd) {
        return ParseStatus.MALFORMED;
      }
      next = data[position] & 0xFF;
      position += headerLength;
    }
    return ParseStatus.MALFORMED;
  }

  /**
   * @param ipEnd where the IP packet ends according to its header
   * @param end where the captured bytes of the IP packet end
   */
  private static ParseStatus transport(
      byte[] data, int offset, int ipEnd, int end, PacketView view) {
    int available = end - offset;
    switch (view.protocol) {
      case PROTO_TCP -> {
        if (available < 20) {
          return ipEnd - offset < 20 ? ParseStatus.MALFORMED : ParseStatus.TRUNCATED;
        }
        int headerLength = ((data[offset + 12] & 0xF0) >>> 4) * 4;
        if (headerLength < 20 || offset + headerLength > ipEnd) {
          return ParseStatus.MALFORMED;
        }
        view.sourcePort = u16(data, offset);
        view.destinationPort = u16(data, offset + 2);
        view.tcpSequence = u32(data, offset + 4);
        view.tcpFlags = data[offset + 13] & 0xFF;
        payload(offset + headerLength, ipEnd, end, view);
      }
      case PROTO_UDP -> {
        if (available < 8) {
          return ipEnd - offset < 8 ? ParseStatus.MALFORMED : ParseStatus.TRUNCATED;
        }
        int udpLength = u16(data, offset + 4);
        if (udpLength < 8) {
          return ParseStatus.MALFORMED;
        }
        view.sourcePort = u16(data, offset);
        view.destinationPort = u16(data, offset + 2);
        payload(offset + 8, Math.min(ipEnd, offset + udpLength), end, view);
      }
      case PROTO_ICMP, PROTO_ICMPV6 -> {
        if (available < 4) {
          return ipEnd - offset < 4 ? ParseStatus.MALFORMED : ParseStatus.TRUNCATED;
        }
        view.icmpType = data[offset] & 0xFF;
        view.icmpCode = data[offset + 1] & 0xFF;
        if (isEcho(view.protocol, view.icmpType)) {
          if (available < 8) {
            return ipEnd - offset < 8 ? ParseStatus.MALFORMED : ParseStatus.TRUNCATED;
          }
          int identifier = u16(data, offset + 4);
          view.sourcePort = identifier;
          view.destinationPort = identifier;
          payload(offset + 8, ipEnd, end, view);
        } else {
          payload(offset + 4, ipEnd, end, view);
        }
      }
      default -> payload(offset, ipEnd, end, view);
    }
    return ParseStatus.PARSED;
  }

  private static boolean isEcho(int protocol, int type) {
    return protocol == PROTO_ICMP ? type == 8 || type == 0 : type == 128 || type == 129;
  }

  private static void payload(int offset, int ipEnd, int end, PacketView view) {
    view.payloadOffset = offset;
    view.payloadLength = Math.max(0, ipEnd - offset);
    view.payloadCaptured = Math.max(0, Math.min(end, ipEnd) - offset);
  }

  private static int u16(byte[] data, int offset) {
    return (short) SHORT.get(data, offset) & 0xFFFF;
  }

  private static int u32(byte[] data, int offset) {
    return (int) INT.get(data, offset);
  }

  private static long u64(byte[] data, int offset) {
    return (long) LONG.get(data, offset);
  }

  /** Frames seen by {@link #parse}. */
  public long packets() {
    return packets;
  }

  public long parsed() {
    return parsed;
  }

  public long notIp() {
    return notIp;
  }

  public long truncated() {
    return truncated;
  }

  public long malformed() {
    return malformed;
  }

  public long unsupportedLinkType() {
    return unsupportedLinkType;
  }

  /** Frames that could not be read: truncated, malformed, or of an unsupported link type. */
  public long unparsed() {
    return truncated + malformed + unsupportedLinkType;
  }
}
