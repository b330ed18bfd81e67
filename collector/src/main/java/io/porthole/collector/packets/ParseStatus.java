package io.porthole.collector.packets;

/** What {@link PacketParser#parse} made of a frame. */
public enum ParseStatus {
  /**
   * An IPv4/IPv6 packet whose headers up to the transport header are complete: the view is filled.
   */
  PARSED,
  /**
   * A well-formed frame that carries no IP (ARP, LLDP, 802.3 length frames): ignored, not an error.
   */
  NOT_IP,
  /**
   * The captured bytes end inside a header needed for the 5-tuple (snaplen too small, cut frame).
   */
  TRUNCATED,
  /**
   * A header contradicts itself (IPv4 header length below 20, total length below header length,
   * ...).
   */
  MALFORMED,
  /** The capture's link-layer type is not one the parser reads. */
  UNSUPPORTED_LINK_TYPE
}
