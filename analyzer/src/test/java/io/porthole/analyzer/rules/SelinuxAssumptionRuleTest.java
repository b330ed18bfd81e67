package io.porthole.analyzer.rules;

import static io.porthole.analyzer.Fixtures.T0;
import static io.porthole.analyzer.Fixtures.containerId;
import static io.porthole.analyzer.Fixtures.event;
import static io.porthole.analyzer.Fixtures.exit;
import static io.porthole.analyzer.Fixtures.exits;
import static io.porthole.analyzer.Fixtures.failing;
import static io.porthole.analyzer.Fixtures.lifecycle;
import static io.porthole.analyzer.Fixtures.syscalls;
import static org.assertj.core.api.Assertions.assertThat;

import io.porthole.analyzer.Fixtures;
import io.porthole.proto.Alert;
import io.porthole.proto.ContainerAction;
import io.porthole.proto.EventEnvelope;
import io.porthole.proto.Evidence;
import io.porthole.proto.Rule;
import io.porthole.proto.Severity;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.util.List;
import org.junit.jupiter.api.Test;

class SelinuxAssumptionRuleTest {

  private static final String NOENT = "No such file or directory";
  private final String id = containerId("selinux");

  private static RuleHarness harness() {
    return new RuleHarness(new SelinuxAssumptionRule(SelinuxAssumptionRule.Config.defaults()));
  }

  /** The failing calls of useradd on a CentOS host (SCENARIOS.md S5), by one process. */
  private EventEnvelope useraddFailures(int pid) {
    return syscalls(
        id,
        T0.plusMillis(10),
        failing(pid, T0, "openat", "/proc/self/task/" + pid + "/attr/current", "ENOENT", NOENT),
        failing(pid, T0.plusMillis(1), "openat", "/etc/selinux/config", "ENOENT", NOENT),
        failing(
            pid,
            T0.plusMillis(2),
            "openat",
            "/etc/selinux/targeted/contexts/files/file_contexts.subs_dist",
            "ENOENT",
            NOENT),
        failing(
            pid,
            T0.plusMillis(3),
            "openat",
            "/etc/selinux/targeted/contexts/files/file_contexts",
            "ENOENT",
            NOENT));
  }

  @Test
  void theRecordedStraceOfCatFailingOnSelinuxConfigAlertsWithTheSyscallAndTheExit() {
    RuleHarness harness = harness();
    Fixtures.recorded("selinux-cat-exit12", id, LocalDate.of(2026, 11, 29)).forEach(harness::feed);

    assertThat(harness.alerts).hasSize(1);
    Alert alert = harness.alerts.get(0);
    assertThat(alert.getRule()).isEqualTo(Rule.SELINUX_ASSUMPTION);
    assertThat(alert.getEvidenceList())
        .extracting(Evidence::getDescription)
        .anySatisfy(
            d ->
                assertThat(d)
                    .contains("openat(AT_FDCWD, \"/etc/selinux/config\", O_RDONLY) = -1 ENOENT"))
        .anySatisfy(d -> assertThat(d).contains("+++ exited with 1 +++"));
    assertThat(alert.getSummary())
        .contains("SELinux is enforced on the host, not in the container", "/etc/selinux/config");
    assertThat(alert.getEvidenceList()).allSatisfy(e -> assertThat(e.getEventId()).isNotEmpty());
  }

  /**
   * The container of the fixture ({@code sh -c 'cat /etc/selinux/config || exit 12'}) exits 12,
   * while the process that failed the SELinux call ({@code cat}) exits 1. The die is read before or
   * after the syscall batch (other topic), and may come twice (the collector reconciles a die).
   */
  @Test
  void theRecordedStraceAndTheContainersDieShowTheFailingCallTheProcessExitAndTheDieEachOnce() {
    List<EventEnvelope> recording =
        Fixtures.recorded("selinux-cat-exit12", id, LocalDate.of(2026, 11, 29));
    assertThat(recording).as("one 250 ms batch").hasSize(1);
    EventEnvelope trace = recording.get(0);
    Instant exitedAt = Fixtures.lastEventTime(recording);
    EventEnvelope die =
        event(
            id, exitedAt.plusMillis(3), lifecycle(ContainerAction.DIE, "useradd").setExitCode(12));
    EventEnvelope reconciledDie =
        event(
            id,
            exitedAt.plusMillis(900),
            lifecycle(ContainerAction.DIE, "useradd").setExitCode(12));
    RuleHarness dieFirst = harness();
    dieFirst.feed(die);
    dieFirst.feed(trace);
    dieFirst.feed(reconciledDie);
    RuleHarness traceFirst = harness();
    traceFirst.feed(trace);
    traceFirst.feed(die);
    traceFirst.feed(reconciledDie);

    for (RuleHarness harness : List.of(dieFirst, traceFirst)) {
      assertThat(harness.latest()).hasSize(1);
      Alert alert = harness.latest().values().iterator().next();
      assertThat(alert.getEvidenceList())
          .extracting(Evidence::getDescription)
          .containsExactly(
              "27785 09:25:42.449269 openat(AT_FDCWD, \"/etc/selinux/config\", "
                  + "O_RDONLY) = -1 ENOENT "
                  + "(No such file or directory) <0.000033>",
              "27785 09:25:42.449896 +++ exited with 1 +++",
              "the container died with exit code 12");
      assertThat(alert.getEvidenceList())
          .extracting(Evidence::getTopic)
          .containsExactly(
              "porthole.syscalls.v1", "porthole.syscalls.v1", "porthole.container-events.v1");
      assertThat(alert.getSummary())
          .contains(
              "and then process 27785 exited with code 1; the container died with exit code 12.");
    }
  }

