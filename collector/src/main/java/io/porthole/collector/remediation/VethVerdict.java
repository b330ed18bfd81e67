package io.porthole.collector.remediation;

import java.util.Objects;

/**
 * Whether one interface of a container was proven to be one end of a veth pair whose host side may
 * be acted on: the container-side name ({@code inside}), the host-side {@code veth} (name and
 * index), the Docker bridge it is enslaved to and that bridge's Docker {@code network}; or the
 * reason it was refused.
 */
public record VethVerdict(
    String inside, String veth, int index, String bridge, String network, String refusal) {

  public static VethVerdict safe(
      String inside, String veth, int index, String bridge, String network) {
    return new VethVerdict(
        Objects.requireNonNull(inside),
        Objects.requireNonNull(veth),
        index,
        Objects.requireNonNull(bridge),
        Objects.requireNonNull(network),
        null);
  }

  public static VethVerdict refused(String reason) {
    return new VethVerdict(null, null, -1, null, null, Objects.requireNonNull(reason));
  }

  public boolean isSafe() {
    return refusal == null;
  }

  /** "eth1 -> host veth veth176cb02 (index 64) on br-c12484a3e0f7, network backend". */
  public String describe() {
    return inside
        + " -> host veth "
        + veth
        + " (index "
        + index
        + ") on "
        + bridge
        + ", network "
        + network;
  }
}
