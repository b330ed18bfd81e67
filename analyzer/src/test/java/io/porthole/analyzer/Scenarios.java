package io.porthole.analyzer;

import static io.porthole.analyzer.Fixtures.bridgeConfig;
import static io.porthole.analyzer.Fixtures.event;
import static io.porthole.analyzer.Fixtures.exit;
import static io.porthole.analyzer.Fixtures.exits;
import static io.porthole.analyzer.Fixtures.failing;
import static io.porthole.analyzer.Fixtures.lifecycle;
import static io.porthole.analyzer.Fixtures.syscalls;

import io.porthole.proto.CollectorHeartbeat;
import io.porthole.proto.ContainerAction;
import io.porthole.proto.ContainerConfig;
import io.porthole.proto.EventEnvelope;
import io.porthole.proto.Mount;
import io.porthole.proto.SyscallEvent;
import io.porthole.wire.Timestamps;
import java.time.Instant;
import java.util.List;

/** The event sequences of SCENARIOS.md as the collector publishes them. */
final class Scenarios {

  private static final String NOENT = "No such file or directory";

  private Scenarios() {}

  /** S1: docker run -d --net=host --pid=host -v /:/host:ro busybox sleep 600 */
  static List<EventEnvelope> hostNamespaces(String id, Instant t) {
    ContainerConfig.Builder config =
        ContainerConfig.newBuilder()
            .setNetworkMode("host")
            .setPidMode("host")
            .addMounts(
                Mount.newBuilder()
                    .setType("bind")
                    .setSource("/")
                    .setDestination("/host")
                    .setReadOnly(true));
    return List.of(
        event(id, t, lifecycle(ContainerAction.CREATE, "s1-host").setConfig(config)),
        event(
            id, t.plusMillis(100), lifecycle(ContainerAction.START, "s1-host").setConfig(config)));
  }

  /** S2: docker run --memory 16m --memory-swap 16m busybox dd ... : create, start, oom, die 137. */
  static List<EventEnvelope> oomKilled(String id, String name, Instant t) {
    ContainerConfig.Builder config =
        bridgeConfig().setMemoryLimitBytes(16L << 20).setMemorySwapBytes(16L << 20);
    return List.of(
        event(id, t, lifecycle(ContainerAction.CREATE, name).setConfig(config)),
        event(id, t.plusMillis(150), lifecycle(ContainerAction.START, name).setConfig(config)),
        event(id, t.plusMillis(300), lifecycle(ContainerAction.OOM, name)),
        event(
            id,
            t.plusMillis(330),
            lifecycle(ContainerAction.DIE, name)
                .setExitCode(137)
                .setOomKilled(true)
                .setConfig(config)));
  }

  /** S2: docker run -d --oom-kill-disable busybox sleep 600 */
  static List<EventEnvelope> oomKillDisabled(String id, Instant t) {
    return List.of(
        event(
            id,
            t,
            lifecycle(ContainerAction.START, "s2-unbounded")
                .setConfig(bridgeConfig().setOomKillDisable(true))));
  }

  /** S5: the failing SELinux calls of a process (before its exit). */
  static EventEnvelope selinuxFailures(String id, int pid, Instant t) {
    return syscalls(
        id,
        t.plusMillis(20),
        failing(pid, t, "openat", "/proc/self/task/" + pid + "/attr/current", "ENOENT", NOENT),
        failing(pid, t.plusMillis(1), "openat", "/etc/selinux/config", "ENOENT", NOENT),
        failing(
            pid,
            t.plusMillis(2),
            "openat",
            "/etc/selinux/targeted/contexts/files/file_contexts",
            "ENOENT",
            NOENT));
  }

  /** S5: then the process exits 12 and the container dies with 12. */
  static List<EventEnvelope> selinuxExit(String id, int pid, Instant t) {
    return List.of(
        exits(id, t, exit(pid, t, 12)),
        event(id, t.plusMillis(5), lifecycle(ContainerAction.DIE, "s5-useradd").setExitCode(12)));
  }

  /** S5: memfd_create denied with ENOSYS by a seccomp profile. */
  static EventEnvelope enosys(String id, Instant t) {
    return syscalls(
        id,
        t,
        SyscallEvent.newBuilder()
            .setHostPid(6000)
            .setName("memfd_create")
            .setArguments("\"probe\", MFD_CLOEXEC")
            .setReturnValue("-1")
            .setReturnCode(-1)
            .setErrnoName("ENOSYS")
            .setErrnoText("Function not implemented")
            .setTime(Timestamps.of(t))
            .setRaw("memfd_create(\"probe\", MFD_CLOEXEC) = -1 ENOSYS (Function not implemented)")
            .build());
  }

  /** A heartbeat that announces a long interval, so that HOST_SILENT stays out of short tests. */
  static CollectorHeartbeat heartbeat(Instant t) {
    return CollectorHeartbeat.newBuilder()
        .setHostId(Fixtures.HOST)
        .setTime(Timestamps.of(t))
        .setStartedAt(Timestamps.of(t.minusSeconds(60)))
        .setKernelVersion("6.1.0-27-amd64")
        .setCollectorVersion("0.1.0")
        .setIntervalSeconds(3600)
        .build();
  }
}
