package io.porthole.wire;

import com.google.protobuf.ByteString;
import com.google.protobuf.Message;
import io.porthole.proto.Alert;
import io.porthole.proto.ApplicationSummary;
import io.porthole.proto.ArtifactChunk;
import io.porthole.proto.CollectorCounters;
import io.porthole.proto.CollectorHeartbeat;
import io.porthole.proto.ContainerAction;
import io.porthole.proto.ContainerConfig;
import io.porthole.proto.ContainerEvent;
import io.porthole.proto.EventEnvelope;
import io.porthole.proto.Evidence;
import io.porthole.proto.ExitOutcome;
import io.porthole.proto.FlowDirection;
import io.porthole.proto.FlowRecord;
import io.porthole.proto.ImageSummary;
import io.porthole.proto.Mount;
import io.porthole.proto.ProcessExit;
import io.porthole.proto.RemediationAction;
import io.porthole.proto.RemediationCommand;
import io.porthole.proto.RemediationResult;
import io.porthole.proto.RemediationStatus;
import io.porthole.proto.Rule;
import io.porthole.proto.Severity;
import io.porthole.proto.SyscallBatch;
import io.porthole.proto.SyscallEvent;
import io.porthole.proto.SyscallOutcome;
import io.porthole.proto.TcpFlagCounts;
import io.porthole.proto.TransportProtocol;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import java.util.Map;

/** One fully populated message of every type on the topics, with the topic it travels on. */
final class SampleMessages {

  static final Instant T0 = Instant.parse("2026-11-29T07:20:36.374552Z");

  private SampleMessages() {}

  static EventEnvelope containerEvent() {
    return envelope("e-1")
        .setContainerEvent(
            ContainerEvent.newBuilder()
                .setAction(ContainerAction.DIE)
                .setRawAction("die")
                .setName("oom-demo")
                .setImage("porthole/busybox:test")
                .setImageId("sha256:0123")
                .putLabels("porthole.trace", "syscalls")
                .setExitCode(137)
                .setOomKilled(true)
                .setState("exited")
                .setConfig(
                    ContainerConfig.newBuilder()
                        .setMemoryLimitBytes(16L << 20)
                        .setMemorySwapBytes(16L << 20)
                        .setNetworkMode("host")
                        .setPidMode("host")
                        .addCapAdd("NET_ADMIN")
                        .addMounts(
                            Mount.newBuilder()
                                .setType("bind")
                                .setSource("/")
                                .setDestination("/host")
                                .setReadOnly(true))))
        .build();
  }

  static EventEnvelope flow() {
    return envelope("e-2")
        .setFlow(
            FlowRecord.newBuilder()
                .setProtocol(TransportProtocol.TCP)
                .setSourceAddress("172.17.0.3")
                .setSourcePort(40312)
                .setDestinationAddress("172.17.0.2")
                .setDestinationPort(80)
                .setDirection(FlowDirection.OUTBOUND)
                .setContainerAddress("172.17.0.3")
                .setPacketsForward(5)
                .setBytesForward(400)
                .setTcpFlags(TcpFlagCounts.newBuilder().setSyn(1).setSynAck(1).setFin(2))
                .setExcerptForward(
                    ByteString.copyFrom("GET / HTTP/1.1\r\n", StandardCharsets.US_ASCII))
                .setApplication(
                    ApplicationSummary.newBuilder()
                        .setHttpRequestLine("GET / HTTP/1.1")
                        .setHttpStatusLine("HTTP/1.1 200 OK")))
        .build();
  }

  static EventEnvelope syscalls() {
    return envelope("e-3")
        .setSyscalls(
            SyscallBatch.newBuilder()
                .addSyscalls(
                    SyscallEvent.newBuilder()
                        .setHostPid(32025)
                        .setName("openat")
                        .setArguments("AT_FDCWD, \"/etc/selinux/config\", O_RDONLY")
                        .setPath("/etc/selinux/config")
                        .setReturnValue("-1")
                        .setReturnCode(-1)
                        .setErrnoName("ENOENT")
                        .setErrnoText("No such file or directory")
                        .setDurationMicros(14)
                        .setTime(Timestamps.of(T0)))
                .addExits(ProcessExit.newBuilder().setHostPid(32025).setExitCode(12))
                .setTraceReason("label"))
        .build();
  }

