package io.porthole.analyzer.rules;

import io.porthole.analyzer.engine.ContainerState;
import io.porthole.analyzer.engine.HostState;
import io.porthole.proto.Alert;
import io.porthole.proto.ContainerAction;
import io.porthole.proto.ContainerConfig;
import io.porthole.proto.ContainerEvent;
import io.porthole.proto.EventEnvelope;
import io.porthole.proto.RemediationAction;
import io.porthole.proto.Rule;
import io.porthole.proto.Severity;
import io.porthole.wire.Topic;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.Collection;
import java.util.Iterator;
import java.util.List;
import java.util.Objects;

/**
 * S2: the OOM killer. A die with {@code oom_killed} is the container killed (its main process); an
 * {@code oom} event with no die within {@link Config#dieWindow} is a process inside killed while the
 * container survived. A die without {@code oom_killed} (e.g. exit 137 from a plain SIGKILL) is not
 * an OOM kill.
 */
public final class OomKilledRule implements DetectionRule {

  /** Configuration: {@code rule.oom.killed.*}. */
  public record Config(RuleSettings settings, Duration dieWindow) {
    public Config {
      Objects.requireNonNull(settings, "settings");
      Objects.requireNonNull(dieWindow, "dieWindow");
    }

    public static Config defaults() {
      return new Config(RuleSettings.enabled(Severity.HIGH), Duration.ofSeconds(5));
    }
  }

  /** An oom event still waiting for the die that may follow it. */
  private record PendingOom(String eventId, Instant time, Instant receivedAt) {}

  private static final int MAX_PENDING = 16;

  private final Config config;

  public OomKilledRule(Config config) {
    this.config = Objects.requireNonNull(config, "config");
  }

  @Override
  public Rule id() {
    return Rule.OOM_KILLED;
  }

  @Override
  public void onContainerEvent(ContainerState container, EventEnvelope event, List<Alert> out) {
    ArrayDeque<PendingOom> pending = container.ruleState(Rule.OOM_KILLED, ArrayDeque::new);
    ContainerEvent lifecycle = event.getContainerEvent();
    Instant time = Events.time(event.getTime());
    switch (lifecycle.getAction()) {
      case OOM -> {
        if (pending.size() >= MAX_PENDING) {
          PendingOom oldest = pending.poll();
          out.add(processKilled(container, oldest));
        }
        pending.add(new PendingOom(event.getEventId(), time, container.lastActivity()));
      }
      case DIE -> {
        if (lifecycle.getOomKilled()) {
          out.add(containerKilled(container, event, pending));
        } else {
          flushAll(container, pending, out);
        }
      }
      default -> flushOlderThan(container, pending, time.minus(config.dieWindow()), out);
    }
  }

  @Override
  public void onTick(Instant now, Collection<ContainerState> containers, Collection<HostState> hosts, List<Alert> out) {
    Instant receivedBefore = now.minus(config.dieWindow());
    for (ContainerState container : containers) {
      ArrayDeque<PendingOom> pending = container.ruleState(Rule.OOM_KILLED, ArrayDeque::new);
      for (Iterator<PendingOom> it = pending.iterator(); it.hasNext(); ) {
        PendingOom oom = it.next();
        if (oom.receivedAt().isBefore(receivedBefore)) {
          it.remove();
          out.add(processKilled(container, oom));
        }
      }
    }
  }

  private Alert containerKilled(ContainerState container, EventEnvelope die, ArrayDeque<PendingOom> pending) {
    ContainerEvent lifecycle = die.getContainerEvent();
    Instant time = Events.time(die.getTime());
    ContainerConfig cfg = lifecycle.hasConfig() ? lifecycle.getConfig() : container.config();
    long limit = cfg == null ? 0 : cfg.getMemoryLimitBytes();
    String limitText = limit > 0 ? Events.mebibytes(limit) : "no limit";
    String exit = lifecycle.hasExitCode() ? String.valueOf(lifecycle.getExitCode()) : "unknown";
    Episode episode = Episode.forContainer(Rule.OOM_KILLED, config.settings().severity(), container, "die:" + die.getEventId())
        .title("Container " + container.displayName() + " was killed by the OOM killer")
        .summary(
            "Container " + container.displayName() + " (image " + container.image() + ") exceeded its memory ("
                + limitText + ") and the kernel's OOM killer ended it: exit code " + exit + ", restart count "
                + container.restartCount() + ". Whatever it was doing was lost.")
        .attribute("memory_limit_bytes", String.valueOf(limit))
        .attribute("exit_code", exit)
        .attribute("restart_count", String.valueOf(container.restartCount()))
        .attribute("image", container.image())
        .remediation(
            RemediationAction.REMEDIATION_ACTION_UNSPECIFIED,
            limit > 0
                ? "Raise the memory limit above " + limitText + " or find what uses the memory."
                : "The host ran out of memory: set memory limits on its containers or add memory.");
    for (Iterator<PendingOom> it = pending.iterator(); it.hasNext(); ) {
      PendingOom oom = it.next();
      if (!oom.time().isBefore(time.minus(config.dieWindow())) && !oom.time().isAfter(time)) {
        episode.occurred(oom.time()).evidence(oom.time(), "oom event: the kernel's OOM killer acted in the container", Topic.CONTAINER_EVENTS, oom.eventId());
        it.remove();
      }
    }
    episode.occurred(time).evidence(
        time,
        "die: exit code " + exit + ", OOMKilled=true, memory limit " + limitText + ", image " + container.image()
            + ", restart count " + container.restartCount(),
        Topic.CONTAINER_EVENTS,
        die.getEventId());
    return episode.snapshot();
  }

  private Alert processKilled(ContainerState container, PendingOom oom) {
    ContainerConfig cfg = container.config();
    long limit = cfg == null ? 0 : cfg.getMemoryLimitBytes();
    String limitText = limit > 0 ? Events.mebibytes(limit) : "no limit";
    return Episode.forContainer(Rule.OOM_KILLED, config.settings().severity(), container, "oom:" + oom.eventId())
        .title("A process in container " + container.displayName() + " was killed by the OOM killer; the container survived")
        .summary(
            "The kernel's OOM killer killed a process inside container " + container.displayName() + " (image "
                + container.image() + ", memory " + limitText + "), but the container kept running: a child process "
                + "was killed, which the application may not notice or report.")
        .attribute("memory_limit_bytes", String.valueOf(limit))
        .attribute("container_survived", "true")
        .attribute("image", container.image())
        .occurred(oom.time())
        .evidence(oom.time(), "oom event without a die within " + config.dieWindow().toSeconds() + "s", Topic.CONTAINER_EVENTS, oom.eventId())
        .remediation(
            RemediationAction.REMEDIATION_ACTION_UNSPECIFIED,
            limit > 0
                ? "Raise the memory limit above " + limitText + " or find the process that uses the memory."
                : "The host ran out of memory: set memory limits on its containers or add memory.")
        .snapshot();
  }

  private void flushAll(ContainerState container, ArrayDeque<PendingOom> pending, List<Alert> out) {
    while (!pending.isEmpty()) {
      out.add(processKilled(container, pending.poll()));
    }
  }

  private void flushOlderThan(ContainerState container, ArrayDeque<PendingOom> pending, Instant limit, List<Alert> out) {
    while (!pending.isEmpty() && pending.peek().time().isBefore(limit)) {
      out.add(processKilled(container, pending.poll()));
    }
  }
}
