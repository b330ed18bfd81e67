package io.porthole.collector.remediation;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;

class NetworkVerdictTest {

  private static final VethVerdict ETH0 =
      VethVerdict.safe("eth0", "veth019ed7b", 62, "docker0", "bridge");
  private static final VethVerdict ETH1 =
      VethVerdict.safe("eth1", "veth176cb02", 64, "br-c12484a3e0f7", "backend");

  @Test
  void narrowingKeepsOnlyTheInterfaceOfThatNameInsideTheContainer() {
    NetworkVerdict both = NetworkVerdict.safe(List.of(ETH0, ETH1));

    assertThat(both.onlyInterface("eth1"))
        .hasValueSatisfying(n -> assertThat(n.veths()).containsExactly(ETH1));
    assertThat(both.onlyInterface("veth176cb02")).as("a host-side name is not one").isEmpty();
    assertThat(both.onlyInterface("eth2")).isEmpty();
    assertThat(both.insideNames()).isEqualTo("eth0, eth1");
  }

  @Test
  void aRefusedNetworkCannotBeNarrowed() {
    assertThatThrownBy(() -> NetworkVerdict.refused("host network").onlyInterface("eth0"))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("host network");
  }
}
