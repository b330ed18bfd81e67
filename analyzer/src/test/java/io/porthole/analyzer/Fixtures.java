package io.porthole.analyzer;

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
import io.porthole.wire.Timestamps;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalTime;
import java.time.ZoneOffset;
import java.util.List;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

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

  private static final Pattern SYSCALL_LINE =
      Pattern.compile(
          "^(\\d+) (\\d\\d:\\d\\d:\\d\\d\\.\\d+) (\\w+)\\((.*)\\)\\s+= (-?\\w+|\\?)(?: "
              + "(E[A-Z]+) \\(([^)]*)\\))?(?: <([\\d.]+)>)?$");
  private static final Pattern EXIT_LINE =
      Pattern.compile(
          "^(\\d+) (\\d\\d:\\d\\d:\\d\\d\\.\\d+) \\+\\+\\+ exited with (\\d+) \\+\\+\\+$");
  private static final Pattern PATH = Pattern.compile("\"([^\"]*)\"");

  /**
   * One batch of a container from a recorded {@code strace -f -q -tt -T -o FILE} file: the
   * completed syscalls and the exits (unfinished/resumed lines are skipped, as they carry no result
   * here), their raw lines as the collector reads them.
   */
  /**
   * The line as the collector's strace prints it ({@code -f} without {@code -o}: {@code [pid N]}
   * first) and keeps it as the event's raw line.
   */
  private static String asTheCollectorReadsIt(String line) {
    int space = line.indexOf(' ');
    return "[pid " + line.substring(0, space) + "]" + line.substring(space);
  }

  public static EventEnvelope recordedBatch(String resource, String containerId, LocalDate day) {
    SyscallBatch.Builder batch = SyscallBatch.newBuilder().setTraceReason("label");
    Instant last = T0;
    try (InputStream in = Fixtures.class.getResourceAsStream(resource)) {
      if (in == null) {
        throw new IllegalArgumentException("no fixture " + resource);
      }
      for (String line : new String(in.readAllBytes(), StandardCharsets.UTF_8).split("\n")) {
        Matcher exit = EXIT_LINE.matcher(line);
        Matcher call = SYSCALL_LINE.matcher(line);
        if (exit.matches()) {
          last = LocalTime.parse(exit.group(2)).atDate(day).toInstant(ZoneOffset.UTC);
          batch.addExits(
              ProcessExit.newBuilder()
                  .setHostPid(Integer.parseInt(exit.group(1)))
                  .setExitCode(Integer.parseInt(exit.group(3)))
                  .setTime(Timestamps.of(last))
                  .setRaw(asTheCollectorReadsIt(line)));
        } else if (call.matches()) {
          last = LocalTime.parse(call.group(2)).atDate(day).toInstant(ZoneOffset.UTC);
          Matcher path = PATH.matcher(call.group(4));
          SyscallEvent.Builder event =
              SyscallEvent.newBuilder()
                  .setHostPid(Integer.parseInt(call.group(1)))
                  .setName(call.group(3))
                  .setArguments(call.group(4))
                  .setPath(path.find() ? path.group(1) : "")
                  .setReturnValue(call.group(5))
                  .setTime(Timestamps.of(last))
                  .setRaw(asTheCollectorReadsIt(line));
          if (call.group(5).matches("-?\\d+")) {
            event.setReturnCode(Long.parseLong(call.group(5)));
          }
          if (call.group(6) != null) {
            event.setErrnoName(call.group(6)).setErrnoText(call.group(7));
          }
          batch.addSyscalls(event);
        }
      }
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
    return envelope(containerId, last).setSyscalls(batch).build();
  }
}
