package io.porthole.analyzer.kafka;

import com.google.protobuf.UnsafeByteOperations;
import com.google.protobuf.WireFormat;
import io.porthole.analyzer.engine.FlowFacts;
import io.porthole.proto.EventEnvelope;
import io.porthole.proto.FlowRecord;
import io.porthole.proto.TcpFlagCounts;
import io.porthole.proto.TransportProtocol;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import org.apache.kafka.common.utils.Utils;

/**
 * Reads, from the bytes of an {@link EventEnvelope} on the flows topic, only what the analyzer
 * needs of a flow that no rule may use: its host, container and time, and the {@link FlowFacts}
 * that decide whether a rule may use it. Decoding every field of every flow was most of the
 * analyzer's work (docs/benchmarks.md); most flows are answered connections no rule looks at.
 *
 * <p>Hand-written over the protobuf wire format because it is the analyzer's hot path: on this
 * project's 2-core machines it reads a bench flow (~330 bytes) in ~190 ns against ~420 ns for
 * protobuf's generated parser and ~255 ns for the same scan over {@code CodedInputStream}, one
 * thread over the same records, allocating only the two id strings.
 *
 * <p>It accepts exactly the records {@link EventEnvelope#parseFrom(byte[])} accepts: strings it
 * skips are still checked to be UTF-8 as the full decode checks them, and the timestamps it skips
 * to be well-formed as the full decode parses them; unknown fields, and fields of an unexpected
 * wire type, are skipped as the full decode keeps them unknown. Whatever it does not settle on its
 * own (another body than a flow, a body given twice, empty or '/'-containing ids, bytes that are
 * not well-formed) it leaves to the full decode: {@link #scan} returns null.
 */
final class FlowEnvelopeScanner {

  /** A flow read this far: its container and time, and its facts. */
  record ScannedFlow(
      String hostId, String containerId, long timeSeconds, int timeNanos, FlowFacts facts) {}

