package io.porthole.collector.remediation;

import java.util.Objects;

/**
 * Whether a host interface was proven to be a container's host-side veth: either {@code veth} (its
 * name and index) and the Docker bridge it is enslaved to, or the reason it was refused.
 */
public record VethVerdict(String veth, int index, String bridge, String refusal) {

  public static VethVerdict safe(String veth, int index, String bridge) {
    return new VethVerdict(Objects.requireNonNull(veth), index, Objects.requireNonNull(bridge), null);
  }

  public static VethVerdict refused(String reason) {
    return new VethVerdict(null, -1, null, Objects.requireNonNull(reason));
  }

  public boolean isSafe() {
    return refusal == null;
  }
}