  static CollectorHeartbeat heartbeat() {
    return CollectorHeartbeat.newBuilder()
        .setHostId("host-a")
        .setTime(Timestamps.of(T0))
        .setKernelVersion("6.1.0-28-amd64")
        .setEngineVersion("20.10.24")
        .setIntervalSeconds(10)
        .setCounters(CollectorCounters.newBuilder().setPcapDropped(3).setEventsPublished(99))
        .putDegradedSources("packets", "no permission")
        .build();
  }

  static Alert alert() {
    return Alert.newBuilder()
        .setAlertId("OOM_KILLED-abc")
        .setRule(Rule.OOM_KILLED)
        .setSeverity(Severity.HIGH)
        .setTitle("Container oom-demo was killed by the OOM killer")
        .setHostId("host-a")
        .setContainerId("c0ffee")
        .addEvidence(
            Evidence.newBuilder()
                .setDescription("die exit 137 oom_killed")
                .setTopic(Topic.CONTAINER_EVENTS.topicName())
                .setEventId("e-1"))
        .putAllAttributes(Map.of("memory_limit_bytes", "16777216"))
        .build();
  }

  static RemediationCommand command() {
    return RemediationCommand.newBuilder()
        .setCommandId("cmd-1")
        .setAction(RemediationAction.ISOLATE_NETWORK)
        .setHostId("host-a")
        .setContainerId("c0ffee")
        .setReason("exfiltration suspected")
        .setTtlSeconds(60)
        .setIssuedAt(Timestamps.of(T0))
        .setExpiresAt(Timestamps.of(T0.plusSeconds(60)))
        .setSignature(ByteString.copyFrom(new byte[32]))
        .build();
  }

  static RemediationResult result() {
    return RemediationResult.newBuilder()
        .setCommandId("cmd-1")
        .setAction(RemediationAction.EXTRACT_FILE)
        .setHostId("host-a")
        .setStatus(RemediationStatus.SUCCEEDED)
        .setDetail("copied /etc/os-release")
        .setArtifact(
            ArtifactChunk.newBuilder()
                .setIndex(0)
                .setTotal(1)
                .setData(ByteString.copyFromUtf8("ID=debian\n"))
                .setTotalSize(10))
        .build();
  }

  /** Every sample with the topic it is published on. */
  static List<Map.Entry<Topic, Message>> all() {
    return List.of(
        Map.entry(Topic.CONTAINER_EVENTS, containerEvent()),
        Map.entry(Topic.FLOWS, flow()),
        Map.entry(Topic.SYSCALLS, syscalls()),
        Map.entry(Topic.HEARTBEATS, heartbeat()),
        Map.entry(Topic.ALERTS, alert()),
        Map.entry(Topic.COMMANDS, command()),
        Map.entry(Topic.COMMAND_RESULTS, result()),
        Map.entry(Topic.IMAGE_SUMMARIES, imageSummary()));
  }

  static ImageSummary imageSummary() {
    return ImageSummary.newBuilder()
        .setImageId("sha256:" + "ab".repeat(32))
        .setImage("porthole/busybox:test")
        .setHostId("host-b")
        .setKernelVersion("3.10.0-1160.el7.x86_64")
        .setUpdatedAt(Timestamps.of(T0))
        .setContainers(1)
        .addSyscalls(
            SyscallOutcome.newBuilder()
                .setSyscall("memfd_create")
                .setErrnoName("ENOSYS")
                .setCount(3)
                .setContainers(1)
                .setLastSeen(Timestamps.of(T0))
                .setEvidence(
                    "memfd_create(\"porthole-probe\", 0) = -1 ENOSYS (Function not implemented)"))
        .addExits(
            ExitOutcome.newBuilder().setExitCode(4).setContainers(1).setLastSeen(Timestamps.of(T0)))
        .build();
  }

  private static EventEnvelope.Builder envelope(String eventId) {
    return EventEnvelope.newBuilder()
        .setEventId(eventId)
        .setHostId("host-a")
        .setContainerId("c0ffee")
        .setTime(Timestamps.of(T0))
        .setCollectorTime(Timestamps.of(T0.plusMillis(3)));
  }
}
