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
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Predicate;

/**
 * A container rule that leaves the containers {@link RuleTuning} silences alone: their records
 * never reach the rule (which forgets what it kept of them), and alerts it raises from a timer or a
 * heartbeat about such a container are dropped (a container can become silenced after the rule saw
 * it, e.g. when its flows arrived before its first lifecycle event).
 */
public final class ExcludingRule implements DetectionRule {

  private final DetectionRule rule;
  private final RuleTuning tuning;
  // Built once: asked for on every record.
  private final Predicate<ContainerState> decide;
  // Written by the engine's thread, read by metrics scrapes.
  private final AtomicLong silencedRecords = new AtomicLong();
  private final AtomicLong droppedAlerts = new AtomicLong();

  public ExcludingRule(DetectionRule rule, RuleTuning tuning) {
    this.rule = Objects.requireNonNull(rule, "rule");
    this.tuning = Objects.requireNonNull(tuning, "tuning");
    this.decide = c -> this.tuning.silences(this.rule.id(), c);
  }

  @Override
  public Rule id() {
    return rule.id();
  }

  /**
   * Flows and syscalls only when the wrapped rule looks at them; lifecycle events always (they are
   * rare, and they are where labels change: a container silenced by one forgets the rule's state at
   * once).
   */
  @Override
  public boolean handles(Topic topic) {
    return topic == Topic.CONTAINER_EVENTS || rule.handles(topic);
  }

  /** The rule this one wraps. */
  public DetectionRule rule() {
    return rule;
  }

  @Override
  public void onContainerEvent(ContainerState container, EventEnvelope event, List<Alert> out) {
    if (!silenced(container)) {
      rule.onContainerEvent(container, event, out);
    }
  }

  @Override
  public void onSyscalls(ContainerState container, EventEnvelope event, List<Alert> out) {
    if (!silenced(container)) {
      rule.onSyscalls(container, event, out);
    }
  }

  @Override
  public boolean mayUseFlow(FlowFacts facts) {
    return rule.mayUseFlow(facts);
  }

  @Override
  public void onFlow(ContainerState container, EventEnvelope event, List<Alert> out) {
    if (!silenced(container)) {
      rule.onFlow(container, event, out);
    }
  }

  @Override
  public void onHeartbeat(
      HostState host,
      CollectorHeartbeat heartbeat,
      Collection<ContainerState> containers,
      List<Alert> out) {
    List<Alert> raised = new ArrayList<>(0);
    rule.onHeartbeat(host, heartbeat, containers, raised);
    keepUnsilenced(raised, containers, out);
  }

  @Override
  public void onHostInfo(HostState host, Collection<ContainerState> containers, List<Alert> out) {
    List<Alert> raised = new ArrayList<>(0);
    rule.onHostInfo(host, containers, raised);
    keepUnsilenced(raised, containers, out);
  }

  @Override
  public void reset() {
    rule.reset();
  }

  @Override
  public void onTick(
      Instant now,
      Collection<ContainerState> containers,
      Collection<HostState> hosts,
      List<Alert> out) {
    List<Alert> raised = new ArrayList<>(0);
    rule.onTick(now, containers, hosts, raised);
    keepUnsilenced(raised, containers, out);
  }

  /** Container records the rule did not see because the container is silenced for it. */
  public long silencedRecords() {
    return silencedRecords.get();
  }

  /** Alerts the rule raised from a timer, heartbeat or host change about a silenced container. */
  public long droppedAlerts() {
    return droppedAlerts.get();
  }

  private boolean silenced(ContainerState container) {
    if (isSilenced(container)) {
      silencedRecords.incrementAndGet();
      return true;
    }
    return false;
  }

  private boolean isSilenced(ContainerState container) {
    if (container.silenced(rule.id(), decide)) {
      container.forgetRuleState(rule.id());
      return true;
    }
    return false;
  }

  private void keepUnsilenced(
      List<Alert> raised, Collection<ContainerState> containers, List<Alert> out) {
    for (Alert alert : raised) {
      ContainerState container = alert.getContainerId().isEmpty() ? null : find(containers, alert);
      if (container != null && isSilenced(container)) {
        droppedAlerts.incrementAndGet();
      } else {
        out.add(alert);
      }
    }
  }

  /** Alerts from these hooks are rare: a scan is cheaper than keeping an index. */
  private static ContainerState find(Collection<ContainerState> containers, Alert alert) {
    for (ContainerState container : containers) {
      if (container.containerId().equals(alert.getContainerId())
          && container.hostId().equals(alert.getHostId())) {
        return container;
      }
    }
    return null;
  }
}
