package io.porthole.collector.remediation;

import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * The verdict on a container's whole network: every interface of its namespace proven to be a veth
 * whose host side is on a Docker bridge (loopback excluded), or the reason the network must not be
 * touched. All or nothing: one unprovable interface refuses the whole network.
 */
public record NetworkVerdict(List<VethVerdict> veths, String refusal) {

  public NetworkVerdict {
    veths = List.copyOf(veths);
  }

  public static NetworkVerdict safe(List<VethVerdict> veths) {
    if (veths.isEmpty() || veths.stream().anyMatch(v -> !v.isSafe())) {
      throw new IllegalArgumentException(
          "a safe network has at least one veth and only proven ones");
    }
    return new NetworkVerdict(veths, null);
  }

  public static NetworkVerdict refused(String reason) {
    return new NetworkVerdict(List.of(), Objects.requireNonNull(reason));
  }

  public boolean isSafe() {
    return refusal == null;
  }

  /**
   * The same network narrowed to the one interface named {@code inside} in the container's
   * namespace ("eth1"), or empty when the container has no such interface. Only a safe network can
   * be narrowed.
   */
  public Optional<NetworkVerdict> onlyInterface(String inside) {
    if (!isSafe()) {
      throw new IllegalStateException("a refused network has no interfaces: " + refusal);
    }
    return veths.stream()
        .filter(v -> v.inside().equals(inside))
        .findFirst()
        .map(v -> NetworkVerdict.safe(List.of(v)));
  }

  /** The container-side names of the interfaces ("eth0, eth1"). */
  public String insideNames() {
    return veths.stream().map(VethVerdict::inside).collect(Collectors.joining(", "));
  }

  /** The host veths, comma-separated (the result's {@code interface} field). */
  public String hostInterfaces() {
    return veths.stream().map(VethVerdict::veth).collect(Collectors.joining(","));
  }

  /** Every interface with its veth, bridge and Docker network, for result details. */
  public String describe() {
    return veths.stream().map(VethVerdict::describe).collect(Collectors.joining("; "));
  }
}
