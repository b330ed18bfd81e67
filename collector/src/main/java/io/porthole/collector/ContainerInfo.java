package io.porthole.collector;

import io.porthole.wire.NetworkMode;
import java.util.List;
import java.util.Map;

/**
 * What the collector knows of a container on its host, kept current by the Docker source.
 *
 * @param id full container id
 * @param name name without the leading slash
 * @param image image as created
 * @param pid host pid of the main process (0 when not running)
 * @param labels the container's labels
 * @param addresses IPv4 and IPv6 addresses on its networks
 * @param networkMode HostConfig.NetworkMode ("host" means it shares the host's network)
 */
public record ContainerInfo(
    String id,
    String name,
    String image,
    int pid,
    Map<String, String> labels,
    List<String> addresses,
    String networkMode) {

  public ContainerInfo {
    labels = Map.copyOf(labels);
    addresses = List.copyOf(addresses);
  }

  public boolean sharesHostNetwork() {
    return NetworkMode.of(networkMode).isHost();
  }
}
