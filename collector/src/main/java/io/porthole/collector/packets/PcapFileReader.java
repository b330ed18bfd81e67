package io.porthole.collector.packets;

import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A plain Java reader of classic pcap files (little and big endian, microsecond and nanosecond
 * timestamps) for replay and benchmarks. Chosen over pcap4j's offline handle because the JNA call
 * per packet dominates there (see README.md (Packet flows) for the numbers); this reader hands out
 * each record in place in its own buffer, with no per-packet allocation.
 *
 * <pre>{@code
 * try (PcapFileReader reader = PcapFileReader.open(path)) {
 *   while (reader.next()) {
 *     parser.parse(reader.linkType(), reader.buffer(), reader.offset(), reader.capturedLength(),
 *         reader.timestampNanos(), view);
 *   }
 * }
 * }</pre>
 */
public final class PcapFileReader implements Closeable {

  private static final int MAGIC_MICROS = 0xA1B2C3D4;
  private static final int MAGIC_NANOS = 0xA1B23C4D;
  private static final int MAGIC_PCAPNG = 0x0A0D0D0A;
  private static final int FILE_HEADER = 24;
  private static final int RECORD_HEADER = 16;
  private static final int MAX_RECORD = 16 * 1024 * 1024;
  private static final int DEFAULT_BUFFER = 4 * 1024 * 1024;

  private final Path file;
  private final InputStream in;
  private final boolean littleEndian;
  private final boolean nanos;
  private final int linkType;
  private final int snaplen;
  private byte[] buffer;
  private int position;
  private int limit;
  private boolean eof;
  private long recordsRead;
  private long fileOffset = FILE_HEADER;
  private boolean endedInPartialRecord;

  private int recordOffset;
  private int capturedLength;
  private int originalLength;
  private long timestampNanos;

  private PcapFileReader(Path file, InputStream in, byte[] buffer, int limit)
      throws PcapFormatException {
    this.file = file;
    this.in = in;
    this.buffer = buffer;
    this.limit = limit;
    if (limit < 4) {
      throw new PcapFormatException(file + ": not a pcap file (only " + limit + " bytes long)");
    }
    int magic = bigEndianInt(buffer, 0);
    if (magic == MAGIC_MICROS || magic == MAGIC_NANOS) {
      littleEndian = false;
    } else if (Integer.reverseBytes(magic) == MAGIC_MICROS
        || Integer.reverseBytes(magic) == MAGIC_NANOS) {
      littleEndian = true;
    } else if (magic == MAGIC_PCAPNG) {
      throw new PcapFormatException(
          file
              + ": this is a pcapng file, which is not supported; convert it to pcap with"
              + " `tcpdump -r "
              + file.getFileName()
              + " -w out.pcap` (or `editcap -F pcap`)");
    } else {
      throw new PcapFormatException(
          file
              + ": not a pcap file (magic number 0x"
              + Integer.toHexString(magic)
              + ", expected 0xa1b2c3d4 or 0xa1b23c4d in either byte order)");
    }
    if (limit < FILE_HEADER) {
      throw new PcapFormatException(
          file + ": truncated pcap file header (" + limit + " of 24 bytes)");
    }
    nanos = (littleEndian ? Integer.reverseBytes(magic) : magic) == MAGIC_NANOS;
    snaplen = readInt(16);
    linkType = readInt(20) & 0x0FFFFFFF;
    position = FILE_HEADER;
  }

  /** Opens a pcap file and reads its header. */
  public static PcapFileReader open(Path file) throws IOException {
    return open(file, DEFAULT_BUFFER);
  }

  /**
   * As {@link #open(Path)} with a read buffer of the given size (grown for records that need more).
   */
  static PcapFileReader open(Path file, int bufferBytes) throws IOException {
    InputStream in = Files.newInputStream(file);
    try {
      byte[] buffer = new byte[Math.max(FILE_HEADER, bufferBytes)];
      int limit = fill(in, buffer, 0);
      return new PcapFileReader(file, in, buffer, limit);
    } catch (IOException | RuntimeException e) {
      in.close();
      throw e;
    }
  }

