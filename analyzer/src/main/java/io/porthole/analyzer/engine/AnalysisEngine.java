package io.porthole.analyzer.engine;

import io.porthole.analyzer.rules.DetectionRule;
import io.porthole.proto.Alert;
import io.porthole.proto.CollectorHeartbeat;
import io.porthole.proto.EventEnvelope;
import io.porthole.proto.Rule;
import io.porthole.wire.Timestamps;
import io.porthole.wire.Topic;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.EnumMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.PriorityQueue;
import java.util.function.Predicate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs the detection rules over the events of the containers and hosts it is given, keeping their
 * state within {@link EngineLimits}. Single-threaded: the caller serialises calls. Every call
 * returns the alerts (new, or new versions of existing ones) that the records raised.
 */
public final class AnalysisEngine {

  private static final Logger LOG = LoggerFactory.getLogger(AnalysisEngine.class);
  private static final int EVICTED_AT_CAP_DIVISOR = 100;
  // Passes that expire idle state, per container idle expiry.
  private static final int EXPIRY_PASSES = 100;

  private final EngineLimits limits;
  private final List<DetectionRule> rules;
  // The rules that handle each kind of container record: the others are not called at all.
  private final DetectionRule[] lifecycleRules;
  private final DetectionRule[] syscallRules;
  private final DetectionRule[] flowRules;
  // The kinds of container record, in the order of recordsByKind.
  private static final Topic[] KINDS = {Topic.CONTAINER_EVENTS, Topic.SYSCALLS, Topic.FLOWS};
  // Container records analysed by kind: one increment per record; what each rule was handed is
  // summed from them (recordsByRule), not counted per rule and record.
  private final long[] recordsByKind = new long[KINDS.length];
  private final Map<Rule, boolean[]> kindsByRule = new EnumMap<>(Rule.class);
  // Not access-ordered: relinking the entry of every record's container touched two more entries
  // at random, which is most of what a record costs once the states outgrow the CPU's caches (the
  // flat-cost figure, docs/benchmarks.md). At the cap, the least recently active are found by
  // their lastActivity instead (evictLeastRecentlyActive). Not a HashMap either: see
  // ContainerTable.
  private final ContainerTable containers = new ContainerTable();
  private final LinkedHashMap<String, HostState> hosts = new LinkedHashMap<>(64, 0.75f, true);
  private long containersEvicted;
  private long containersExpired;
  private Instant nextExpiryPass = Instant.MIN;
  private long ruleFailures;
  private final List<Alert> scratch = new ArrayList<>();

  public AnalysisEngine(EngineLimits limits, List<DetectionRule> rules) {
    this.limits = Objects.requireNonNull(limits, "limits");
    this.rules = List.copyOf(rules);
    this.lifecycleRules = handling(this.rules, Topic.CONTAINER_EVENTS);
    this.syscallRules = handling(this.rules, Topic.SYSCALLS);
    this.flowRules = handling(this.rules, Topic.FLOWS);
    for (DetectionRule rule : this.rules) {
      boolean[] kinds = new boolean[KINDS.length];
      for (int kind = 0; kind < KINDS.length; kind++) {
        kinds[kind] = rule.handles(KINDS[kind]);
      }
      kindsByRule.put(rule.id(), kinds);
    }
  }

  private static DetectionRule[] handling(List<DetectionRule> rules, Topic topic) {
    return rules.stream().filter(r -> r.handles(topic)).toArray(DetectionRule[]::new);
  }

  /**
   * One event of a container.
   *
   * @throws InvalidEventException when the envelope lacks its host or container, or its body does
   *     not belong to {@code topic}
   */
  public List<Alert> onEvent(Topic topic, EventEnvelope event, Instant now) {
    ContainerKey key =
        ContainerKey.of(topic, event.getEventId(), event.getHostId(), event.getContainerId());
    validateBody(topic, event);
    ContainerState container = containers.state(activate(key, now));
    DetectionRule[] handling;
    switch (topic) {
      case CONTAINER_EVENTS -> {
        container.absorb(event.getContainerEvent());
        handling = lifecycleRules;
        recordsByKind[0]++;
      }
      case SYSCALLS -> {
        handling = syscallRules;
        recordsByKind[1]++;
      }
      case FLOWS -> {
        handling = flowRules;
        recordsByKind[2]++;
      }
      default ->
          throw new InvalidEventException("topic " + topic + " does not carry container events");
    }
    // Most records raise nothing: the list is only built when a rule adds to it.
    List<Alert> out = null;
    for (DetectionRule rule : handling) {
      try {
        if (out == null) {
          scratch.clear();
          call(rule, topic, container, event, scratch);
          if (!scratch.isEmpty()) {
            out = new ArrayList<>(scratch);
          }
        } else {
          call(rule, topic, container, event, out);
        }
      } catch (InvalidEventException e) {
        throw e;
      } catch (RuntimeException e) {
        if (out == null && !scratch.isEmpty()) {
          out = new ArrayList<>(scratch);
        }
        ruleFailed(rule, event.getEventId(), e);
      }
    }
    scratch.clear();
    return out == null ? List.of() : out;
  }

