package io.porthole.collector.remediation;

import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * Decides, from what {@code ip} printed, whether a host interface is provably the host side of a
 * container's veth and safe to bring down. Every condition must hold; the first that does not is
 * the refusal reason:
 *
 * <ol>
 *   <li>the container has its own network namespace (not the host's);
 *   <li>its {@code eth0}, as seen inside that namespace, names a peer ({@code eth0@ifN});
 *   <li>the host interface with index N exists, is a {@code veth}, and names the container's {@code
 *       eth0} index as its own peer (the pair matches both ways);
 *   <li>it is enslaved to a bridge of a Docker network;
 *   <li>it does not carry one of the host's default routes.
 * </ol>
 */
public final class VethSafetyCheck {

  private VethSafetyCheck() {}

  /**
   * @param containerEth0 the output of {@code ip -o link show eth0} run inside the container's namespace
   * @param hostLinks the host's interfaces ({@code ip -d -o link show})
   * @param dockerBridges names of the bridges of Docker's bridge networks (docker0, br-...)
   * @param defaultRouteInterfaces interfaces of the host's default routes (IPv4 and IPv6)
   * @param sharesHostNamespace whether the container's network namespace is the host's
   */
  public static VethVerdict check(
      String containerEth0,
      List<IpLink> hostLinks,
      Set<String> dockerBridges,
      Set<String> defaultRouteInterfaces,
      boolean sharesHostNamespace) {
    if (sharesHostNamespace) {
      return VethVerdict.refused(
          "the container shares the host's network namespace (network mode host): isolating it would cut off the host");
    }
    IpLink eth0;
    try {
      List<IpLink> inside = IpOutputParser.parseLinks(containerEth0);
      if (inside.size() != 1 || !inside.get(0).name().equals("eth0")) {
        return VethVerdict.refused("the container has no eth0 in its network namespace");
      }
      eth0 = inside.get(0);
    } catch (IllegalArgumentException e) {
      return VethVerdict.refused("cannot read the container's eth0: " + e.getMessage());
    }
    if (eth0.peerIndex() <= 0) {
      return VethVerdict.refused("the container's eth0 has no peer interface (not one end of a veth pair)");
    }
    Optional<IpLink> candidate = hostLinks.stream().filter(l -> l.index() == eth0.peerIndex()).findFirst();
    if (candidate.isEmpty()) {
      return VethVerdict.refused("no host interface has index " + eth0.peerIndex() + " (the peer of the container's eth0)");
    }
    IpLink veth = candidate.get();
    if (!veth.isVeth()) {
      return VethVerdict.refused(
          "host interface " + veth.name() + " (index " + veth.index() + ") is not a veth"
              + (veth.kind().isEmpty() ? "" : " but a " + veth.kind()));
    }
    if (veth.peerIndex() != eth0.index()) {
      return VethVerdict.refused(
          "host veth " + veth.name() + " is paired with index " + veth.peerIndex()
              + ", not with the container's eth0 (index " + eth0.index() + ")");
    }
    if (veth.master().isEmpty() || !dockerBridges.contains(veth.master())) {
      return VethVerdict.refused(
          "host veth " + veth.name() + " is not enslaved to a Docker bridge (master: "
              + (veth.master().isEmpty() ? "none" : veth.master()) + ", Docker bridges: " + dockerBridges + ")");
    }
    boolean masterIsBridge =
        hostLinks.stream().anyMatch(l -> l.name().equals(veth.master()) && l.isBridge());
    if (!masterIsBridge) {
      return VethVerdict.refused("master " + veth.master() + " of " + veth.name() + " is not a bridge device");
    }
    if (defaultRouteInterfaces.contains(veth.name())) {
      return VethVerdict.refused("host interface " + veth.name() + " carries a default route of the host");
    }
    return VethVerdict.safe(veth.name(), veth.index(), veth.master());
  }
}
