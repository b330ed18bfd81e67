package io.porthole.analyzer.engine;

import io.porthole.proto.CollectorHeartbeat;
import io.porthole.proto.Rule;
import java.time.Instant;
import java.util.EnumMap;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;

/** What the analyzer knows about one host: its latest heartbeat and each host rule's state. */
public final class HostState {

  // Numbers the hosts for the container table's keys: unique among the 2^31 - 1 created first.
  private static final AtomicInteger NEXT_NUMBER = new AtomicInteger();

  private final String hostId;
  private final int number;
  private final Map<Rule, Object> ruleState = new EnumMap<>(Rule.class);
  private String kernelVersion = "";
  private CollectorHeartbeat lastHeartbeat;
  private Instant lastHeartbeatReceived;
  private Instant lastActivity;

  HostState(String hostId, Instant now) {
    this.hostId = Objects.requireNonNull(hostId, "hostId");
    this.lastActivity = now;
    this.number = 1 + Math.floorMod(NEXT_NUMBER.getAndIncrement(), Integer.MAX_VALUE);
  }

  void heartbeat(CollectorHeartbeat heartbeat, Instant receivedAt) {
    lastHeartbeat = heartbeat;
    lastHeartbeatReceived = receivedAt;
    lastActivity = receivedAt;
  }

  /** Returns whether the kernel version was new. */
  boolean learnKernel(String version) {
    if (version.isEmpty() || version.equals(kernelVersion)) {
      return false;
    }
    kernelVersion = version;
    return true;
  }

  /**
   * Another instance may own this host's heartbeats now: drop what depends on seeing all of them.
   */
  void forgetHeartbeats() {
    lastHeartbeat = null;
    lastHeartbeatReceived = null;
    ruleState.clear();
  }

  void touch(Instant now) {
    lastActivity = now;
  }

  @SuppressWarnings("unchecked")
  public <T> T ruleState(Rule rule, Supplier<T> create) {
    return (T) ruleState.computeIfAbsent(rule, r -> create.get());
  }

  public String hostId() {
    return hostId;
  }

  /** This host state's number, in [1, 2^31): states of the same host seen again differ. */
  int number() {
    return number;
  }

  /** The host's kernel (uname -r) from its latest heartbeat, or empty when none was seen. */
  public String kernelVersion() {
    return kernelVersion;
  }

  /** The latest heartbeat, or null. */
  public CollectorHeartbeat lastHeartbeat() {
    return lastHeartbeat;
  }

  /** When the analyzer received the latest heartbeat (its own clock), or null. */
  public Instant lastHeartbeatReceived() {
    return lastHeartbeatReceived;
  }

  public Instant lastActivity() {
    return lastActivity;
  }
}
