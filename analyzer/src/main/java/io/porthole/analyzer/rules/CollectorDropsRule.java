package io.porthole.analyzer.rules;

import io.porthole.analyzer.engine.ContainerState;
import io.porthole.analyzer.engine.HostState;
import io.porthole.proto.Alert;
import io.porthole.proto.CollectorCounters;
import io.porthole.proto.CollectorHeartbeat;
import io.porthole.proto.RemediationAction;
import io.porthole.proto.Rule;
import io.porthole.proto.Severity;
import io.porthole.wire.Timestamps;
import io.porthole.wire.Topic;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Objects;

/**
 * A collector reports that it lost data: its drop counters (publish buffer full, libpcap drops,
 * flow table evictions, Kafka send failures) grew by at least {@link Config#minimumDrops} since its
 * previous heartbeat. One episode per collector run (host and start time), updated while drops
 * grow.
 */
public final class CollectorDropsRule implements DetectionRule {

  /** Configuration: {@code rule.collector.drops.*}. */
  public record Config(RuleSettings settings, long minimumDrops) {
    public Config {
      Objects.requireNonNull(settings, "settings");
      if (minimumDrops < 1) {
        throw new IllegalArgumentException("minimumDrops must be at least 1");
      }
    }

    public static Config defaults() {
      return new Config(RuleSettings.enabled(Severity.MEDIUM), 1);
    }
  }

  private static final class State {
    CollectorHeartbeat previous;
    Episode episode;
    String run;
  }

  private final Config config;

  public CollectorDropsRule(Config config) {
    this.config = Objects.requireNonNull(config, "config");
  }

  @Override
  public Rule id() {
    return Rule.COLLECTOR_DROPS;
  }

  @Override
  public void onHeartbeat(
      HostState host,
      CollectorHeartbeat heartbeat,
      Collection<ContainerState> containers,
      List<Alert> out) {
    State state = host.ruleState(Rule.COLLECTOR_DROPS, State::new);
    String run = Timestamps.toInstant(heartbeat.getStartedAt()).toString();
    CollectorCounters before =
        state.previous != null && run.equals(state.run)
            ? state.previous.getCounters()
            : CollectorCounters.getDefaultInstance();
    if (!run.equals(state.run)) {
      state.episode = null;
    }
    state.previous = heartbeat;
    state.run = run;
    CollectorCounters now = heartbeat.getCounters();
    List<String> grown = new ArrayList<>();
    long total = 0;
    total +=
        growth(
            "events dropped (publish buffer full)",
            before.getEventsDroppedBackpressure(),
            now.getEventsDroppedBackpressure(),
            grown);
    total +=
        growth("packets dropped by libpcap", before.getPcapDropped(), now.getPcapDropped(), grown);
    total +=
        growth(
            "packets dropped by the interface",
            before.getPcapInterfaceDropped(),
            now.getPcapInterfaceDropped(),
            grown);
    total +=
        growth(
            "flows evicted (flow table full)",
            before.getFlowsEvicted(),
            now.getFlowsEvicted(),
            grown);
    total +=
        growth(
            "records Kafka did not acknowledge",
            before.getKafkaSendFailures(),
            now.getKafkaSendFailures(),
            grown);
    if (total < config.minimumDrops()) {
      return;
    }
    Instant time = Timestamps.toInstant(heartbeat.getTime());
    if (state.episode == null) {
      state.episode =
          Episode.forHost(Rule.COLLECTOR_DROPS, config.settings().severity(), host, "run:" + run)
              .title("The collector on host " + host.hostId() + " is dropping data")
              .remediation(
                  RemediationAction.REMEDIATION_ACTION_UNSPECIFIED,
                  "Check Kafka's health and the collector's host load; raise the "
                      + "collector's buffers or reduce what it traces.");
    }
    state
        .episode
        .occurred(time)
        .evidence(time, "heartbeat: " + String.join(", ", grown), Topic.HEARTBEATS, "")
        .attribute(
            "events_dropped_backpressure", String.valueOf(now.getEventsDroppedBackpressure()))
        .attribute("pcap_dropped", String.valueOf(now.getPcapDropped()))
        .attribute("pcap_interface_dropped", String.valueOf(now.getPcapInterfaceDropped()))
        .attribute("flows_evicted", String.valueOf(now.getFlowsEvicted()))
        .attribute("kafka_send_failures", String.valueOf(now.getKafkaSendFailures()))
        .summary(
            "The collector on host "
                + host.hostId()
                + " (running since "
                + run
                + ") reported lost data in "
                + state.episode.occurrences()
                + " heartbeat(s), latest: "
                + String.join(", ", grown)
                + ". Alerts about "
                + "this host may miss events while it drops.");
    out.add(state.episode.snapshot());
  }

  private static long growth(String what, long before, long now, List<String> grown) {
    long delta = now >= before ? now - before : now;
    if (delta > 0) {
      grown.add(what + " +" + delta + " (total " + now + ")");
    }
    return delta;
  }
}
