package io.porthole.analyzer.rules;

import static io.porthole.analyzer.Fixtures.HOST;
import static io.porthole.analyzer.Fixtures.T0;
import static io.porthole.analyzer.Fixtures.bridgeConfig;
import static io.porthole.analyzer.Fixtures.containerId;
import static io.porthole.analyzer.Fixtures.event;
import static io.porthole.analyzer.Fixtures.flow;
import static io.porthole.analyzer.Fixtures.lifecycle;
import static org.assertj.core.api.Assertions.assertThat;

import io.porthole.analyzer.engine.ContainerState;
import io.porthole.analyzer.engine.HostState;
import io.porthole.proto.Alert;
import io.porthole.proto.ContainerAction;
import io.porthole.proto.ContainerEvent;
import io.porthole.proto.EventEnvelope;
import io.porthole.proto.Rule;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Exclusions and the porthole.ignore label, on the engine with the real rules. */
class ExcludingRuleTest {

  private static RuleHarness harness(RuleTuning tuning) {
    RuleSet defaults = RuleSet.defaults();
    RuleSet rules =
        new RuleSet(
            defaults.hostNamespaces(),
            defaults.oomKilled(),
            defaults.oomKillDisabled(),
            defaults.selinux(),
            defaults.missingSyscall(),
            defaults.connectionFailures(),
            defaults.collectorDrops(),
            defaults.hostSilent(),
            tuning);
    return new RuleHarness(rules.enabledRules().toArray(DetectionRule[]::new));
  }

  /** {@code docker run --pid=host [labels] image}: what HOST_NAMESPACES alerts on. */
  private static ContainerEvent.Builder hostPid(
      String name, String image, Map<String, String> labels) {
    return lifecycle(ContainerAction.START, name)
        .setImage(image)
        .putAllLabels(labels)
        .setConfig(bridgeConfig().setPidMode("host"));
  }

  private static List<Rule> rulesRaisedFor(RuleHarness harness, String name) {
    return harness.alerts.stream()
        .filter(a -> a.getContainerName().equals(name))
        .map(Alert::getRule)
        .toList();
  }

  @Test
  void byDefaultPortholesOwnCollectorRaisesNoHostNamespacesAlertWhileAnIdenticalContainerDoes() {
    RuleHarness harness = harness(RuleTuning.defaults());
    harness.feed(
        event(
            containerId("own"),
            T0,
            hostPid(
                "porthole-collector-1",
                "porthole/porthole:0.1.0",
                Map.of("dev.porthole.component", "collector"))));
    harness.feed(
        event(
            containerId("other"), T0, hostPid("other-agent", "porthole/porthole:0.1.0", Map.of())));

    assertThat(rulesRaisedFor(harness, "porthole-collector-1")).isEmpty();
    assertThat(rulesRaisedFor(harness, "other-agent")).containsExactly(Rule.HOST_NAMESPACES);
  }

  @Test
  void theIgnoreLabelSilencesOnlyTheRulesItNamesOrAll() {
    RuleHarness harness = harness(RuleTuning.defaults());
    // --pid=host and --oom-kill-disable without a memory limit: HOST_NAMESPACES and
    // OOM_KILL_DISABLED_UNBOUNDED.
    for (String value : List.of("HOST_NAMESPACES", "oom.kill.disabled", "all", "nothing-known")) {
      ContainerEvent.Builder body =
          hostPid("c-" + value, "busybox", Map.of("porthole.ignore", value));
      body.getConfigBuilder().setOomKillDisable(true);
      harness.feed(event(containerId(value), T0, body));
    }

    assertThat(rulesRaisedFor(harness, "c-HOST_NAMESPACES"))
        .containsExactly(Rule.OOM_KILL_DISABLED_UNBOUNDED);
    assertThat(rulesRaisedFor(harness, "c-oom.kill.disabled"))
        .containsExactly(Rule.HOST_NAMESPACES);
    assertThat(rulesRaisedFor(harness, "c-all")).isEmpty();
    assertThat(rulesRaisedFor(harness, "c-nothing-known"))
        .containsExactlyInAnyOrder(Rule.HOST_NAMESPACES, Rule.OOM_KILL_DISABLED_UNBOUNDED);
  }

  @Test
  void withTheLabelSwitchedOffTheLabelSilencesNothing() {
    RuleHarness harness = harness(new RuleTuning(Map.of(), false));
    harness.feed(
        event(containerId("x"), T0, hostPid("x", "busybox", Map.of("porthole.ignore", "all"))));

    assertThat(rulesRaisedFor(harness, "x")).containsExactly(Rule.HOST_NAMESPACES);
  }

