package io.porthole.analyzer.kafka;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import com.google.protobuf.CodedOutputStream;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Timestamp;
import com.google.protobuf.UnknownFieldSet;
import io.porthole.analyzer.engine.FlowFacts;
import io.porthole.analyzer.kafka.FlowEnvelopeScanner.ScannedFlow;
import io.porthole.proto.ApplicationSummary;
import io.porthole.proto.ContainerAction;
import io.porthole.proto.ContainerEvent;
import io.porthole.proto.EventEnvelope;
import io.porthole.proto.FlowDirection;
import io.porthole.proto.FlowRecord;
import io.porthole.proto.SyscallBatch;
import io.porthole.proto.SyscallEvent;
import io.porthole.proto.TcpFlagCounts;
import io.porthole.proto.TransportProtocol;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * FlowEnvelopeScanner's contract: for any bytes, it returns null or exactly what the full decode
 * ({@link EventEnvelope#parseFrom(byte[])}) reads of a flow envelope, and never throws.
 */
class FlowEnvelopeScannerTest {

  private static final String CONTAINER =
      "4f2c0b1e9d8a7c6b5a4f3e2d1c0b9a8f7e6d5c4b3a2f1e0d9c8b7a6f5e4d3c2b";

  // ---------------------------------------------------------------------------------------------
  // Helpers

  /** The scan's result; when it is not null, the full decode accepts the bytes and agrees. */
  private static ScannedFlow assertAgrees(byte[] bytes) {
    ScannedFlow scanned;
    try {
      scanned = FlowEnvelopeScanner.scan(bytes);
    } catch (RuntimeException e) {
      throw new AssertionError("scan threw on " + hex(bytes), e);
    }
    if (scanned == null) {
      return null;
    }
    EventEnvelope full;
    try {
      full = EventEnvelope.parseFrom(bytes);
    } catch (InvalidProtocolBufferException e) {
      throw new AssertionError(
          "scanned " + scanned + " but the full decode rejects " + hex(bytes) + ": " + e, e);
    }
    assertThat(full.getBodyCase())
        .as("body of %s", hex(bytes))
        .isEqualTo(EventEnvelope.BodyCase.FLOW);
    assertThat(scanned).as("scan of %s", hex(bytes)).isEqualTo(fullDecode(full));
    return scanned;
  }

  /** The scan reads the bytes (does not leave them to the full decode) and agrees with it. */
  private static ScannedFlow assertScanned(byte[] bytes) {
    ScannedFlow scanned = assertAgrees(bytes);
    assertThat(scanned).as("scan of %s", hex(bytes)).isNotNull();
    return scanned;
  }

  /** What the scan must return for a decoded flow envelope. */
  private static ScannedFlow fullDecode(EventEnvelope full) {
    return new ScannedFlow(
        full.getHostId(),
        full.getContainerId(),
        full.getTime().getSeconds(),
        full.getTime().getNanos(),
        FlowFacts.of(full.getFlow()));
  }

  /** The scan leaves the bytes to the full decode, which accepts them. */
  private static EventEnvelope assertLeftToFullDecode(byte[] bytes) throws IOException {
    assertThat(FlowEnvelopeScanner.scan(bytes)).as("scan of %s", hex(bytes)).isNull();
    return EventEnvelope.parseFrom(bytes);
  }

  /** The full decode rejects the bytes, and the scan leaves them to it. */
  private static void assertRejectedByBoth(byte[] bytes, String what) {
    assertThatThrownBy(() -> EventEnvelope.parseFrom(bytes))
        .as("full decode of %s (%s)", what, hex(bytes))
        .isInstanceOf(InvalidProtocolBufferException.class);
    assertThat(FlowEnvelopeScanner.scan(bytes)).as("scan of %s (%s)", what, hex(bytes)).isNull();
  }

  @FunctionalInterface
  private interface Writes {
    void to(CodedOutputStream out) throws IOException;
  }

  /** Bytes written field by field, as no generated serializer would write them. */
  private static byte[] raw(Writes writes) {
    try {
      ByteArrayOutputStream bytes = new ByteArrayOutputStream();
      CodedOutputStream out = CodedOutputStream.newInstance(bytes);
      writes.to(out);
      out.flush();
      return bytes.toByteArray();
    } catch (IOException e) {
      throw new AssertionError(e);
    }
  }

  /** Concatenated serialized messages: the protobuf wire format merges them. */
  private static byte[] concat(byte[]... parts) {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    for (byte[] part : parts) {
      bytes.writeBytes(part);
    }
    return bytes.toByteArray();
  }

  /** A length-delimited field holding the given bytes (a nested message, or a string). */
  private static byte[] field(int number, byte[] value) {
    return raw(out -> out.writeByteArray(number, value));
  }

  private static String hex(byte[] bytes) {
    return HexFormat.of().formatHex(bytes);
  }

  private static Timestamp time(long seconds, int nanos) {
    return Timestamp.newBuilder().setSeconds(seconds).setNanos(nanos).build();
  }

  /** A flow record with every field set. */
  private static FlowRecord.Builder typicalFlow() {
    return FlowRecord.newBuilder()
        .setProtocol(TransportProtocol.TCP)
        .setSourceAddress("172.17.0.2")
        .setSourcePort(43512)
        .setDestinationAddress("93.184.216.34")
        .setDestinationPort(80)
        .setDirection(FlowDirection.OUTBOUND)
        .setContainerAddress("172.17.0.2")
        .setPacketsForward(12)
        .setBytesForward(1_480)
        .setPacketsReverse(10)
        .setBytesReverse(65_000)
        .setTcpFlags(
            TcpFlagCounts.newBuilder()
                .setSyn(1)
                .setSynAck(1)
                .setFin(2)
                .setRst(0)
                .setRstFromSource(0)
                .setRstFromDestination(0))
        .setFirstSeen(time(1_700_000_000L, 1_000))
        .setLastSeen(time(1_700_000_004L, 999_999_999))
        .setExcerptForward(ByteString.copyFrom(new byte[] {'G', 'E', 'T', ' ', (byte) 0xFF, 0}))
        .setExcerptReverse(ByteString.copyFrom(new byte[] {(byte) 0xC3, 0x28, (byte) 0x80}))
        .setApplication(
            ApplicationSummary.newBuilder()
                .setHttpRequestLine("GET /index.html HTTP/1.1")
                .setHttpStatusLine("HTTP/1.1 200 OK")
                .setHttpHost("example.com")
                .setDnsQueryName("example.com")
                .setDnsQueryType("A")
                .setDnsRcode("NOERROR"))
        .setEnded(true)
        .setInterface("docker0")
        .setSequence(0);
  }

  /** An envelope with every field set and a flow body. */
  private static EventEnvelope.Builder typical() {
    return EventEnvelope.newBuilder()
        .setEventId("0b6e1c5e-2d4f-4a8b-9c1d-3e5f7a9b1c2d")
        .setHostId("host-a")
        .setContainerId(CONTAINER)
        .setTime(time(1_700_000_004L, 123_456_789))
        .setCollectorTime(time(1_700_000_005L, 5))
        .setFlow(typicalFlow());
  }

  // ---------------------------------------------------------------------------------------------
  // 1. Typical flows

  @Test
  void typicalFlowIsReadAsTheFullDecodeReadsIt() {
    ScannedFlow scanned = assertScanned(typical().build().toByteArray());

    assertThat(scanned)
        .isEqualTo(
            new ScannedFlow(
                "host-a",
                CONTAINER,
                1_700_000_004L,
                123_456_789,
                new FlowFacts(TransportProtocol.TCP, 0, 1, 1)));
  }

  @Test
  void flowsOfEveryKindAreReadAsTheFullDecodeReadsThem() {
    record Case(FlowRecord flow, FlowFacts facts) {}
    List<Case> cases =
        List.of(
            // An answered TCP connection.
            new Case(typicalFlow().build(), new FlowFacts(TransportProtocol.TCP, 0, 1, 1)),
            // A refused one: SYNs, no SYN-ACK, RST from the destination.
            new Case(
                typicalFlow()
                    .setTcpFlags(
                        TcpFlagCounts.newBuilder().setSyn(3).setRst(3).setRstFromDestination(3))
                    .clearApplication()
                    .clearExcerptForward()
                    .clearExcerptReverse()
                    .build(),
                new FlowFacts(TransportProtocol.TCP, 0, 3, 0)),
            // UDP, without TCP flags.
            new Case(
                typicalFlow()
                    .setProtocol(TransportProtocol.UDP)
                    .clearTcpFlags()
                    .setDestinationPort(53)
                    .build(),
                new FlowFacts(TransportProtocol.UDP, 0, 0, 0)),
            // A later interval of a long flow.
            new Case(
                typicalFlow().setSequence(7).setEnded(false).build(),
                new FlowFacts(TransportProtocol.TCP, 7, 1, 1)),
            // The largest counters a uint32 holds read as the same (negative) ints as decoded.
            new Case(
                typicalFlow()
                    .setSequence(-1)
                    .setTcpFlags(TcpFlagCounts.newBuilder().setSyn(-1).setSynAck(Integer.MIN_VALUE))
                    .build(),
                new FlowFacts(TransportProtocol.TCP, -1, -1, Integer.MIN_VALUE)),
            // A protocol number this schema does not know.
            new Case(
                typicalFlow().setProtocolValue(99).build(),
                new FlowFacts(TransportProtocol.UNRECOGNIZED, 0, 1, 1)),
            // A negative one (a ten-byte varint).
            new Case(
                typicalFlow().setProtocolValue(-3).build(),
                new FlowFacts(TransportProtocol.UNRECOGNIZED, 0, 1, 1)),
            // An empty flow record: every fact at its default.
            new Case(
                FlowRecord.getDefaultInstance(),
                new FlowFacts(TransportProtocol.TRANSPORT_PROTOCOL_UNSPECIFIED, 0, 0, 0)));

    for (Case c : cases) {
      ScannedFlow scanned = assertScanned(typical().setFlow(c.flow()).build().toByteArray());
      assertThat(scanned.facts()).as("facts of %s", c.flow()).isEqualTo(c.facts());
    }
  }

  @Test
  void theFactsTellARefusedAttemptFromAnAnsweredOne() {
    FlowFacts refused =
        assertScanned(
                typical()
                    .setFlow(typicalFlow().setTcpFlags(TcpFlagCounts.newBuilder().setSyn(2)))
                    .build()
                    .toByteArray())
            .facts();
    FlowFacts answered = assertScanned(typical().build().toByteArray()).facts();

    assertThat(refused.unansweredTcpAttempt()).isTrue();
    assertThat(answered.unansweredTcpAttempt()).isFalse();
  }

  @Test
  void timesBeforeTheEpochAndWithoutATimeAreReadAsDecoded() {
    assertThat(assertScanned(typical().setTime(time(-62_135_596_800L, 0)).build().toByteArray()))
        .extracting(ScannedFlow::timeSeconds, ScannedFlow::timeNanos)
        .containsExactly(-62_135_596_800L, 0);
    assertThat(assertScanned(typical().clearTime().build().toByteArray()))
        .extracting(ScannedFlow::timeSeconds, ScannedFlow::timeNanos)
        .containsExactly(0L, 0);
    // Out of a Timestamp's range, but the full decode does not check it: neither does the scan.
    assertThat(assertScanned(typical().setTime(time(Long.MAX_VALUE, -1)).build().toByteArray()))
        .extracting(ScannedFlow::timeSeconds, ScannedFlow::timeNanos)
        .containsExactly(Long.MAX_VALUE, -1);
  }

  /** A ten-byte varint: nine bytes of 0x80 | low, then the given last byte. */
  private static byte[] tenByteVarint(int low, int last) {
    byte[] varint = new byte[10];
    Arrays.fill(varint, (byte) (0x80 | low));
    varint[9] = (byte) last;
    return varint;
  }

  @Test
  void tenByteVarintsAreReadAsTheFullDecodeReadsThem() {
    // A canonical ten-byte varint ends in 1 (the top bit). Protobuf's array decoder sets the top
    // bit of any ten-byte varint and ignores its last byte (80 .. 80 00 reads as Long.MIN_VALUE):
    // the scan must read such varints as it does, or leave them to it.
    for (int last : new int[] {0x01, 0x00, 0x02, 0x03, 0x7E, 0x7F}) {
      for (int low : new int[] {0x00, 0x7F}) {
        byte[] varint = tenByteVarint(low, last);
        byte[] seconds = concat(new byte[] {0x08}, varint); // Timestamp.seconds
        byte[] nanos = concat(new byte[] {0x10}, varint); // Timestamp.nanos
        assertAgrees(
            concat(
                typical().build().toByteArray(), field(EventEnvelope.TIME_FIELD_NUMBER, seconds)));
        assertAgrees(
            concat(typical().build().toByteArray(), field(EventEnvelope.TIME_FIELD_NUMBER, nanos)));
        assertAgrees(
            concat(
                typical().build().toByteArray(),
                field(EventEnvelope.COLLECTOR_TIME_FIELD_NUMBER, seconds)));
        // FlowRecord.protocol (1), sequence (20) and an unknown field 40, all varints.
        for (byte[] key :
            List.of(
                new byte[] {0x08}, new byte[] {(byte) 0xA0, 0x01}, new byte[] {(byte) 0xC0, 2})) {
          assertAgrees(withFlow(concat(typicalFlow().build().toByteArray(), key, varint)));
        }
      }
    }
    // The canonical ones are read.
    byte[] minimum = concat(new byte[] {0x08}, tenByteVarint(0x00, 0x01));
    assertThat(
            assertScanned(
                    concat(
                        typical().build().toByteArray(),
                        field(EventEnvelope.TIME_FIELD_NUMBER, minimum)))
                .timeSeconds())
        .isEqualTo(Long.MIN_VALUE);
  }

  // ---------------------------------------------------------------------------------------------
  // 2. Fields in unusual order, or given more than once

  @Test
  void fieldsInReverseOrderAreReadAsDecoded() {
    EventEnvelope envelope = typical().build();
    byte[] bytes =
        concat(
            EventEnvelope.newBuilder().setFlow(envelope.getFlow()).build().toByteArray(),
            EventEnvelope.newBuilder()
                .setCollectorTime(envelope.getCollectorTime())
                .build()
                .toByteArray(),
            EventEnvelope.newBuilder().setTime(envelope.getTime()).build().toByteArray(),
            EventEnvelope.newBuilder().setContainerId(CONTAINER).build().toByteArray(),
            EventEnvelope.newBuilder().setHostId("host-a").build().toByteArray(),
            EventEnvelope.newBuilder().setEventId(envelope.getEventId()).build().toByteArray());

    assertThat(assertScanned(bytes)).isEqualTo(assertScanned(envelope.toByteArray()));
  }

  @Test
  void aTimeGivenTwiceMergesAsTheFullDecodeMergesIt() {
    byte[] bytes =
        concat(
            typical().setTime(time(100, 5)).build().toByteArray(),
            EventEnvelope.newBuilder()
                .setTime(Timestamp.newBuilder().setSeconds(200))
                .build()
                .toByteArray());

    assertThat(assertScanned(bytes))
        .extracting(ScannedFlow::timeSeconds, ScannedFlow::timeNanos)
        .containsExactly(200L, 5);
  }

  @Test
  void aZeroWrittenExplicitlyInALaterTimeOverwritesTheEarlierValue() {
    // A serializer never writes a proto3 zero, but one on the wire is a value like any other.
    byte[] bytes =
        concat(
            typical().setTime(time(100, 5)).build().toByteArray(),
            field(
                EventEnvelope.TIME_FIELD_NUMBER,
                raw(out -> out.writeInt32(Timestamp.NANOS_FIELD_NUMBER, 0))));

    assertThat(assertScanned(bytes))
        .extracting(ScannedFlow::timeSeconds, ScannedFlow::timeNanos)
        .containsExactly(100L, 0);
  }

  @Test
  void anIdGivenTwiceIsTheLastOne() {
    byte[] bytes =
        concat(
            typical().setHostId("first").setContainerId("first-container").build().toByteArray(),
            EventEnvelope.newBuilder().setHostId("second").build().toByteArray(),
            EventEnvelope.newBuilder().setContainerId(CONTAINER).build().toByteArray());

    assertThat(assertScanned(bytes))
        .extracting(ScannedFlow::hostId, ScannedFlow::containerId)
        .containsExactly("second", CONTAINER);
  }

  @Test
  void fieldsOfTheFlowGivenTwiceMergeAsTheFullDecodeMergesThem() {
    byte[] flow =
        concat(
            typicalFlow()
                .setProtocol(TransportProtocol.UDP)
                .setSequence(4)
                .setTcpFlags(TcpFlagCounts.newBuilder().setSyn(3).setSynAck(9))
                .build()
                .toByteArray(),
            FlowRecord.newBuilder()
                .setProtocol(TransportProtocol.TCP)
                .setTcpFlags(TcpFlagCounts.newBuilder().setSynAck(2))
                .build()
                .toByteArray(),
            // A sequence written as 0: the last value, though a serializer would not write it.
            raw(out -> out.writeUInt32(FlowRecord.SEQUENCE_FIELD_NUMBER, 0)));
    byte[] bytes =
        concat(
            typical().clearFlow().build().toByteArray(),
            field(EventEnvelope.FLOW_FIELD_NUMBER, flow));

    assertThat(assertScanned(bytes).facts())
        .isEqualTo(new FlowFacts(TransportProtocol.TCP, 0, 3, 2));
  }

  // ---------------------------------------------------------------------------------------------
  // 3. Unknown fields

  @Test
  void unknownFieldsAreSkippedAsTheFullDecodeKeepsThem() throws IOException {
    UnknownFieldSet envelopeUnknown =
        UnknownFieldSet.newBuilder()
            .addField(7, UnknownFieldSet.Field.newBuilder().addVarint(Long.MIN_VALUE).build())
            .addField(8, UnknownFieldSet.Field.newBuilder().addFixed32(0xDEADBEEF).build())
            .addField(9, UnknownFieldSet.Field.newBuilder().addFixed64(-1L).build())
            .addField(
                6,
                UnknownFieldSet.Field.newBuilder()
                    .addLengthDelimited(ByteString.copyFrom(new byte[] {(byte) 0xC3, 0x28}))
                    .build())
            .build();
    UnknownFieldSet flowUnknown =
        UnknownFieldSet.newBuilder()
            .addField(40, UnknownFieldSet.Field.newBuilder().addVarint(1).build())
            .addField(
                41,
                UnknownFieldSet.Field.newBuilder()
                    .addLengthDelimited(ByteString.copyFrom(new byte[] {(byte) 0xFF}))
                    .build())
            .addField(1_000, UnknownFieldSet.Field.newBuilder().addFixed32(7).build())
            .build();
    // Unknown fields of the nested messages; ApplicationSummary's 7 would be a string if it
    // were known, but it is not, so its bytes need not be UTF-8.
    UnknownFieldSet invalidUtf8At7 =
        UnknownFieldSet.newBuilder()
            .addField(
                7,
                UnknownFieldSet.Field.newBuilder()
                    .addLengthDelimited(ByteString.copyFrom(new byte[] {(byte) 0xC0, (byte) 0x80}))
                    .build())
            .build();
    UnknownFieldSet varintAt9 =
        UnknownFieldSet.newBuilder()
            .addField(9, UnknownFieldSet.Field.newBuilder().addVarint(300).build())
            .build();
    FlowRecord.Builder flow = typicalFlow().setUnknownFields(flowUnknown);
    flow.getTcpFlagsBuilder().setUnknownFields(varintAt9);
    flow.getApplicationBuilder().setUnknownFields(invalidUtf8At7);
    EventEnvelope.Builder envelope = typical().setFlow(flow).setUnknownFields(envelopeUnknown);
    envelope.getTimeBuilder().setUnknownFields(varintAt9);
    envelope.getCollectorTimeBuilder().setUnknownFields(varintAt9);
    byte[] bytes = envelope.build().toByteArray();

    ScannedFlow scanned = assertScanned(bytes);

    // The full decode did see them as unknown fields.
    EventEnvelope decoded = EventEnvelope.parseFrom(bytes);
    assertThat(decoded.getUnknownFields()).isEqualTo(envelopeUnknown);
    assertThat(decoded.getFlow().getUnknownFields()).isEqualTo(flowUnknown);
    assertThat(decoded.getFlow().getApplication().getUnknownFields()).isEqualTo(invalidUtf8At7);
    assertThat(scanned).isEqualTo(assertScanned(typical().build().toByteArray()));
  }

  @Test
  void unknownFieldsWhereTheBodiesAreNumberedAreLeftToTheFullDecodeOrAgreed() {
    // The scan may leave these to the full decode (it does today), but must not misread them;
    // nor unknown fields of the largest numbers (tags beyond an int's positive range).
    for (int number : new int[] {13, 40, 268_435_456, 536_870_911}) {
      assertAgrees(concat(typical().build().toByteArray(), raw(out -> out.writeUInt64(number, 1))));
      assertAgrees(
          withFlow(
              concat(
                  typicalFlow().build().toByteArray(), raw(out -> out.writeFixed32(number, 1)))));
    }
  }

  // ---------------------------------------------------------------------------------------------
  // 4. Known fields of an unexpected wire type

  @Test
  void knownFieldsOfAnotherWireTypeAreReadAsTheFullDecodeReadsThem() {
    byte[] valid = typical().build().toByteArray();
    // Each an unknown field to the full decode: the values read before it stand.
    List<byte[]> envelopeFields =
        List.of(
            raw(out -> out.writeUInt64(EventEnvelope.HOST_ID_FIELD_NUMBER, 5)),
            raw(out -> out.writeFixed32(EventEnvelope.CONTAINER_ID_FIELD_NUMBER, 5)),
            raw(out -> out.writeFixed64(EventEnvelope.EVENT_ID_FIELD_NUMBER, 5)),
            raw(out -> out.writeUInt64(EventEnvelope.TIME_FIELD_NUMBER, 5)),
            raw(out -> out.writeFixed64(EventEnvelope.TIME_FIELD_NUMBER, 5)),
            raw(out -> out.writeUInt64(EventEnvelope.COLLECTOR_TIME_FIELD_NUMBER, 5)));
    for (byte[] extra : envelopeFields) {
      assertAgrees(concat(valid, extra));
      assertAgrees(concat(extra, valid));
    }
    List<byte[]> flowFields =
        List.of(
            field(FlowRecord.PROTOCOL_FIELD_NUMBER, new byte[] {2}),
            raw(out -> out.writeFixed32(FlowRecord.SEQUENCE_FIELD_NUMBER, 9)),
            raw(out -> out.writeUInt64(FlowRecord.TCP_FLAGS_FIELD_NUMBER, 9)),
            raw(out -> out.writeUInt64(FlowRecord.INTERFACE_FIELD_NUMBER, 9)),
            raw(out -> out.writeFixed64(FlowRecord.SOURCE_ADDRESS_FIELD_NUMBER, 9)),
            raw(out -> out.writeUInt64(FlowRecord.APPLICATION_FIELD_NUMBER, 9)),
            raw(out -> out.writeFixed32(FlowRecord.FIRST_SEEN_FIELD_NUMBER, 9)),
            field(
                FlowRecord.TCP_FLAGS_FIELD_NUMBER,
                concat(
                    raw(out -> out.writeFixed32(TcpFlagCounts.SYN_FIELD_NUMBER, 9)),
                    field(TcpFlagCounts.SYN_ACK_FIELD_NUMBER, new byte[] {9}))),
            field(
                FlowRecord.APPLICATION_FIELD_NUMBER,
                raw(out -> out.writeUInt64(ApplicationSummary.HTTP_HOST_FIELD_NUMBER, 9))));
    for (byte[] extra : flowFields) {
      assertAgrees(withFlow(concat(typicalFlow().build().toByteArray(), extra)));
      assertAgrees(withFlow(concat(extra, typicalFlow().build().toByteArray())));
    }
  }

  @Test
  void idsOnlyOfAnotherWireTypeAreEmptyAndLeftToTheFullDecode() throws IOException {
    byte[] bytes =
        concat(
            typical().clearHostId().build().toByteArray(),
            raw(out -> out.writeUInt64(EventEnvelope.HOST_ID_FIELD_NUMBER, 5)));

    assertThat(assertLeftToFullDecode(bytes).getHostId()).isEmpty();
  }

  @Test
  void aFlowOfAnotherWireTypeIsNoFlowBody() throws IOException {
    byte[] bytes =
        concat(
            typical().clearFlow().build().toByteArray(),
            raw(out -> out.writeUInt64(EventEnvelope.FLOW_FIELD_NUMBER, 5)));

    assertThat(assertLeftToFullDecode(bytes).getBodyCase())
        .isEqualTo(EventEnvelope.BodyCase.BODY_NOT_SET);
  }

  // ---------------------------------------------------------------------------------------------
  // 5. What the scan leaves to the full decode

  /** Invalid UTF-8: a bad continuation, overlong, surrogate, beyond U+10FFFF, truncated, 0xFF. */
  private static final List<byte[]> INVALID_UTF8 =
      List.of(
          new byte[] {(byte) 0xC3, 0x28},
          new byte[] {(byte) 0xC0, (byte) 0x80},
          new byte[] {(byte) 0xED, (byte) 0xA0, (byte) 0x80},
          new byte[] {(byte) 0xF4, (byte) 0x90, (byte) 0x80, (byte) 0x80},
          new byte[] {(byte) 0xE2, (byte) 0x82},
          new byte[] {(byte) 0xFF});

  /** The invalid sequences, alone and after ASCII of lengths around the scan's 8-byte stride. */
  private static List<byte[]> invalidStrings() {
    List<byte[]> strings = new ArrayList<>();
    for (byte[] invalid : INVALID_UTF8) {
      for (int ascii : new int[] {0, 1, 7, 8, 9, 16, 64}) {
        byte[] prefix = "x".repeat(ascii).getBytes(StandardCharsets.US_ASCII);
        strings.add(concat(prefix, invalid));
        strings.add(concat(prefix, invalid, "tail".getBytes(StandardCharsets.US_ASCII)));
      }
    }
    return strings;
  }

  @Test
  void invalidUtf8InAnEnvelopeStringIsRejectedByBoth() {
    byte[] valid = typical().build().toByteArray();
    for (int number :
        new int[] {
          EventEnvelope.EVENT_ID_FIELD_NUMBER,
          EventEnvelope.HOST_ID_FIELD_NUMBER,
          EventEnvelope.CONTAINER_ID_FIELD_NUMBER
        }) {
      for (byte[] invalid : invalidStrings()) {
        // Before and after the valid fields: the later value of an id is not the only one read.
        assertRejectedByBoth(concat(valid, field(number, invalid)), "envelope field " + number);
        assertRejectedByBoth(concat(field(number, invalid), valid), "envelope field " + number);
      }
    }
  }

  @Test
  void invalidUtf8InAFlowStringIsRejectedByBoth() {
    for (int number :
        new int[] {
          FlowRecord.SOURCE_ADDRESS_FIELD_NUMBER,
          FlowRecord.DESTINATION_ADDRESS_FIELD_NUMBER,
          FlowRecord.CONTAINER_ADDRESS_FIELD_NUMBER,
          FlowRecord.INTERFACE_FIELD_NUMBER
        }) {
      for (byte[] invalid : invalidStrings()) {
        assertRejectedByBoth(
            withFlow(concat(typicalFlow().build().toByteArray(), field(number, invalid))),
            "flow field " + number);
      }
    }
  }

  @Test
  void invalidUtf8InAnApplicationSummaryStringIsRejectedByBoth() {
    for (int number = 1; number <= 6; number++) {
      for (byte[] invalid : invalidStrings()) {
        byte[] application =
            concat(typicalFlow().getApplication().toByteArray(), field(number, invalid));
        assertRejectedByBoth(
            withFlow(
                concat(
                    typicalFlow().build().toByteArray(),
                    field(FlowRecord.APPLICATION_FIELD_NUMBER, application))),
            "application field " + number);
      }
    }
  }

  /** The typical envelope with the given bytes as its flow record. */
  private static byte[] withFlow(byte[] flow) {
    return concat(
        typical().clearFlow().build().toByteArray(), field(EventEnvelope.FLOW_FIELD_NUMBER, flow));
  }

  @Test
  void validNonAsciiStringsAreAcceptedAndReadCorrectly() {
    EventEnvelope envelope =
        typical()
            .setEventId("événement-ü")
            .setHostId("hôte")
            .setContainerId("conteneur-🐳-" + "ä".repeat(20))
            .setFlow(
                typicalFlow()
                    .setInterface("café")
                    .setSourceAddress("fe80::1%eth0-é")
                    .setApplication(
                        ApplicationSummary.newBuilder()
                            .setHttpHost("bücher.example")
                            .setDnsQueryName("例え.テスト")
                            .setHttpRequestLine("GET /👋 HTTP/1.1")))
            .build();

    ScannedFlow scanned = assertScanned(envelope.toByteArray());

    assertThat(scanned.hostId()).isEqualTo("hôte");
    assertThat(scanned.containerId()).isEqualTo("conteneur-🐳-" + "ä".repeat(20));
  }

  @Test
  void bodiesOtherThanAFlowAreLeftToTheFullDecode() throws IOException {
    EventEnvelope containerEvent =
        typical()
            .setContainerEvent(ContainerEvent.newBuilder().setAction(ContainerAction.START))
            .build();
    EventEnvelope syscalls =
        typical()
            .setSyscalls(
                SyscallBatch.newBuilder()
                    .addSyscalls(SyscallEvent.newBuilder().setName("openat").setHostPid(42)))
            .build();
    EventEnvelope noBody = typical().clearFlow().build();

    assertThat(assertLeftToFullDecode(containerEvent.toByteArray()).getBodyCase())
        .isEqualTo(EventEnvelope.BodyCase.CONTAINER_EVENT);
    assertThat(assertLeftToFullDecode(syscalls.toByteArray()).getBodyCase())
        .isEqualTo(EventEnvelope.BodyCase.SYSCALLS);
    assertThat(assertLeftToFullDecode(noBody.toByteArray()).getBodyCase())
        .isEqualTo(EventEnvelope.BodyCase.BODY_NOT_SET);
    // A flow then another body, or another body then a flow: the full decode keeps the last.
    assertThat(
            assertLeftToFullDecode(
                    concat(
                        typical().build().toByteArray(),
                        EventEnvelope.newBuilder()
                            .setContainerEvent(ContainerEvent.getDefaultInstance())
                            .build()
                            .toByteArray()))
                .getBodyCase())
        .isEqualTo(EventEnvelope.BodyCase.CONTAINER_EVENT);
    assertAgrees(
        concat(
            containerEvent.toByteArray(),
            EventEnvelope.newBuilder().setFlow(typicalFlow()).build().toByteArray()));
  }

  @Test
  void aFlowGivenTwiceIsLeftToTheFullDecode() throws IOException {
    byte[] bytes =
        concat(
            typical().build().toByteArray(),
            EventEnvelope.newBuilder()
                .setFlow(FlowRecord.newBuilder().setSequence(3))
                .build()
                .toByteArray());

    // The full decode merges the two records.
    EventEnvelope decoded = assertLeftToFullDecode(bytes);
    assertThat(decoded.getFlow().getSequence()).isEqualTo(3);
    assertThat(decoded.getFlow().getInterface()).isEqualTo("docker0");
  }

  @Test
  void emptyIdsAndIdsWithASlashAreLeftToTheFullDecode() throws IOException {
    assertLeftToFullDecode(typical().clearHostId().build().toByteArray());
    assertLeftToFullDecode(typical().clearContainerId().build().toByteArray());
    assertLeftToFullDecode(typical().setHostId("host/a").build().toByteArray());
    assertLeftToFullDecode(typical().setContainerId("/" + CONTAINER).build().toByteArray());
    assertLeftToFullDecode(typical().setContainerId(CONTAINER + "/").build().toByteArray());
    // An id set, then set again to empty: the last, empty, value counts.
    assertLeftToFullDecode(
        concat(
            typical().build().toByteArray(),
            field(EventEnvelope.HOST_ID_FIELD_NUMBER, new byte[0])));
  }

  @Test
  void malformedTimestampsAreRejectedByBoth() {
    // The full decode parses every Timestamp, collector_time and first/last_seen included.
    List<byte[]> malformed =
        List.of(
            new byte[] {0x08}, // seconds, without its value
            new byte[] {0x08, (byte) 0x80}, // a truncated varint
            new byte[] {0x10, 0x01, 0x0F}, // wire type 7
            new byte[] {0x00}, // tag 0
            new byte[] {0x0A, 0x05, 0x01}, // a length beyond the message
            new byte[] {0x0D, 0x01, 0x02}); // a truncated fixed32
    for (byte[] timestamp : malformed) {
      assertRejectedByBoth(
          concat(
              typical().build().toByteArray(), field(EventEnvelope.TIME_FIELD_NUMBER, timestamp)),
          "time " + hex(timestamp));
      assertRejectedByBoth(
          concat(
              typical().build().toByteArray(),
              field(EventEnvelope.COLLECTOR_TIME_FIELD_NUMBER, timestamp)),
          "collector_time " + hex(timestamp));
      for (int number :
          new int[] {FlowRecord.FIRST_SEEN_FIELD_NUMBER, FlowRecord.LAST_SEEN_FIELD_NUMBER}) {
        assertRejectedByBoth(
            withFlow(concat(typicalFlow().build().toByteArray(), field(number, timestamp))),
            "flow field " + number + " " + hex(timestamp));
      }
    }
  }

  @Test
  void malformedNestedFlowMessagesAreRejectedByBoth() {
    byte[] truncatedVarint = {0x08, (byte) 0x80};
    assertRejectedByBoth(
        withFlow(
            concat(
                typicalFlow().build().toByteArray(),
                field(FlowRecord.TCP_FLAGS_FIELD_NUMBER, truncatedVarint))),
        "tcp_flags");
    assertRejectedByBoth(
        withFlow(
            concat(
                typicalFlow().build().toByteArray(),
                field(FlowRecord.APPLICATION_FIELD_NUMBER, new byte[] {0x0A, 0x03, 'a'}))),
        "application");
    assertRejectedByBoth(withFlow(new byte[] {0x08}), "flow");
  }

  // ---------------------------------------------------------------------------------------------
  // 6. Truncated and garbled input

  @Test
  void everyPrefixOfAFlowIsScannedWithoutThrowingAndOnlyAsDecoded() {
    byte[] valid = typical().build().toByteArray();
    int scanned = 0;
    for (int length = 0; length < valid.length; length++) {
      if (assertAgrees(Arrays.copyOf(valid, length)) != null) {
        scanned++;
      }
    }
    // The flow comes last: no proper prefix holds a whole flow body.
    assertThat(scanned).isZero();

    // A flow first: prefixes ending between the later fields are whole envelopes.
    EventEnvelope envelope = typical().build();
    byte[] flowFirst =
        concat(
            EventEnvelope.newBuilder()
                .setHostId("host-a")
                .setContainerId(CONTAINER)
                .setFlow(envelope.getFlow())
                .build()
                .toByteArray(),
            EventEnvelope.newBuilder().setEventId(envelope.getEventId()).build().toByteArray(),
            EventEnvelope.newBuilder().setTime(envelope.getTime()).build().toByteArray());
    scanned = 0;
    for (int length = 0; length <= flowFirst.length; length++) {
      if (assertAgrees(Arrays.copyOf(flowFirst, length)) != null) {
        scanned++;
      }
    }
    assertThat(scanned).as("whole envelopes among the prefixes").isEqualTo(3);
  }

  @Test
  void randomBytesAreScannedWithoutThrowingAndOnlyAsDecoded() {
    Random random = new Random(20240611L);
    byte[] valid = typical().build().toByteArray();
    for (int i = 0; i < 5_000; i++) {
      byte[] garbage = new byte[random.nextInt(80)];
      random.nextBytes(garbage);
      assertAgrees(garbage);
      // Garbage after a valid envelope, and a valid envelope with a garbled stretch.
      assertAgrees(concat(valid, garbage));
      byte[] garbled = valid.clone();
      int at = random.nextInt(valid.length);
      System.arraycopy(garbage, 0, garbled, at, Math.min(garbage.length, valid.length - at));
      assertAgrees(garbled);
    }
  }

  @Test
  void everySingleBitFlipIsScannedWithoutThrowingAndOnlyAsDecoded() {
    byte[] valid = typical().build().toByteArray();
    for (int i = 0; i < valid.length; i++) {
      for (int bit = 0; bit < 8; bit++) {
        byte[] flipped = valid.clone();
        flipped[i] ^= (byte) (1 << bit);
        assertAgrees(flipped);
      }
    }
  }

  @Test
  void doubleBitFlipsAreScannedWithoutThrowingAndOnlyAsDecoded() {
    Random random = new Random(7L);
    byte[] valid = typical().build().toByteArray();
    for (int i = 0; i < 20_000; i++) {
      byte[] flipped = valid.clone();
      flipped[random.nextInt(valid.length)] ^= (byte) (1 << random.nextInt(8));
      flipped[random.nextInt(valid.length)] ^= (byte) (1 << random.nextInt(8));
      assertAgrees(flipped);
    }
  }

  // ---------------------------------------------------------------------------------------------
  // 7. Empty input

  @Test
  void emptyInputIsLeftToTheFullDecode() throws IOException {
    assertThat(assertLeftToFullDecode(new byte[0]).getBodyCase())
        .isEqualTo(EventEnvelope.BodyCase.BODY_NOT_SET);
  }

  @Test
  void aBufferIsScannedInPlaceFromItsPositionAndLeftWhereItWas() {
    byte[] envelope = typical().build().toByteArray();
    ScannedFlow expected = assertScanned(envelope);
    // The record's bytes in the middle of a larger array, as Kafka hands a value: a slice with an
    // array offset, its position moved past a prefix.
    byte[] larger = new byte[envelope.length + 20];
    Arrays.fill(larger, (byte) 0xFF);
    System.arraycopy(envelope, 0, larger, 12, envelope.length);
    ByteBuffer slice = ByteBuffer.wrap(larger, 8, envelope.length + 4).slice();
    slice.position(4);
    slice.limit(4 + envelope.length);

    assertThat(FlowEnvelopeScanner.scan(slice)).isEqualTo(expected);
    assertThat(slice.position()).isEqualTo(4);
    ByteBuffer direct = ByteBuffer.allocateDirect(envelope.length).put(envelope).flip();
    assertThat(FlowEnvelopeScanner.scan(direct)).isEqualTo(expected);
    assertThat(direct.position()).isZero();
  }
}
