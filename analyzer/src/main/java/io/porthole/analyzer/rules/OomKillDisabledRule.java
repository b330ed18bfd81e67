package io.porthole.analyzer.rules;

import io.porthole.analyzer.engine.ContainerState;
import io.porthole.proto.Alert;
import io.porthole.proto.ContainerConfig;
import io.porthole.proto.ContainerEvent;
import io.porthole.proto.EventEnvelope;
import io.porthole.proto.RemediationAction;
import io.porthole.proto.Rule;
import io.porthole.proto.Severity;
import io.porthole.wire.Topic;
import java.time.Instant;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * S2: {@code --oom-kill-disable} without a memory limit. When the host runs out of memory the
 * kernel kills every other process first. Fires on intent (cgroup v2 hosts ignore the flag).
 */
public final class OomKillDisabledRule implements DetectionRule {

  /** Configuration: {@code rule.oom.kill.disabled.*}. */
  public record Config(RuleSettings settings) {
    public Config {
      Objects.requireNonNull(settings, "settings");
    }

    public static Config defaults() {
      return new Config(RuleSettings.enabled(Severity.HIGH));
    }
  }

  private final Config config;

  public OomKillDisabledRule(Config config) {
    this.config = Objects.requireNonNull(config, "config");
  }

  @Override
  public Rule id() {
    return Rule.OOM_KILL_DISABLED_UNBOUNDED;
  }

  @Override
  public void onContainerEvent(ContainerState container, EventEnvelope event, List<Alert> out) {
    Optional<ContainerConfig> snapshot = ConfigurationSnapshots.of(event);
    if (snapshot.isEmpty()) {
      return;
    }
    ContainerEvent lifecycle = event.getContainerEvent();
    ContainerConfig cfg = snapshot.get();
    if (!cfg.getOomKillDisable() || cfg.getMemoryLimitBytes() > 0) {
      return;
    }
    Episode[] episode = container.ruleState(Rule.OOM_KILL_DISABLED_UNBOUNDED, () -> new Episode[1]);
    if (episode[0] == null) {
      episode[0] =
          Episode.forContainer(
                  Rule.OOM_KILL_DISABLED_UNBOUNDED,
                  config.settings().severity(),
                  container,
                  "oom-kill-disable-unbounded")
              .title(
                  "Container "
                      + container.displayName()
                      + " disables the OOM killer without a memory limit")
              .summary(
                  "Container "
                      + container.displayName()
                      + " runs with --oom-kill-disable and no memory limit (oom_score_adj "
                      + cfg.getOomScoreAdj()
                      + "). When the host runs out of memory, the kernel cannot kill it and kills "
                      + "every other process on the host first.")
              .attribute("oom_kill_disable", "true")
              .attribute("memory_limit_bytes", "0")
              .attribute("oom_score_adj", String.valueOf(cfg.getOomScoreAdj()))
              .remediation(
                  RemediationAction.REMEDIATION_ACTION_UNSPECIFIED,
                  "Set a memory limit (-m/--memory) or drop --oom-kill-disable.");
    }
    Instant time = Events.time(event.getTime());
    episode[0]
        .container(container)
        .occurred(time)
        .evidence(
            time,
            lifecycle.getAction().name().toLowerCase()
                + " of "
                + container.displayName()
                + ": oom_kill_disable=true, memory limit none",
            Topic.CONTAINER_EVENTS,
            event.getEventId());
    out.add(episode[0].snapshot());
  }
}
