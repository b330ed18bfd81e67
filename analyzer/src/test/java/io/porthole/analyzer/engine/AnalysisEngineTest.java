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
import io.porthole.proto.TransportProtocol;
import io.porthole.wire.Topic;
import java.time.Duration;
import java.util.List;
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

  @Test
  void theDefaultFlowRulesMayUseOnlyFailedConnectionAttempts() {
    AnalysisEngine engine =
        new AnalysisEngine(EngineLimits.defaults(), RuleSet.defaults().enabledRules());

    assertThat(engine.mayUseFlow(new FlowFacts(TransportProtocol.TCP, 0, 1, 0))).isTrue();
    assertThat(engine.mayUseFlow(new FlowFacts(TransportProtocol.TCP, 0, 2, 0))).isTrue();
    // Answered, not a first record, not an attempt, not TCP: no rule can use it.
    assertThat(engine.mayUseFlow(new FlowFacts(TransportProtocol.TCP, 0, 1, 1))).isFalse();
    assertThat(engine.mayUseFlow(new FlowFacts(TransportProtocol.TCP, 1, 1, 0))).isFalse();
    assertThat(engine.mayUseFlow(new FlowFacts(TransportProtocol.TCP, 0, 0, 0))).isFalse();
    assertThat(engine.mayUseFlow(new FlowFacts(TransportProtocol.UDP, 0, 1, 0))).isFalse();
    // Without a flow rule, no flow is of use.
    assertThat(
            new AnalysisEngine(EngineLimits.defaults(), List.of())
                .mayUseFlow(new FlowFacts(TransportProtocol.TCP, 0, 1, 0)))
        .isFalse();
  }

  @Test
  void anUnusedFlowIsItsContainersActivityAndCountsForEveryFlowRule() {
    AnalysisEngine engine =
        new AnalysisEngine(EngineLimits.defaults(), RuleSet.defaults().enabledRules());
    engine.onUnusedFlow(ContainerKey.of(Topic.FLOWS, "host-1", containerId("a")), T0);
    engine.onUnusedFlow(
        ContainerKey.of(Topic.FLOWS, "host-1", containerId("a")), T0.plusSeconds(600));

    assertThat(engine.trackedContainers()).isEqualTo(1);
    assertThat(engine.recordsByRule())
        .containsEntry(Rule.CONNECTION_FAILURES, 2L)
        .containsEntry(Rule.HOST_NAMESPACES, 0L);
    // Active 10 minutes after the first flow: not idle 15 minutes after that first one.
    engine.tick(T0.plus(Duration.ofMinutes(16)));
    assertThat(engine.trackedContainers()).isEqualTo(1);
    engine.tick(T0.plus(Duration.ofMinutes(26)));
    assertThat(engine.trackedContainers()).isZero();
  }

  @Test
  void aContainerKeyWithoutValidIdsIsRejectedWithAClearError() {
    assertThatThrownBy(() -> ContainerKey.of(Topic.FLOWS, "host-1", ""))
        .isInstanceOf(InvalidEventException.class)
        .hasMessageContaining("lacks host_id or container_id");
    assertThatThrownBy(() -> ContainerKey.of(Topic.FLOWS, "host/1", containerId("a")))
        .isInstanceOf(InvalidEventException.class)
        .hasMessageContaining("contains '/'");
  }
}
