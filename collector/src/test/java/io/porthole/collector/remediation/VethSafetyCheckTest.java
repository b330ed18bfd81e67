package io.porthole.collector.remediation;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * The safety decisions on recorded {@code ip} outputs. The {@code two-networks-*} fixtures are one
 * busybox container on the default bridge and on a user-defined network ({@code docker network
 * connect}); {@code renamed-*} one whose {@code eth0} was renamed {@code wan} from inside (it had
 * CAP_NET_ADMIN); {@code none-ns-links} a {@code --network none} container.
 */
class VethSafetyCheckTest {

  private static final String USER_BRIDGE = "br-c12484a3e0f7";

  private final List<IpLink> hostLinks = IpOutputParser.parseLinks(Fixtures.read("host-links.txt"));
  private final List<IpLink> twoNetworkHost =
      IpOutputParser.parseLinks(Fixtures.read("two-networks-host-links.txt"));
  private final Map<String, String> bridges = Map.of("docker0", "bridge");
  private final Map<String, String> twoBridges =
      Map.of("docker0", "bridge", USER_BRIDGE, "backend");
  private final Set<String> defaultRoutes = Set.of("eth0");

  @Test
  void provesTheHostSideVethOfAContainerOnTheDefaultBridge() {
    NetworkVerdict verdict =
        VethSafetyCheck.checkNamespace(
            Fixtures.read("ns-eth0.txt"), hostLinks, bridges, defaultRoutes, false);

    assertThat(verdict.isSafe()).as(verdict.refusal()).isTrue();
    VethVerdict veth = verdict.veths().get(0);
    assertThat(veth.inside()).isEqualTo("eth0");
    assertThat(veth.veth()).isEqualTo("vetha05a878");
    assertThat(veth.index()).isEqualTo(21);
    assertThat(veth.bridge()).isEqualTo("docker0");
    assertThat(veth.network()).isEqualTo("bridge");
  }

  @Test
  void provesTheVethOfAContainerOnAUserDefinedNetwork() {
    List<IpLink> links = IpOutputParser.parseLinks(Fixtures.read("host-links-userbr.txt"));

    NetworkVerdict verdict =
        VethSafetyCheck.checkNamespace(
            Fixtures.read("userbr-ns-eth0.txt"),
            links,
            Map.of("docker0", "bridge", "br-63de31879bf1", "web"),
            defaultRoutes,
            false);

    assertThat(verdict.hostInterfaces()).isEqualTo("vethd7fcb77");
    assertThat(verdict.veths().get(0).network()).isEqualTo("web");
  }

  @Test
  void provesEveryInterfaceOfAContainerOnTwoNetworksAndLeavesLoopbackOut() {
    NetworkVerdict verdict =
        VethSafetyCheck.checkNamespace(
            Fixtures.read("two-networks-ns-links.txt"),
            twoNetworkHost,
            twoBridges,
            defaultRoutes,
            false);

    assertThat(verdict.isSafe()).as(verdict.refusal()).isTrue();
    assertThat(verdict.veths())
        .extracting(
            VethVerdict::inside,
            VethVerdict::veth,
            VethVerdict::index,
            VethVerdict::bridge,
            VethVerdict::network)
        .containsExactly(
            tuple("eth0", "veth019ed7b", 62, "docker0", "bridge"),
            tuple("eth1", "veth176cb02", 64, USER_BRIDGE, "backend"));
    assertThat(verdict.hostInterfaces()).isEqualTo("veth019ed7b,veth176cb02");
    assertThat(verdict.describe())
        .isEqualTo(
            "eth0 -> host veth veth019ed7b (index 62) on docker0, network bridge; "
                + "eth1 -> host veth veth176cb02 (index 64) on "
                + USER_BRIDGE
                + ", network backend");
  }

  @Test
  void aRenamedInterfaceIsResolvedByItsPeerIndexNotItsName() {
    List<IpLink> links = IpOutputParser.parseLinks(Fixtures.read("renamed-host-links.txt"));

    NetworkVerdict verdict =
        VethSafetyCheck.checkNamespace(
            Fixtures.read("renamed-ns-links.txt"), links, bridges, defaultRoutes, false);

    assertThat(verdict.isSafe()).as(verdict.refusal()).isTrue();
    assertThat(verdict.veths())
        .extracting(VethVerdict::inside, VethVerdict::veth)
        .containsExactly(tuple("wan", "veth29e5735"));
  }

  @Test
  void oneUnprovableInterfaceRefusesTheWholeNetwork() {
    NetworkVerdict verdict =
        VethSafetyCheck.checkNamespace(
            Fixtures.read("two-networks-ns-links.txt"),
            twoNetworkHost,
            bridges,
            defaultRoutes,
            false);

    assertThat(verdict.isSafe()).isFalse();
    assertThat(verdict.veths()).isEmpty();
    assertThat(verdict.refusal())
        .contains("veth176cb02 is not enslaved to a Docker bridge")
        .contains(USER_BRIDGE);
  }