  @Test
  void imageNameAndLabelExclusionsEachExcludeAContainerFromTheirRuleOnly() {
    RuleExclusions exclusions =
        new RuleExclusions(
            List.of(Glob.of("registry.local/debug/*"), Glob.of("*:dev")),
            List.of(Glob.of("node-exporter*")),
            List.of(LabelSelector.parse("monitoring")));
    RuleHarness harness = harness(new RuleTuning(Map.of(Rule.HOST_NAMESPACES, exclusions), true));
    harness.feed(
        event(containerId("a"), T0, hostPid("a", "registry.local/debug/tool:1", Map.of())));
    harness.feed(
        event(containerId("b"), T0, hostPid("b", "registry.local/team/app:dev", Map.of())));
    harness.feed(
        event(containerId("c"), T0, hostPid("node-exporter-7", "prom/node-exporter", Map.of())));
    harness.feed(event(containerId("d"), T0, hostPid("d", "busybox", Map.of("monitoring", "yes"))));
    harness.feed(
        event(containerId("e"), T0, hostPid("e", "registry.local/team/app:1.0", Map.of())));
    ContainerEvent.Builder unbounded = hostPid("f", "registry.local/debug/tool:1", Map.of());
    unbounded.getConfigBuilder().setOomKillDisable(true);
    harness.feed(event(containerId("f"), T0, unbounded));

    assertThat(harness.alerts)
        .extracting(Alert::getContainerName)
        .containsExactlyInAnyOrder("e", "f");
    assertThat(rulesRaisedFor(harness, "f")).containsExactly(Rule.OOM_KILL_DISABLED_UNBOUNDED);
  }

  @Test
  void aRenameIntoAnExcludedNameSilencesTheContainerFromThenOn() {
    RuleExclusions byName = new RuleExclusions(List.of(), List.of(Glob.of("debug-*")), List.of());
    RuleHarness harness = harness(new RuleTuning(Map.of(Rule.HOST_NAMESPACES, byName), true));
    String id = containerId("renamed");
    harness.feed(event(id, T0, hostPid("web", "busybox", Map.of())));
    harness.feed(event(id, T0.plusSeconds(1), hostPid("debug-web", "busybox", Map.of())));

    assertThat(harness.alerts).hasSize(1);
    assertThat(harness.alerts.get(0).getOccurrences()).isEqualTo(1);
  }

  @Test
  void aContainerSilencedAfterTheRuleSawItLosesItsStateAndItsTimerAlerts() {
    TimerRule timer = new TimerRule();
    ExcludingRule excluding = new ExcludingRule(timer, new RuleTuning(Map.of(), true));
    RuleHarness harness = new RuleHarness(excluding);
    String quiet = containerId("quiet");
    String loud = containerId("loud");
    // Flows came first: the rule kept state before the lifecycle event carried the label.
    harness.feed(flow(quiet, T0, 40000, "10.0.0.9", 80, 1, 0, 0));
    harness.feed(flow(loud, T0, 40000, "10.0.0.9", 80, 1, 0, 0));
    harness.feed(
        event(
            quiet,
            T0,
            lifecycle(ContainerAction.START, "quiet")
                .putLabels("porthole.ignore", "CONNECTION_FAILURES")
                .setConfig(bridgeConfig())));
    harness.feed(flow(quiet, T0.plusSeconds(1), 40001, "10.0.0.9", 80, 1, 0, 0));

    harness.tick(T0.plusSeconds(5));

    assertThat(timer.flows).as("the flow after the label never reached the rule").isEqualTo(2);
    assertThat(timer.statesSeenOnTick)
        .as("the container's own state was forgotten")
        .containsExactly(loud);
    assertThat(harness.alerts).extracting(Alert::getContainerId).containsExactly(loud);
    assertThat(excluding.droppedAlerts())
        .as("the alert from the rule's own memory of it")
        .isEqualTo(1);
    assertThat(excluding.silencedRecords()).isEqualTo(2);
  }

  /**
   * Per tick, raises one alert for every container it saw a flow of: remembered both in the
   * container's rule state and in its own list (as a rule keeping host-wide state would).
   */
  private static final class TimerRule implements DetectionRule {
    int flows;
    final Set<String> seen = new LinkedHashSet<>();
    final List<String> statesSeenOnTick = new ArrayList<>();

    @Override
    public Rule id() {
      return Rule.CONNECTION_FAILURES;
    }

    @Override
    public void onFlow(ContainerState container, EventEnvelope event, List<Alert> out) {
      flows++;
      seen.add(container.containerId());
      container.ruleState(Rule.CONNECTION_FAILURES, () -> Boolean.TRUE);
    }

    @Override
    public void onTick(
        Instant now,
        Collection<ContainerState> containers,
        Collection<HostState> hosts,
        List<Alert> out) {
      for (ContainerState container : containers) {
        if (container.ruleStateIfPresent(Rule.CONNECTION_FAILURES) != null) {
          statesSeenOnTick.add(container.containerId());
        }
      }
      for (String id : seen) {
        out.add(
            Alert.newBuilder()
                .setAlertId(id + now)
                .setRule(Rule.CONNECTION_FAILURES)
                .setHostId(HOST)
                .setContainerId(id)
                .build());
      }
    }
  }
}
