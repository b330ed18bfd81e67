package io.porthole.collector.packets;

import java.io.IOException;

/**
 * A file is not a pcap file this reader can read, or is corrupt; the message says which and why.
 */
public class PcapFormatException extends IOException {

  public PcapFormatException(String message) {
    super(message);
  }
}
