package io.porthole.collector.docker;

import static org.assertj.core.api.Assertions.assertThat;

import io.porthole.proto.ContainerAction;
import java.io.IOException;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Which events reconciliation rebuilds, on inspects recorded from the engine here. */
class ReconciliationTest {

  private static InspectedState state(String fixture) throws IOException {
    return InspectedState.of(ContainerEventMapperTest.inspect(fixture));
  }

  private static long nanos(String instant) {
    return InspectedState.nanos(Instant.parse(instant));
  }

  private static final long NOW = nanos("2026-12-06T00:00:00Z");

  @Test
  void inspectsOfRecordedContainersReadAsTheirState() throws IOException {
    InspectedState oom = state("inspect-oom-exited.json");
    assertThat(oom.running()).isFalse();
    assertThat(oom.oomKilled()).isTrue();
    assertThat(oom.exitCode()).isEqualTo(137);
    assertThat(oom.startedAtNanos()).isEqualTo(nanos("2026-11-29T09:19:29.175923992Z"));
    assertThat(oom.finishedAtNanos()).isEqualTo(nanos("2026-11-29T09:19:29.199632979Z"));
    assertThat(state("inspect-bridge-running.json").finishedAtNanos())
        .isZero(); // 0001-01-01: never
  }

  @Test
  void anOomKillDuringTheGapIsAnOomThenADieAndTheExitOfAnotherIsADie() throws IOException {
    InspectedState oom = state("inspect-oom-exited.json");
    InspectedState exit3 = state("inspect-exit3-exited.json");
    long before = nanos("2026-11-29T09:19:00Z");

    List<Reconciliation.Missed> missed =
        Reconciliation.missed(
            before, Map.of(), List.of(), List.of(oom, exit3), Set.of(oom.id(), exit3.id()), NOW);

    assertThat(missed)
        .extracting(m -> m.containerId().substring(0, 6) + " " + m.action())
        .containsExactly("0dfeb5 START", "0dfeb5 OOM", "0dfeb5 DIE", "66d581 START", "66d581 DIE");
    assertThat(missed.get(2).timeNanos()).isEqualTo(oom.finishedAtNanos());
    assertThat(missed.get(2).state().exitCode()).isEqualTo(137);
  }

  @Test
  void whatTheEngineReplayedOrWhatCameBeforeThePositionIsNotRebuilt() throws IOException {
    InspectedState oom = state("inspect-oom-exited.json");
    long startedBeforePosition = oom.startedAtNanos() + 1;
    List<Reconciliation.Replayed> replayed =
        List.of(
            new Reconciliation.Replayed(
                oom.id(), ContainerAction.OOM, oom.finishedAtNanos() - 1_000_000),
            new Reconciliation.Replayed(
                oom.id(), ContainerAction.DIE, oom.finishedAtNanos() + 1_000_000));

    assertThat(
            Reconciliation.missed(
                startedBeforePosition, Map.of(), replayed, List.of(oom), Set.of(oom.id()), NOW))
        .isEmpty();
    assertThat(
            Reconciliation.missed(
                oom.finishedAtNanos(), Map.of(), List.of(), List.of(oom), Set.of(oom.id()), NOW))
        .as("finished at the position itself: handed on before")
        .isEmpty();
  }

  @Test
  void aRunningContainerThatStartedInTheGapIsAStartOnly() throws IOException {
    InspectedState running = state("inspect-bridge-running.json");
    List<Reconciliation.Missed> missed =
        Reconciliation.missed(
            running.startedAtNanos() - 1,
            Map.of(),
            List.of(),
            List.of(running),
            Set.of(running.id()),
            NOW);
    assertThat(missed)
        .extracting(Reconciliation.Missed::action)
        .containsExactly(ContainerAction.START);
  }

  @Test
  void aKnownContainerThatIsGoneDiedAndWasDestroyedUnlessTheEngineReplayedIt() {
    String runningId = "a".repeat(64);
    String exitedId = "b".repeat(64);
    String replayedId = "c".repeat(64);
    Map<String, KnownContainer> known =
        Map.of(
            runningId, new KnownContainer(runningId, 5, 0, true),
            exitedId, new KnownContainer(exitedId, 5, 7, false),
            replayedId, new KnownContainer(replayedId, 5, 0, true));
    List<Reconciliation.Replayed> replayed =
        List.of(
            new Reconciliation.Replayed(replayedId, ContainerAction.DIE, 20),
            new Reconciliation.Replayed(replayedId, ContainerAction.DESTROY, 21));

    List<Reconciliation.Missed> missed =
        Reconciliation.missed(10, known, replayed, List.of(), Set.of(), NOW);

    assertThat(missed)
        .extracting(m -> m.containerId().charAt(0) + " " + m.action())
        .containsExactlyInAnyOrder("a DIE", "a DESTROY", "b DESTROY");
    assertThat(missed).allSatisfy(m -> assertThat(m.state()).isNull());
    assertThat(
            missed.indexOf(
                missed.stream()
                    .filter(
                        m -> m.containerId().equals(runningId) && m.action() == ContainerAction.DIE)
                    .findFirst()
                    .orElseThrow()))
        .isLessThan(
            missed.indexOf(
                missed.stream()
                    .filter(
                        m ->
                            m.containerId().equals(runningId)
                                && m.action() == ContainerAction.DESTROY)
                    .findFirst()
                    .orElseThrow()));
  }
}
