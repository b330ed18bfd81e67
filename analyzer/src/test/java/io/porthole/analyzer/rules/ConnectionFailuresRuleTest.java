package io.porthole.analyzer.rules;

import static io.porthole.analyzer.Fixtures.T0;
import static io.porthole.analyzer.Fixtures.containerId;
import static io.porthole.analyzer.Fixtures.flow;
import static org.assertj.core.api.Assertions.assertThat;

import io.porthole.analyzer.Fixtures;
import io.porthole.proto.Alert;
import io.porthole.proto.Evidence;
import io.porthole.proto.RemediationAction;
import io.porthole.proto.Rule;
import org.junit.jupiter.api.Test;

class ConnectionFailuresRuleTest {

  private final String id = containerId("client");
  private final RuleHarness harness =
      new RuleHarness(new ConnectionFailuresRule(ConnectionFailuresRule.Config.defaults()));

  @Test
  void threeRefusedAttemptsToOneDestinationWithinTheWindowAlert() {
    harness.feed(flow(id, T0, 40001, "172.17.0.3", 80, 1, 0, 1));
    harness.feed(flow(id, T0.plusSeconds(5), 40002, "172.17.0.3", 80, 1, 0, 1));
    assertThat(harness.alerts).isEmpty();
    harness.feed(flow(id, T0.plusSeconds(10), 40003, "172.17.0.3", 80, 1, 0, 1));

    assertThat(harness.alerts).hasSize(1);
    Alert alert = harness.alerts.get(0);
    assertThat(alert.getRule()).isEqualTo(Rule.CONNECTION_FAILURES);
    assertThat(alert.getOccurrences()).isEqualTo(3);
    assertThat(alert.getTitle()).contains("cannot connect to 172.17.0.3:80");
    assertThat(alert.getSummary()).contains("3 refused (RST)");
    assertThat(alert.getEvidenceCount()).isEqualTo(3);
    assertThat(alert.getRemediation().getAction()).isEqualTo(RemediationAction.CAPTURE_PACKETS);
  }

  /**
   * refused.pcap (wget to a closed port of another container, tcpdump on docker0: SYN, RST-ACK) as
   * the collector's flow table reports it, recorded three times within the window.
   */
  @Test
  void theRecordedRefusedConnectionThreeTimesAlertsWithTheRecordedFlows() {
    for (int i = 0; i < 3; i++) {
      Fixtures.recorded("refused", id, T0.plusSeconds(5L * i)).forEach(harness::feed);
    }

    assertThat(harness.alerts).hasSize(1);
    Alert alert = harness.alerts.get(0);
    assertThat(alert.getTitle()).contains("cannot connect to 172.17.0.2:81");
    assertThat(alert.getSummary()).contains("3 refused (RST)");
    assertThat(alert.getEvidenceList())
        .extracting(Evidence::getDescription)
        .hasSize(3)
        .containsOnly(
            "172.17.0.3:35556 -> 172.17.0.2:81: 1 SYN, no SYN-ACK, answered by RST (refused)");
  }

  @Test
  void laterFailuresUpdateTheSameEpisode() {
    for (int i = 0; i < 5; i++) {
      harness.feed(flow(id, T0.plusSeconds(i), 40000 + i, "10.0.0.9", 5432, 3, 0, 0));
    }

    assertThat(harness.latest()).hasSize(1);
    assertThat(harness.alerts.get(harness.alerts.size() - 1).getOccurrences()).isEqualTo(5);
    assertThat(harness.alerts.get(harness.alerts.size() - 1).getSummary()).contains("5 unanswered");
  }

  @Test
  void attemptsSpreadBeyondTheWindowOrAnsweredOrToDifferentDestinationsAreSilent() {
    harness.feed(flow(id, T0, 40001, "172.17.0.3", 80, 1, 0, 1));
    harness.feed(flow(id, T0.plusSeconds(70), 40002, "172.17.0.3", 80, 1, 0, 1));
    harness.feed(flow(id, T0.plusSeconds(140), 40003, "172.17.0.3", 80, 1, 0, 1));
    harness.feed(flow(id, T0, 40004, "172.17.0.4", 80, 1, 1, 0));
    harness.feed(flow(id, T0, 40005, "172.17.0.4", 80, 1, 1, 0));
    harness.feed(flow(id, T0, 40006, "172.17.0.4", 80, 1, 1, 0));
    harness.feed(flow(id, T0, 40007, "172.17.0.5", 80, 1, 0, 1));
    harness.feed(flow(id, T0, 40008, "172.17.0.6", 80, 1, 0, 1));

    assertThat(harness.alerts).isEmpty();
  }
}
