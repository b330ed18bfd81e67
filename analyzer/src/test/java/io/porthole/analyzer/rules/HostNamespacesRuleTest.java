package io.porthole.analyzer.rules;

import static io.porthole.analyzer.Fixtures.T0;
import static io.porthole.analyzer.Fixtures.bridgeConfig;
import static io.porthole.analyzer.Fixtures.containerId;
import static io.porthole.analyzer.Fixtures.event;
import static io.porthole.analyzer.Fixtures.lifecycle;
import static org.assertj.core.api.Assertions.assertThat;

import io.porthole.proto.Alert;
import io.porthole.proto.ContainerAction;
import io.porthole.proto.ContainerConfig;
import io.porthole.proto.Mount;
import io.porthole.proto.Rule;
import io.porthole.proto.Severity;
import org.junit.jupiter.api.Test;

class HostNamespacesRuleTest {

  private final RuleHarness harness =
      new RuleHarness(new HostNamespacesRule(HostNamespacesRule.Config.defaults()));
  private final String id = containerId("s1");

  private static ContainerConfig.Builder s1Config(boolean readOnly) {
    // docker run -d --net=host --pid=host -v /:/host:ro porthole/busybox:test sleep 600
    return ContainerConfig.newBuilder()
        .setNetworkMode("host")
        .setPidMode("host")
        .setIpcMode("private")
        .addMounts(
            Mount.newBuilder()
                .setType("bind")
                .setSource("/")
                .setDestination("/host")
                .setReadOnly(readOnly));
  }

  @Test
  void namesEveryNamespaceAndTheRootMountOfScenarioS1() {
    harness.feed(event(id, T0, lifecycle(ContainerAction.START, "s1").setConfig(s1Config(true))));

    assertThat(harness.alerts).hasSize(1);
    Alert alert = harness.alerts.get(0);
    assertThat(alert.getRule()).isEqualTo(Rule.HOST_NAMESPACES);
    assertThat(alert.getSeverity()).isEqualTo(Severity.HIGH);
    assertThat(alert.getSummary())
        .contains(
            "network namespace (--net=host)",
            "pid namespace (--pid=host)",
            "mounts the host's / at /host read-only");
    assertThat(alert.getAttributesMap())
        .containsEntry("host_mounts", "/:/host:ro")
        .containsEntry("shared", "network namespace,pid namespace,root filesystem");
    assertThat(alert.getEvidence(0).getEventId()).isNotEmpty();
    assertThat(alert.getContainerName()).isEqualTo("s1");
  }

  @Test
  void aWritableRootOrPrivilegedIsCriticalWhileReadOnlyStaysAtTheConfiguredSeverity() {
    harness.feed(event(id, T0, lifecycle(ContainerAction.START, "rw").setConfig(s1Config(false))));
    String other = containerId("priv");
    harness.feed(
        event(
            other,
            T0,
            lifecycle(ContainerAction.START, "priv")
                .setConfig(bridgeConfig().setPrivileged(true))));

    assertThat(harness.alerts)
        .extracting(Alert::getSeverity)
        .containsExactly(Severity.CRITICAL, Severity.CRITICAL);
  }

  @Test
  void anOrdinaryContainerWithABindMountIsSilent() {
    harness.feed(
        event(
            id,
            T0,
            lifecycle(ContainerAction.START, "web")
                .setConfig(
                    bridgeConfig()
                        .addMounts(
                            Mount.newBuilder()
                                .setType("bind")
                                .setSource("/srv/data")
                                .setDestination("/data")))));

    assertThat(harness.alerts).isEmpty();
  }

  @Test
  void createThenStartIsOneEpisodeWithTwoOccurrences() {
    harness.feed(event(id, T0, lifecycle(ContainerAction.CREATE, "s1").setConfig(s1Config(true))));
    harness.feed(
        event(
            id,
            T0.plusSeconds(1),
            lifecycle(ContainerAction.START, "s1").setConfig(s1Config(true))));

    assertThat(harness.latest()).hasSize(1);
    Alert latest = harness.latest().values().iterator().next();
    assertThat(latest.getOccurrences()).isEqualTo(2);
    assertThat(latest.getLastSeen().getSeconds()).isEqualTo(T0.getEpochSecond() + 1);
  }
}
