package io.porthole.collector.packets;

import io.porthole.collector.ContainerDirectory;
import io.porthole.collector.ContainerInfo;
import java.util.Objects;

/** Which container an address belongs to, for attributing flows. Called once per new flow. */
@FunctionalInterface
public interface ContainerResolver {

  /** The full id of the container with this address (text as Docker reports it), or null. */
  String containerIdOf(String address);

  /** The running containers of this host, kept current by the Docker source. */
  static ContainerResolver of(ContainerDirectory directory) {
    Objects.requireNonNull(directory, "directory");
    return address -> directory.byAddress(address).map(ContainerInfo::id).orElse(null);
  }

  /**
   * One container (replay): the one with {@code containerAddress}, or, when no address is given,
   * the container is taken to be every flow's initiator.
   */
  static ContainerResolver single(String containerId, String containerAddress) {
    Objects.requireNonNull(containerId, "containerId");
    if (containerAddress == null || containerAddress.isBlank()) {
      return address -> containerId;
    }
    String wanted = containerAddress.trim();
    return address -> wanted.equalsIgnoreCase(address) ? containerId : null;
  }
}
