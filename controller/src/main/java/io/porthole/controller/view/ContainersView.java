package io.porthole.controller.view;

import io.porthole.proto.ContainerAction;
import io.porthole.proto.ContainerEvent;
import io.porthole.proto.EventEnvelope;
import io.porthole.wire.Timestamps;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;

/**
 * The containers seen, per host, from container events; destroyed containers leave the view. Bounded:
 * the least recently updated container is evicted beyond the capacity.
 */
public final class ContainersView {

  private final RecencyMap<String, ContainerRecord> containers;

  public ContainersView(int maxContainers) {
    this.containers = new RecencyMap<>(maxContainers);
  }

  /** Applies a container event; envelopes without a container event or ids are ignored. */
  public synchronized void onEvent(EventEnvelope envelope) {
    if (!envelope.hasContainerEvent()
        || envelope.getHostId().isEmpty()
        || envelope.getContainerId().isEmpty()) {
      return;
    }
    ContainerEvent event = envelope.getContainerEvent();
    String key = key(envelope.getHostId(), envelope.getContainerId());
    if (event.getAction() == ContainerAction.DESTROY) {
      containers.remove(key);
      return;
    }
    ContainerRecord known = containers.get(key);
    Instant time = envelope.hasTime() ? Timestamps.toInstant(envelope.getTime()) : null;
    if (known != null && time != null && known.updatedAt() != null && time.isBefore(known.updatedAt())) {
      return;
    }
    ContainerRecord.Isolation isolation = known == null ? null : known.isolation();
    if (event.getAction() == ContainerAction.START || event.getAction() == ContainerAction.RESTART) {
      // A (re)started container has a new veth: an earlier isolation no longer applies.
      isolation = null;
    }
    containers.put(
        key,
        new ContainerRecord(
            envelope.getHostId(),
            envelope.getContainerId(),
            pick(event.getName(), known == null ? "" : known.name()),
            pick(event.getImage(), known == null ? "" : known.image()),
            state(event, known),
            event.getAction().name().toLowerCase(Locale.ROOT),
            time == null && known != null ? known.updatedAt() : time,
            event.getNetworksCount() > 0 || known == null ? event.getNetworksList() : known.networks(),
            event.hasConfig() ? event.getConfig() : known == null ? null : known.config(),
            isolation));
  }

  /**
   * Records the effect of a succeeded isolate (with its restore time, if any) or restore, so that the
   * view says whether the container is isolated.
   */
  public synchronized void onIsolationChange(
      String hostId, String containerId, boolean isolated, String hostInterface, Instant at, Instant restoreAt, String commandId) {
    String key = key(hostId, containerId);
    ContainerRecord known = containers.get(key);
    if (known == null) {
      return;
    }
    ContainerRecord.Isolation isolation =
        isolated ? new ContainerRecord.Isolation(hostInterface, at, restoreAt, commandId) : null;
    containers.put(key, known.withIsolation(isolation));
  }

  /** Containers on a host (every host when {@code hostId} is null), by host then name. */
  public synchronized List<ContainerRecord> list(String hostId) {
    return containers.values().stream()
        .filter(c -> hostId == null || c.hostId().equals(hostId))
        .sorted(Comparator.comparing(ContainerRecord::hostId).thenComparing(ContainerRecord::name))
        .toList();
  }

  /**
   * The containers {@code nameOrId} names, as the Docker CLI resolves it: an exact id, else an exact
   * name, else an id prefix; restricted to one host when {@code hostId} is not null.
   */
  public synchronized List<ContainerRecord> resolve(String nameOrId, String hostId) {
    String wanted = nameOrId.startsWith("/") ? nameOrId.substring(1) : nameOrId;
    List<ContainerRecord> byId = new ArrayList<>();
    List<ContainerRecord> byName = new ArrayList<>();
    List<ContainerRecord> byPrefix = new ArrayList<>();
    for (ContainerRecord c : containers.values()) {
      if (hostId != null && !c.hostId().equals(hostId)) {
        continue;
      }
      if (c.containerId().equals(wanted)) {
        byId.add(c);
      } else if (c.name().equals(wanted)) {
        byName.add(c);
      } else if (!wanted.isEmpty() && c.containerId().startsWith(wanted)) {
        byPrefix.add(c);
      }
    }
    return !byId.isEmpty() ? byId : !byName.isEmpty() ? byName : byPrefix;
  }

  public synchronized int size() {
    return containers.size();
  }

  private static String state(ContainerEvent event, ContainerRecord known) {
    if (!event.getState().isEmpty()) {
      return event.getState();
    }
    return switch (event.getAction()) {
      case CREATE -> "created";
      case START, RESTART, UNPAUSE -> "running";
      case DIE, STOP -> "exited";
      case PAUSE -> "paused";
      default -> known == null ? "unknown" : known.state();
    };
  }

  private static String pick(String value, String fallback) {
    return value.isEmpty() ? fallback : value;
  }

  private static String key(String hostId, String containerId) {
    return hostId + '/' + containerId;
  }
}
