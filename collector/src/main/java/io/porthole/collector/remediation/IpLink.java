package io.porthole.collector.remediation;

import java.util.Set;

/**
 * One interface as {@code ip -d -o link show} prints it.
 *
 * @param index interface index
 * @param name name without the {@code @ifN} suffix
 * @param peerIndex the index after {@code @if} (the veth peer's index in the peer's namespace), or
 *     -1
 * @param flags the flags between angle brackets ({@code UP}, {@code LOWER_UP}, ...)
 * @param state the operstate after {@code state} ({@code UP}, {@code DOWN}, {@code UNKNOWN}, ...)
 * @param master the bridge it is enslaved to, or empty
 * @param kind the link kind from the details ({@code veth}, {@code bridge}, ...), or empty (no
 *     details asked, or a physical device)
 */
public record IpLink(
    int index,
    String name,
    int peerIndex,
    Set<String> flags,
    String state,
    String master,
    String kind) {

  public IpLink {
    flags = Set.copyOf(flags);
  }

  public boolean isVeth() {
    return "veth".equals(kind);
  }

  public boolean isBridge() {
    return "bridge".equals(kind);
  }

  /** Administratively up (the {@code UP} flag). */
  public boolean isAdminUp() {
    return flags.contains("UP");
  }
}
