package io.porthole.collector.remediation;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.util.List;
import org.junit.jupiter.api.Test;

class LinkSwitchTest {

  @Test
  void bringsTheProvenVethDownAndVerifiesItsState() throws IOException {
    RecordedCommands commands =
        new RecordedCommands()
            .answer("ip link set dev vetha05a878 down", "")
            .answer("ip -d -o link show dev vetha05a878", Fixtures.read("veth-down.txt"));

    IpLink link =
        new LinkSwitch(commands)
            .set(VethVerdict.safe("eth0", "vetha05a878", 21, "docker0", "bridge"), false);

    assertThat(link.state()).isEqualTo("DOWN");
    assertThat(commands.ran)
        .containsExactly("ip link set dev vetha05a878 down", "ip -d -o link show dev vetha05a878");
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
    RecordedCommands commands =
        new RecordedCommands()
            .answer("ip link set dev vetha05a878 up", "")
            .answer("ip -d -o link show dev vetha05a878", Fixtures.read("veth-up.txt"));

    assertThatThrownBy(
            () ->
                new LinkSwitch(commands)
                    .set(VethVerdict.safe("eth0", "vetha05a878", 57, "docker0", "bridge"), true))
        .isInstanceOf(RemediationFailed.class)
        .hasMessageContaining("changed index from 57 to 21");
  }

  @Test
  void aFailingIpCommandIsReportedWithItsError() {
    RecordedCommands commands =
        new RecordedCommands()
            .answer(
                "ip link set dev vetha05a878 down",
                2,
                "",
                "RTNETLINK answers: Operation not permitted\n");

    assertThatThrownBy(
            () ->
                new LinkSwitch(commands)
                    .set(VethVerdict.safe("eth0", "vetha05a878", 21, "docker0", "bridge"), false))
        .isInstanceOf(RemediationFailed.class)
        .hasMessageContaining("exited with 2: RTNETLINK answers: Operation not permitted");
  }

  @Test
  void bringsEveryVethDownAndLeavesOneAlreadyDownAlone() throws IOException {
    RecordedCommands commands =
        new RecordedCommands()
            .answer("ip -d -o link show dev veth019ed7b", down(hostLine("veth019ed7b")))
            .answer("ip -d -o link show dev veth176cb02", hostLine("veth176cb02"))
            .answer("ip link set dev veth176cb02 down", "");
    commands.then("ip -d -o link show dev veth176cb02", down(hostLine("veth176cb02")));

    List<VethVerdict> changed = new LinkSwitch(commands).setAll(List.of(ETH0, ETH1), false);

    assertThat(changed).containsExactly(ETH1);
    assertThat(commands.ran).doesNotContain("ip link set dev veth019ed7b down");
  }

  @Test
  void whenOneVethCannotBeBroughtDownTheOthersAreBroughtBackUp() {
    RecordedCommands commands =
        new RecordedCommands()
            .answer("ip -d -o link show dev veth019ed7b", hostLine("veth019ed7b"))
            .answer("ip link set dev veth019ed7b down", "")
            .answer("ip -d -o link show dev veth176cb02", hostLine("veth176cb02"))
            .answer(
                "ip link set dev veth176cb02 down", 2, "", "RTNETLINK answers: No such device\n")
            .answer("ip link set dev veth019ed7b up", "");
    commands.then("ip -d -o link show dev veth019ed7b", down(hostLine("veth019ed7b")));
    commands.then("ip -d -o link show dev veth019ed7b", hostLine("veth019ed7b"));

    assertThatThrownBy(() -> new LinkSwitch(commands).setAll(List.of(ETH0, ETH1), false))
        .isInstanceOf(RemediationFailed.class)
        .hasMessageContaining("RTNETLINK answers: No such device")
        .hasMessageContaining("[veth019ed7b] brought back up");
    assertThat(commands.ran)
        .containsSubsequence(
            "ip link set dev veth019ed7b down",
            "ip link set dev veth176cb02 down",
            "ip link set dev veth019ed7b up");
  }

  private static final VethVerdict ETH0 =
      VethVerdict.safe("eth0", "veth019ed7b", 62, "docker0", "bridge");
  private static final VethVerdict ETH1 =
      VethVerdict.safe("eth1", "veth176cb02", 64, "br-c12484a3e0f7", "backend");

  private static String hostLine(String name) {
    return Fixtures.read("two-networks-host-links.txt")
        .lines()
        .filter(l -> l.contains(": " + name + "@"))
        .findFirst()
        .orElseThrow();
  }

  private static String down(String line) {
    return line.replace("<BROADCAST,MULTICAST,UP,LOWER_UP>", "<BROADCAST,MULTICAST>")
        .replace(" state UP ", " state DOWN ");
  }
}
