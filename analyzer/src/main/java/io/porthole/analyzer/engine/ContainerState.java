package io.porthole.analyzer.engine;

import io.porthole.analyzer.rules.IgnoreLabel;
import io.porthole.proto.ContainerConfig;
import io.porthole.proto.ContainerEvent;
import io.porthole.proto.Rule;
import io.porthole.wire.Timestamps;
import java.time.Instant;
import java.util.EnumMap;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.function.Predicate;
import java.util.function.Supplier;

/**
 * What the analyzer knows about one container: its identity as the latest lifecycle event told it,
 * its host, and each rule's own state. Dropped as a whole when the container goes idle.
 */
public final class ContainerState {

  private final String hostId;
  private final String containerId;
  // The host's state; replaced when the host was forgotten and is seen again (a new state).
  private HostState host;
  // Its slot in the table, which holds its key and last activity; -1 once forgotten, with the last
  // activity kept here.
  private final ContainerTable table;
  private int slot;
  private long forgottenActivityNanos;
  private final Map<Rule, Object> ruleState = new EnumMap<>(Rule.class);
  // Decisions that hold while the name, image and labels do (see silenced()).
  private final Map<Rule, Boolean> silenced = new EnumMap<>(Rule.class);
  private String name = "";
  private String image = "";
  private Map<String, String> labels = Map.of();
  private Set<Rule> ignoredRules = Set.of();
  private int restartCount;
  private ContainerConfig config;

  ContainerState(
      String hostId, String containerId, HostState host, ContainerTable table, int slot) {
    this.hostId = Objects.requireNonNull(hostId, "hostId");
    this.containerId = Objects.requireNonNull(containerId, "containerId");
    this.host = Objects.requireNonNull(host, "host");
    this.table = table;
    this.slot = slot;
  }

  /**
   * Takes the name, image, labels, restart count and configuration of a lifecycle event, where set.
   */
  void absorb(ContainerEvent event) {
    if (!event.getName().isEmpty() && !event.getName().equals(name)) {
      name = event.getName();
      silenced.clear();
    }
    if (!event.getImage().isEmpty() && !event.getImage().equals(image)) {
      image = event.getImage();
      silenced.clear();
    }
    if (event.getLabelsCount() > 0 && !event.getLabelsMap().equals(labels)) {
      labels = Map.copyOf(event.getLabelsMap());
      ignoredRules = IgnoreLabel.rules(labels);
      silenced.clear();
    }
    restartCount = Math.max(restartCount, event.getRestartCount());
    if (event.hasConfig()) {
      config = event.getConfig();
    }
  }

  ContainerTable table() {
    return table;
  }

  /** Its slot in the table, or -1 once forgotten. */
  int slot() {
    return slot;
  }

  void moved(int newSlot) {
    slot = newSlot;
  }

  /** Its host was forgotten and is seen again: this is the host's state now. */
  void rebind(HostState newHost) {
    host = Objects.requireNonNull(newHost, "newHost");
  }

  /** Forgotten by the table: keeps its last activity. */
  void detach(long activityNanos) {
    slot = -1;
    forgottenActivityNanos = activityNanos;
  }

  /** The rule's state for this container, created on first use. */
  @SuppressWarnings("unchecked")
  public <T> T ruleState(Rule rule, Supplier<T> create) {
    return (T) ruleState.computeIfAbsent(rule, r -> create.get());
  }

  /**
   * The rule's state, or null when the rule has kept none for this container (nothing is created).
   */
  @SuppressWarnings("unchecked")
  public <T> T ruleStateIfPresent(Rule rule) {
    return (T) ruleState.get(rule);
  }

  /** Forgets what the rule kept for this container (it no longer watches it). */
  public void forgetRuleState(Rule rule) {
    ruleState.remove(rule);
  }

  /**
   * Whether {@code rule} leaves this container alone, decided by {@code decide} once and kept until
   * the container's name, image or labels change (the decision is asked for on every record).
   */
  public boolean silenced(Rule rule, Predicate<ContainerState> decide) {
    Boolean known = silenced.get(rule);
    if (known == null) {
      known = decide.test(this);
      silenced.put(rule, known);
    }
    return known;
  }

  public String hostId() {
    return hostId;
  }

  public String containerId() {
    return containerId;
  }

  public HostState host() {
    return host;
  }

  /** The container's name, or its short id when no lifecycle event named it yet. */
  public String displayName() {
    return name.isEmpty() ? containerId.substring(0, Math.min(12, containerId.length())) : name;
  }

  public String name() {
    return name;
  }

  public String image() {
    return image;
  }

  /** The labels of the latest lifecycle event that carried any. */
  public Map<String, String> labels() {
    return labels;
  }

  /** The rules the container's {@code porthole.ignore} label names. */
  public Set<Rule> ignoredRules() {
    return ignoredRules;
  }

  public int restartCount() {
    return restartCount;
  }

  /** The latest configuration snapshot, if a lifecycle event carried one. */
  public ContainerConfig config() {
    return config;
  }

  /** When a record of the container last arrived (the analyzer's clock). */
  public Instant lastActivity() {
    return Timestamps.instantOfEpochNanos(
        slot < 0 ? forgottenActivityNanos : table.activityNanos(slot));
  }

  /** The key its records and alerts carry: {@code hostId/containerId}. */
  public String key() {
    return hostId + '/' + containerId;
  }
}
