package io.porthole.analyzer.rules;

import static io.porthole.analyzer.Fixtures.T0;
import static io.porthole.analyzer.Fixtures.bridgeConfig;
import static io.porthole.analyzer.Fixtures.containerId;
import static io.porthole.analyzer.Fixtures.event;
import static io.porthole.analyzer.Fixtures.lifecycle;
import static org.assertj.core.api.Assertions.assertThat;

import io.porthole.proto.Alert;
import io.porthole.proto.ContainerAction;
import io.porthole.proto.EventEnvelope;
import io.porthole.proto.Rule;
import java.util.List;
import org.junit.jupiter.api.Test;

/** OOM_KILLED and OOM_KILL_DISABLED_UNBOUNDED on the sequences measured here (create, start, oom, die 137). */
class OomRulesTest {

  private static final long LIMIT = 16L << 20;
  private final String id = containerId("oom");

  private RuleHarness harness() {
    return new RuleHarness(
        new OomKilledRule(OomKilledRule.Config.defaults()), new OomKillDisabledRule(OomKillDisabledRule.Config.defaults()));
  }

  /** docker run --memory 16m --memory-swap 16m busybox dd if=/dev/zero of=/dev/null bs=64M count=1 */
  private List<EventEnvelope> oomKilledSequence() {
    var config = bridgeConfig().setMemoryLimitBytes(LIMIT).setMemorySwapBytes(LIMIT);
    return List.of(
        event(id, T0, lifecycle(ContainerAction.CREATE, "hungry").setConfig(config)),
        event(id, T0.plusMillis(150), lifecycle(ContainerAction.START, "hungry").setConfig(config)),
        event(id, T0.plusMillis(300), lifecycle(ContainerAction.OOM, "hungry")),
        event(id, T0.plusMillis(330), lifecycle(ContainerAction.DIE, "hungry").setExitCode(137).setOomKilled(true).setRestartCount(2).setConfig(config)));
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
    assertThat(alert.getEvidenceList()).extracting(e -> e.getDescription())
        .anySatisfy(d -> assertThat(d).startsWith("oom event"))
        .anySatisfy(d -> assertThat(d).contains("exit code 137", "16 MiB"));
    assertThat(alert.getRemediation().getDescription()).contains("Raise the memory limit above 16 MiB");
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
    harness.feed(event(id, T0.plusSeconds(5), lifecycle(ContainerAction.KILL, "killed").setSignal(9)));
    harness.feed(event(id, T0.plusSeconds(5), lifecycle(ContainerAction.DIE, "killed").setExitCode(137).setOomKilled(false)));
    harness.tick(T0.plusSeconds(120));

    assertThat(harness.alerts).isEmpty();
  }

  @Test
  void anOomWithoutADieIsAProcessKilledWhileTheContainerSurvived() {
    RuleHarness harness = harness();
    harness.feed(event(id, T0, lifecycle(ContainerAction.START, "survivor").setConfig(bridgeConfig().setMemoryLimitBytes(LIMIT))));
    harness.feed(event(id, T0.plusSeconds(1), lifecycle(ContainerAction.OOM, "survivor")));
    assertThat(harness.tick(T0.plusSeconds(2))).isEmpty();

    List<Alert> raised = harness.tick(T0.plusSeconds(10));
    assertThat(raised).hasSize(1);
    assertThat(raised.get(0).getTitle()).contains("A process in container survivor was killed", "the container survived");
    assertThat(raised.get(0).getAttributesMap()).containsEntry("container_survived", "true");
    assertThat(harness.tick(T0.plusSeconds(20))).isEmpty();
  }

  @Test
  void oomKillDisableWithoutAMemoryLimitAlertsAndWithALimitDoesNot() {
    RuleHarness harness = harness();
    harness.feed(event(id, T0, lifecycle(ContainerAction.START, "unbounded").setConfig(bridgeConfig().setOomKillDisable(true))));
    String limited = containerId("limited");
    harness.feed(event(limited, T0, lifecycle(ContainerAction.START, "limited").setConfig(bridgeConfig().setOomKillDisable(true).setMemoryLimitBytes(LIMIT))));

    assertThat(harness.alerts).hasSize(1);
    assertThat(harness.alerts.get(0).getRule()).isEqualTo(Rule.OOM_KILL_DISABLED_UNBOUNDED);
    assertThat(harness.alerts.get(0).getContainerName()).isEqualTo("unbounded");
  }
}
