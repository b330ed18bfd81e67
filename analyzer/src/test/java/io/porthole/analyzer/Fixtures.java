package io.porthole.analyzer;

import com.google.protobuf.Timestamp;
import io.porthole.proto.ContainerAction;
import io.porthole.proto.ContainerConfig;
import io.porthole.proto.ContainerEvent;
import io.porthole.proto.EventEnvelope;
import io.porthole.proto.FlowDirection;
import io.porthole.proto.FlowRecord;
import io.porthole.proto.ProcessExit;
import io.porthole.proto.SyscallBatch;
import io.porthole.proto.SyscallEvent;
import io.porthole.proto.TcpFlagCounts;
import io.porthole.proto.TransportProtocol;
import io.porthole.wire.ProtoJson;
import io.porthole.wire.Timestamps;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

/** Event envelopes as the collector publishes them, for tests. */
public final class Fixtures {

  public static final String HOST = "host-a";
  public static final Instant T0 = Instant.parse("2026-11-29T09:25:42Z");

  private Fixtures() {}

  public static String containerId(String seed) {
    StringBuilder id = new StringBuilder();
    while (id.length() < 64) {
      id.append(Integer.toHexString(Math.abs((seed + id.length()).hashCode())));
    }
    return id.substring(0, 64);
  }

  public static EventEnvelope.Builder envelope(String containerId, Instant time) {
    return EventEnvelope.newBuilder()
        .setEventId(
            UUID.nameUUIDFromBytes(
                    (containerId + time + Math.random()).getBytes(StandardCharsets.UTF_8))
                .toString())
        .setHostId(HOST)
        .setContainerId(containerId)
        .setTime(Timestamps.of(time))
        .setCollectorTime(Timestamps.of(time));
  }

  public static ContainerEvent.Builder lifecycle(ContainerAction action, String name) {
    return ContainerEvent.newBuilder()
        .setAction(action)
        .setRawAction(action.name().toLowerCase())
        .setName(name)
        .setImage("porthole/busybox:test")
        .setImageId("sha256:" + "ab".repeat(32));
  }

  public static EventEnvelope event(String containerId, Instant time, ContainerEvent.Builder body) {
    return envelope(containerId, time).setContainerEvent(body).build();
  }

  public static ContainerConfig.Builder bridgeConfig() {
    return ContainerConfig.newBuilder().setNetworkMode("bridge").setIpcMode("private");
  }

  public static EventEnvelope syscalls(String containerId, Instant time, SyscallEvent... calls) {
    return envelope(containerId, time)
        .setSyscalls(
            SyscallBatch.newBuilder().setTraceReason("label").addAllSyscalls(List.of(calls)))
        .build();
  }

  public static EventEnvelope exits(String containerId, Instant time, ProcessExit... exits) {
    return envelope(containerId, time)
        .setSyscalls(SyscallBatch.newBuilder().setTraceReason("label").addAllExits(List.of(exits)))
        .build();
  }

  public static SyscallEvent failing(
      int pid, Instant time, String name, String path, String errno, String text) {
    return SyscallEvent.newBuilder()
        .setHostPid(pid)
        .setName(name)
        .setArguments("AT_FDCWD, \"" + path + "\", O_RDONLY")
        .setPath(path)
        .setReturnValue("-1")
        .setReturnCode(-1)
        .setErrnoName(errno)
        .setErrnoText(text)
        .setTime(Timestamps.of(time))
        .setRaw(
            "[pid "
                + pid
                + "] "
                + name
                + "(AT_FDCWD, \""
                + path
                + "\", O_RDONLY) = -1 "
                + errno
                + " ("
                + text
                + ")")
        .build();
  }

  public static ProcessExit exit(int pid, Instant time, int code) {
    return ProcessExit.newBuilder()
        .setHostPid(pid)
        .setExitCode(code)
        .setTime(Timestamps.of(time))
        .setRaw("+++ exited with " + code + " +++")
        .build();
  }

  public static EventEnvelope flow(
      String containerId,
      Instant time,
      int sourcePort,
      String destination,
      int port,
      int syn,
      int synAck,
      int rst) {
    return envelope(containerId, time)
        .setFlow(
            FlowRecord.newBuilder()
                .setProtocol(TransportProtocol.TCP)
                .setSourceAddress("172.17.0.2")
                .setSourcePort(sourcePort)
                .setDestinationAddress(destination)
                .setDestinationPort(port)
                .setDirection(FlowDirection.OUTBOUND)
                .setContainerAddress("172.17.0.2")
                .setPacketsForward(syn)
                .setPacketsReverse(synAck + rst)
                .setTcpFlags(
                    TcpFlagCounts.newBuilder()
                        .setSyn(syn)
                        .setSynAck(synAck)
                        .setRst(rst)
                        .setRstFromDestination(rst))
                .setFirstSeen(Timestamps.of(time))
                .setLastSeen(Timestamps.of(time.plusMillis(100)))
                .setEnded(true)
                .setInterface("docker0"))
        .build();
  }

