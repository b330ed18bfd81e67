package io.porthole.analyzer.rules;

import static io.porthole.analyzer.Fixtures.T0;
import static io.porthole.analyzer.Fixtures.containerId;
import static io.porthole.analyzer.Fixtures.syscalls;
import static org.assertj.core.api.Assertions.assertThat;

import io.porthole.analyzer.Fixtures;
import io.porthole.proto.Alert;
import io.porthole.proto.CollectorHeartbeat;
import io.porthole.proto.Rule;
import io.porthole.proto.SyscallEvent;
import io.porthole.wire.Timestamps;
import java.time.Instant;
import org.junit.jupiter.api.Test;

class MissingSyscallRuleTest {

  private final String id = containerId("enosys");
  private final RuleHarness harness =
      new RuleHarness(new MissingSyscallRule(MissingSyscallRule.Config.defaults()));

  private static SyscallEvent memfd(Instant time, String errno, String text) {
    // A seccomp profile {"names":["memfd_create"],"action":"SCMP_ACT_ERRNO","errnoRet":38} gives
    // this line.
    return SyscallEvent.newBuilder()
        .setHostPid(5120)
        .setName("memfd_create")
        .setArguments("\"test\", MFD_CLOEXEC")
        .setReturnValue("-1")
        .setReturnCode(-1)
        .setErrnoName(errno)
        .setErrnoText(text)
        .setTime(Timestamps.of(time))
        .setRaw("memfd_create(\"test\", MFD_CLOEXEC) = -1 " + errno + " (" + text + ")")
        .build();
  }

  @Test
  void enosysNamesTheSyscallAndTheHostKernelFromItsHeartbeat() {
    harness.heartbeat(
        CollectorHeartbeat.newBuilder()
            .setHostId(Fixtures.HOST)
            .setKernelVersion("3.10.0-1160.el7.x86_64")
            .setTime(Timestamps.of(T0))
            .setIntervalSeconds(10)
            .build());
    harness.feed(syscalls(id, T0, memfd(T0, "ENOSYS", "Function not implemented")));

    assertThat(harness.alerts).hasSize(1);
    Alert alert = harness.alerts.get(0);
    assertThat(alert.getRule()).isEqualTo(Rule.MISSING_SYSCALL);
    assertThat(alert.getTitle()).contains("memfd_create", "3.10.0-1160.el7.x86_64");
    assertThat(alert.getAttributesMap())
        .containsEntry("syscall", "memfd_create")
        .containsEntry("kernel_version", "3.10.0-1160.el7.x86_64");
    assertThat(alert.getEvidence(0).getDescription()).contains("ENOSYS (Function not implemented)");
  }

  @Test
  void aHeartbeatReadAfterTheSyscallAddsTheKernelToTheSameAlert() {
    harness.feed(syscalls(id, T0, memfd(T0, "ENOSYS", "Function not implemented")));
    harness.heartbeat(
        CollectorHeartbeat.newBuilder()
            .setHostId(Fixtures.HOST)
            .setKernelVersion("3.10.0-1160.el7.x86_64")
            .setTime(Timestamps.of(T0))
            .build());
    harness.heartbeat(
        CollectorHeartbeat.newBuilder()
            .setHostId(Fixtures.HOST)
            .setKernelVersion("3.10.0-1160.el7.x86_64")
            .setTime(Timestamps.of(T0.plusSeconds(10)))
            .build());

    assertThat(harness.alerts).hasSize(2);
    assertThat(harness.latest()).hasSize(1);
    assertThat(harness.alerts.get(1).getAttributesMap())
        .containsEntry("kernel_version", "3.10.0-1160.el7.x86_64");
  }

  @Test
  void repeatedEnosysOfOneSyscallIsOneEpisodeAndOtherErrorsAreSilent() {
    harness.feed(syscalls(id, T0, memfd(T0, "ENOSYS", "Function not implemented")));
    harness.feed(
        syscalls(
            id, T0.plusSeconds(1), memfd(T0.plusSeconds(1), "ENOSYS", "Function not implemented")));
    harness.feed(
        syscalls(
            id, T0.plusSeconds(2), memfd(T0.plusSeconds(2), "EPERM", "Operation not permitted")));

    assertThat(harness.alerts).hasSize(2);
    assertThat(harness.latest()).hasSize(1);
    assertThat(harness.alerts.get(1).getOccurrences()).isEqualTo(2);
    assertThat(harness.alerts.get(1).getTitle()).contains("unknown kernel");
  }
}
