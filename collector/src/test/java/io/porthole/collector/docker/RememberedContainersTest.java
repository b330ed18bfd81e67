package io.porthole.collector.docker;

import static io.porthole.collector.docker.ContainerEventMapperTest.event;
import static io.porthole.collector.docker.ContainerEventMapperTest.events;
import static io.porthole.collector.docker.ContainerEventMapperTest.inspect;
import static org.assertj.core.api.Assertions.assertThat;

import com.github.dockerjava.api.command.InspectContainerResponse;
import com.github.dockerjava.api.model.Event;
import io.porthole.proto.ContainerAction;
import io.porthole.proto.ContainerEvent;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Replays the events recorded in {@code events-lifecycle.jsonl} (see {@link
 * ContainerEventMapperTest}).
 */
class RememberedContainersTest {

  private static final String OOM_ID =
      "0dfeb54f343954cee62ec3f2b56099cf4db42dfdf0b7f3d59ad566b4bbfbf334";
  private static final String BRIDGE_ID =
      "d7e6a427f3b057fd7e83cb797011461478bd158bbb800a4f6710c43160676605";
  private static final String HOSTNS_ID =
      "a1b350ecbb4a3bf206142cc0b0e49592a16e98ce3889a1600d1d01ad64701f3e";

  /** An event that the source published without inspecting, or that it had to inspect. */
  private record Outcome(String id, String action, ContainerEvent withoutInspect) {}

  /**
   * Plays the recorded stream as the source's worker does: events it cannot build are "inspected".
   */
  private static List<Outcome> replay(RememberedContainers remembered) throws IOException {
    Map<String, InspectContainerResponse> inspects =
        Map.of(
            OOM_ID, inspect("inspect-oom-exited.json"),
            BRIDGE_ID, inspect("inspect-bridge-running.json"),
            HOSTNS_ID, inspect("inspect-hostns-running.json"));
    List<Outcome> outcomes = new ArrayList<>();
    for (Event event : events()) {
      String id = event.getId();
      if (id == null || !inspects.containsKey(id)) {
        continue; // network connect/disconnect
      }
      ContainerEvent built = remembered.withoutInspect(id, event);
      outcomes.add(new Outcome(id, event.getAction(), built));
      if (built == null && !event.getAction().equals("destroy")) {
        remembered.inspected(id, inspects.get(id));
      }
    }
    return outcomes;
  }

  private static List<ContainerEvent> built(List<Outcome> outcomes, String id, String action) {
    return outcomes.stream()
        .filter(o -> o.id().equals(id) && o.action().equals(action))
        .map(Outcome::withoutInspect)
        .toList();
  }

  @Test
  void theOomAndDieOfAnOomKilledContainerNeedNoInspectOfTheirOwn() throws IOException {
    List<Outcome> outcomes = replay(new RememberedContainers());

    assertThat(built(outcomes, OOM_ID, "create")).containsExactly((ContainerEvent) null);
    assertThat(built(outcomes, OOM_ID, "start")).containsExactly((ContainerEvent) null);
    ContainerEvent oom = built(outcomes, OOM_ID, "oom").get(0);
    assertThat(oom.getAction()).isEqualTo(ContainerAction.OOM);
    assertThat(oom.getOomKilled()).isTrue();
    assertThat(oom.getConfig().getMemoryLimitBytes()).isEqualTo(16L << 20);

    ContainerEvent die = built(outcomes, OOM_ID, "die").get(0);
    assertThat(die.getAction()).isEqualTo(ContainerAction.DIE);
    assertThat(die.getRawAction()).isEqualTo("die");
    assertThat(die.getExitCode()).isEqualTo(137);
    assertThat(die.getOomKilled()).isTrue();
    assertThat(die.getState()).isEqualTo("exited");
    assertThat(die.getPid()).isZero();
    assertThat(die.getName()).isEqualTo("porthole-it-fx-oom");
    assertThat(die.getLabelsMap()).containsEntry("app", "oomtest");
    assertThat(die.getConfig().getMemoryLimitBytes()).isEqualTo(16L << 20);
    assertThat(die.getConfig().getMemorySwapBytes()).isEqualTo(16L << 20);
    assertThat(die.hasStartedAt()).isTrue();
    assertThat(die.getInspectError()).isEmpty();
  }

  /**
   * A container whose remembered inspect is of its previous run (exited, OOM-killed), started
   * again, that start published without its own inspect (a die was queued behind it).
   */
  private static RememberedContainers startedWithoutItsInspect() throws IOException {
    RememberedContainers remembered = new RememberedContainers();
    remembered.inspected(OOM_ID, inspect("inspect-oom-exited.json"));
    assertThat(remembered.withoutInspect(OOM_ID, event(OOM_ID, "start"))).isNull();
    remembered.startedWithoutInspect(OOM_ID);
    return remembered;
  }

