package io.porthole.analyzer.rules;

import static io.porthole.analyzer.Fixtures.T0;
import static io.porthole.analyzer.Fixtures.bridgeConfig;
import static io.porthole.analyzer.Fixtures.containerId;
import static io.porthole.analyzer.Fixtures.event;
import static io.porthole.analyzer.Fixtures.lifecycle;
import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.Timestamp;
import io.porthole.proto.Alert;
import io.porthole.proto.ContainerAction;
import io.porthole.proto.ContainerEvent;
import io.porthole.proto.EventEnvelope;
import io.porthole.proto.EventSource;
import io.porthole.proto.KernelOomKill;
import io.porthole.proto.Rule;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * OOM_KILLED and OOM_KILL_DISABLED_UNBOUNDED on the sequences measured here (create, start, oom,
 * die 137).
 */
class OomRulesTest {

  private static final long LIMIT = 16L << 20;
  private final String id = containerId("oom");

  private RuleHarness harness() {
    return new RuleHarness(
        new OomKilledRule(OomKilledRule.Config.defaults()),
        new OomKillDisabledRule(OomKillDisabledRule.Config.defaults()));
  }

  /**
   * docker run --memory 16m --memory-swap 16m busybox dd if=/dev/zero of=/dev/null bs=64M count=1
   */
  private List<EventEnvelope> oomKilledSequence() {
    var config = bridgeConfig().setMemoryLimitBytes(LIMIT).setMemorySwapBytes(LIMIT);
    return List.of(
        event(id, T0, lifecycle(ContainerAction.CREATE, "hungry").setConfig(config)),
        event(id, T0.plusMillis(150), lifecycle(ContainerAction.START, "hungry").setConfig(config)),
        event(id, T0.plusMillis(300), lifecycle(ContainerAction.OOM, "hungry")),
        event(
            id,
            T0.plusMillis(330),
            lifecycle(ContainerAction.DIE, "hungry")
                .setExitCode(137)
                .setOomKilled(true)
                .setRestartCount(2)
                .setConfig(config)));
  }

  @Test
  void aDieWithOomKilledIsOneAlertWithLimitExitCodeImageAndRestartCount() {
    RuleHarness harness = harness();
    oomKilledSequence().forEach(harness::feed);
    harness.tick(T0.plusSeconds(60));

    assertThat(harness.alerts).hasSize(1);
    Alert alert = harness.alerts.get(0);
    assertThat(alert.getRule()).isEqualTo(Rule.OOM_KILLED);
    assertThat(alert.getTitle()).contains("hungry was killed by the OOM killer");
    assertThat(alert.getAttributesMap())
        .containsEntry("memory_limit_bytes", String.valueOf(LIMIT))
        .containsEntry("exit_code", "137")
        .containsEntry("restart_count", "2")
        .containsEntry("image", "porthole/busybox:test");
    assertThat(alert.getEvidenceList())
        .extracting(e -> e.getDescription())
        .anySatisfy(d -> assertThat(d).startsWith("oom (engine event)"))
        .anySatisfy(d -> assertThat(d).contains("exit code 137", "16 MiB"));
    assertThat(alert.getRemediation().getDescription())
        .contains("Raise the memory limit above 16 MiB");
  }

  @Test
  void reprocessingTheSameEventsGivesTheSameAlertId() {
    List<EventEnvelope> events = oomKilledSequence();
    RuleHarness first = harness();
    RuleHarness second = harness();
    events.forEach(first::feed);
    events.forEach(second::feed);

    assertThat(second.alerts.get(0).getAlertId()).isEqualTo(first.alerts.get(0).getAlertId());
  }

  @Test
  void aLimitedContainerDyingWith137WithoutOomIsSilent() {
    RuleHarness harness = harness();
    var config = bridgeConfig().setMemoryLimitBytes(LIMIT);
    harness.feed(event(id, T0, lifecycle(ContainerAction.START, "killed").setConfig(config)));
    harness.feed(
        event(id, T0.plusSeconds(5), lifecycle(ContainerAction.KILL, "killed").setSignal(9)));
    harness.feed(
        event(
            id,
            T0.plusSeconds(5),
            lifecycle(ContainerAction.DIE, "killed").setExitCode(137).setOomKilled(false)));
    harness.tick(T0.plusSeconds(120));

    assertThat(harness.alerts).isEmpty();
  }

