package io.porthole.analyzer.engine;

import static io.porthole.analyzer.Fixtures.T0;
import static io.porthole.analyzer.Fixtures.containerId;
import static io.porthole.analyzer.Fixtures.event;
import static io.porthole.analyzer.Fixtures.lifecycle;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.porthole.analyzer.Fixtures;
import io.porthole.analyzer.rules.RuleSet;
import io.porthole.proto.ContainerAction;
import io.porthole.proto.EventEnvelope;
import io.porthole.proto.Rule;
import io.porthole.wire.Topic;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class AnalysisEngineTest {

  @Test
  void theCapOnTrackedContainersEvictsTheLeastRecentlyActiveAndCountsIt() {
    AnalysisEngine engine =
        new AnalysisEngine(
            new EngineLimits(2, Duration.ofMinutes(15), 10, Duration.ofHours(1)),
            RuleSet.defaults().enabledRules());
    engine.onEvent(
        Topic.CONTAINER_EVENTS,
        event(containerId("a"), T0, lifecycle(ContainerAction.START, "a")),
        T0);
    engine.onEvent(
        Topic.CONTAINER_EVENTS,
        event(containerId("b"), T0, lifecycle(ContainerAction.START, "b")),
        T0);
    engine.onEvent(
        Topic.CONTAINER_EVENTS,
        event(containerId("a"), T0, lifecycle(ContainerAction.STOP, "a")),
        T0.plusSeconds(1));
    engine.onEvent(
        Topic.CONTAINER_EVENTS,
        event(containerId("c"), T0, lifecycle(ContainerAction.START, "c")),
        T0.plusSeconds(2));

    assertThat(engine.trackedContainers()).isEqualTo(2);
    assertThat(engine.containersEvicted()).isEqualTo(1);
  }

  @Test
  void recordsHandedToEachRuleAreCountedByTheKindsItHandles() {
    AnalysisEngine engine =
        new AnalysisEngine(EngineLimits.defaults(), RuleSet.defaults().enabledRules());
    engine.onEvent(
        Topic.CONTAINER_EVENTS,
        event(containerId("a"), T0, lifecycle(ContainerAction.START, "a")),
        T0);
    engine.onEvent(
        Topic.FLOWS, Fixtures.flow(containerId("a"), T0, 40000, "10.0.0.1", 80, 1, 1, 0), T0);
    engine.onEvent(
        Topic.FLOWS, Fixtures.flow(containerId("a"), T0, 40001, "10.0.0.1", 80, 1, 1, 0), T0);

    // Every rule that containers can be excluded from is handed the lifecycle events (their
    // labels); only the connection rule is handed flows; no rule reads heartbeats here.
    assertThat(engine.recordsByRule())
        .containsEntry(Rule.HOST_NAMESPACES, 1L)
        .containsEntry(Rule.CONNECTION_FAILURES, 3L)
        .containsEntry(Rule.HOST_SILENT, 0L)
        .containsEntry(Rule.SELINUX_ASSUMPTION, 1L);
  }

  @Test
  void idleContainersExpireOnTick() {
    AnalysisEngine engine =
        new AnalysisEngine(EngineLimits.defaults(), RuleSet.defaults().enabledRules());
    engine.onEvent(
        Topic.CONTAINER_EVENTS,
        event(containerId("a"), T0, lifecycle(ContainerAction.START, "a")),
        T0);
    engine.tick(T0.plus(Duration.ofMinutes(10)));
    assertThat(engine.trackedContainers()).isEqualTo(1);
    engine.tick(T0.plus(Duration.ofMinutes(16)));

    assertThat(engine.trackedContainers()).isZero();
    assertThat(engine.containersExpired()).isEqualTo(1);
  }

  @Test
  void anEnvelopeWithoutHostOrWithTheWrongBodyIsRejectedWithAClearError() {
    AnalysisEngine engine =
        new AnalysisEngine(EngineLimits.defaults(), RuleSet.defaults().enabledRules());
    EventEnvelope noHost =
        event(containerId("a"), T0, lifecycle(ContainerAction.START, "a")).toBuilder()
            .clearHostId()
            .build();
    EventEnvelope wrongBody = Fixtures.flow(containerId("a"), T0, 1, "10.0.0.1", 80, 1, 0, 0);

    assertThatThrownBy(() -> engine.onEvent(Topic.CONTAINER_EVENTS, noHost, T0))
        .isInstanceOf(InvalidEventException.class)
        .hasMessageContaining("lacks host_id or container_id");
    assertThatThrownBy(() -> engine.onEvent(Topic.CONTAINER_EVENTS, wrongBody, T0))
        .isInstanceOf(InvalidEventException.class)
        .hasMessageContaining("has body FLOW, expected CONTAINER_EVENT");
  }
}