  private static void call(
      DetectionRule rule,
      Topic topic,
      ContainerState container,
      EventEnvelope event,
      List<Alert> out) {
    switch (topic) {
      case CONTAINER_EVENTS -> rule.onContainerEvent(container, event, out);
      case SYSCALLS -> rule.onSyscalls(container, event, out);
      default -> rule.onFlow(container, event, out);
    }
  }

  /**
   * Whether a rule that handles flows may use a flow with these facts ({@link
   * DetectionRule#mayUseFlow}). Thread-safe: the analyzer's decode threads ask it to decide how far
   * to decode a flow.
   */
  public boolean mayUseFlow(FlowFacts facts) {
    for (DetectionRule rule : flowRules) {
      if (rule.mayUseFlow(facts)) {
        return true;
      }
    }
    return false;
  }

  /**
   * A flow of a container that no rule may use ({@link #mayUseFlow} said no): it counts as the
   * container's activity, like any record, and no rule is called (the container's state is not even
   * read).
   */
  public void onUnusedFlow(ContainerKey container, Instant now) {
    activate(container, now);
    recordsByKind[2]++;
  }

  /**
   * Reads ahead where the container is kept, for records about to be analysed: calling it for each
   * of a batch's records first lets their reads wait for memory together.
   */
  public void readAhead(ContainerKey container) {
    containers.readAhead(container);
  }

  /**
   * One heartbeat of a collector.
   *
   * @throws InvalidEventException when it names no host
   */
  public List<Alert> onHeartbeat(CollectorHeartbeat heartbeat, Instant now) {
    if (heartbeat.getHostId().isEmpty()) {
      throw new InvalidEventException("heartbeat without host_id");
    }
    HostState host = host(heartbeat.getHostId(), now);
    boolean newKernel = host.learnKernel(heartbeat.getKernelVersion());
    host.heartbeat(heartbeat, now);
    List<Alert> out = new ArrayList<>(0);
    if (newKernel) {
      hostInfoChanged(host, out);
    }
    for (DetectionRule rule : rules) {
      try {
        rule.onHeartbeat(host, heartbeat, containers.values(), out);
      } catch (RuntimeException e) {
        ruleFailed(rule, "heartbeat of " + heartbeat.getHostId(), e);
      }
    }
    return out;
  }

  /**
   * What a heartbeat says about its host (the kernel version), for instances that do not own the
   * host's heartbeat partition: no host rule runs, only alerts that name the kernel are updated.
   */
  public List<Alert> onHostInfo(CollectorHeartbeat heartbeat, Instant now) {
    if (heartbeat.getHostId().isEmpty()) {
      throw new InvalidEventException("heartbeat without host_id");
    }
    HostState host = host(heartbeat.getHostId(), now);
    host.touch(now);
    List<Alert> out = new ArrayList<>(0);
    if (host.learnKernel(heartbeat.getKernelVersion())) {
      hostInfoChanged(host, out);
    }
    return out;
  }

  private void hostInfoChanged(HostState host, List<Alert> out) {
    for (DetectionRule rule : rules) {
      try {
        rule.onHostInfo(host, containers.values(), out);
      } catch (RuntimeException e) {
        ruleFailed(rule, "host info of " + host.hostId(), e);
      }
    }
  }

  /** Lets time pass: rules that wait for something not to happen conclude, idle state expires. */
  public List<Alert> tick(Instant now) {
    List<Alert> out = new ArrayList<>(0);
    for (DetectionRule rule : rules) {
      try {
        rule.onTick(now, containers.values(), hosts.values(), out);
      } catch (RuntimeException e) {
        ruleFailed(rule, "tick", e);
      }
    }
    // A pass over every container and host, so not at every tick: at most every hundredth of the
    // container expiry (9 s of the default 15 min; a container is forgotten at most that late).
    // At every tick, with 50,000 containers tracked, it was a tenth of the analysis thread's time.
    if (!now.isBefore(nextExpiryPass)) {
      nextExpiryPass = now.plus(limits.containerIdleExpiry().dividedBy(EXPIRY_PASSES));
      containersExpired +=
          containers.removeInactiveBefore(
              Timestamps.toEpochNanos(now.minus(limits.containerIdleExpiry())));
      expire(hosts.values(), h -> h.lastActivity().isBefore(now.minus(limits.hostIdleExpiry())));
    }
    return out;
  }

  /**
   * Forgets the state of containers and host rules (before the state of newly assigned partitions
   * is rebuilt); what is known of the hosts' kernels stays.
   */
  public void reset() {
    containers.clear();
    for (DetectionRule rule : rules) {
      try {
        rule.reset();
      } catch (RuntimeException e) {
        ruleFailed(rule, "reset", e);
      }
    }
    hosts.values().forEach(HostState::forgetHeartbeats);
  }

