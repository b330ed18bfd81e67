package io.porthole.collector.packets;

import com.google.protobuf.ByteString;
import io.porthole.proto.ApplicationSummary;
import io.porthole.proto.FlowDirection;
import io.porthole.proto.FlowRecord;
import io.porthole.proto.TcpFlagCounts;
import io.porthole.proto.TransportProtocol;
import io.porthole.wire.Timestamps;
import java.util.Objects;

/**
 * Aggregates parsed packets per bidirectional 5-tuple into {@link FlowRecord}s.
 *
 * <ul>
 *   <li>The initiator (the record's source) is the sender of the first packet seen, or of the SYN
 *       (the receiver of a SYN-ACK seen first), or of the echo request.
 *   <li>Time comes from packet timestamps; {@link #flush(long)} (driven by the caller's clock, or
 *       by packet time through {@link #advanceTo(long)} in replay) reports each flow that saw
 *       packets since the last flush with that interval's counters and its {@code sequence}.
 *   <li>A flow ends on RST or FIN in both directions (reported at the first flush at least {@link
 *       #ENDED_LINGER_NANOS} later, so that the last ACK still counts), or after the idle timeout:
 *       its last record has {@code ended=true}.
 *   <li>At most {@code maxFlows} flows are tracked: a new flow evicts the least recently seen one,
 *       which is reported at once with {@code ended=true} and counted in {@link #flowsEvicted()}.
 *   <li>Attribution: a record per endpoint that the {@link ContainerResolver} knows (two for a flow
 *       between two containers of this host: OUTBOUND for the initiator, INBOUND for the
 *       responder). Flows involving no known container are tracked (so that they are looked up
 *       once, not per packet) but never reported; they are counted in {@link #flowsUnattributed()}
 *       when they end. Their endpoints are looked up again at each flush, for containers that
 *       became known late.
 * </ul>
 *
 * <p>Not thread-safe: one table per capture thread, or callers synchronise.
 */
public final class FlowTable {

  /** Receives each record with the id of the container it is attributed to. */
  @FunctionalInterface
  public interface RecordSink {
    void accept(String containerId, FlowRecord record);
  }

  /**
   * How long an ended flow stays to absorb its last packets (the final ACK after FINs, repeated
   * RSTs).
   */
  public static final long ENDED_LINGER_NANOS = 500_000_000L;

  private final String interfaceName;
  private final long flushIntervalNanos;
  private final long idleTimeoutNanos;
  private final int maxFlows;
  private final int excerptBytes;
  private final ContainerResolver resolver;
  private final RecordSink sink;
  private final Flow[] buckets;
  private final int mask;

  private Flow oldest;
  private Flow newest;
  private int size;
  private long nextFlushAt = Long.MIN_VALUE;

  private long packets;
  private long flowsCreated;
  private long flowsEvicted;
  private long flowsUnattributed;
  private long recordsEmitted;

  public FlowTable(
      String interfaceName,
      FlowTableSettings settings,
      ContainerResolver resolver,
      RecordSink sink) {
    this.interfaceName = Objects.requireNonNull(interfaceName, "interfaceName");
    Objects.requireNonNull(settings, "settings");
    this.resolver = Objects.requireNonNull(resolver, "resolver");
    this.sink = Objects.requireNonNull(sink, "sink");
    this.flushIntervalNanos = settings.flushInterval().toNanos();
    this.idleTimeoutNanos = settings.idleTimeout().toNanos();
    this.maxFlows = settings.maxFlows();
    this.excerptBytes = settings.excerptBytes();
    int capacity = Integer.highestOneBit(Math.max(16, maxFlows * 2 - 1)) << 1;
    this.buckets = new Flow[capacity];
    this.mask = capacity - 1;
  }

