package io.porthole.controller.view;

import io.porthole.proto.CollectorHeartbeat;
import io.porthole.wire.Timestamps;
import java.time.Duration;
import java.time.Instant;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;

/**
 * The hosts seen: from collector heartbeats (the newest per host) and from container events (a host
 * with containers but no heartbeat yet is known too).
 */
public final class HostsView {

  /** A host is considered silent after this many missed heartbeat intervals. */
  static final int SILENT_AFTER_INTERVALS = 3;

  /**
   * @param heartbeat the newest heartbeat, or null when only events were seen
   * @param lastEventAt the time of the newest container event from the host, or null
   */
  public record Host(String hostId, CollectorHeartbeat heartbeat, Instant lastEventAt) {

    public Optional<Instant> lastHeartbeat() {
      return heartbeat == null || !heartbeat.hasTime()
          ? Optional.empty()
          : Optional.of(Timestamps.toInstant(heartbeat.getTime()));
    }

    /** No heartbeat for {@value #SILENT_AFTER_INTERVALS} intervals (or never one). */
    public boolean silent(Instant now) {
      if (heartbeat == null) {
        return true;
      }
      long interval = Math.max(1, heartbeat.getIntervalSeconds());
      return lastHeartbeat()
          .map(t -> t.plus(Duration.ofSeconds(interval * SILENT_AFTER_INTERVALS)).isBefore(now))
          .orElse(true);
    }
  }

  private final RecencyMap<String, Host> hosts;

  public HostsView(int maxHosts) {
    this.hosts = new RecencyMap<>(maxHosts);
  }

  public synchronized void onHeartbeat(CollectorHeartbeat heartbeat) {
    if (heartbeat.getHostId().isEmpty()) {
      return;
    }
    Host known = hosts.get(heartbeat.getHostId());
    CollectorHeartbeat newest = heartbeat;
    if (known != null && known.heartbeat() != null && isOlder(heartbeat, known.heartbeat())) {
      newest = known.heartbeat();
    }
    hosts.put(
        heartbeat.getHostId(),
        new Host(heartbeat.getHostId(), newest, known == null ? null : known.lastEventAt()));
  }

  public synchronized void onContainerEvent(String hostId, Instant eventTime) {
    if (hostId.isEmpty()) {
      return;
    }
    Host known = hosts.get(hostId);
    Instant last = known == null ? null : known.lastEventAt();
    if (last == null || (eventTime != null && eventTime.isAfter(last))) {
      last = eventTime;
    }
    hosts.put(hostId, new Host(hostId, known == null ? null : known.heartbeat(), last));
  }

  public synchronized Optional<Host> host(String hostId) {
    return Optional.ofNullable(hosts.get(hostId));
  }

  public synchronized boolean contains(String hostId) {
    return hosts.get(hostId) != null;
  }

  /** Every host, by id. */
  public synchronized List<Host> all() {
    return hosts.values().stream().sorted(Comparator.comparing(Host::hostId)).toList();
  }

  public synchronized int size() {
    return hosts.size();
  }

  private static boolean isOlder(CollectorHeartbeat candidate, CollectorHeartbeat known) {
    return Timestamps.toEpochMillis(candidate.getTime())
        < Timestamps.toEpochMillis(known.getTime());
  }
}
