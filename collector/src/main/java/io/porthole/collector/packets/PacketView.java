package io.porthole.collector.packets;

/**
 * The parsed headers of one packet: a mutable view the {@link PacketParser} fills in place, so that
 * the hot path allocates nothing. Valid until the next {@code parse} call; payload bytes are read
 * from {@link #data} (the caller's frame buffer), not copied.
 *
 * <p>Addresses are held as two longs each (IPv4: {@code hi = 0}, {@code lo} = the 32-bit address).
 */
public final class PacketView {

  public static final int TCP_FIN = 0x01;
  public static final int TCP_SYN = 0x02;
  public static final int TCP_RST = 0x04;
  public static final int TCP_PSH = 0x08;
  public static final int TCP_ACK = 0x10;

  /** 4 or 6. */
  public int ipVersion;

  public long sourceHi;
  public long sourceLo;
  public long destinationHi;
  public long destinationLo;

  /** IP protocol number of the transport header (6 TCP, 17 UDP, 1 ICMP, 58 ICMPv6, ...). */
  public int protocol;

  /** Transport ports; for ICMP echo both are the echo identifier; 0 where there are none. */
  public int sourcePort;

  public int destinationPort;

  /** TCP flag bits (low byte of the flags field); 0 for other protocols. */
  public int tcpFlags;

  public int tcpSequence;
  public int icmpType;
  public int icmpCode;

  /** The outermost 802.1Q VLAN id, or -1 when untagged. */
  public int vlanId;

  /** A non-first IP fragment: no transport header, ports are 0. */
  public boolean fragment;

  /** Bytes on the wire at the IP layer (IPv4 total length, IPv6 payload length + 40). */
  public int ipLength;

  /** The application payload: offset into {@link #data} and how many of its bytes were captured. */
  public int payloadOffset;

  public int payloadCaptured;

  /**
   * Payload length according to the headers (can exceed {@link #payloadCaptured} under a snaplen).
   */
  public int payloadLength;

  /** Capture time, nanoseconds since the epoch. */
  public long timestampNanos;

  /** The frame buffer the offsets refer to. */
  public byte[] data;

  void reset() {
    ipVersion = 0;
    sourceHi = sourceLo = destinationHi = destinationLo = 0;
    protocol = 0;
    sourcePort = destinationPort = 0;
    tcpFlags = 0;
    tcpSequence = 0;
    icmpType = icmpCode = 0;
    vlanId = -1;
    fragment = false;
    ipLength = 0;
    payloadOffset = payloadCaptured = payloadLength = 0;
  }

  public boolean hasTcpFlag(int flag) {
    return (tcpFlags & flag) != 0;
  }

  public String sourceAddress() {
    return IpAddresses.format(ipVersion == 6, sourceHi, sourceLo);
  }

  public String destinationAddress() {
    return IpAddresses.format(ipVersion == 6, destinationHi, destinationLo);
  }

  @Override
  public String toString() {
    return "proto "
        + protocol
        + " "
        + sourceAddress()
        + ":"
        + sourcePort
        + " > "
        + destinationAddress()
        + ":"
        + destinationPort
        + " flags 0x"
        + Integer.toHexString(tcpFlags)
        + " ipLength "
        + ipLength
        + " payload "
        + payloadCaptured
        + "/"
        + payloadLength;
  }
}
