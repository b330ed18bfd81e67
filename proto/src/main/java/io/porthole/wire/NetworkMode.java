package io.porthole.wire;

import java.util.Optional;

/**
 * A container's {@code HostConfig.NetworkMode} and what it means for remediation: {@code host}
 * shares the host's namespace (never touched), {@code container:ID} shares another container's (act
 * on that one), {@code none} has loopback only; anything else ({@code bridge}, {@code default}, a
 * network name) gives the container its own namespace with veths.
 */
public record NetworkMode(String value) {

  private static final String CONTAINER_PREFIX = "container:";

  public NetworkMode {
    value = value == null ? "" : value;
  }

  public static NetworkMode of(String value) {
    return new NetworkMode(value);
  }

  public boolean isHost() {
    return "host".equals(value);
  }

  public boolean isNone() {
    return "none".equals(value);
  }

  /** The container whose namespace this one shares ({@code container:ID}), if any. */
  public Optional<String> sharedContainer() {
    return value.startsWith(CONTAINER_PREFIX)
        ? Optional.of(value.substring(CONTAINER_PREFIX.length()))
        : Optional.empty();
  }

  /** Why the network of a container in this mode must not be acted on, if it must not. */
  public Optional<String> refusal(String containerLabel) {
    if (isHost()) {
      return Optional.of(
          "container "
              + containerLabel
              + " uses the host network (network mode host): refusing to touch the host's "
              + "interfaces");
    }
    return sharedContainer()
        .map(
            other ->
                "container "
                    + containerLabel
                    + " shares the network of "
                    + value
                    + ": act on that container instead");
  }

  @Override
  public String toString() {
    return value;
  }
}