  /** A limited container "survivor" starts at T0 and one of its processes is OOM-killed at T0+1. */
  private void startThenOom(RuleHarness harness) {
    harness.feed(
        event(
            id,
            T0,
            lifecycle(ContainerAction.START, "survivor")
                .setConfig(bridgeConfig().setMemoryLimitBytes(LIMIT))));
    harness.feed(event(id, T0.plusSeconds(1), lifecycle(ContainerAction.OOM, "survivor")));
  }

  @Test
  void anOomWithoutADieIsAProcessKilledWhileTheContainerSurvived() {
    RuleHarness harness = harness();
    startThenOom(harness);
    assertThat(harness.tick(T0.plusSeconds(2))).isEmpty();

    List<Alert> raised = harness.tick(T0.plusSeconds(10));
    assertThat(raised).hasSize(1);
    assertThat(raised.get(0).getTitle())
        .contains("A process in container survivor was killed", "the container survived");
    assertThat(raised.get(0).getAttributesMap()).containsEntry("container_survived", "true");
    assertThat(harness.tick(T0.plusSeconds(20))).isEmpty();
  }

  @Test
  void anOomPendingWhenTheEngineIsResetIsNotConcludedFromTheForgottenState() {
    RuleHarness harness = harness();
    startThenOom(harness);
    harness.engine.reset(); // a new assignment: the replay window is read again

    assertThat(harness.tick(T0.plusSeconds(10))).isEmpty();
    // Read again after the reset, the same oom is concluded once, as before.
    startThenOom(harness);
    assertThat(harness.tick(T0.plusSeconds(20))).hasSize(1);
    assertThat(harness.tick(T0.plusSeconds(30))).isEmpty();
  }

  @Test
  void oomKillDisableWithoutAMemoryLimitAlertsAndWithALimitDoesNot() {
    RuleHarness harness = harness();
    harness.feed(
        event(
            id,
            T0,
            lifecycle(ContainerAction.START, "unbounded")
                .setConfig(bridgeConfig().setOomKillDisable(true))));
    String limited = containerId("limited");
    harness.feed(
        event(
            limited,
            T0,
            lifecycle(ContainerAction.START, "limited")
                .setConfig(bridgeConfig().setOomKillDisable(true).setMemoryLimitBytes(LIMIT))));

    assertThat(harness.alerts).hasSize(1);
    assertThat(harness.alerts.get(0).getRule()).isEqualTo(Rule.OOM_KILL_DISABLED_UNBOUNDED);
    assertThat(harness.alerts.get(0).getContainerName()).isEqualTo("unbounded");
  }

  private static final Timestamp STARTED =
      Timestamp.newBuilder().setSeconds(T0.getEpochSecond()).setNanos(150_000_000).build();

  private ContainerEvent.Builder withRun(ContainerAction action, EventSource source) {
    return lifecycle(action, "hungry")
        .setSource(source)
        .setStartedAt(STARTED)
        .setConfig(bridgeConfig().setMemoryLimitBytes(LIMIT));
  }

  /** The run's die with exit 137, as {@code source} reports it. */
  private ContainerEvent.Builder died137(EventSource source, boolean oomKilled) {
    return withRun(ContainerAction.DIE, source).setExitCode(137).setOomKilled(oomKilled);
  }

  private ContainerEvent.Builder kernelOom(String task, int pid) {
    return withRun(ContainerAction.OOM, EventSource.KERNEL_LOG)
        .setOomKilled(true)
        .setKernelOom(
            KernelOomKill.newBuilder().setTask(task).setPid(pid).setConstraint("CONSTRAINT_MEMCG"));
  }

  private EventEnvelope at(long millis, ContainerEvent.Builder body) {
    return event(id, T0.plusMillis(millis), body);
  }

