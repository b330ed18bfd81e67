package io.porthole.collector.remediation;

import java.io.BufferedOutputStream;
import java.io.Closeable;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Writes a classic pcap file (microsecond timestamps, Ethernet link type) from packets of several
 * interfaces, enforcing the packet and byte caps of a capture. Plain Java; thread-safe, so that the
 * capture loops of all of a container's veths can write into one file.
 */
final class PcapFileWriter implements Closeable {

  static final int FILE_HEADER_BYTES = 24;
  static final int RECORD_HEADER_BYTES = 16;
  private static final int MAGIC_MICROSECONDS = 0xa1b2c3d4;
  private static final int LINKTYPE_ETHERNET = 1;

  /** Whether a packet was written, or which cap refused it. */
  enum Outcome {
    WRITTEN,
    PACKET_CAP,
    BYTE_CAP
  }

  private final OutputStream out;
  private final long maxPackets;
  private final long maxBytes;
  private long packets;
  private long bytes = FILE_HEADER_BYTES;

  PcapFileWriter(Path file, int snaplen, long maxPackets, long maxBytes) throws IOException {
    this.out = new BufferedOutputStream(Files.newOutputStream(file));
    this.maxPackets = maxPackets;
    this.maxBytes = maxBytes;
    ByteBuffer header = ByteBuffer.allocate(FILE_HEADER_BYTES).order(ByteOrder.LITTLE_ENDIAN);
    header
        .putInt(MAGIC_MICROSECONDS)
        .putShort((short) 2)
        .putShort((short) 4)
        .putInt(0)
        .putInt(0)
        .putInt(snaplen)
        .putInt(LINKTYPE_ETHERNET);
    out.write(header.array());
  }

  /**
   * Appends one packet unless a cap forbids it; the packet cap is reached with the packet that
   * fills it.
   */
  synchronized Outcome write(long epochMicros, byte[] packet, int originalLength)
      throws IOException {
    if (packets >= maxPackets) {
      return Outcome.PACKET_CAP;
    }
    if (bytes + RECORD_HEADER_BYTES + packet.length > maxBytes) {
      return Outcome.BYTE_CAP;
    }
    ByteBuffer record = ByteBuffer.allocate(RECORD_HEADER_BYTES).order(ByteOrder.LITTLE_ENDIAN);
    record
        .putInt((int) (epochMicros / 1_000_000))
        .putInt((int) (epochMicros % 1_000_000))
        .putInt(packet.length)
        .putInt(Math.max(originalLength, packet.length));
    out.write(record.array());
    out.write(packet);
    packets++;
    bytes += RECORD_HEADER_BYTES + packet.length;
    return packets >= maxPackets ? Outcome.PACKET_CAP : Outcome.WRITTEN;
  }

  synchronized long packets() {
    return packets;
  }

  synchronized long bytes() {
    return bytes;
  }

  @Override
  public synchronized void close() throws IOException {
    out.close();
  }
}
