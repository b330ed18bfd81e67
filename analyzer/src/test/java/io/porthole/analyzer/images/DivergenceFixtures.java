package io.porthole.analyzer.images;

import io.porthole.analyzer.Fixtures;
import io.porthole.proto.CollectorHeartbeat;
import io.porthole.proto.ContainerAction;
import io.porthole.proto.EventEnvelope;
import io.porthole.wire.Timestamps;
import java.time.Instant;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;

/**
 * The memfd_create probe (MissingSyscallIT's program, three calls) recorded with strace on this
 * machine: {@code memfd-probe-ok.strace} in a container of the default engine (the calls return 3,
 * exit 0), {@code memfd-probe-enosys.strace} under a seccomp profile answering errno 38 (ENOSYS,
 * exit 4), as host B of the divergence IT runs it; replayed through the collector's parser into the
 * {@code .envelopes.jsonl} beside them.
 */
final class DivergenceFixtures {

  static final LocalDate DAY = LocalDate.parse("2026-12-05");
  static final Instant START = Instant.parse("2026-12-05T10:10:05Z");
  static final Instant NOW = Instant.parse("2026-12-05T10:11:00Z");
  static final String HOST_A = "host-a";
  static final String HOST_B = "host-b";
  static final String KERNEL_A = "6.1.0-28-amd64";
  static final String KERNEL_B = "3.10.0-1160.el7.x86_64";
  static final String IMAGE_ID = "sha256:" + "ab".repeat(32);

  private DivergenceFixtures() {}

  static CollectorHeartbeat heartbeat(String host, String kernel) {
    return CollectorHeartbeat.newBuilder()
        .setHostId(host)
        .setKernelVersion(kernel)
        .setTime(Timestamps.of(START))
        .build();
  }

  /** start, the recorded syscall batches, die with the exit code the probe had. */
  static List<EventEnvelope> probeRun(String host, String seed, boolean enosys) {
    String id = Fixtures.containerId(seed);
    String name = "probe-" + seed;
    List<EventEnvelope> run = new ArrayList<>();
    run.add(Fixtures.event(id, START, Fixtures.lifecycle(ContainerAction.START, name)));
    List<EventEnvelope> calls =
        Fixtures.recorded(enosys ? "memfd-probe-enosys" : "memfd-probe-ok", id, DAY);
    run.addAll(calls);
    run.add(
        Fixtures.event(
            id,
            Fixtures.lastEventTime(calls),
            Fixtures.lifecycle(ContainerAction.DIE, name).setExitCode(enosys ? 4 : 0)));
    return run.stream().map(event -> onHost(event, host)).toList();
  }

  static EventEnvelope onHost(EventEnvelope envelope, String host) {
    return envelope.toBuilder().setHostId(host).build();
  }

  static void feed(ImageSummaryBuilder builder, List<EventEnvelope> events) {
    for (EventEnvelope event : events) {
      if (event.hasSyscalls()) {
        builder.onSyscalls(event);
      } else {
        builder.onContainerEvent(event);
      }
    }
  }
}
