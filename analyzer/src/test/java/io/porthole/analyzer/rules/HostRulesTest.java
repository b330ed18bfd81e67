package io.porthole.analyzer.rules;

import static io.porthole.analyzer.Fixtures.T0;
import static org.assertj.core.api.Assertions.assertThat;

import io.porthole.analyzer.Fixtures;
import io.porthole.proto.Alert;
import io.porthole.proto.CollectorCounters;
import io.porthole.proto.CollectorHeartbeat;
import io.porthole.proto.Rule;
import io.porthole.wire.Timestamps;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

/** COLLECTOR_DROPS and HOST_SILENT on heartbeat sequences. */
class HostRulesTest {

  private static CollectorHeartbeat heartbeat(Instant time, long pcapDropped, long backpressure) {
    return CollectorHeartbeat.newBuilder()
        .setHostId(Fixtures.HOST)
        .setTime(Timestamps.of(time))
        .setStartedAt(Timestamps.of(T0.minusSeconds(3600)))
        .setKernelVersion("6.1.0-27-amd64")
        .setCollectorVersion("0.1.0")
        .setIntervalSeconds(10)
        .setCounters(
            CollectorCounters.newBuilder()
                .setPcapDropped(pcapDropped)
                .setEventsDroppedBackpressure(backpressure))
        .build();
  }

  @Test
  void growingDropCountersAlertOncePerCollectorRunAndSteadyCountersAreSilent() {
    RuleHarness harness =
        new RuleHarness(new CollectorDropsRule(CollectorDropsRule.Config.defaults()));
    harness.heartbeat(heartbeat(T0, 0, 0));
    harness.heartbeat(heartbeat(T0.plusSeconds(10), 0, 0));
    assertThat(harness.alerts).isEmpty();

    harness.heartbeat(heartbeat(T0.plusSeconds(20), 120, 0));
    harness.heartbeat(heartbeat(T0.plusSeconds(30), 120, 0));
    harness.heartbeat(heartbeat(T0.plusSeconds(40), 120, 7));

    assertThat(harness.alerts).hasSize(2);
    assertThat(harness.latest()).hasSize(1);
    Alert latest = harness.alerts.get(1);
    assertThat(latest.getRule()).isEqualTo(Rule.COLLECTOR_DROPS);
    assertThat(latest.getContainerId()).isEmpty();
    assertThat(latest.getOccurrences()).isEqualTo(2);
    assertThat(latest.getEvidence(0).getDescription()).contains("packets dropped by libpcap +120");
    assertThat(latest.getEvidence(1).getDescription())
        .contains("events dropped (publish buffer full) +7");
  }

  @Test
  void aHostSilentForMoreThanThreeIntervalsAlertsOncePerSilence() {
    RuleHarness harness = new RuleHarness(new HostSilentRule(HostSilentRule.Config.defaults()));
    harness.now = T0;
    harness.heartbeat(heartbeat(T0, 0, 0));
    assertThat(harness.tick(T0.plusSeconds(29))).isEmpty();

    List<Alert> raised = harness.tick(T0.plusSeconds(31));
    assertThat(raised).hasSize(1);
    assertThat(raised.get(0).getRule()).isEqualTo(Rule.HOST_SILENT);
    assertThat(raised.get(0).getTitle()).isEqualTo("Host host-a stopped sending heartbeats");
    assertThat(harness.tick(T0.plusSeconds(60))).isEmpty();

    harness.now = T0.plusSeconds(70);
    harness.heartbeat(heartbeat(T0.plusSeconds(70), 0, 0));
    assertThat(harness.tick(T0.plusSeconds(80))).isEmpty();
    List<Alert> again = harness.tick(T0.plusSeconds(120));
    assertThat(again).hasSize(1);
    assertThat(again.get(0).getAlertId()).isNotEqualTo(raised.get(0).getAlertId());
  }
}