  /** Accounts one parsed packet (a {@link ParseStatus#PARSED} view) to its flow. */
  public void add(PacketView packet) {
    packets++;
    boolean sourceIsA = compareEndpoints(packet) <= 0;
    long aHi, aLo, bHi, bLo;
    int aPort, bPort;
    if (sourceIsA) {
      aHi = packet.sourceHi;
      aLo = packet.sourceLo;
      aPort = packet.sourcePort;
      bHi = packet.destinationHi;
      bLo = packet.destinationLo;
      bPort = packet.destinationPort;
    } else {
      aHi = packet.destinationHi;
      aLo = packet.destinationLo;
      aPort = packet.destinationPort;
      bHi = packet.sourceHi;
      bLo = packet.sourceLo;
      bPort = packet.sourcePort;
    }
    int hash = hash(aHi, aLo, bHi, bLo, aPort, bPort, packet.protocol);
    Flow flow = find(hash, aHi, aLo, bHi, bLo, aPort, bPort, packet.protocol, packet.ipVersion);
    boolean newSyn =
        packet.protocol == PacketParser.PROTO_TCP
            && (packet.tcpFlags & (PacketView.TCP_SYN | PacketView.TCP_ACK)) == PacketView.TCP_SYN;
    if (flow != null && flow.endedAt != 0 && newSyn) {
      finish(flow, true);
      flow = null;
    }
    if (flow == null) {
      flow = create(packet, sourceIsA, hash, aHi, aLo, bHi, bLo, aPort, bPort);
    } else {
      touch(flow);
    }
    account(flow, packet, fromInitiator(flow, packet, sourceIsA));
  }

  private static int compareEndpoints(PacketView p) {
    int c = Long.compareUnsigned(p.sourceHi, p.destinationHi);
    if (c == 0) {
      c = Long.compareUnsigned(p.sourceLo, p.destinationLo);
    }
    return c != 0 ? c : Integer.compare(p.sourcePort, p.destinationPort);
  }

  private static boolean fromInitiator(Flow flow, PacketView packet, boolean sourceIsA) {
    if (flow.aLo == flow.bLo && flow.aHi == flow.bHi && flow.aPort == flow.bPort) {
      // both ends look alike (ping ::1 to itself): only the message type tells the direction
      return !isEchoReply(packet);
    }
    return sourceIsA == flow.initiatorIsA;
  }

  private static boolean isEchoReply(PacketView p) {
    return !p.fragment && (p.protocol == PacketParser.PROTO_ICMP && p.icmpType == 0)
        || (p.protocol == PacketParser.PROTO_ICMPV6 && p.icmpType == 129);
  }

  private static int hash(
      long aHi, long aLo, long bHi, long bLo, int aPort, int bPort, int protocol) {
    long h = aLo * 0x9E3779B97F4A7C15L;
    h = (h ^ bLo) * 0xC2B2AE3D27D4EB4FL;
    h = (h ^ aHi ^ (bHi << 1)) * 0x165667B19E3779F9L;
    h ^= ((long) aPort << 32 | (long) bPort << 8 | protocol) * 0x9E3779B97F4A7C15L;
    h ^= h >>> 29;
    return (int) (h ^ (h >>> 32));
  }

  private Flow find(
      int hash,
      long aHi,
      long aLo,
      long bHi,
      long bLo,
      int aPort,
      int bPort,
      int protocol,
      int ipVersion) {
    for (Flow f = buckets[hash & mask]; f != null; f = f.nextInBucket) {
      if (f.hash == hash && f.matches(aHi, aLo, bHi, bLo, aPort, bPort, protocol, ipVersion)) {
        return f;
      }
    }
    return null;
  }

