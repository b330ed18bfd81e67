package io.porthole.analyzer.rules;

import io.porthole.analyzer.engine.ContainerState;
import io.porthole.analyzer.engine.HostState;
import io.porthole.proto.Alert;
import io.porthole.proto.CollectorHeartbeat;
import io.porthole.proto.RemediationAction;
import io.porthole.proto.Rule;
import io.porthole.proto.Severity;
import io.porthole.wire.Timestamps;
import io.porthole.wire.Topic;
import java.time.Duration;
import java.time.Instant;
import java.util.Collection;
import java.util.List;
import java.util.Objects;

/**
 * A host whose collector stopped sending heartbeats for {@link Config#missedIntervals} of its
 * announced interval (or {@link Config#defaultInterval} when it announced none). Measured on the
 * analyzer's clock from when the last heartbeat was received, so clock skew between hosts does not
 * matter. One alert per silence, identified by the last heartbeat's time.
 */
public final class HostSilentRule implements DetectionRule {

  /** Configuration: {@code rule.host.silent.*}. */
  public record Config(RuleSettings settings, int missedIntervals, Duration defaultInterval) {
    public Config {
      Objects.requireNonNull(settings, "settings");
      Objects.requireNonNull(defaultInterval, "defaultInterval");
      if (missedIntervals < 1) {
        throw new IllegalArgumentException("missedIntervals must be at least 1");
      }
    }

    public static Config defaults() {
      return new Config(RuleSettings.enabled(Severity.HIGH), 3, Duration.ofSeconds(10));
    }
  }

  private static final class State {
    String alertedFor;
  }

  private final Config config;

  public HostSilentRule(Config config) {
    this.config = Objects.requireNonNull(config, "config");
  }

  @Override
  public Rule id() {
    return Rule.HOST_SILENT;
  }

  @Override
  public void onTick(
      Instant now,
      Collection<ContainerState> containers,
      Collection<HostState> hosts,
      List<Alert> out) {
    for (HostState host : hosts) {
      CollectorHeartbeat last = host.lastHeartbeat();
      if (last == null) {
        continue;
      }
      Duration interval =
          last.getIntervalSeconds() > 0
              ? Duration.ofSeconds(last.getIntervalSeconds())
              : config.defaultInterval();
      Duration allowed = interval.multipliedBy(config.missedIntervals());
      Duration silentFor = Duration.between(host.lastHeartbeatReceived(), now);
      if (silentFor.compareTo(allowed) <= 0) {
        continue;
      }
      State state = host.ruleState(Rule.HOST_SILENT, State::new);
      Instant lastTime = Timestamps.toInstant(last.getTime());
      String identity = "silent-after:" + lastTime;
      if (identity.equals(state.alertedFor)) {
        continue;
      }
      state.alertedFor = identity;
      out.add(
          Episode.forHost(Rule.HOST_SILENT, config.settings().severity(), host, identity)
              .title("Host " + host.hostId() + " stopped sending heartbeats")
              .summary(
                  "No heartbeat from the collector on host "
                      + host.hostId()
                      + " for "
                      + silentFor.toSeconds()
                      + " s (it announced one every "
                      + interval.toSeconds()
                      + " s). The host, its collector or the path "
                      + "to Kafka is down: Porthole sees nothing of this host's containers "
                      + "until it is back.")
              .attribute("interval_seconds", String.valueOf(interval.toSeconds()))
              .attribute("silent_seconds", String.valueOf(silentFor.toSeconds()))
              .occurred(lastTime)
              .evidence(
                  lastTime,
                  "last heartbeat (collector "
                      + last.getCollectorVersion()
                      + ", kernel "
                      + last.getKernelVersion()
                      + ")",
                  Topic.HEARTBEATS,
                  "")
              .remediation(
                  RemediationAction.REMEDIATION_ACTION_UNSPECIFIED,
                  "Check that the host is up and its collector is running and can reach Kafka.")
              .snapshot());
    }
  }
}
