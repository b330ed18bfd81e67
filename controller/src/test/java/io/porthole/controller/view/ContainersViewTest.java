package io.porthole.controller.view;

import static io.porthole.controller.view.ViewFixtures.T0;
import static io.porthole.controller.view.ViewFixtures.event;
import static io.porthole.controller.view.ViewFixtures.running;
import static org.assertj.core.api.Assertions.assertThat;

import io.porthole.proto.ContainerAction;
import java.util.List;
import org.junit.jupiter.api.Test;

class ContainersViewTest {

  private final ContainersView view = new ContainersView(100);

  @Test
  void lifecycleEventsSetStateAndKeepTheLastKnownConfiguration() {
    view.onEvent(running("h1", "aaa111", "web", "bridge"));
    view.onEvent(event("h1", "aaa111", "", ContainerAction.DIE, null, null, T0.plusSeconds(5)));
    ContainerRecord web = view.list("h1").get(0);
    assertThat(web.state()).isEqualTo("exited");
    assertThat(web.name()).isEqualTo("web");
    assertThat(web.networkMode()).isEqualTo("bridge");
    assertThat(web.networks()).hasSize(1);
    assertThat(web.lastAction()).isEqualTo("die");
  }

  @Test
  void anOlderEventDoesNotOverwriteANewerOne() {
    view.onEvent(
        event("h1", "aaa111", "web", ContainerAction.STOP, "exited", "bridge", T0.plusSeconds(10)));
    view.onEvent(running("h1", "aaa111", "web", "bridge"));
    assertThat(view.list(null).get(0).state()).isEqualTo("exited");
  }

  @Test
  void destroyedContainersLeaveTheView() {
    view.onEvent(running("h1", "aaa111", "web", "bridge"));
    view.onEvent(
        event("h1", "aaa111", "web", ContainerAction.DESTROY, null, null, T0.plusSeconds(1)));
    assertThat(view.size()).isZero();
  }

  @Test
  void resolvesLikeTheDockerCliExactIdThenNameThenPrefixPerHost() {
    view.onEvent(running("h1", "abc123", "web", "bridge"));
    view.onEvent(running("h1", "abd999", "abc123x", "bridge"));
    view.onEvent(running("h2", "fff000", "web", "bridge"));
    assertThat(view.resolve("abc123", null))
        .extracting(ContainerRecord::containerId)
        .containsExactly("abc123");
    assertThat(view.resolve("web", null)).hasSize(2);
    assertThat(view.resolve("web", "h2"))
        .extracting(ContainerRecord::containerId)
        .containsExactly("fff000");
    assertThat(view.resolve("/web", "h1"))
        .extracting(ContainerRecord::containerId)
        .containsExactly("abc123");
    assertThat(view.resolve("ab", null)).hasSize(2);
    assertThat(view.resolve("fff", null)).extracting(ContainerRecord::hostId).containsExactly("h2");
    assertThat(view.resolve("zzz", null)).isEmpty();
  }

  @Test
  void isolationHoldsUntilItsRestoreTimeOrARestore() {
    view.onEvent(running("h1", "aaa111", "web", "bridge"));
    view.onIsolationChange("h1", "aaa111", true, "veth1", T0, T0.plusSeconds(60), "cmd-1");
    ContainerRecord web = view.list("h1").get(0);
    assertThat(web.isolated(T0.plusSeconds(30))).isTrue();
    assertThat(web.isolated(T0.plusSeconds(61))).isFalse();
    assertThat(web.isolation().hostInterface()).isEqualTo("veth1");

    view.onIsolationChange("h1", "aaa111", true, "veth1", T0, null, "cmd-2");
    assertThat(view.list("h1").get(0).isolated(T0.plusSeconds(86_400))).isTrue();
    view.onIsolationChange("h1", "aaa111", false, "veth1", T0.plusSeconds(2), null, "cmd-3");
    assertThat(view.list("h1").get(0).isolated(T0.plusSeconds(3))).isFalse();

    view.onIsolationChange("h1", "aaa111", true, "veth1", T0.plusSeconds(3), null, "cmd-4");
    assertThat(view.list("h1").get(0).isolated(T0.plusSeconds(4))).isTrue();
    view.onEvent(
        event(
            "h1",
            "aaa111",
            "web",
            ContainerAction.RESTART,
            "running",
            "bridge",
            T0.plusSeconds(5)));
    assertThat(view.list("h1").get(0).isolated(T0.plusSeconds(6)))
        .as("isolated across a restart")
        .isTrue();
  }

  @Test
  void aRestartUnderIsolationKeepsItIsolatedAndTheFollowUpRecordsTheReisolation() {
    view.onEvent(running("h1", "aaa111", "web", "bridge"));
    view.onIsolationChange("h1", "aaa111", true, "veth1,veth2", T0, T0.plusSeconds(600), "cmd-1");
    view.onEvent(
        event(
            "h1", "aaa111", "web", ContainerAction.START, "running", "bridge", T0.plusSeconds(10)));
    assertThat(view.list("h1").get(0).isolated(T0.plusSeconds(11))).isTrue();

    // The collector's follow-up on the same command: new veths, no restore time of its own.
    view.onIsolationFollowUp(
        "h1", "aaa111", "cmd-1", true, "veth7,veth8", T0.plusSeconds(12), null, "re-isolated");

    ContainerRecord web = view.list("h1").get(0);
    assertThat(web.isolation().enforced()).isTrue();
    assertThat(web.isolated(T0.plusSeconds(13))).isTrue();
    assertThat(web.isolation().since()).isEqualTo(T0);
    assertThat(web.isolation().reisolatedAt()).isEqualTo(T0.plusSeconds(12));
    assertThat(web.isolation().hostInterface()).isEqualTo("veth7,veth8");
    assertThat(web.isolation().restoreAt()).isEqualTo(T0.plusSeconds(600));
    assertThat(web.isolated(T0.plusSeconds(601))).isFalse();

    view.onIsolationChange(
        "h1", "aaa111", false, "veth7,veth8", T0.plusSeconds(20), null, "cmd-1-ttl-restore");
    assertThat(view.list("h1").get(0).isolated(T0.plusSeconds(21))).isFalse();
  }