  private static final int LENGTH_DELIMITED = WireFormat.WIRETYPE_LENGTH_DELIMITED;
  private static final int VARINT = WireFormat.WIRETYPE_VARINT;
  private static final int ENVELOPE_EVENT_ID =
      tag(EventEnvelope.EVENT_ID_FIELD_NUMBER, LENGTH_DELIMITED);
  private static final int ENVELOPE_HOST_ID =
      tag(EventEnvelope.HOST_ID_FIELD_NUMBER, LENGTH_DELIMITED);
  private static final int ENVELOPE_CONTAINER_ID =
      tag(EventEnvelope.CONTAINER_ID_FIELD_NUMBER, LENGTH_DELIMITED);
  private static final int ENVELOPE_TIME = tag(EventEnvelope.TIME_FIELD_NUMBER, LENGTH_DELIMITED);
  private static final int ENVELOPE_COLLECTOR_TIME =
      tag(EventEnvelope.COLLECTOR_TIME_FIELD_NUMBER, LENGTH_DELIMITED);
  private static final int ENVELOPE_FLOW = tag(EventEnvelope.FLOW_FIELD_NUMBER, LENGTH_DELIMITED);
  private static final int TIMESTAMP_SECONDS = tag(1, VARINT);
  private static final int TIMESTAMP_NANOS = tag(2, VARINT);
  private static final int FLOW_PROTOCOL = tag(FlowRecord.PROTOCOL_FIELD_NUMBER, VARINT);
  private static final int FLOW_SEQUENCE = tag(FlowRecord.SEQUENCE_FIELD_NUMBER, VARINT);
  private static final int FLOW_TCP_FLAGS =
      tag(FlowRecord.TCP_FLAGS_FIELD_NUMBER, LENGTH_DELIMITED);
  private static final int FLOW_APPLICATION =
      tag(FlowRecord.APPLICATION_FIELD_NUMBER, LENGTH_DELIMITED);
  // The Timestamps of FlowRecord: skipped, but checked to be well-formed.
  private static final int FLOW_FIRST_SEEN =
      tag(FlowRecord.FIRST_SEEN_FIELD_NUMBER, LENGTH_DELIMITED);
  private static final int FLOW_LAST_SEEN =
      tag(FlowRecord.LAST_SEEN_FIELD_NUMBER, LENGTH_DELIMITED);
  private static final int FLAGS_SYN = tag(TcpFlagCounts.SYN_FIELD_NUMBER, VARINT);
  private static final int FLAGS_SYN_ACK = tag(TcpFlagCounts.SYN_ACK_FIELD_NUMBER, VARINT);
  // The string fields of FlowRecord: skipped, but checked to be UTF-8.
  private static final int FLOW_SOURCE_ADDRESS =
      tag(FlowRecord.SOURCE_ADDRESS_FIELD_NUMBER, LENGTH_DELIMITED);
  private static final int FLOW_DESTINATION_ADDRESS =
      tag(FlowRecord.DESTINATION_ADDRESS_FIELD_NUMBER, LENGTH_DELIMITED);
  private static final int FLOW_CONTAINER_ADDRESS =
      tag(FlowRecord.CONTAINER_ADDRESS_FIELD_NUMBER, LENGTH_DELIMITED);
  private static final int FLOW_INTERFACE =
      tag(FlowRecord.INTERFACE_FIELD_NUMBER, LENGTH_DELIMITED);
  // ApplicationSummary has string fields only, numbered 1 to this.
  private static final int APPLICATION_LAST_STRING = 6;
  private static final long ASCII_MASK = 0x8080808080808080L;
  private static final VarHandle LONGS =
      MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);

  /** A record the scan leaves to the full decode. */
  private static final class NotScanned extends Exception {
    private static final NotScanned INSTANCE = new NotScanned();

    private NotScanned() {
      super(null, null, false, false);
    }
  }

  // The scan's position in bytes, and the values it found (one scanner per record).
  private final byte[] bytes;
  private final int end;
  private int pos;
  private long seconds;
  private int nanos;
  private int protocol;
  private int sequence;
  private int syn;
  private int synAck;

  private FlowEnvelopeScanner(byte[] bytes, int offset, int end) {
    this.bytes = bytes;
    this.pos = offset;
    this.end = end;
  }

  /** The flow's container, time and facts; null when the full decode must settle the record. */
  static ScannedFlow scan(byte[] bytes) {
    return scan(bytes, 0, bytes.length);
  }

  /** The same, of the buffer's remaining bytes (read in place when it has an array). */
  static ScannedFlow scan(ByteBuffer buffer) {
    if (buffer.hasArray()) {
      return scan(buffer.array(), buffer.arrayOffset() + buffer.position(), buffer.remaining());
    }
    return scan(Utils.toArray(buffer));
  }

  private static ScannedFlow scan(byte[] bytes, int offset, int length) {
    try {
      return new FlowEnvelopeScanner(bytes, offset, offset + length).envelope();
    } catch (NotScanned e) {
      return null; // the full decode says what is wrong, or decodes what the scan does not
    }
  }

  private ScannedFlow envelope() throws NotScanned {
    String hostId = "";
    String containerId = "";
    boolean flow = false;
    while (pos < end) {
      int tag = readTag(end);
      if (tag == ENVELOPE_HOST_ID) {
        hostId = readString(end);
      } else if (tag == ENVELOPE_CONTAINER_ID) {
        containerId = readString(end);
      } else if (tag == ENVELOPE_EVENT_ID) {
        skipString(end);
      } else if (tag == ENVELOPE_TIME) {
        timestamp(readLimit(end));
      } else if (tag == ENVELOPE_COLLECTOR_TIME) {
        skipTimestamp(readLimit(end));
      } else if (tag == ENVELOPE_FLOW) {
        if (flow) {
          throw NotScanned.INSTANCE; // given twice: the full decode merges them
        }
        flow = true;
        flow(readLimit(end));
      } else if (WireFormat.getTagFieldNumber(tag) >= EventEnvelope.CONTAINER_EVENT_FIELD_NUMBER) {
        throw NotScanned.INSTANCE; // another body, or an unknown field where bodies go
      } else {
        skipField(tag, end); // unknown fields, and known ones of an unexpected wire type
      }
    }
    if (!flow
        || hostId.isEmpty()
        || containerId.isEmpty()
        || hostId.indexOf('/') >= 0
        || containerId.indexOf('/') >= 0) {
      throw NotScanned.INSTANCE; // the full decode and the engine's checks say what is wrong
    }
    // Strings cache their hash: computed here, on a decode thread, the engine's look-up of the
    // host on the analysis thread does not hash its id again. The container id's is not needed:
    // ContainerKey (built here too) keys a Docker id by its words, and hashes any other id itself.
    hostId.hashCode();
    TransportProtocol known = TransportProtocol.forNumber(protocol);
    return new ScannedFlow(
        hostId,
        containerId,
        seconds,
        nanos,
        new FlowFacts(
            known == null ? TransportProtocol.UNRECOGNIZED : known, sequence, syn, synAck));
  }

  /** A Timestamp given more than once merges: each of its fields keeps its last value. */
  private void timestamp(int end) throws NotScanned {
    while (pos < end) {
      int tag = readTag(end);
      if (tag == TIMESTAMP_SECONDS) {
        seconds = readVarint(end);
      } else if (tag == TIMESTAMP_NANOS) {
        nanos = (int) readVarint(end);
      } else {
        skipField(tag, end);
      }
    }
    ended(end);
  }

  /**
   * A Timestamp the scan does not need: the full decode parses it all the same (and rejects the
   * record when it is not well-formed), so its fields are read as far as their ends.
   */
  private void skipTimestamp(int end) throws NotScanned {
    while (pos < end) {
      skipField(readTag(end), end);
    }
    ended(end);
  }

  private void flow(int end) throws NotScanned {
    while (pos < end) {
      int tag = readTag(end);
      if (tag == FLOW_PROTOCOL) {
        protocol = (int) readVarint(end);
      } else if (tag == FLOW_SEQUENCE) {
        sequence = (int) readVarint(end);
      } else if (tag == FLOW_TCP_FLAGS) {
        tcpFlags(readLimit(end));
      } else if (tag == FLOW_SOURCE_ADDRESS
          || tag == FLOW_DESTINATION_ADDRESS
          || tag == FLOW_CONTAINER_ADDRESS
          || tag == FLOW_INTERFACE) {
        skipString(end);
      } else if (tag == FLOW_APPLICATION) {
        application(readLimit(end));
      } else if (tag == FLOW_FIRST_SEEN || tag == FLOW_LAST_SEEN) {
        skipTimestamp(readLimit(end));
      } else {
        skipField(tag, end);
      }
    }
    ended(end);
  }

  private void tcpFlags(int end) throws NotScanned {
    while (pos < end) {
      int tag = readTag(end);
      if (tag == FLAGS_SYN) {
        syn = (int) readVarint(end);
      } else if (tag == FLAGS_SYN_ACK) {
        synAck = (int) readVarint(end);
      } else {
        skipField(tag, end);
      }
    }
    ended(end);
  }

  private void application(int end) throws NotScanned {
    while (pos < end) {
      int tag = readTag(end);
      int number = WireFormat.getTagFieldNumber(tag);
      if (WireFormat.getTagWireType(tag) == LENGTH_DELIMITED
          && number >= 1
          && number <= APPLICATION_LAST_STRING) {
        skipString(end);
      } else {
        skipField(tag, end);
      }
    }
    ended(end);
  }

  /** A nested message must end exactly where its length said. */
  private void ended(int end) throws NotScanned {
    if (pos != end) {
      throw NotScanned.INSTANCE;
    }
  }

  private int readTag(int end) throws NotScanned {
    long tag = readVarint(end);
    if (tag <= 0 || tag > Integer.MAX_VALUE || WireFormat.getTagFieldNumber((int) tag) == 0) {
      throw NotScanned.INSTANCE; // field number 0 or out of range: malformed
    }
    return (int) tag;
  }

  private long readVarint(int end) throws NotScanned {
    long value = 0;
    for (int shift = 0; shift < 63 && pos < end; shift += 7) {
      byte b = bytes[pos++];
      value |= (long) (b & 0x7F) << shift;
      if (b >= 0) {
        return value;
      }
    }
    // A tenth byte holds the top bit only: it is 1 in a well-formed varint. Protobuf's array
    // decoder reads any other tenth byte below 0x80 as 1 too (it sets the top bit of every
    // ten-byte varint), its stream decoder reads its low bit: such varints are left to it.
    if (pos < end && bytes[pos] == 1) {
      pos++;
      return value | Long.MIN_VALUE;
    }
    throw NotScanned.INSTANCE; // truncated, longer than ten bytes, or an unusual tenth byte
  }

  /** The end of a length-delimited field that starts here, checked to be within {@code end}. */
  private int readLimit(int end) throws NotScanned {
    long length = readVarint(end);
    if (length < 0 || length > end - pos) {
      throw NotScanned.INSTANCE;
    }
    return pos + (int) length;
  }

  private void skipField(int tag, int end) throws NotScanned {
    switch (WireFormat.getTagWireType(tag)) {
      case WireFormat.WIRETYPE_VARINT -> readVarint(end);
      case WireFormat.WIRETYPE_FIXED64 -> skip(8, end);
      case WireFormat.WIRETYPE_FIXED32 -> skip(4, end);
      case WireFormat.WIRETYPE_LENGTH_DELIMITED -> pos = readLimit(end);
      default -> throw NotScanned.INSTANCE; // groups are not in this schema: the full decode
    }
  }

  private void skip(int length, int end) throws NotScanned {
    if (length > end - pos) {
      throw NotScanned.INSTANCE;
    }
    pos += length;
  }

  /**
   * A string field's value; one that is not UTF-8 is left to the full decode (which rejects it).
   */
  private String readString(int end) throws NotScanned {
    int stop = readLimit(end);
    int start = pos;
    checkUtf8(start, stop);
    pos = stop;
    return new String(bytes, start, stop - start, StandardCharsets.UTF_8);
  }

  private void skipString(int end) throws NotScanned {
    int stop = readLimit(end);
    checkUtf8(pos, stop);
    pos = stop;
  }

  private void checkUtf8(int start, int stop) throws NotScanned {
    if (!isAscii(start, stop)
        && !UnsafeByteOperations.unsafeWrap(bytes, start, stop - start).isValidUtf8()) {
      throw NotScanned.INSTANCE;
    }
  }

  /** Eight bytes at a time: ids and addresses are ASCII. */
  private boolean isAscii(int start, int stop) {
    int i = start;
    for (; i + Long.BYTES <= stop; i += Long.BYTES) {
      if (((long) LONGS.get(bytes, i) & ASCII_MASK) != 0) {
        return false;
      }
    }
    for (; i < stop; i++) {
      if (bytes[i] < 0) {
        return false;
      }
    }
    return true;
  }

  private static int tag(int fieldNumber, int wireType) {
    return (fieldNumber << 3) | wireType;
  }
}