  @Test
  void theEnginesOomAndDieAReconciledDieAndAKernelLogOomOfOneKillGiveOneAlertId() {
    RuleHarness harness = harness();
    harness.feed(at(150, withRun(ContainerAction.START, EventSource.ENGINE_EVENT)));
    harness.feed(at(300, kernelOom("dd", 10557)));
    harness.feed(
        at(301, withRun(ContainerAction.OOM, EventSource.ENGINE_EVENT).setOomKilled(true)));
    harness.feed(at(330, died137(EventSource.ENGINE_EVENT, true)));
    // the collector restarted and reconciled the same death (and the engine replayed its oom)
    harness.feed(at(330, withRun(ContainerAction.OOM, EventSource.RECONCILED).setOomKilled(true)));
    harness.feed(at(330, died137(EventSource.RECONCILED, true)));
    harness.tick(T0.plusSeconds(60));

    assertThat(harness.alerts).isNotEmpty();
    assertThat(harness.latest()).hasSize(1);
    Alert alert = harness.latest().values().iterator().next();
    assertThat(alert.getTitle()).contains("hungry was killed by the OOM killer");
    assertThat(alert.getOccurrences()).isEqualTo(1);
    assertThat(alert.getEvidenceList())
        .extracting(e -> e.getDescription())
        .anySatisfy(
            d -> assertThat(d).startsWith("oom (kernel log): the OOM killer killed dd (pid 10557"))
        .anySatisfy(d -> assertThat(d).startsWith("die (engine event)"))
        .anySatisfy(d -> assertThat(d).startsWith("die (reconciled by the collector after a gap)"));
  }

  @Test
  void theAlertIdDependsOnTheRunNotOnEventIdsOrArrival() {
    RuleHarness engine = harness();
    engine.feed(at(301, withRun(ContainerAction.OOM, EventSource.ENGINE_EVENT).setOomKilled(true)));
    engine.feed(at(330, died137(EventSource.ENGINE_EVENT, true)));
    RuleHarness reconciledOnly = harness();
    reconciledOnly.feed(at(330, died137(EventSource.RECONCILED, true)));
    RuleHarness nextRun = harness();
    nextRun.feed(
        at(
            330,
            died137(EventSource.ENGINE_EVENT, true)
                .setStartedAt(Timestamp.newBuilder().setSeconds(T0.getEpochSecond() + 1))));

    String id = engine.latest().keySet().iterator().next();
    assertThat(reconciledOnly.latest().keySet()).containsExactly(id);
    assertThat(nextRun.latest().keySet()).doesNotContain(id);
  }

  @Test
  void aKillTheEngineMissedIsAnOomAlertFromTheKernelLog() {
    RuleHarness harness = harness();
    harness.feed(at(150, withRun(ContainerAction.START, EventSource.ENGINE_EVENT)));
    harness.feed(at(300, kernelOom("dd", 4242)));
    // dockerd was down: OOMKilled=false, exit 137
    harness.feed(at(5000, died137(EventSource.RECONCILED, false)));
    harness.tick(T0.plusSeconds(60));

    assertThat(harness.latest()).hasSize(1);
    Alert alert = harness.latest().values().iterator().next();
    assertThat(alert.getTitle()).contains("hungry was killed by the OOM killer");
    assertThat(alert.getSummary()).contains("the kernel's log recorded the kill");
  }