  private Flow create(
      PacketView packet,
      boolean sourceIsA,
      int hash,
      long aHi,
      long aLo,
      long bHi,
      long bLo,
      int aPort,
      int bPort) {
    if (size >= maxFlows) {
      flowsEvicted++;
      finish(oldest, true);
    }
    Flow flow = new Flow();
    flow.aHi = aHi;
    flow.aLo = aLo;
    flow.bHi = bHi;
    flow.bLo = bLo;
    flow.aPort = aPort;
    flow.bPort = bPort;
    flow.protocol = packet.protocol;
    flow.ipVersion = packet.ipVersion;
    flow.hash = hash;
    boolean senderInitiates = !(isSynAck(packet) || isEchoReply(packet));
    flow.initiatorIsA = sourceIsA == senderInitiates;
    String sender = packet.sourceAddress();
    String receiver = packet.destinationAddress();
    flow.sourceAddress = senderInitiates ? sender : receiver;
    flow.destinationAddress = senderInitiates ? receiver : sender;
    flow.sourceContainer = resolver.containerIdOf(flow.sourceAddress);
    flow.destinationContainer = resolver.containerIdOf(flow.destinationAddress);
    flow.firstSeen = packet.timestampNanos;
    int bucket = hash & mask;
    flow.nextInBucket = buckets[bucket];
    buckets[bucket] = flow;
    flow.older = newest;
    if (newest != null) {
      newest.newer = flow;
    } else {
      oldest = flow;
    }
    newest = flow;
    size++;
    flowsCreated++;
    return flow;
  }

  private static boolean isSynAck(PacketView p) {
    return p.protocol == PacketParser.PROTO_TCP
        && (p.tcpFlags & (PacketView.TCP_SYN | PacketView.TCP_ACK))
            == (PacketView.TCP_SYN | PacketView.TCP_ACK);
  }

  private void touch(Flow flow) {
    if (flow == newest) {
      return;
    }
    unlinkAge(flow);
    flow.older = newest;
    flow.newer = null;
    newest.newer = flow;
    newest = flow;
  }

  private void unlinkAge(Flow flow) {
    if (flow.older != null) {
      flow.older.newer = flow.newer;
    } else {
      oldest = flow.newer;
    }
    if (flow.newer != null) {
      flow.newer.older = flow.older;
    } else {
      newest = flow.older;
    }
    flow.older = null;
    flow.newer = null;
  }

  private void remove(Flow flow) {
    int bucket = flow.hash & mask;
    Flow previous = null;
    for (Flow f = buckets[bucket]; f != null; previous = f, f = f.nextInBucket) {
      if (f == flow) {
        if (previous == null) {
          buckets[bucket] = f.nextInBucket;
        } else {
          previous.nextInBucket = f.nextInBucket;
        }
        break;
      }
    }
    unlinkAge(flow);
    size--;
  }

  private void account(Flow flow, PacketView packet, boolean forward) {
    long time = packet.timestampNanos;
    if (time > flow.lastSeen) {
      flow.lastSeen = time;
    }
    if (forward) {
      flow.packetsForward++;
      flow.bytesForward += packet.ipLength;
    } else {
      flow.packetsReverse++;
      flow.bytesReverse += packet.ipLength;
    }
    if (packet.protocol == PacketParser.PROTO_TCP) {
      tcpFlags(flow, packet, forward, time);
    }
    if (packet.payloadCaptured > 0 && excerptBytes > 0) {
      excerpt(flow, packet, forward);
    }
  }

  private static void tcpFlags(Flow flow, PacketView packet, boolean forward, long time) {
    int flags = packet.tcpFlags;
    if ((flags & PacketView.TCP_SYN) != 0) {
      if ((flags & PacketView.TCP_ACK) != 0) {
        flow.synAck++;
      } else {
        flow.syn++;
      }
      if (forward && !flow.baseForwardSet) {
        flow.baseSequenceForward = packet.tcpSequence + 1;
        flow.baseForwardSet = true;
      } else if (!forward && !flow.baseReverseSet) {
        flow.baseSequenceReverse = packet.tcpSequence + 1;
        flow.baseReverseSet = true;
      }
    }
    if ((flags & PacketView.TCP_RST) != 0) {
      flow.rst++;
      if (forward) {
        flow.rstFromSource++;
      } else {
        flow.rstFromDestination++;
      }
      if (flow.endedAt == 0) {
        flow.endedAt = time;
      }
    }
    if ((flags & PacketView.TCP_FIN) != 0) {
      flow.fin++;
      if (forward) {
        flow.finForward = true;
      } else {
        flow.finReverse = true;
      }
      if (flow.finForward && flow.finReverse && flow.endedAt == 0) {
        flow.endedAt = time;
      }
    }
  }

