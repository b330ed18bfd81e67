package io.porthole.collector.packets;

/** The link-layer header types (pcap LINKTYPE_/DLT_ values) the {@link PacketParser} reads. */
public final class LinkType {

  /** Ethernet II, optionally with 802.1Q/802.1ad VLAN tags (also Linux loopback). */
  public static final int ETHERNET = 1;

  /** Raw IPv4/IPv6 without a link header, as written to files (LINKTYPE_RAW). */
  public static final int RAW = 101;

  /** Raw IP as some libpcap builds report it live (DLT_RAW on Linux/BSD). */
  public static final int RAW_DLT_12 = 12;

  public static final int RAW_DLT_14 = 14;

  /** Linux cooked capture v1 ({@code tcpdump -i any -y LINUX_SLL}). */
  public static final int LINUX_SLL = 113;

  /** Linux cooked capture v2 ({@code tcpdump -i any}, libpcap 1.10 and later). */
  public static final int LINUX_SLL2 = 276;

  private LinkType() {}

  public static boolean isSupported(int linkType) {
    return switch (linkType) {
      case ETHERNET, RAW, RAW_DLT_12, RAW_DLT_14, LINUX_SLL, LINUX_SLL2 -> true;
      default -> false;
    };
  }

  public static String describe(int linkType) {
    return switch (linkType) {
      case ETHERNET -> "Ethernet";
      case RAW, RAW_DLT_12, RAW_DLT_14 -> "raw IP";
      case LINUX_SLL -> "Linux cooked v1";
      case LINUX_SLL2 -> "Linux cooked v2";
      default -> "link type " + linkType;
    };
  }
}