  /**
   * Measured here for 7 of 20 kills of {@code dd bs=64M} under a 16 MiB limit: the engine emits the
   * die (exit 137, OOMKilled=false) before its own oom event; the kernel log's record may come
   * before or after either.
   */
  @Test
  void aDieBeforeItsOomsIsTheContainerKilledWithTheSameAlertIdAsTheUsualOrder() {
    RuleHarness dieFirst = harness();
    dieFirst.feed(at(150, withRun(ContainerAction.START, EventSource.ENGINE_EVENT)));
    dieFirst.feed(at(330, died137(EventSource.ENGINE_EVENT, false)));
    dieFirst.feed(
        at(360, withRun(ContainerAction.OOM, EventSource.ENGINE_EVENT).setOomKilled(true)));
    dieFirst.feed(at(900, kernelOom("dd", 348)));
    dieFirst.tick(T0.plusSeconds(60));
    RuleHarness usualOrder = harness();
    usualOrder.feed(at(150, withRun(ContainerAction.START, EventSource.ENGINE_EVENT)));
    usualOrder.feed(
        at(300, withRun(ContainerAction.OOM, EventSource.ENGINE_EVENT).setOomKilled(true)));
    usualOrder.feed(at(330, died137(EventSource.ENGINE_EVENT, true)));
    usualOrder.tick(T0.plusSeconds(60));

    assertThat(dieFirst.latest()).hasSize(1);
    Alert alert = dieFirst.latest().values().iterator().next();
    assertThat(alert.getTitle())
        .contains("hungry was killed by the OOM killer")
        .doesNotContain("survived");
    assertThat(alert.getAttributesMap())
        .containsEntry("container_survived", "false")
        .containsEntry("exit_code", "137");
    assertThat(alert.getOccurrences()).isEqualTo(1);
    assertThat(alert.getSummary()).contains("The die carried OOMKilled=false", "recorded the kill");
    assertThat(alert.getEvidenceList())
        .extracting(e -> e.getDescription())
        .anySatisfy(d -> assertThat(d).startsWith("oom (engine event)"))
        .anySatisfy(d -> assertThat(d).startsWith("oom (kernel log)"))
        .anySatisfy(d -> assertThat(d).contains("exit code 137, OOMKilled=false"));
    assertThat(dieFirst.latest().keySet()).isEqualTo(usualOrder.latest().keySet());
  }

  @Test
  void anOomLongAfterADieWith137IsNotWhyItDied() {
    RuleHarness harness = harness();
    harness.feed(at(150, withRun(ContainerAction.START, EventSource.ENGINE_EVENT)));
    harness.feed(at(330, died137(EventSource.ENGINE_EVENT, false)));
    // the die window is 5 s: an oom 30 s later, without its run, is not why that container died
    harness.feed(at(30_330, lifecycle(ContainerAction.OOM, "hungry").setOomKilled(true)));
    harness.tick(T0.plusSeconds(60));

    assertThat(harness.latest()).hasSize(1);
    assertThat(harness.latest().values().iterator().next().getTitle())
        .contains("the container survived");
  }

  /** docker kill (exit 137, no OOM), the restart policy starts the next run, a child is killed. */
  @Test
  void anOomOfTheNextRunSoonAfterAKillIsThatRunsAndTheKillItselfStaysSilent() {
    RuleHarness harness = harness();
    harness.feed(at(150, withRun(ContainerAction.START, EventSource.ENGINE_EVENT)));
    harness.feed(at(1000, died137(EventSource.ENGINE_EVENT, false)));
    Timestamp nextRun =
        Timestamp.newBuilder().setSeconds(T0.getEpochSecond() + 1).setNanos(200_000_000).build();
    harness.feed(
        at(1200, withRun(ContainerAction.START, EventSource.ENGINE_EVENT).setStartedAt(nextRun)));
    // the kernel log's record of the child's kill, its inspect failed: no StartedAt
    harness.feed(at(3000, kernelOomWithoutInspect("worker", 99)));
    harness.tick(T0.plusSeconds(30));

    assertThat(harness.latest()).hasSize(1);
    Alert child = harness.latest().values().iterator().next();
    assertThat(child.getTitle()).contains("the container survived");

    // later the next run itself is OOM-killed: the same run, so its alert turns into the death
    harness.feed(
        at(40_000, withRun(ContainerAction.OOM, EventSource.ENGINE_EVENT).setStartedAt(nextRun)));
    harness.feed(
        at(
            40_030,
            withRun(ContainerAction.DIE, EventSource.ENGINE_EVENT)
                .setStartedAt(nextRun)
                .setExitCode(137)
                .setOomKilled(true)));
    harness.tick(T0.plusSeconds(90));

    assertThat(harness.latest()).containsOnlyKeys(child.getAlertId());
    assertThat(harness.latest().get(child.getAlertId()).getTitle())
        .contains("hungry was killed by the OOM killer");
  }