  @Test
  void aSecondInterfaceWhosePeerIsTheHostUplinkIsRefused() {
    String pointsAtUplink =
        Fixtures.read("two-networks-ns-links.txt").replace("eth1@if64", "eth1@if4");

    NetworkVerdict verdict =
        VethSafetyCheck.checkNamespace(
            pointsAtUplink, twoNetworkHost, twoBridges, defaultRoutes, false);

    assertThat(verdict.refusal())
        .contains(
            "host interface eth0 (index 4), the peer of the container's eth1 (index 63), "
                + "is not a veth");
  }

  @Test
  void aPeerlessDeviceIsRefusedUnlessItIsLoopbackOrNamespaceLocal() {
    // The host's own eth0 line, as if a physical device had been moved into the namespace.
    String physical = Fixtures.read("hostnet-ns-eth0.txt").replace("4: eth0:", "70: eth2:");
    String withPhysical = Fixtures.read("two-networks-ns-links.txt") + physical;
    assertThat(
            VethSafetyCheck.checkNamespace(
                    withPhysical, twoNetworkHost, twoBridges, defaultRoutes, false)
                .refusal())
        .contains("the container's eth2 (index 70) has no peer interface");

    // The fallback tunnel device a loaded ipip module adds to every namespace carries nothing out.
    String tunnel =
        "2: tunl0@NONE: <NOARP> mtu 1480 qdisc noop state DOWN mode DEFAULT group "
            + "default qlen 1000\\    "
            + "link/ipip 0.0.0.0 brd 0.0.0.0 promiscuity 0 minmtu 0 maxmtu 0 \\    ipip "
            + "any remote any local any ttl inherit nopmtudisc\n";
    NetworkVerdict withTunnel =
        VethSafetyCheck.checkNamespace(
            Fixtures.read("two-networks-ns-links.txt") + tunnel,
            twoNetworkHost,
            twoBridges,
            defaultRoutes,
            false);
    assertThat(withTunnel.veths()).hasSize(2);
  }

  @Test
  void aContainerWithOnlyLoopbackHasNoNetworkToIsolate() {
    NetworkVerdict verdict =
        VethSafetyCheck.checkNamespace(
            Fixtures.read("none-ns-links.txt"), hostLinks, bridges, defaultRoutes, false);

    assertThat(verdict.refusal()).contains("no network interface besides loopback");
  }

  @Test
  void refusesAContainerInTheHostsNamespaceAndUnreadableOutput() {
    assertThat(
            VethSafetyCheck.checkNamespace(
                    Fixtures.read("hostnet-ns-eth0.txt"), hostLinks, bridges, defaultRoutes, true)
                .refusal())
        .contains("host's network namespace");
    assertThat(
            VethSafetyCheck.checkNamespace(
                    Fixtures.read("none-ns-eth0.txt"), hostLinks, bridges, defaultRoutes, false)
                .refusal())
        .contains("cannot read the container's interfaces");
  }

  @Test
  void refusesAnEth0WithoutPeerEvenWhenTheNamespaceLooksSeparate() {
    // What the host's sysfs trap would hand over: the host's own eth0 (index 4), no peer.
    NetworkVerdict verdict =
        VethSafetyCheck.checkNamespace(
            Fixtures.read("hostnet-ns-eth0.txt"), hostLinks, bridges, defaultRoutes, false);

    assertThat(verdict.refusal()).contains("eth0 (index 4) has no peer interface");
  }

  @Test
  void refusesAVethPairedWithAnotherInterface() {
    String otherIndex = Fixtures.read("ns-eth0.txt").replace("20: eth0@if21", "33: eth0@if21");

    assertThat(
            VethSafetyCheck.checkNamespace(otherIndex, hostLinks, bridges, defaultRoutes, false)
                .refusal())
        .contains("paired with index 20");
  }

  @Test
  void refusesAVethNotOnADockerBridgeAMissingPeerAndADefaultRouteVeth() {
    assertThat(
            VethSafetyCheck.checkNamespace(
                    Fixtures.read("ns-eth0.txt"),
                    hostLinks,
                    Map.of("br-0123456789ab", "x"),
                    defaultRoutes,
                    false)
                .refusal())
        .contains("not enslaved to a Docker bridge");

    List<IpLink> withoutVeth = new ArrayList<>(hostLinks.subList(0, 5));
    assertThat(
            VethSafetyCheck.checkNamespace(
                    Fixtures.read("ns-eth0.txt"), withoutVeth, bridges, defaultRoutes, false)
                .refusal())
        .contains("no host interface has index 21");

    assertThat(
            VethSafetyCheck.checkNamespace(
                    Fixtures.read("ns-eth0.txt"),
                    hostLinks,
                    bridges,
                    Set.of("eth0", "vetha05a878"),
                    false)
                .refusal())
        .contains("carries a default route");
  }
}
