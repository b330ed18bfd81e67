package io.porthole.analyzer.rules;

import io.porthole.analyzer.engine.ContainerState;
import io.porthole.analyzer.engine.HostState;
import io.porthole.proto.Alert;
import io.porthole.proto.EventEnvelope;
import io.porthole.proto.RemediationAction;
import io.porthole.proto.Rule;
import io.porthole.proto.Severity;
import io.porthole.proto.SyscallEvent;
import io.porthole.wire.Topic;
import java.time.Instant;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * S5: a syscall returned ENOSYS: the host's kernel does not implement it (or a seccomp profile
 * pretends so). One episode per container and syscall name; the host's kernel version comes from
 * its heartbeats.
 */
public final class MissingSyscallRule implements DetectionRule {

  /** Configuration: {@code rule.missing.syscall.*}. */
  public record Config(RuleSettings settings) {
    public Config {
      Objects.requireNonNull(settings, "settings");
    }

    public static Config defaults() {
      return new Config(RuleSettings.enabled(Severity.MEDIUM));
    }
  }

  private static final int MAX_SYSCALLS = 64;

  private final Config config;

  public MissingSyscallRule(Config config) {
    this.config = Objects.requireNonNull(config, "config");
  }

  @Override
  public Rule id() {
    return Rule.MISSING_SYSCALL;
  }

  @Override
  public void onSyscalls(ContainerState container, EventEnvelope event, List<Alert> out) {
    Map<String, Episode> episodes = container.ruleState(Rule.MISSING_SYSCALL, LinkedHashMap::new);
    Set<Episode> touched = new LinkedHashSet<>();
    for (SyscallEvent syscall : event.getSyscalls().getSyscallsList()) {
      if (!"ENOSYS".equals(syscall.getErrnoName())) {
        continue;
      }
      Episode episode = episodes.get(syscall.getName());
      if (episode == null) {
        if (episodes.size() >= MAX_SYSCALLS) {
          continue;
        }
        episode =
            Episode.forContainer(
                    Rule.MISSING_SYSCALL,
                    config.settings().severity(),
                    container,
                    "syscall:" + syscall.getName())
                .attribute("syscall", syscall.getName());
        episodes.put(syscall.getName(), episode);
      }
      Instant time = Events.time(syscall.getTime());
      episode
          .occurred(time)
          .evidence(time, Events.describe(syscall), Topic.SYSCALLS, event.getEventId());
      touched.add(episode);
    }
    for (Episode episode : touched) {
      describe(episode, container);
      out.add(episode.snapshot());
    }
  }

  /** Alerts raised before the host's first heartbeat was read get its kernel version now. */
  @Override
  public void onHostInfo(HostState host, Collection<ContainerState> containers, List<Alert> out) {
    for (ContainerState container : containers) {
      if (!container.hostId().equals(host.hostId())) {
        continue;
      }
      Map<String, Episode> episodes = container.ruleState(Rule.MISSING_SYSCALL, LinkedHashMap::new);
      for (Episode episode : episodes.values()) {
        if (!host.kernelVersion()
            .equals(episode.snapshot().getAttributesOrDefault("kernel_version", ""))) {
          describe(episode, container);
          out.add(episode.snapshot());
        }
      }
    }
  }

  private static void describe(Episode episode, ContainerState container) {
    String syscall = episode.snapshot().getAttributesOrDefault("syscall", "?");
    String kernel = container.host().kernelVersion();
    String kernelText =
        kernel.isEmpty()
            ? "an unknown kernel (no heartbeat from host " + container.hostId() + " seen yet)"
            : "kernel " + kernel;
    episode
        .container(container)
        .attribute("kernel_version", kernel)
        .title(
            "Syscall "
                + syscall
                + " is missing on host "
                + container.hostId()
                + " ("
                + kernelText
                + ")")
        .summary(
            "Container "
                + container.displayName()
                + " (image "
                + container.image()
                + ") called "
                + syscall
                + " "
                + episode.occurrences()
                + " time(s) and got ENOSYS (Function not implemented): host "
                + container.hostId()
                + " runs "
                + kernelText
                + ", which does not provide it, or a seccomp profile denies it. The image "
                + "expects a newer kernel than this host has; it may work on another host "
                + "and fail here.")
        .remediation(
            RemediationAction.REMEDIATION_ACTION_UNSPECIFIED,
            "Run the image on hosts whose kernel provides "
                + syscall
                + ", check the container's seccomp profile, "
                + "or use a build of the software that falls back when "
                + syscall
                + " is missing.");
  }
}