  /** An oom of the run after the die, but known by another run's StartedAt, is that run's. */
  @Test
  void anOomCarryingAnotherRunsStartedAtDoesNotExplainADie() {
    RuleHarness harness = harness();
    harness.feed(at(150, withRun(ContainerAction.START, EventSource.ENGINE_EVENT)));
    harness.feed(at(330, died137(EventSource.ENGINE_EVENT, false)));
    Timestamp otherRun =
        Timestamp.newBuilder().setSeconds(T0.getEpochSecond() + 7).setNanos(0).build();
    harness.feed(
        at(400, withRun(ContainerAction.OOM, EventSource.ENGINE_EVENT).setStartedAt(otherRun)));
    harness.tick(T0.plusSeconds(60));

    assertThat(harness.latest()).hasSize(1);
    assertThat(harness.latest().values().iterator().next().getTitle())
        .contains("the container survived");
  }

  @Test
  void anEngineOomThenADieWith137AndOomKilledFalseIsTheContainerKilled() {
    RuleHarness harness = harness();
    harness.feed(at(150, withRun(ContainerAction.START, EventSource.ENGINE_EVENT)));
    harness.feed(
        at(300, withRun(ContainerAction.OOM, EventSource.ENGINE_EVENT).setOomKilled(true)));
    harness.feed(at(330, died137(EventSource.RECONCILED, false)));
    harness.tick(T0.plusSeconds(60));

    assertThat(harness.latest()).hasSize(1);
    Alert alert = harness.latest().values().iterator().next();
    assertThat(alert.getTitle()).contains("hungry was killed by the OOM killer");
    assertThat(alert.getSummary())
        .contains("The die carried OOMKilled=false", "its oom event recorded the kill");
  }

  @Test
  void aChildKilledSeenByTheEngineAndTheKernelLogIsOneKillOfASurvivingContainer() {
    RuleHarness harness = harness();
    harness.feed(at(150, withRun(ContainerAction.START, EventSource.ENGINE_EVENT)));
    harness.feed(at(1000, kernelOom("dd", 77)));
    harness.feed(
        at(1001, withRun(ContainerAction.OOM, EventSource.ENGINE_EVENT).setOomKilled(true)));
    harness.tick(T0.plusSeconds(30));

    assertThat(harness.latest()).hasSize(1);
    Alert alert = harness.latest().values().iterator().next();
    assertThat(alert.getTitle()).contains("the container survived");
    assertThat(alert.getOccurrences()).isEqualTo(1);
    assertThat(alert.getEvidenceList())
        .extracting(e -> e.getDescription())
        .anySatisfy(d -> assertThat(d).contains("kernel log"))
        .anySatisfy(d -> assertThat(d).contains("engine event"));
  }

  /** A kernel-log oom whose inspect failed (the engine was down): no StartedAt, no config. */
  private ContainerEvent.Builder kernelOomWithoutInspect(String task, int pid) {
    return lifecycle(ContainerAction.OOM, "hungry")
        .clearStartedAt()
        .setSource(EventSource.KERNEL_LOG)
        .setOomKilled(true)
        .setInspectError("inspect: Connection refused")
        .setKernelOom(
            KernelOomKill.newBuilder().setTask(task).setPid(pid).setConstraint("CONSTRAINT_MEMCG"));
  }

  @Test
  void aKernelLogOomWithoutItsRunAndTheReconciledDieOfTheSameKillAreOneContainerKilledAlert() {
    RuleHarness harness = harness();
    // the analyzer never saw this run start; the engine was down at the kill and reports
    // OOMKilled=false
    harness.feed(at(300, kernelOomWithoutInspect("dd", 4242)));
    harness.feed(at(4700, died137(EventSource.RECONCILED, false)));
    harness.feed(at(4700, died137(EventSource.RECONCILED, false)));
    harness.tick(T0.plusSeconds(60));

    assertThat(harness.latest()).hasSize(1);
    Alert alert = harness.latest().values().iterator().next();
    assertThat(alert.getTitle()).contains("hungry was killed by the OOM killer");
    assertThat(alert.getOccurrences()).isEqualTo(1);
    assertThat(alert.getSummary()).contains("the kernel's log recorded the kill");
  }

