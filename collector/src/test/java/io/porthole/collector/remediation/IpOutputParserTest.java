package io.porthole.collector.remediation;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;

class IpOutputParserTest {

  @Test
  void readsEveryHostInterfaceWithKindMasterStateAndPeer() {
    List<IpLink> links = IpOutputParser.parseLinks(Fixtures.read("host-links.txt"));

    assertThat(links)
        .extracting(IpLink::name)
        .containsExactly("lo", "ifb0", "ifb1", "eth0", "docker0", "vetha05a878");
    IpLink veth = links.get(5);
    assertThat(veth.index()).isEqualTo(21);
    assertThat(veth.peerIndex()).isEqualTo(20);
    assertThat(veth.kind()).isEqualTo("veth");
    assertThat(veth.master()).isEqualTo("docker0");
    assertThat(veth.state()).isEqualTo("UP");
    assertThat(veth.isAdminUp()).isTrue();
    IpLink docker0 = links.get(4);
    assertThat(docker0.isBridge()).isTrue();
    assertThat(docker0.peerIndex()).isEqualTo(-1);
    IpLink eth0 = links.get(3);
    assertThat(eth0.kind()).isEmpty();
    assertThat(eth0.master()).isEmpty();
    assertThat(links.get(1).kind()).isEqualTo("ifb");
  }

  @Test
  void readsTheContainersEth0AsSeenInsideItsNamespace() {
    IpLink eth0 = IpOutputParser.parseLink(Fixtures.read("ns-eth0.txt"));

    assertThat(eth0.index()).isEqualTo(20);
    assertThat(eth0.name()).isEqualTo("eth0");
    assertThat(eth0.peerIndex()).isEqualTo(21);
  }

  @Test
  void aHostNetworkContainerSeesTheHostsEth0WithoutPeer() {
    IpLink eth0 = IpOutputParser.parseLink(Fixtures.read("hostnet-ns-eth0.txt"));

    assertThat(eth0.index()).isEqualTo(4);
    assertThat(eth0.peerIndex()).isEqualTo(-1);
  }

  @Test
  void tellsAdministrativelyDownFromUp() {
    IpLink down = IpOutputParser.parseLink(Fixtures.read("veth-down.txt"));
    IpLink up = IpOutputParser.parseLink(Fixtures.read("veth-up.txt"));

    assertThat(down.isAdminUp()).isFalse();
    assertThat(down.state()).isEqualTo("DOWN");
    assertThat(down.isVeth()).isTrue();
    assertThat(up.isAdminUp()).isTrue();
    assertThat(up.state()).isEqualTo("UP");
  }

  @Test
  void readsDefaultRouteInterfacesOfBothFamilies() {
    assertThat(IpOutputParser.routeInterfaces(Fixtures.read("route-default.txt")))
        .containsExactly("eth0");
    assertThat(
            IpOutputParser.routeInterfaces(
                "default via fd00::1 dev eth0 metric 1024 pref medium\n"))
        .containsExactly("eth0");
    assertThat(IpOutputParser.routeInterfaces("")).isEmpty();
  }

  @Test
  void rejectsTextThatIsNotALinkLineNamingIt() {
    assertThatThrownBy(() -> IpOutputParser.parseLink("Device \"eth0\" does not exist."))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("Device \"eth0\" does not exist.");
    assertThatThrownBy(() -> IpOutputParser.routeInterfaces("default via 10.0.0.1"))
        .hasMessageContaining("without 'dev'");
  }
}