  private void excerpt(Flow flow, PacketView packet, boolean forward) {
    byte[] excerpt = forward ? flow.excerptForward : flow.excerptReverse;
    int length = forward ? flow.excerptForwardLength : flow.excerptReverseLength;
    int source = packet.payloadOffset;
    int count = packet.payloadCaptured;
    int at;
    if (packet.protocol == PacketParser.PROTO_TCP) {
      if (forward && !flow.baseForwardSet) {
        flow.baseSequenceForward = packet.tcpSequence;
        flow.baseForwardSet = true;
      } else if (!forward && !flow.baseReverseSet) {
        flow.baseSequenceReverse = packet.tcpSequence;
        flow.baseReverseSet = true;
      }
      at = packet.tcpSequence - (forward ? flow.baseSequenceForward : flow.baseSequenceReverse);
      if (at < 0) {
        if (-at >= count) {
          return;
        }
        source -= at;
        count += at;
        at = 0;
      }
    } else {
      at = length;
    }
    if (at >= excerptBytes) {
      return;
    }
    if (excerpt == null) {
      excerpt = new byte[excerptBytes];
      if (forward) {
        flow.excerptForward = excerpt;
      } else {
        flow.excerptReverse = excerpt;
      }
    }
    int copied = Math.min(count, excerptBytes - at);
    System.arraycopy(packet.data, source, excerpt, at, copied);
    int end = Math.max(length, at + copied);
    if (forward) {
      flow.excerptForwardLength = end;
    } else {
      flow.excerptReverseLength = end;
    }
  }

  /**
   * Flushes when a flush interval has passed since the last one (the first call starts the clock).
   * Replay calls this with each packet's time.
   */
  public void advanceTo(long nowNanos) {
    if (nextFlushAt == Long.MIN_VALUE) {
      nextFlushAt = nowNanos + flushIntervalNanos;
    } else if (nowNanos >= nextFlushAt) {
      flush(nowNanos);
    }
  }

  /**
   * Reports every flow with packets since the last flush, and ends flows that ended (RST, FINs) at
   * least {@link #ENDED_LINGER_NANOS} ago or have been idle for the idle timeout.
   */
  public void flush(long nowNanos) {
    nextFlushAt = nowNanos + flushIntervalNanos;
    Flow flow = oldest;
    while (flow != null) {
      Flow next = flow.newer;
      if (flow.sourceContainer == null && flow.destinationContainer == null) {
        flow.sourceContainer = resolver.containerIdOf(flow.sourceAddress);
        flow.destinationContainer = resolver.containerIdOf(flow.destinationAddress);
      }
      if (flow.endedAt != 0 && nowNanos - flow.endedAt >= ENDED_LINGER_NANOS) {
        finish(flow, true);
      } else if (nowNanos - flow.lastSeen >= idleTimeoutNanos) {
        finish(flow, true);
      } else if (flow.intervalPackets() > 0) {
        emit(flow, false);
      }
      flow = next;
    }
  }

  /** Reports every tracked flow as ended and empties the table (stop, end of a replayed file). */
  public void closeAll() {
    while (oldest != null) {
      finish(oldest, true);
    }
  }

  private void finish(Flow flow, boolean ended) {
    remove(flow);
    emit(flow, ended);
  }