  /**
   * Neither the previous run's StartedAt nor the start event's time: the engine's State.StartedAt
   * of this run is not known, and a kernel-log oom of the same kill (inspected) carries it; the
   * analyzer never merges two runs that both name a StartedAt, so a guessed one would split the
   * kill into a survived process and an unexplained exit 137.
   */
  @Test
  void afterAStartPublishedWithoutItsInspectTheOomAndDieCarryNoStartedAt() throws IOException {
    RememberedContainers remembered = startedWithoutItsInspect();

    ContainerEvent oom = remembered.withoutInspect(OOM_ID, event(OOM_ID, "oom"));
    ContainerEvent die = remembered.withoutInspect(OOM_ID, event(OOM_ID, "die"));

    assertThat(oom.hasStartedAt()).isFalse();
    assertThat(oom.getState()).isEqualTo("running");
    assertThat(oom.hasFinishedAt()).isFalse();
    assertThat(die.hasStartedAt()).isFalse();
    assertThat(die.getFinishedAt()).isEqualTo(ContainerEventMapper.time(event(OOM_ID, "die")));
    assertThat(die.getState()).isEqualTo("exited");
    assertThat(die.getOomKilled()).isTrue();
    assertThat(remembered.unknownRun(OOM_ID)).isEqualTo(RememberedContainers.UnknownRun.ENDED);
  }

  @Test
  void anInspectAfterTheStartReplacesTheStartRemembered() throws IOException {
    RememberedContainers remembered = startedWithoutItsInspect();
    InspectContainerResponse afterTheStart = inspect("inspect-oom-exited.json");
    remembered.inspected(OOM_ID, afterTheStart);

    ContainerEvent die = remembered.withoutInspect(OOM_ID, event(OOM_ID, "die"));

    assertThat(die.getStartedAt())
        .isEqualTo(ContainerEventMapper.snapshot(afterTheStart).getStartedAt());
  }

  @Test
  void aDieWithoutAnOomSinceTheStartIsNotOomKilled() throws IOException {
    List<Outcome> outcomes = replay(new RememberedContainers());

    List<ContainerEvent> bridgeDies = built(outcomes, BRIDGE_ID, "die");
    assertThat(bridgeDies).hasSize(2).doesNotContainNull();
    assertThat(bridgeDies)
        .allSatisfy(
            die -> {
              assertThat(die.getExitCode()).isEqualTo(137);
              assertThat(die.getOomKilled()).isFalse();
              assertThat(die.getState()).isEqualTo("exited");
              assertThat(die.hasConfig()).isTrue();
            });
    ContainerEvent hostnsDie = built(outcomes, HOSTNS_ID, "die").get(0);
    assertThat(hostnsDie.getOomKilled()).isFalse();
    assertThat(hostnsDie.getConfig().getNetworkMode()).isEqualTo("host");
  }

  @Test
  void everyOtherActionIsStillInspected() throws IOException {
    List<Outcome> outcomes = replay(new RememberedContainers());
    assertThat(outcomes)
        .filteredOn(o -> !o.action().equals("oom") && !o.action().equals("die"))
        .extracting(Outcome::withoutInspect)
        .containsOnlyNulls();
  }

  @Test
  void anOomBeforeTheLastStartDoesNotMakeTheNextDieOomKilled() throws IOException {
    RememberedContainers remembered = new RememberedContainers();
    // the fixture's own State.OOMKilled is true: the die's flag must come from the events
    remembered.inspected(OOM_ID, inspect("inspect-oom-exited.json"));
    remembered.withoutInspect(OOM_ID, recorded(OOM_ID, "oom"));
    remembered.withoutInspect(OOM_ID, recorded(OOM_ID, "start"));

    assertThat(remembered.withoutInspect(OOM_ID, recorded(OOM_ID, "die")).getOomKilled()).isFalse();
  }

  @Test
  void aContainerWithoutARememberedInspectIsInspectedAndDestroyForgetsIt() throws IOException {
    RememberedContainers remembered = new RememberedContainers();
    assertThat(remembered.withoutInspect(OOM_ID, recorded(OOM_ID, "oom"))).isNull();
    remembered.inspected(OOM_ID, inspect("inspect-oom-exited.json"));
    // the oom seen before the inspect still counts for the die
    assertThat(remembered.withoutInspect(OOM_ID, recorded(OOM_ID, "die")).getOomKilled()).isTrue();

    remembered.withoutInspect(OOM_ID, recorded(OOM_ID, "destroy"));
    assertThat(remembered.size()).isZero();
    assertThat(remembered.withoutInspect(OOM_ID, recorded(OOM_ID, "die"))).isNull();
  }

  @Test
  void theLeastRecentlyUsedContainersAreForgottenBeyondTheBound() throws IOException {
    RememberedContainers remembered = new RememberedContainers();
    InspectContainerResponse inspect = inspect("inspect-bridge-running.json");
    remembered.inspected(OOM_ID, inspect("inspect-oom-exited.json"));
    for (int i = 0; i < RememberedContainers.MAX_REMEMBERED; i++) {
      remembered.inspected("c" + i, inspect);
    }
    assertThat(remembered.size()).isEqualTo(RememberedContainers.MAX_REMEMBERED);
    assertThat(remembered.withoutInspect(OOM_ID, recorded(OOM_ID, "die"))).isNull();
  }

  private static Event recorded(String id, String action) throws IOException {
    return events().stream()
        .filter(e -> id.equals(e.getId()) && action.equals(e.getAction()))
        .findFirst()
        .orElseThrow();
  }
}
