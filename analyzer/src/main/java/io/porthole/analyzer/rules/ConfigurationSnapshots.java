package io.porthole.analyzer.rules;

import io.porthole.proto.ContainerAction;
import io.porthole.proto.ContainerConfig;
import io.porthole.proto.ContainerEvent;
import io.porthole.proto.EventEnvelope;
import java.util.Optional;
import java.util.Set;

/**
 * The configuration snapshot of the lifecycle events that create or change a container's
 * configuration.
 */
final class ConfigurationSnapshots {

  private static final Set<ContainerAction> CONFIG_ACTIONS =
      Set.of(
          ContainerAction.CREATE,
          ContainerAction.START,
          ContainerAction.SNAPSHOT,
          ContainerAction.UPDATE,
          ContainerAction.RESTART);

  private ConfigurationSnapshots() {}

  /** The snapshot of a create, start, snapshot, update or restart that has one; empty otherwise. */
  static Optional<ContainerConfig> of(EventEnvelope event) {
    ContainerEvent lifecycle = event.getContainerEvent();
    if (!CONFIG_ACTIONS.contains(lifecycle.getAction()) || !lifecycle.hasConfig()) {
      return Optional.empty();
    }
    return Optional.of(lifecycle.getConfig());
  }
}