  private void emit(Flow flow, boolean ended) {
    if (flow.sourceContainer == null && flow.destinationContainer == null) {
      if (ended) {
        flowsUnattributed++;
      }
      flow.resetInterval();
      return;
    }
    FlowRecord.Builder record = record(flow, ended);
    if (flow.sourceContainer != null) {
      sink.accept(
          flow.sourceContainer,
          record
              .setDirection(FlowDirection.OUTBOUND)
              .setContainerAddress(flow.sourceAddress)
              .build());
      recordsEmitted++;
    }
    if (flow.destinationContainer != null
        && !flow.destinationContainer.equals(flow.sourceContainer)) {
      sink.accept(
          flow.destinationContainer,
          record
              .setDirection(FlowDirection.INBOUND)
              .setContainerAddress(flow.destinationAddress)
              .build());
      recordsEmitted++;
    }
    flow.sequence++;
    flow.resetInterval();
  }

  private FlowRecord.Builder record(Flow flow, boolean ended) {
    boolean ports =
        flow.protocol == PacketParser.PROTO_TCP || flow.protocol == PacketParser.PROTO_UDP;
    int sourcePort = flow.initiatorIsA ? flow.aPort : flow.bPort;
    int destinationPort = flow.initiatorIsA ? flow.bPort : flow.aPort;
    FlowRecord.Builder record =
        FlowRecord.newBuilder()
            .setProtocol(protocol(flow.protocol))
            .setSourceAddress(flow.sourceAddress)
            .setDestinationAddress(flow.destinationAddress)
            .setSourcePort(ports ? sourcePort : 0)
            .setDestinationPort(ports ? destinationPort : 0)
            .setPacketsForward(flow.packetsForward)
            .setBytesForward(flow.bytesForward)
            .setPacketsReverse(flow.packetsReverse)
            .setBytesReverse(flow.bytesReverse)
            .setFirstSeen(Timestamps.of(Timestamps.instantOfEpochNanos(flow.firstSeen)))
            .setLastSeen(Timestamps.of(Timestamps.instantOfEpochNanos(flow.lastSeen)))
            .setEnded(ended)
            .setInterface(interfaceName)
            .setSequence(flow.sequence);
    if (flow.protocol == PacketParser.PROTO_TCP) {
      record.setTcpFlags(
          TcpFlagCounts.newBuilder()
              .setSyn(flow.syn)
              .setSynAck(flow.synAck)
              .setRst(flow.rst)
              .setFin(flow.fin)
              .setRstFromSource(flow.rstFromSource)
              .setRstFromDestination(flow.rstFromDestination));
    }
    if (flow.excerptForwardLength > 0) {
      record.setExcerptForward(
          ByteString.copyFrom(flow.excerptForward, 0, flow.excerptForwardLength));
    }
    if (flow.excerptReverseLength > 0) {
      record.setExcerptReverse(
          ByteString.copyFrom(flow.excerptReverse, 0, flow.excerptReverseLength));
    }
    ApplicationSummary summary =
        ApplicationSummaries.summarize(
            flow.protocol,
            sourcePort,
            destinationPort,
            flow.excerptForward,
            flow.excerptForwardLength,
            flow.excerptReverse,
            flow.excerptReverseLength);
    if (summary != null) {
      record.setApplication(summary);
    }
    return record;
  }

  private static TransportProtocol protocol(int number) {
    return switch (number) {
      case PacketParser.PROTO_TCP -> TransportProtocol.TCP;
      case PacketParser.PROTO_UDP -> TransportProtocol.UDP;
      case PacketParser.PROTO_ICMP -> TransportProtocol.ICMP;
      case PacketParser.PROTO_ICMPV6 -> TransportProtocol.ICMPV6;
      default -> TransportProtocol.OTHER_PROTOCOL;
    };
  }

  /** Flows tracked now. */
  public int size() {
    return size;
  }

  /** Packets accounted since creation. */
  public long packets() {
    return packets;
  }

  public long flowsCreated() {
    return flowsCreated;
  }

  /** Flows ended early because the table was full. */
  public long flowsEvicted() {
    return flowsEvicted;
  }

  /** Flows that ended without involving any known container (never reported). */
  public long flowsUnattributed() {
    return flowsUnattributed;
  }

  /** Records handed to the sink. */
  public long recordsEmitted() {
    return recordsEmitted;
  }

  public String interfaceName() {
    return interfaceName;
  }
}
