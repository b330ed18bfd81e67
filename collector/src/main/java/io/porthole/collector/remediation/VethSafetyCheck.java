package io.porthole.collector.remediation;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Decides, from what {@code ip} printed, whether every interface of a container's network namespace
 * is provably one end of a veth pair whose host side is safe to bring down. Interfaces are matched
 * by index and peer index only, never by name: a container with {@code CAP_NET_ADMIN} can rename
 * {@code eth0}. All of these must hold, or the whole network is refused with the first failure:
 *
 * <ol>
 *   <li>the container has its own network namespace (not the host's);
 *   <li>every interface in it is loopback, a namespace-local device ({@link
 *       #NAMESPACE_LOCAL_KINDS}), or names a peer ({@code NAME@ifN}), and at least one names a
 *       peer;
 *   <li>for each peer: the host interface with index N exists, is a {@code veth}, and names the
 *       container-side index as its own peer (the pair matches both ways);
 *   <li>it is enslaved to a bridge device of a Docker network;
 *   <li>it does not carry one of the host's default routes.
 * </ol>
 */
public final class VethSafetyCheck {

  /**
   * Devices without a peer that carry nothing out of the namespace by themselves: the fallback
   * tunnel devices the kernel adds to every namespace once their module is loaded, and dummies. Any
   * other peerless device (a physical NIC moved in, a macvlan whose parent is elsewhere) is
   * refused.
   */
  static final Set<String> NAMESPACE_LOCAL_KINDS =
      Set.of(
          "ipip",
          "sit",
          "ip6tnl",
          "gre",
          "gretap",
          "ip6gre",
          "ip6gretap",
          "erspan",
          "ip6erspan",
          "vti",
          "ip6vti",
          "dummy");

  private VethSafetyCheck() {}

  /**
   * @param namespaceLinks the output of {@code ip -d -o link show} run inside the container's
   *     namespace
   * @param hostLinks the host's interfaces ({@code ip -d -o link show})
   * @param dockerBridges bridge device (docker0, br-...) to the name of its Docker network
   * @param defaultRouteInterfaces interfaces of the host's default routes (IPv4 and IPv6)
   * @param sharesHostNamespace whether the container's network namespace is the host's
   */
  public static NetworkVerdict checkNamespace(
      String namespaceLinks,
      List<IpLink> hostLinks,
      Map<String, String> dockerBridges,
      Set<String> defaultRouteInterfaces,
      boolean sharesHostNamespace) {
    if (sharesHostNamespace) {
      return NetworkVerdict.refused(
          "the container shares the host's network namespace (network mode host): "
              + "isolating it would cut off the host");
    }
    List<IpLink> inside;
    try {
      inside = IpOutputParser.parseLinks(namespaceLinks);
    } catch (IllegalArgumentException e) {
      return NetworkVerdict.refused("cannot read the container's interfaces: " + e.getMessage());
    }
    List<VethVerdict> veths = new ArrayList<>();
    for (IpLink link : inside) {
      if (link.peerIndex() <= 0
          && (link.flags().contains("LOOPBACK") || NAMESPACE_LOCAL_KINDS.contains(link.kind()))) {
        continue;
      }
      VethVerdict verdict = checkPeer(link, hostLinks, dockerBridges, defaultRouteInterfaces);
      if (!verdict.isSafe()) {
        return NetworkVerdict.refused(verdict.refusal());
      }
      veths.add(verdict);
    }
    if (veths.isEmpty()) {
      return NetworkVerdict.refused(
          "the container has no network interface besides loopback (no network to isolate)");
    }
    return NetworkVerdict.safe(veths);
  }

  /** The verdict on one container-side interface. */
  static VethVerdict checkPeer(
      IpLink inside,
      List<IpLink> hostLinks,
      Map<String, String> dockerBridges,
      Set<String> defaultRouteInterfaces) {
    String named = "the container's " + inside.name() + " (index " + inside.index() + ")";
    if (inside.peerIndex() <= 0) {
      return VethVerdict.refused(
          named
              + " has no peer interface (not one end of a veth pair"
              + (inside.kind().isEmpty() ? "" : " but a " + inside.kind())
              + "): cannot prove isolating it is safe");
    }
    Optional<IpLink> candidate =
        hostLinks.stream().filter(l -> l.index() == inside.peerIndex()).findFirst();
    if (candidate.isEmpty()) {
      return VethVerdict.refused(
          "no host interface has index " + inside.peerIndex() + " (the peer of " + named + ")");
    }
    IpLink veth = candidate.get();
    if (!veth.isVeth()) {
      return VethVerdict.refused(
          "host interface "
              + veth.name()
              + " (index "
              + veth.index()
              + "), the peer of "
              + named
              + ", is not a veth"
              + (veth.kind().isEmpty() ? "" : " but a " + veth.kind()));
    }
    if (veth.peerIndex() != inside.index()) {
      return VethVerdict.refused(
          "host veth "
              + veth.name()
              + " is paired with index "
              + veth.peerIndex()
              + ", not with "
              + named);
    }
    if (veth.master().isEmpty() || !dockerBridges.containsKey(veth.master())) {
      return VethVerdict.refused(
          "host veth "
              + veth.name()
              + " is not enslaved to a Docker bridge (master: "
              + (veth.master().isEmpty() ? "none" : veth.master())
              + ", Docker bridges: "
              + dockerBridges.keySet()
              + ")");
    }
    boolean masterIsBridge =
        hostLinks.stream().anyMatch(l -> l.name().equals(veth.master()) && l.isBridge());
    if (!masterIsBridge) {
      return VethVerdict.refused(
          "master " + veth.master() + " of " + veth.name() + " is not a bridge device");
    }
    if (defaultRouteInterfaces.contains(veth.name())) {
      return VethVerdict.refused(
          "host interface " + veth.name() + " carries a default route of the host");
    }
    return VethVerdict.safe(
        inside.name(), veth.name(), veth.index(), veth.master(), dockerBridges.get(veth.master()));
  }
}