  @Test
  void aReisolationThatFailedIsNotEnforcedUntilARetrySucceeds() {
    view.onEvent(running("h1", "aaa111", "web", "bridge"));
    view.onIsolationChange("h1", "aaa111", true, "veth1", T0, null, "cmd-1");
    view.onIsolationFollowUp(
        "h1", "aaa111", "cmd-1", false, "", T0.plusSeconds(5), null, "could not be re-isolated");
    view.onIsolationFollowUp("h1", "aaa111", "cmd-1", false, "", T0.plusSeconds(9), null, "again");

    ContainerRecord.Isolation failed = view.list("h1").get(0).isolation();
    assertThat(view.list("h1").get(0).isolated(T0.plusSeconds(10))).isTrue();
    assertThat(failed.enforced()).isFalse();
    assertThat(failed.notEnforcedReason()).isEqualTo("could not be re-isolated");
    assertThat(failed.notEnforcedSince())
        .as("since the first failure")
        .isEqualTo(T0.plusSeconds(5));
    assertThat(failed.hostInterface()).isEqualTo("veth1");

    view.onIsolationFollowUp(
        "h1", "aaa111", "cmd-1", true, "veth9", T0.plusSeconds(20), null, "re-isolated");
    ContainerRecord.Isolation retried = view.list("h1").get(0).isolation();
    assertThat(retried.enforced()).isTrue();
    assertThat(retried.notEnforcedReason()).isNull();
    assertThat(retried.notEnforcedSince()).isNull();
    assertThat(retried.reisolatedAt()).isEqualTo(T0.plusSeconds(20));
    assertThat(retried.hostInterface()).isEqualTo("veth9");
    assertThat(retried.since()).isEqualTo(T0);
  }

  @Test
  void aFollowUpOfAnotherCommandOrAfterTheRestoreChangesNothing() {
    view.onEvent(running("h1", "aaa111", "web", "bridge"));
    view.onIsolationChange("h1", "aaa111", true, "veth1", T0, null, "cmd-1");
    view.onIsolationFollowUp("h1", "aaa111", "cmd-0", false, "", T0.plusSeconds(5), null, "old");
    assertThat(view.list("h1").get(0).isolation().enforced()).isTrue();

    view.onIsolationChange("h1", "aaa111", false, "veth1", T0.plusSeconds(6), null, "cmd-2");
    view.onIsolationFollowUp("h1", "aaa111", "cmd-1", true, "veth3", T0.plusSeconds(7), null, "x");
    assertThat(view.list("h1").get(0).isolated(T0.plusSeconds(8))).isFalse();
    assertThat(view.list("h1").get(0).isolation().reisolatedAt()).isNull();
  }

  @Test
  void isolationReadBeforeTheContainerOrOutOfOrderStillCounts() {
    // A rebuild reads the results topic and the container-events topic in no particular order.
    view.onIsolationChange("h1", "aaa111", false, "veth1", T0.plusSeconds(20), null, "restore");
    view.onIsolationChange("h1", "aaa111", true, "veth1", T0.plusSeconds(10), null, "isolate");
    view.onIsolationChange("h1", "bbb222", true, "veth2", T0.plusSeconds(10), null, "isolate");
    view.onEvent(running("h1", "aaa111", "web", "bridge"));
    view.onEvent(running("h1", "bbb222", "db", "bridge"));
    assertThat(view.resolve("web", "h1").get(0).isolated(T0.plusSeconds(30))).isFalse();
    assertThat(view.resolve("db", "h1").get(0).isolated(T0.plusSeconds(30))).isTrue();
    assertThat(view.resolve("db", "h1").get(0).isolation().commandId()).isEqualTo("isolate");
  }

  @Test
  void flagsNameEveryWeakenedIsolation() {
    view.onEvent(ViewFixtures.privilegedWithRootMount("h1", "bad000"));
    assertThat(view.list("h1").get(0).flags())
        .containsExactly(
            "HOST_NETWORK", "HOST_PID", "PRIVILEGED", "HOST_ROOT_MOUNTED", "NO_MEMORY_LIMIT");
  }

  @Test
  void boundedByEvictingTheLeastRecentlyUpdated() {
    ContainersView small = new ContainersView(2);
    small.onEvent(running("h1", "c1", "one", "bridge"));
    small.onEvent(running("h1", "c2", "two", "bridge"));
    small.onEvent(
        event("h1", "c1", "one", ContainerAction.PAUSE, "paused", null, T0.plusSeconds(1)));
    small.onEvent(running("h1", "c3", "three", "bridge"));
    assertThat(small.list(null))
        .extracting(ContainerRecord::name)
        .isEqualTo(List.of("one", "three"));
  }
}
