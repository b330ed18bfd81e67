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
 * The containers seen, per host, from container events; destroyed containers leave the view.
 * Bounded: the least recently updated container is evicted beyond the capacity.
 */
public final class ContainersView {

  private final RecencyMap<String, ContainerRecord> containers;
  // Kept apart from the records: results and container events come from different topics, so a
  // rebuild may read a container's isolation before the container.
  private final RecencyMap<String, ContainerRecord.Isolation> isolations;

  public ContainersView(int maxContainers) {
    this.containers = new RecencyMap<>(maxContainers);
    this.isolations = new RecencyMap<>(maxContainers);
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
      isolations.remove(key);
      return;
    }
    ContainerRecord known = containers.get(key);
    Instant time = envelope.hasTime() ? Timestamps.toInstant(envelope.getTime()) : null;
    if (known != null
        && time != null
        && known.updatedAt() != null
        && time.isBefore(known.updatedAt())) {
      return;
    }
    Instant startedAt = known == null ? null : known.startedAt();
    if (event.getAction() == ContainerAction.START
        || event.getAction() == ContainerAction.RESTART) {
      // New veths, but the isolation still holds: the collector re-isolates a container that starts
      // again under isolation, until a restore or the TTL (and says so in a follow-up result).
      startedAt = time;
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
            startedAt,
            event.getNetworksCount() > 0 || known == null
                ? event.getNetworksList()
                : known.networks(),
            event.hasConfig() ? event.getConfig() : known == null ? null : known.config(),
            null));
  }

  /**
   * Records the effect of a succeeded isolate (with its restore time, if any) or restore, so that
   * the view says whether the container is isolated. The newest change (by {@code at}) wins,
   * whatever order the results are read in.
   */
  public synchronized void onIsolationChange(
      String hostId,
      String containerId,
      boolean isolated,
      String hostInterface,
      Instant at,
      Instant restoreAt,
      String commandId) {
    String key = key(hostId, containerId);
    ContainerRecord.Isolation known = isolations.get(key);
    if (known != null && known.since() != null && at != null && at.isBefore(known.since())) {
      return;
    }
    isolations.put(
        key, new ContainerRecord.Isolation(isolated, hostInterface, at, restoreAt, commandId));
  }

  /**
   * Records the collector's follow-up on the isolation in force (same command) after the container
   * started again under it: re-isolated on its new veths ({@code reisolated}: the interfaces, the
   * time, enforced again), or not yet ({@code enforced} false with the collector's reason and since
   * when; the collector keeps retrying). The isolation keeps its start and restore time; it stays
   * isolated either way, as the collector still holds it. A follow-up of another command, or of an
   * isolation no longer in force, changes nothing.
   */
  public synchronized void onIsolationFollowUp(
      String hostId,
      String containerId,
      String commandId,
      boolean reisolated,
      String hostInterface,
      Instant at,
      Instant restoreAt,
      String detail) {
    String key = key(hostId, containerId);
    ContainerRecord.Isolation known = isolations.get(key);
    if (known == null
        || !known.isolated()
        || !known.commandId().equals(commandId)
        || (known.since() != null && at != null && at.isBefore(known.since()))) {
      return;
    }
    Instant restore = restoreAt == null ? known.restoreAt() : restoreAt;
    if (reisolated) {
      isolations.put(
          key,
          new ContainerRecord.Isolation(
              true,
              hostInterface.isEmpty() ? known.hostInterface() : hostInterface,
              known.since(),
              restore,
              commandId,
              at,
              true,
              null,
              null));
      return;
    }
    if (!known.enforced()) {
      return; // the first failure said since when; the collector says it once per start
    }
    isolations.put(
        key,
        new ContainerRecord.Isolation(
            true,
            known.hostInterface(),
            known.since(),
            restore,
            commandId,
            known.reisolatedAt(),
            false,
            detail,
            at));
  }

  /** Containers on a host (every host when {@code hostId} is null), by host then name. */
  public synchronized List<ContainerRecord> list(String hostId) {
    return containers.values().stream()
        .filter(c -> hostId == null || c.hostId().equals(hostId))
        .map(this::withIsolation)
        .sorted(Comparator.comparing(ContainerRecord::hostId).thenComparing(ContainerRecord::name))
        .toList();
  }

  /**
   * The containers {@code nameOrId} names, as the Docker CLI resolves it: an exact id, else an
   * exact name, else an id prefix; restricted to one host when {@code hostId} is not null.
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
    List<ContainerRecord> matches = !byId.isEmpty() ? byId : !byName.isEmpty() ? byName : byPrefix;
    return matches.stream().map(this::withIsolation).toList();
  }

  public synchronized int size() {
    return containers.size();
  }

  private ContainerRecord withIsolation(ContainerRecord record) {
    ContainerRecord.Isolation isolation =
        isolations.get(key(record.hostId(), record.containerId()));
    return isolation == null ? record : record.withIsolation(isolation);
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
