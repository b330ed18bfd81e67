package io.porthole.analyzer.rules;

import io.porthole.analyzer.engine.ContainerState;
import io.porthole.proto.Alert;
import io.porthole.proto.ContainerConfig;
import io.porthole.proto.ContainerEvent;
import io.porthole.proto.EventEnvelope;
import io.porthole.proto.Mount;
import io.porthole.proto.RemediationAction;
import io.porthole.proto.Rule;
import io.porthole.proto.Severity;
import io.porthole.wire.Topic;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * S1: a container that shares the host's network, pid, ipc or uts namespace, runs privileged, or
 * mounts the host's {@code /}. The configured severity applies; {@code --privileged} or a writable
 * {@code /} raise it to CRITICAL (a read-only {@code /} stays at the configured level).
 */
public final class HostNamespacesRule implements DetectionRule {

  /** Configuration: {@code rule.host.namespaces.*}. */
  public record Config(RuleSettings settings) {
    public Config {
      Objects.requireNonNull(settings, "settings");
    }

    public static Config defaults() {
      return new Config(RuleSettings.enabled(Severity.HIGH));
    }
  }

  private final Config config;

  public HostNamespacesRule(Config config) {
    this.config = Objects.requireNonNull(config, "config");
  }

  @Override
  public Rule id() {
    return Rule.HOST_NAMESPACES;
  }

  @Override
  public void onContainerEvent(ContainerState container, EventEnvelope event, List<Alert> out) {
    Optional<ContainerConfig> snapshot = ConfigurationSnapshots.of(event);
    if (snapshot.isEmpty()) {
      return;
    }
    ContainerEvent lifecycle = event.getContainerEvent();
    Findings findings = Findings.of(snapshot.get());
    if (findings.lines.isEmpty()) {
      return;
    }
    Map<String, Episode> episodes = container.ruleState(Rule.HOST_NAMESPACES, HashMap::new);
    Instant time = Events.time(event.getTime());
    Episode episode =
        episodes.computeIfAbsent(
            findings.identity(), identity -> open(container, findings, identity));
    episode
        .container(container)
        .occurred(time)
        .evidence(
            time,
            lifecycle.getAction().name().toLowerCase()
                + " of "
                + container.displayName()
                + ": "
                + String.join("; ", findings.lines),
            Topic.CONTAINER_EVENTS,
            event.getEventId());
    out.add(episode.snapshot());
  }

  private Episode open(ContainerState container, Findings findings, String identity) {
    Severity severity = findings.worst ? Severity.CRITICAL : config.settings().severity();
    return Episode.forContainer(Rule.HOST_NAMESPACES, severity, container, identity)
        .title(
            "Container "
                + container.displayName()
                + " shares the host's "
                + String.join(", ", findings.shared))
        .summary(
            "Container "
                + container.displayName()
                + " "
                + String.join("; ", findings.lines)
                + ". "
                + "Without these namespaces and mounts the container is not isolated from "
                + "the host: "
                + "it can see host processes, sockets or files, which makes it about as "
                + "dangerous as a privileged container.")
        .attribute("shared", String.join(",", findings.shared))
        .attribute("host_mounts", String.join(",", findings.mounts))
        .remediation(
            RemediationAction.REMEDIATION_ACTION_UNSPECIFIED,
            "Recreate the container without --net/--pid/--ipc/--uts=host and "
                + "--privileged, and bind-mount only the host paths it needs, read-only.");
  }

  /** What the configuration shares with the host, in words and as a stable identity. */
  private static final class Findings {
    final List<String> lines = new ArrayList<>();
    final List<String> shared = new ArrayList<>();
    final List<String> mounts = new ArrayList<>();
    boolean worst;

    static Findings of(ContainerConfig config) {
      Findings findings = new Findings();
      findings.namespace("network", config.getNetworkMode(), "--net=host");
      findings.namespace("pid", config.getPidMode(), "--pid=host");
      findings.namespace("ipc", config.getIpcMode(), "--ipc=host");
      findings.namespace("uts", config.getUtsMode(), "--uts=host");
      if (config.getPrivileged()) {
        findings.shared.add("privileged");
        findings.lines.add("runs privileged (--privileged)");
        findings.worst = true;
      }
      for (Mount mount : config.getMountsList()) {
        if (isHostRoot(mount.getSource())) {
          String mode = mount.getReadOnly() ? "ro" : "rw";
          findings.mounts.add(mount.getSource() + ":" + mount.getDestination() + ":" + mode);
          findings.lines.add(
              "mounts the host's / at "
                  + mount.getDestination()
                  + (mount.getReadOnly() ? " read-only" : " read-write"));
          if (!findings.shared.contains("root filesystem")) {
            findings.shared.add("root filesystem");
          }
          findings.worst |= !mount.getReadOnly();
        }
      }
      return findings;
    }

    private void namespace(String name, String mode, String flag) {
      if ("host".equals(mode)) {
        shared.add(name + " namespace");
        lines.add("shares the host's " + name + " namespace (" + flag + ")");
      }
    }

    private static boolean isHostRoot(String source) {
      return source.equals("/") || source.equals("//");
    }

    String identity() {
      return String.join(",", shared) + "|" + String.join(",", mounts);
    }
  }
}