  /**
   * Per rule, the container records (lifecycle events, syscall batches, flows) it was handed: those
   * of the kinds it handles. Heartbeats, which every rule is handed, are not counted here.
   */
  public Map<Rule, Long> recordsByRule() {
    Map<Rule, Long> result = new EnumMap<>(Rule.class);
    kindsByRule.forEach(
        (rule, kinds) -> {
          long records = 0;
          for (int kind = 0; kind < kinds.length; kind++) {
            if (kinds[kind]) {
              records += recordsByKind[kind];
            }
          }
          result.put(rule, records);
        });
    return result;
  }

  public int trackedContainers() {
    return containers.size();
  }

  public int trackedHosts() {
    return hosts.size();
  }

  /** Containers forgotten because the cap was hit while they were still active. */
  public long containersEvicted() {
    return containersEvicted;
  }

  public long containersExpired() {
    return containersExpired;
  }

  /** Rule invocations that threw (logged, the record's other rules still ran). */
  public long ruleFailures() {
    return ruleFailures;
  }

  /** Marks the container (and its host) active, tracking it if new; returns its table slot. */
  private int activate(ContainerKey key, Instant now) {
    HostState host = host(key.hostId(), now);
    host.touch(now);
    long nowNanos = Timestamps.toEpochNanos(now);
    int slot = containers.activate(host, key, nowNanos);
    if (slot < 0) {
      if (containers.size() >= limits.maxContainers()) {
        evictLeastRecentlyActive();
      }
      slot = containers.add(host, key, nowNanos);
    }
    return slot;
  }

  /**
   * At the cap: forgets the least recently active hundredth of the containers (at least one), so
   * that a stream of new containers at the cap costs one pass over the states per hundred of them.
   */
  private void evictLeastRecentlyActive() {
    int count = Math.max(1, containers.size() / EVICTED_AT_CAP_DIVISOR);
    // The newest of the `count` oldest seen so far on top: a pass keeps the oldest `count`.
    PriorityQueue<ContainerState> oldest =
        new PriorityQueue<>(
            count + 1, Comparator.comparing(ContainerState::lastActivity).reversed());
    for (ContainerState state : containers.values()) {
      oldest.add(state);
      if (oldest.size() > count) {
        oldest.poll();
      }
    }
    ContainerState example = oldest.peek();
    for (ContainerState state : oldest) {
      containers.remove(state);
    }
    containersEvicted += oldest.size();
    LOG.warn(
        "tracking {} containers (the cap): forgot the {} least recently active, e.g. {} ({} so"
            + " far)",
        limits.maxContainers(),
        oldest.size(),
        example == null ? "none" : example.key(),
        containersEvicted);
  }

  private HostState host(String hostId, Instant now) {
    HostState host = hosts.get(hostId);
    if (host == null) {
      if (hosts.size() >= limits.maxHosts()) {
        Iterator<HostState> eldest = hosts.values().iterator();
        eldest.next();
        eldest.remove();
      }
      host = new HostState(hostId, now);
      hosts.put(hostId, host);
    }
    return host;
  }

  private static void validateBody(Topic topic, EventEnvelope event) {
    EventEnvelope.BodyCase expected =
        switch (topic) {
          case CONTAINER_EVENTS -> EventEnvelope.BodyCase.CONTAINER_EVENT;
          case SYSCALLS -> EventEnvelope.BodyCase.SYSCALLS;
          case FLOWS -> EventEnvelope.BodyCase.FLOW;
          default ->
              throw new InvalidEventException(
                  "topic " + topic + " does not carry container events");
        };
    if (event.getBodyCase() != expected) {
      throw new InvalidEventException(
          "event "
              + event.getEventId()
              + " on "
              + topic
              + " has body "
              + event.getBodyCase()
              + ", expected "
              + expected);
    }
  }

  private void ruleFailed(DetectionRule rule, String what, RuntimeException e) {
    ruleFailures++;
    LOG.error("rule {} failed on {}: {}", rule.id(), what, e.toString(), e);
  }

  private static <T> int expire(Collection<T> values, Predicate<T> idle) {
    int removed = 0;
    for (Iterator<T> it = values.iterator(); it.hasNext(); ) {
      if (idle.test(it.next())) {
        it.remove();
        removed++;
      }
    }
    return removed;
  }

  /** The hosts' kernels and containers, for diagnostics. */
  public Map<String, String> describe() {
    Map<String, String> result = new LinkedHashMap<>();
    result.put("containers", String.valueOf(containers.size()));
    result.put("hosts", String.valueOf(hosts.size()));
    result.put("containers_evicted", String.valueOf(containersEvicted));
    return result;
  }
}