  /**
   * Advances to the next record.
   *
   * @return false at the end of the file (see {@link #endedInPartialRecord()} for a cut-off file)
   * @throws PcapFormatException when a record header is impossible (a corrupt file)
   */
  public boolean next() throws IOException {
    if (!ensure(RECORD_HEADER)) {
      endedInPartialRecord = limit > position;
      return false;
    }
    long seconds = readInt(position) & 0xFFFFFFFFL;
    long fraction = readInt(position + 4) & 0xFFFFFFFFL;
    int captured = readInt(position + 8);
    int original = readInt(position + 12);
    if (captured < 0 || captured > MAX_RECORD) {
      throw new PcapFormatException(
          file
              + ": record "
              + (recordsRead + 1)
              + " at byte "
              + fileOffset
              + " claims "
              + Integer.toUnsignedString(captured)
              + " captured bytes (snaplen "
              + snaplen
              + "): the file is corrupt");
    }
    if (!ensure(RECORD_HEADER + captured)) {
      endedInPartialRecord = true;
      return false;
    }
    timestampNanos = seconds * 1_000_000_000L + (nanos ? fraction : fraction * 1000L);
    capturedLength = captured;
    originalLength = original;
    recordOffset = position + RECORD_HEADER;
    position = recordOffset + captured;
    fileOffset += RECORD_HEADER + captured;
    recordsRead++;
    return true;
  }

  private boolean ensure(int bytes) throws IOException {
    if (limit - position >= bytes) {
      return true;
    }
    if (eof) {
      return false;
    }
    if (bytes > buffer.length) {
      byte[] bigger = new byte[Math.max(bytes, buffer.length * 2)];
      System.arraycopy(buffer, position, bigger, 0, limit - position);
      buffer = bigger;
    } else {
      System.arraycopy(buffer, position, buffer, 0, limit - position);
    }
    limit -= position;
    position = 0;
    int filled = fill(in, buffer, limit);
    eof = filled < buffer.length;
    limit = filled;
    return limit - position >= bytes;
  }

  private static int fill(InputStream in, byte[] buffer, int from) throws IOException {
    int limit = from;
    while (limit < buffer.length) {
      int read = in.read(buffer, limit, buffer.length - limit);
      if (read < 0) {
        break;
      }
      limit += read;
    }
    return limit;
  }

  private int readInt(int at) {
    int value = bigEndianInt(buffer, at);
    return littleEndian ? Integer.reverseBytes(value) : value;
  }

  private static int bigEndianInt(byte[] b, int at) {
    return (b[at] & 0xFF) << 24
        | (b[at + 1] & 0xFF) << 16
        | (b[at + 2] & 0xFF) << 8
        | (b[at + 3] & 0xFF);
  }

  public int linkType() {
    return linkType;
  }

  public int snaplen() {
    return snaplen;
  }

  public boolean nanosecondTimestamps() {
    return nanos;
  }

  /** The file's headers are big-endian (written on a big-endian machine). */
  public boolean bigEndian() {
    return !littleEndian;
  }

  /**
   * The buffer holding the current record's bytes from {@link #offset()}; valid until {@link
   * #next()}.
   */
  public byte[] buffer() {
    return buffer;
  }

  public int offset() {
    return recordOffset;
  }

  public int capturedLength() {
    return capturedLength;
  }

  public int originalLength() {
    return originalLength;
  }

  public long timestampNanos() {
    return timestampNanos;
  }

  public long recordsRead() {
    return recordsRead;
  }

  /** The file ended in the middle of a record (e.g. tcpdump was killed while writing). */
  public boolean endedInPartialRecord() {
    return endedInPartialRecord;
  }

  @Override
  public void close() throws IOException {
    in.close();
  }
}
