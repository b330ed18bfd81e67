package io.porthole.collector.remediation;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import org.junit.jupiter.api.Test;

class LinkSwitchTest {

  @Test
  void bringsTheProvenVethDownAndVerifiesItsState() throws IOException {
    RecordedCommands commands = new RecordedCommands()
        .answer("ip link set dev vetha05a878 down", "")
        .answer("ip -d -o link show dev vetha05a878", Fixtures.read("veth-down.txt"));

    IpLink link = new LinkSwitch(commands).set(VethVerdict.safe("vetha05a878", 21, "docker0"), false);

    assertThat(link.state()).isEqualTo("DOWN");
    assertThat(commands.ran).containsExactly("ip link set dev vetha05a878 down", "ip -d -o link show dev vetha05a878");
  }

  @Test
  void neverTouchesAnUnprovenInterface() {
    RecordedCommands commands = new RecordedCommands();

    assertThatThrownBy(() -> new LinkSwitch(commands).set(VethVerdict.refused("not a veth"), false))
        .hasMessageContaining("not a veth");
    assertThat(commands.ran).isEmpty();
  }

  @Test
  void anInterfaceWhoseIndexChangedIsAFailure() {
    RecordedCommands commands = new RecordedCommands()
        .answer("ip link set dev vetha05a878 up", "")
        .answer("ip -d -o link show dev vetha05a878", Fixtures.read("veth-up.txt"));

    assertThatThrownBy(() -> new LinkSwitch(commands).set(VethVerdict.safe("vetha05a878", 57, "docker0"), true))
        .isInstanceOf(RemediationFailed.class)
        .hasMessageContaining("changed index from 57 to 21");
  }

  @Test
  void aFailingIpCommandIsReportedWithItsError() {
    RecordedCommands commands = new RecordedCommands()
        .answer("ip link set dev vetha05a878 down", 2, "", "RTNETLINK answers: Operation not permitted\n");

    assertThatThrownBy(() -> new LinkSwitch(commands).set(VethVerdict.safe("vetha05a878", 21, "docker0"), false))
        .isInstanceOf(RemediationFailed.class)
        .hasMessageContaining("exited with 2: RTNETLINK answers: Operation not permitted");
  }
}