  @Test
  void failuresThenANonZeroExitOfTheSameProcessInALaterBatchAlertOnceWithEveryFailingLine() {
    RuleHarness harness = harness();
    harness.feed(useraddFailures(4711));
    assertThat(harness.alerts).isEmpty();
    harness.feed(exits(id, T0.plusSeconds(1), exit(4711, T0.plusSeconds(1), 12)));

    assertThat(harness.alerts).hasSize(1);
    Alert alert = harness.alerts.get(0);
    assertThat(alert.getOccurrences()).isEqualTo(4);
    assertThat(alert.getEvidenceList())
        .extracting(Evidence::getDescription)
        .contains(
            "[pid 4711] openat(AT_FDCWD, \"/etc/selinux/config\", O_RDONLY) = -1 ENOENT "
                + "(No such file or directory)",
            "[pid 4711] +++ exited with 12 +++");
    assertThat(alert.getAttributesMap()).containsEntry("pid", "4711");
    assertThat(alert.getSummary())
        .contains(
            "failed 4 syscall(s) on SELinux paths", "and then process 4711 exited with code 12.");
  }

  @Test
  void enoentOnANonSelinuxPathFollowedByAFailingExitIsSilent() {
    RuleHarness harness = harness();
    harness.feed(syscalls(id, T0, failing(7, T0, "openat", "/etc/nsswitch.conf", "ENOENT", NOENT)));
    harness.feed(exits(id, T0.plusSeconds(1), exit(7, T0.plusSeconds(1), 1)));

    assertThat(harness.alerts).isEmpty();
  }

  @Test
  void selinuxEnoentFollowedByExitZeroIsSilent() {
    RuleHarness harness = harness();
    harness.feed(useraddFailures(8));
    harness.feed(exits(id, T0.plusSeconds(1), exit(8, T0.plusSeconds(1), 0)));
    harness.feed(event(id, T0.plusSeconds(2), lifecycle(ContainerAction.DIE, "ok").setExitCode(0)));

    assertThat(harness.alerts).isEmpty();
  }

  @Test
  void aNonZeroExitLongAfterTheWindowIsSilent() {
    RuleHarness harness = harness();
    harness.feed(useraddFailures(9));
    harness.feed(exits(id, T0.plusSeconds(60), exit(9, T0.plusSeconds(60), 1)));
    harness.feed(
        event(id, T0.plusSeconds(61), lifecycle(ContainerAction.DIE, "late").setExitCode(1)));

    assertThat(harness.alerts).isEmpty();
  }

  @Test
  void theContainerDyingNonZeroWithinTheWindowAlertsInEitherArrivalOrder() {
    RuleHarness syscallsFirst = harness();
    EventEnvelope failures = useraddFailures(10);
    EventEnvelope die =
        event(id, T0.plusSeconds(2), lifecycle(ContainerAction.DIE, "useradd").setExitCode(12));
    syscallsFirst.feed(failures);
    syscallsFirst.feed(die);
    RuleHarness dieFirst = harness();
    dieFirst.feed(die);
    dieFirst.feed(failures);

    assertThat(syscallsFirst.alerts).hasSize(1);
    assertThat(dieFirst.alerts).hasSize(1);
    assertThat(dieFirst.alerts.get(0).getAlertId())
        .isEqualTo(syscallsFirst.alerts.get(0).getAlertId());
    assertThat(syscallsFirst.alerts.get(0).getEvidenceList())
        .extracting(Evidence::getDescription)
        .contains("the container died with exit code 12");
  }

