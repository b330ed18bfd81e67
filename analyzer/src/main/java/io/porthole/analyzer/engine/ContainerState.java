package io.porthole.analyzer.engine;

import com.google.protobuf.Timestamp;
import io.porthole.analyzer.rules.IgnoreLabel;
import io.porthole.proto.ContainerConfig;
import io.porthole.proto.ContainerEvent;
import io.porthole.proto.Rule;
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
  private final HostState host;
  // Its key in the ContainerTable: the hash, and a Docker id as four words (dockerId), which a
  // lookup compares in place of the id string (reading the string was two more cache misses).
  private final long keyHash;
  private final boolean dockerId;
  private final long idWord0;
  private final long idWord1;
  private final long idWord2;
  private final long idWord3;
  private final Map<Rule, Object> ruleState = new EnumMap<>(Rule.class);
  // Decisions that hold while the name, image and labels do (see silenced()).
  private final Map<Rule, Boolean> silenced = new EnumMap<>(Rule.class);
  private String name = "";
  private String image = "";
  private Map<String, String> labels = Map.of();
  private Set<Rule> ignoredRules = Set.of();
  private int restartCount;
  private ContainerConfig config;
  // Every record's container is touched: only primitives are written then. A reference written
  // into a state that has aged into the old generation dirties its card, and with tens of
  // thousands of containers every young collection scanned them all (the flat-cost figure).
  private long lastActivitySeconds;
  private int lastActivityNanos;
  // The latest event time, kept as seconds and nanos: an Instant is only built when asked for.
  private long latestSeconds;
  private int latestNanos;
  private Instant latestEventTime = Instant.EPOCH;

  /**
   * {@code dockerIdWords}: the container id's words when it is a Docker id ({@link
   * ContainerTable#dockerIdWords}), else null.
   */
  ContainerState(
      String hostId,
      String containerId,
      HostState host,
      Instant now,
      long keyHash,
      long[] dockerIdWords) {
    this.hostId = Objects.requireNonNull(hostId, "hostId");
    this.containerId = Objects.requireNonNull(containerId, "containerId");
    this.host = Objects.requireNonNull(host, "host");
    this.keyHash = keyHash;
    this.dockerId = dockerIdWords != null;
    this.idWord0 = dockerId ? dockerIdWords[0] : 0;
    this.idWord1 = dockerId ? dockerIdWords[1] : 0;
    this.idWord2 = dockerId ? dockerIdWords[2] : 0;
    this.idWord3 = dockerId ? dockerIdWords[3] : 0;
    this.lastActivitySeconds = now.getEpochSecond();
    this.lastActivityNanos = now.getNano();
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

  long keyHash() {
    return keyHash;
  }

  /**
   * Whether this is the state of that container: {@code dockerIdWords} as for the constructor (the
   * words of {@code containerId} when it is a Docker id).
   */
  boolean hasKey(String hostId, String containerId, long[] dockerIdWords) {
    boolean sameId;
    if (dockerIdWords == null) {
      sameId = !dockerId && this.containerId.equals(containerId);
    } else {
      sameId =
          dockerId
              && idWord0 == dockerIdWords[0]
              && idWord1 == dockerIdWords[1]
              && idWord2 == dockerIdWords[2]
              && idWord3 == dockerIdWords[3];
    }
    return sameId && this.hostId.equals(hostId);
  }

  void touch(Instant now, Timestamp eventTime) {
    touch(now, eventTime.getSeconds(), eventTime.getNanos());
  }

  void touch(Instant now, long seconds, int nanos) {
    lastActivitySeconds = now.getEpochSecond();
    lastActivityNanos = now.getNano();
    if (seconds > latestSeconds || (seconds == latestSeconds && nanos > latestNanos)) {
      latestSeconds = seconds;
      latestNanos = nanos;
    }
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

  public Instant lastActivity() {
    return Instant.ofEpochSecond(lastActivitySeconds, lastActivityNanos);
  }

  /** The latest event time seen for this container: its own clock for windows. */
  public Instant latestEventTime() {
    Instant latest = latestEventTime;
    if (latest.getEpochSecond() != latestSeconds || latest.getNano() != latestNanos) {
      latest = Instant.ofEpochSecond(latestSeconds, latestNanos);
      latestEventTime = latest;
    }
    return latest;
  }

  /** The key its records and alerts carry: {@code hostId/containerId}. */
  public String key() {
    return hostId + '/' + containerId;
  }
}