  @Test
  void anEngineOomWithoutItsRunJoinsTheKernelLogsRecordOfTheKillWhicheverCameFirst() {
    RuleHarness kernelFirst = harness();
    kernelFirst.feed(at(300, kernelOom("dd", 10557)));
    kernelFirst.feed(
        at(301, lifecycle(ContainerAction.OOM, "hungry").clearStartedAt().setOomKilled(true)));
    kernelFirst.feed(at(330, died137(EventSource.ENGINE_EVENT, true)));
    kernelFirst.tick(T0.plusSeconds(60));
    RuleHarness engineFirst = harness();
    engineFirst.feed(
        at(300, lifecycle(ContainerAction.OOM, "hungry").clearStartedAt().setOomKilled(true)));
    engineFirst.feed(at(301, kernelOom("dd", 10557)));
    engineFirst.tick(T0.plusSeconds(60)); // no die: a child was killed and the container lives on

    assertThat(kernelFirst.latest()).hasSize(1);
    assertThat(kernelFirst.latest().values().iterator().next().getOccurrences()).isEqualTo(1);
    assertThat(engineFirst.latest()).hasSize(1);
    assertThat(engineFirst.latest().values().iterator().next().getOccurrences()).isEqualTo(1);
  }

  /**
   * Caught by the OOM figure: the engine sent no oom event; its start's inspect was not awaited
   * (the die was queued behind it), so the collector published the start, and the die built from
   * the container's earlier inspect (exit 137, OOMKilled=false), without the run's StartedAt; the
   * kernel log's record of the kill, inspected, came 60 ms after the die with the engine's
   * StartedAt. One container-killed alert, not a survived child and a silent exit 137.
   */
  @Test
  void aKernelLogOomAfterADieWithoutItsRunsStartedAtExplainsThatDie() {
    RuleHarness harness = harness();
    harness.feed(at(200, lifecycle(ContainerAction.START, "hungry").setConfig(bridgeConfig())));
    harness.feed(at(290, died137(EventSource.ENGINE_EVENT, false).clearStartedAt()));
    harness.feed(at(188, kernelOom("dd", 10798)));
    harness.tick(T0.plusSeconds(60));

    assertOneContainerKilledAlert(harness);
  }

  /**
   * Caught by the OOM figure under flow load, the same kill in another order: the kernel log's
   * record (inspected: the engine's StartedAt) was published before the collector's ordered worker
   * published the container's create and start; then the die without its run's StartedAt.
   */
  @Test
  void aKernelLogOomBeforeTheStartAndADieWithoutItsRunsStartedAtAreOneContainerKilledAlert() {
    RuleHarness harness = harness();
    harness.feed(at(170, kernelOom("dd", 11802)));
    harness.feed(at(176, lifecycle(ContainerAction.CREATE, "hungry").setConfig(bridgeConfig())));
    harness.feed(at(176, lifecycle(ContainerAction.START, "hungry").setConfig(bridgeConfig())));
    harness.feed(at(300, died137(EventSource.ENGINE_EVENT, false).clearStartedAt()));
    harness.tick(T0.plusSeconds(60));

    assertOneContainerKilledAlert(harness);
  }

  /** One alert, of the container killed (not a child killed in a container that survived). */
  private static void assertOneContainerKilledAlert(RuleHarness harness) {
    assertThat(harness.latest()).hasSize(1);
    Alert alert = harness.latest().values().iterator().next();
    assertThat(alert.getTitle()).contains("hungry was killed by the OOM killer");
    assertThat(alert.getAttributesMap()).containsEntry("container_survived", "false");
    assertThat(alert.getOccurrences()).isEqualTo(1);
  }

  @Test
  void killsOfTwoRunsKnownByTheirStartedAtAreNeverMergedHoweverClose() {
    RuleHarness harness = harness();
    harness.feed(at(300, kernelOom("dd", 1)));
    harness.feed(at(310, died137(EventSource.ENGINE_EVENT, true)));
    Timestamp nextStart =
        Timestamp.newBuilder().setSeconds(T0.getEpochSecond()).setNanos(500_000_000).build();
    harness.feed(at(900, kernelOom("dd", 2).setStartedAt(nextStart)));
    harness.feed(at(910, died137(EventSource.ENGINE_EVENT, true).setStartedAt(nextStart)));
    harness.tick(T0.plusSeconds(60));

    assertThat(harness.latest()).hasSize(2);
  }
}