  @Test
  void theProcessExitAndThenTheContainerDieAreOneAlertUpdated() {
    RuleHarness harness = harness();
    harness.feed(useraddFailures(11));
    harness.feed(exits(id, T0.plusSeconds(1), exit(11, T0.plusSeconds(1), 12)));
    harness.feed(
        event(id, T0.plusSeconds(1), lifecycle(ContainerAction.DIE, "useradd").setExitCode(12)));

    assertThat(harness.alerts).hasSize(2);
    assertThat(harness.latest()).hasSize(1);
    assertThat(harness.alerts.get(1).getEvidenceList())
        .extracting(Evidence::getDescription)
        .contains("[pid 11] +++ exited with 12 +++", "the container died with exit code 12");
  }

  @Test
  void otherTopicsReadFarAheadOfTheSyscallsDoNotExpireTheEpisode() {
    RuleHarness harness = harness();
    harness.feed(useraddFailures(13));
    // While re-reading after a restart, the container's flows may be read minutes ahead of its
    // syscalls.
    harness.feed(Fixtures.flow(id, T0.plusSeconds(300), 40000, "10.0.0.1", 80, 1, 1, 0));
    harness.feed(exits(id, T0.plusSeconds(1), exit(13, T0.plusSeconds(1), 1)));

    assertThat(harness.alerts).hasSize(1);
  }

  @Test
  void theWindowIsConfigurable() {
    RuleHarness harness =
        new RuleHarness(
            new SelinuxAssumptionRule(
                new SelinuxAssumptionRule.Config(
                    RuleSettings.enabled(Severity.HIGH), Duration.ofMinutes(2))));
    harness.feed(useraddFailures(12));
    harness.feed(exits(id, T0.plusSeconds(60), exit(12, T0.plusSeconds(60), 1)));

    assertThat(harness.alerts).hasSize(1);
    assertThat(harness.alerts.get(0).getSeverity()).isEqualTo(Severity.HIGH);
  }

  @Test
  void selinuxPathsAreRecognised() {
    assertThat(
            List.of(
                "/etc/selinux/config",
                "/sys/fs/selinux",
                "/sys/fs/selinux/enforce",
                "/proc/self/attr/current",
                "/proc/self/task/44/attr/current",
                "/proc/1/attr/current"))
        .allMatch(SelinuxAssumptionRule::isSelinuxPath);
    assertThat(
            List.of("/etc/selinuxish", "/etc/passwd", "/proc/self/attr/exec", "/home/attr/current"))
        .noneMatch(SelinuxAssumptionRule::isSelinuxPath);
  }

  @Test
  void aProcessFailingForeverWithoutExitingHoldsABoundedNumberOfCallsAndCountsTheRest() {
    SelinuxAssumptionRule rule = new SelinuxAssumptionRule(SelinuxAssumptionRule.Config.defaults());
    RuleHarness harness = new RuleHarness(rule);
    int batches = 500;
    for (int b = 0; b < batches; b++) {
      Instant t = T0.plusMillis(b);
      harness.feed(
          syscalls(
              id,
              t,
              failing(4711, t, "openat", "/etc/selinux/config", "ENOENT", NOENT),
              failing(4711, t, "openat", "/etc/selinux/p" + b, "ENOENT", NOENT)));
    }
    harness.feed(exits(id, T0.plusMillis(batches), exit(4711, T0.plusMillis(batches), 1)));

    int failures = 2 * batches;
    assertThat(rule.droppedCalls())
        .isEqualTo(failures - SelinuxAssumptionRule.MAX_CALLS_PER_PROCESS);
    Alert alert = harness.latest().values().iterator().next();
    assertThat(alert.getAttributesMap()).containsEntry("failed_syscalls", String.valueOf(failures));
    assertThat(alert.getAttributesMap().get("selinux_paths").split(","))
        .hasSize(SelinuxAssumptionRule.MAX_PATHS_PER_PROCESS);
    assertThat(alert.getEvidenceCount()).isLessThanOrEqualTo(Episode.MAX_EVIDENCE);
  }

  @Test
  void beyondTheProcessBoundTheOldestProcessIsEvictedAndCounted() {
    SelinuxAssumptionRule rule = new SelinuxAssumptionRule(SelinuxAssumptionRule.Config.defaults());
    RuleHarness harness = new RuleHarness(rule);
    int processes = SelinuxAssumptionRule.MAX_PROCESSES + 10;
    for (int i = 0; i < processes; i++) {
      Instant t = T0.plusMillis(i);
      harness.feed(
          syscalls(id, t, failing(1000 + i, t, "openat", "/etc/selinux/config", "ENOENT", NOENT)));
    }
    assertThat(rule.evictedProcesses()).isEqualTo(10);

    Instant later = T0.plusMillis(processes);
    harness.feed(exits(id, later, exit(1000, later, 1))); // evicted: forgotten
    assertThat(harness.alerts).isEmpty();
    harness.feed(exits(id, later, exit(1000 + processes - 1, later, 1))); // still followed
    assertThat(harness.alerts).hasSize(1);
  }
}
