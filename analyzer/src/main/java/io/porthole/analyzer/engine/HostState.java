package io.porthole.analyzer.engine;

import io.porthole.proto.CollectorHeartbeat;
import io.porthole.proto.Rule;
import java.time.Instant;
import java.util.EnumMap;
import java.util.Map;
import java.util.Objects;
import java.util.function.Supplier;

/** What the analyzer knows about one host: its latest heartbeat and each host rule's state. */
public final class HostState {

  private final String hostId;
  private final Map<Rule, Object> ruleState = new EnumMap<>(Rule.class);
  private String kernelVersion = "";
  private CollectorHeartbeat lastHeartbeat;
  private Instant lastHeartbeatReceived;
  private Instant lastActivity;

  HostState(String hostId, Instant now) {
    this.hostId = Objects.requireNonNull(hostId, "hostId");
    this.lastActivity = now;
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