  /**
   * The envelopes {@code porthole replay} made of a recording (the collector's own parsers, see
   * {@code fixtures/README.md}): {@code name} is the resource's base name ({@code
   * /fixtures/NAME.envelopes.jsonl}), re-keyed to {@code containerId} on {@link #HOST} with new
   * event ids, every time moved by whole days onto {@code day} (the times of day stay those of the
   * recording and of its raw lines).
   */
  public static List<EventEnvelope> recorded(String name, String containerId, LocalDate day) {
    List<EventEnvelope> recording = read(name);
    LocalDate recordedOn =
        LocalDate.ofInstant(Timestamps.toInstant(recording.get(0).getTime()), ZoneOffset.UTC);
    return rekeyed(
        recording, containerId, Duration.ofDays(ChronoUnit.DAYS.between(recordedOn, day)));
  }

  /**
   * {@link #recorded(String, String, LocalDate)}, moved so that the first envelope is at {@code
   * start}.
   */
  public static List<EventEnvelope> recorded(String name, String containerId, Instant start) {
    List<EventEnvelope> recording = read(name);
    return rekeyed(
        recording,
        containerId,
        Duration.between(Timestamps.toInstant(recording.get(0).getTime()), start));
  }

  /** The time of the last syscall, exit or packet of the envelopes. */
  public static Instant lastEventTime(List<EventEnvelope> envelopes) {
    Instant last = Instant.MIN;
    for (EventEnvelope envelope : envelopes) {
      List<Timestamp> times = new ArrayList<>();
      times.add(envelope.getTime());
      envelope.getSyscalls().getSyscallsList().forEach(call -> times.add(call.getTime()));
      envelope.getSyscalls().getExitsList().forEach(exit -> times.add(exit.getTime()));
      if (envelope.hasFlow()) {
        times.add(envelope.getFlow().getLastSeen());
      }
      for (Timestamp time : times) {
        Instant instant = Timestamps.toInstant(time);
        last = instant.isAfter(last) ? instant : last;
      }
    }
    return last;
  }

  private static List<EventEnvelope> read(String name) {
    String resource = "/fixtures/" + name + ".envelopes.jsonl";
    try (InputStream in = Fixtures.class.getResourceAsStream(resource)) {
      if (in == null) {
        throw new IllegalArgumentException("no fixture " + resource);
      }
      List<EventEnvelope> envelopes =
          new String(in.readAllBytes(), StandardCharsets.UTF_8)
              .lines()
              .filter(line -> !line.isBlank())
              .<EventEnvelope>map(line -> ProtoJson.fromJson(line, EventEnvelope.newBuilder()))
              .toList();
      if (envelopes.isEmpty()) {
        throw new IllegalArgumentException("empty fixture " + resource);
      }
      return envelopes;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static List<EventEnvelope> rekeyed(
      List<EventEnvelope> recording, String containerId, Duration shift) {
    List<EventEnvelope> envelopes = new ArrayList<>();
    for (EventEnvelope recorded : recording) {
      EventEnvelope.Builder envelope =
          recorded.toBuilder()
              .setEventId(UUID.randomUUID().toString())
              .setHostId(HOST)
              .setContainerId(containerId)
              .setTime(moved(recorded.getTime(), shift))
              .setCollectorTime(moved(recorded.getTime(), shift));
      if (recorded.hasSyscalls()) {
        SyscallBatch.Builder batch = envelope.getSyscallsBuilder();
        batch.getSyscallsBuilderList().forEach(call -> call.setTime(moved(call.getTime(), shift)));
        batch.getExitsBuilderList().forEach(exit -> exit.setTime(moved(exit.getTime(), shift)));
      }
      if (recorded.hasFlow()) {
        FlowRecord.Builder flow = envelope.getFlowBuilder();
        flow.setFirstSeen(moved(flow.getFirstSeen(), shift))
            .setLastSeen(moved(flow.getLastSeen(), shift));
      }
      envelopes.add(envelope.build());
    }
    return envelopes;
  }

  private static Timestamp moved(Timestamp time, Duration shift) {
    return Timestamps.of(Timestamps.toInstant(time).plus(shift));
  }
}
