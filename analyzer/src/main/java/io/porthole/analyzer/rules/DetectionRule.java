package io.porthole.analyzer.rules;

import io.porthole.analyzer.engine.ContainerState;
import io.porthole.analyzer.engine.FlowFacts;
import io.porthole.analyzer.engine.HostState;
import io.porthole.proto.Alert;
import io.porthole.proto.CollectorHeartbeat;
import io.porthole.proto.EventEnvelope;
import io.porthole.proto.Rule;
import io.porthole.wire.Topic;
import java.time.Instant;
import java.util.Collection;
import java.util.List;

/**
 * One detection rule. The engine calls the hooks a rule cares about, in the order the records
 * arrive; a rule keeps its per-container state in {@link ContainerState#ruleState} (so it expires
 * with the container) and adds the alerts it raises or updates to {@code out}.
 *
 * <p>Rules reason in event time (the envelopes' {@code time}), so that re-reading a window after a
 * restart reaches the same conclusions and the same alert ids.
 */
public interface DetectionRule {

  Rule id();

  /**
   * Whether the rule looks at records of {@code topic} (lifecycle events, syscalls or flows): the
   * engine calls it only for those. By default, whether the rule's class overrides the matching
   * hook; a rule that delegates (as {@link ExcludingRule} does) answers for its delegate.
   */
  default boolean handles(Topic topic) {
    String hook =
        switch (topic) {
          case CONTAINER_EVENTS -> "onContainerEvent";
          case SYSCALLS -> "onSyscalls";
          case FLOWS -> "onFlow";
          default -> null;
        };
    if (hook == null) {
      return false;
    }
    try {
      return getClass()
              .getMethod(hook, ContainerState.class, EventEnvelope.class, List.class)
              .getDeclaringClass()
          != DetectionRule.class;
    } catch (NoSuchMethodException e) {
      throw new IllegalStateException(e);
    }
  }

  default void onContainerEvent(ContainerState container, EventEnvelope event, List<Alert> out) {}

  default void onSyscalls(ContainerState container, EventEnvelope event, List<Alert> out) {}

  default void onFlow(ContainerState container, EventEnvelope event, List<Alert> out) {}

  /**
   * Whether a flow with these facts can matter to the rule (one that {@link #handles} flows). A
   * flow no flow rule may use is decoded only as far as its container and time: it counts as the
   * container's activity, and {@link #onFlow} is not called for it. Decided on the facts alone
   * (called on the analyzer's decode threads, so it must be thread-safe); by default every flow may
   * matter.
   */
  default boolean mayUseFlow(FlowFacts facts) {
    return true;
  }

  /** A heartbeat of {@code host}; {@code containers} are the tracked containers of every host. */
  default void onHeartbeat(
      HostState host,
      CollectorHeartbeat heartbeat,
      Collection<ContainerState> containers,
      List<Alert> out) {}

  /**
   * The host's kernel version became known or changed (from any instance's view of its heartbeats).
   */
  default void onHostInfo(HostState host, Collection<ContainerState> containers, List<Alert> out) {}

  /**
   * The engine forgot every container (partitions assigned afresh; their state is rebuilt from the
   * replay window): a rule that keeps containers outside their state forgets them too.
   */
  default void reset() {}

  /**
   * Called on a timer with the wall clock; for conclusions that need time to pass without events.
   */
  default void onTick(
      Instant now,
      Collection<ContainerState> containers,
      Collection<HostState> hosts,
      List<Alert> out) {}
}
