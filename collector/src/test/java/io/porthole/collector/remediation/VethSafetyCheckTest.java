package io.porthole.collector.remediation;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class VethSafetyCheckTest {

  private final List<IpLink> hostLinks = IpOutputParser.parseLinks(Fixtures.read("host-links.txt"));
  private final Set<String> bridges = Set.of("docker0");
  private final Set<String> defaultRoutes = Set.of("eth0");

  @Test
  void provesTheHostSideVethOfAContainerOnTheDefaultBridge() {
    VethVerdict verdict =
        VethSafetyCheck.check(Fixtures.read("ns-eth0.txt"), hostLinks, bridges, defaultRoutes, false);

    assertThat(verdict.isSafe()).isTrue();
    assertThat(verdict.veth()).isEqualTo("vetha05a878");
    assertThat(verdict.index()).isEqualTo(21);
    assertThat(verdict.bridge()).isEqualTo("docker0");
  }

  @Test
  void provesTheVethOfAContainerOnAUserDefinedNetwork() {
    List<IpLink> links = IpOutputParser.parseLinks(Fixtures.read("host-links-userbr.txt"));

    VethVerdict verdict =
        VethSafetyCheck.check(
            Fixtures.read("userbr-ns-eth0.txt"), links, Set.of("docker0", "br-63de31879bf1"), defaultRoutes, false);

    assertThat(verdict.isSafe()).isTrue();
    assertThat(verdict.veth()).isEqualTo("vethd7fcb77");
    assertThat(verdict.bridge()).isEqualTo("br-63de31879bf1");
  }

  @Test
  void refusesAContainerInTheHostsNamespace() {
    VethVerdict verdict =
        VethSafetyCheck.check(Fixtures.read("hostnet-ns-eth0.txt"), hostLinks, bridges, defaultRoutes, true);

    assertThat(verdict.isSafe()).isFalse();
    assertThat(verdict.refusal()).contains("host's network namespace");
  }

  @Test
  void refusesAnEth0WithoutPeerEvenWhenTheNamespaceLooksSeparate() {
    // What the host's sysfs trap would hand over: the host's own eth0 (index 4), no peer.
    VethVerdict verdict =
        VethSafetyCheck.check(Fixtures.read("hostnet-ns-eth0.txt"), hostLinks, bridges, defaultRoutes, false);

    assertThat(verdict.refusal()).contains("no peer interface");
  }

  @Test
  void refusesANamespaceWithoutEth0() {
    VethVerdict verdict =
        VethSafetyCheck.check(Fixtures.read("none-ns-eth0.txt"), hostLinks, bridges, defaultRoutes, false);

    assertThat(verdict.refusal()).contains("cannot read the container's eth0");
    assertThat(VethSafetyCheck.check("", hostLinks, bridges, defaultRoutes, false).refusal())
        .contains("no eth0");
  }

  @Test
  void refusesAPeerIndexThatIsTheHostUplink() {
    String pointsAtUplink = Fixtures.read("ns-eth0.txt").replace("eth0@if21", "eth0@if4");

    VethVerdict verdict = VethSafetyCheck.check(pointsAtUplink, hostLinks, bridges, defaultRoutes, false);

    assertThat(verdict.refusal()).contains("eth0 (index 4) is not a veth");
  }

  @Test
  void refusesAVethPairedWithAnotherInterface() {
    String otherIndex = Fixtures.read("ns-eth0.txt").replace("20: eth0@if21", "33: eth0@if21");

    VethVerdict verdict = VethSafetyCheck.check(otherIndex, hostLinks, bridges, defaultRoutes, false);

    assertThat(verdict.refusal()).contains("paired with index 20");
  }

  @Test
  void refusesAVethNotOnADockerBridge() {
    VethVerdict verdict =
        VethSafetyCheck.check(Fixtures.read("ns-eth0.txt"), hostLinks, Set.of("br-0123456789ab"), defaultRoutes, false);

    assertThat(verdict.refusal()).contains("not enslaved to a Docker bridge");
  }

  @Test
  void refusesAMissingPeerAndADefaultRouteVeth() {
    List<IpLink> withoutVeth = new ArrayList<>(hostLinks.subList(0, 5));
    assertThat(VethSafetyCheck.check(Fixtures.read("ns-eth0.txt"), withoutVeth, bridges, defaultRoutes, false).refusal())
        .contains("no host interface has index 21");

    assertThat(
            VethSafetyCheck.check(Fixtures.read("ns-eth0.txt"), hostLinks, bridges, Set.of("eth0", "vetha05a878"), false)
                .refusal())
        .contains("carries a default route");
  }
}
