package io.porthole.analyzer.rules;

import io.porthole.analyzer.engine.ContainerState;
import io.porthole.analyzer.engine.HostState;
import io.porthole.proto.Alert;
import io.porthole.proto.ContainerAction;
import io.porthole.proto.ContainerConfig;
import io.porthole.proto.ContainerEvent;
import io.porthole.proto.EventEnvelope;
import io.porthole.proto.EventSource;
import io.porthole.proto.RemediationAction;
import io.porthole.proto.Rule;
import io.porthole.proto.Severity;
import io.porthole.wire.Topic;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.Collection;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * S2: the OOM killer. A die with {@code oom_killed} is the container killed (its main process); an
 * {@code oom} with no die within {@link Config#dieWindow} is a process inside killed while the
 * container survived. A die without {@code oom_killed} (e.g. exit 137 from a plain SIGKILL) is not
 * an OOM kill, unless it exits 137 within the die window of an {@code oom} of the same run, before
 * or after it: the engine misses kills that happen while it is down and then reports
 * OOMKilled=false, and the engine's own {@code oom} event sometimes comes after the container's
 * {@code die} (the die carried OOMKilled=false for 7 of 20 kills measured here). (The cost: a child
 * killed by the OOM killer and the container killed with SIGKILL within the window read as the
 * container killed by the OOM killer.)
 *
 * <p>One alert per run of a container: its id derives from the host, the container and the run's
 * start (State.StartedAt, carried by the events; else the last start this rule saw), never from
 * event ids or arrival. So the engine's oom and die, a die the collector reconciled after its own
 * restart, a kernel-log oom of the same kill, and every re-delivery of them give one alert id; more
 * kills in the same run update that alert (occurrences, evidence), and the container's own death
 * after children were killed turns it into the container-killed alert.
 *
 * <p>An oom or die that does not carry its run's StartedAt (the kernel log's inspect failed while
 * the engine was down, a start this rule never saw) is matched by time instead: it belongs to the
 * run of a kill of the same container within {@link #SAME_KILL} (an oom) or the die window (a die),
 * and an event with its StartedAt joins a kill recorded that way. So one kill is one alert id
 * whichever sources saw it and in whatever order; two runs both known by their StartedAt are never
 * merged.
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

  /** Two oom events of one run this close together from different sources are the same kill. */
  static final Duration SAME_KILL = Duration.ofSeconds(2);

  private static final int MAX_PENDING = 16;
  private static final int MAX_RUNS = 8;
  private static final int EXIT_SIGKILL = 137;

  /** An oom event still waiting for the die that may follow it. */
  private static final class PendingOom {
    final String run;
    final Instant time;
    final Instant receivedAt;
    final EventSource source;
    final String eventId;
    final String line;
    final boolean kernelLog;

    /** The run is the event's own StartedAt (not the last start seen, nor the time). */
    final boolean ownRun;

    /**
     * Another source's record of a kill already pending: evidence for it, not a kill of its own.
     */
    boolean merged;

    PendingOom(String run, EventEnvelope event, Instant receivedAt) {
      ContainerEvent oom = event.getContainerEvent();
      this.run = run;
      this.time = Events.time(event.getTime());
      this.receivedAt = receivedAt;
      this.source = source(oom);
      this.eventId = event.getEventId();
      this.line = oomLine(oom);
      this.kernelLog = source == EventSource.KERNEL_LOG;
      this.ownRun = oom.hasStartedAt();
    }
  }

  /** The alert of one run, and whether it reports the container's own death. */
  private static final class RunAlert {
    final Episode episode;

    /** Keyed by an event's own StartedAt. */
    final boolean ownRun;

    final ArrayDeque<Instant> kills = new ArrayDeque<>();
    boolean containerKilled;

    RunAlert(Episode episode, boolean ownRun) {
      this.episode = episode;
      this.ownRun = ownRun;
    }

    void killed(Instant time) {
      if (kills.size() >= MAX_PENDING) {
        kills.poll();
      }
      kills.add(time);
    }

    boolean killedNear(Instant time, Duration tolerance) {
      return kills.stream().anyMatch(kill -> near(kill, time, tolerance));
    }
  }

  private static final class State {
    final ArrayDeque<PendingOom> pending = new ArrayDeque<>();
    final Map<String, RunAlert> runs =
        new LinkedHashMap<>() {
          @Override
          protected boolean removeEldestEntry(Map.Entry<String, RunAlert> eldest) {
            return size() > MAX_RUNS;
          }
        };

    /** A run matched by time to the run of the same kill recorded first (bounded like the runs). */
    final Map<String, String> aliases =
        new LinkedHashMap<>() {
          @Override
          protected boolean removeEldestEntry(Map.Entry<String, String> eldest) {
            return size() > MAX_RUNS;
          }
        };

    /**
     * StartedAt of the run this rule last saw (or the time of its start event), to key events
     * without one.
     */
    String lastRun;

    /** The last die with exit 137 that no oom explained (yet): an oom arriving late may. */
    SigkillDie unexplainedDie;
  }

  /** A die with exit 137 and no OOM kill known when it arrived. */
  private record SigkillDie(String run, boolean ownRun, Instant time, EventEnvelope event) {}

  private final Config config;
  // Containers whose state holds a pending oom (or did: pruned at the next tick), in the order
  // the first was added; forgotten with the engine's containers (reset).
  private final Set<ContainerState> withPending = new LinkedHashSet<>();

  public OomKilledRule(Config config) {
    this.config = Objects.requireNonNull(config, "config");
  }

  @Override
  public Rule id() {
    return Rule.OOM_KILLED;
  }

  /** The identity of the run an event belongs to, from which the alert id derives. */
  static String runOf(ContainerEvent event, Instant eventTime, String lastRun) {
    if (event.hasStartedAt()) {
      return "run:" + event.getStartedAt().getSeconds() + "." + event.getStartedAt().getNanos();
    }
    if (lastRun != null) {
      return lastRun;
    }
    if (event.hasFinishedAt()) {
      return "finished:" + event.getFinishedAt().getSeconds();
    }
    return "seen:" + eventTime.getEpochSecond();
  }

  @Override
  public void onContainerEvent(ContainerState container, EventEnvelope event, List<Alert> out) {
    State state = container.ruleState(Rule.OOM_KILLED, State::new);
    ContainerEvent lifecycle = event.getContainerEvent();
    Instant time = Events.time(event.getTime());
    switch (lifecycle.getAction()) {
      case START, RESTART -> {
        state.lastRun =
            lifecycle.hasStartedAt()
                ? runOf(lifecycle, time, null)
                : "run:" + time.getEpochSecond() + "." + time.getNano();
        // a new run: an oom from now on is not why the last one died
        state.unexplainedDie = null;
      }
      default -> {
        if (lifecycle.hasStartedAt()) {
          state.lastRun = runOf(lifecycle, time, null);
        }
      }
    }
    String run =
        isKill(lifecycle)
            ? sameKill(
                state,
                runOf(lifecycle, time, state.lastRun),
                lifecycle.hasStartedAt(),
                time,
                lifecycle.getAction() == ContainerAction.OOM ? SAME_KILL : config.dieWindow())
            : runOf(lifecycle, time, state.lastRun);
    switch (lifecycle.getAction()) {
      case OOM -> {
        PendingOom oom = new PendingOom(run, event, container.lastActivity());
        SigkillDie died = state.unexplainedDie;
        if (died != null && explains(oom, died)) {
          // the die came first, with OOMKilled=false: this oom says why it died
          state.unexplainedDie = null;
          if (!died.run().equals(run)) {
            state.aliases.put(run, died.run());
          }
          state.pending.add(new PendingOom(died.run(), event, container.lastActivity()));
          withPending.add(container);
          out.add(containerKilled(container, state, died.run(), died.event(), OomSeen.AFTER_DIE));
        } else {
          onOom(container, state, oom, out);
        }
      }
      case DIE -> {
        boolean sigkill = lifecycle.hasExitCode() && lifecycle.getExitCode() == EXIT_SIGKILL;
        boolean oomBefore =
            sigkill
                && state.pending.stream()
                    .anyMatch(p -> p.run.equals(run) && withinDieWindow(p, time));
        state.unexplainedDie = null;
        if (lifecycle.getOomKilled()) {
          out.add(containerKilled(container, state, run, event, OomSeen.BY_THE_ENGINE));
        } else if (oomBefore) {
          out.add(containerKilled(container, state, run, event, OomSeen.BEFORE_DIE));
        } else {
          flushAll(container, state, out);
          if (sigkill) {
            state.unexplainedDie = new SigkillDie(run, lifecycle.hasStartedAt(), time, event);
          }
        }
      }
      default -> flushOlderThan(container, state, time.minus(config.dieWindow()), out);
    }
  }

  /**
   * The run a kill at {@code kill} belongs to: its own, unless it or the other side does not know
   * its run from its StartedAt and a kill of the same container within {@code tolerance} was
   * recorded first (pending, or in an alert): then that kill's run, remembered for this run's later
   * events.
   */
  private static String sameKill(
      State state, String run, boolean ownRun, Instant kill, Duration tolerance) {
    String alias = state.aliases.get(run);
    if (alias != null) {
      return alias;
    }
    if (state.runs.containsKey(run)) {
      return run;
    }
    for (PendingOom other : state.pending) {
      if (!other.run.equals(run)
          && (!ownRun || !other.ownRun)
          && near(other.time, kill, tolerance)) {
        state.aliases.put(run, other.run);
        return other.run;
      }
    }
    for (Map.Entry<String, RunAlert> other : state.runs.entrySet()) {
      if ((!ownRun || !other.getValue().ownRun) && other.getValue().killedNear(kill, tolerance)) {
        state.aliases.put(run, other.getKey());
        return other.getKey();
      }
    }
    return run;
  }

  private static boolean isKill(ContainerEvent lifecycle) {
    return lifecycle.getAction() == ContainerAction.OOM
        || lifecycle.getAction() == ContainerAction.DIE;
  }

  private static boolean near(Instant a, Instant b, Duration tolerance) {
    return Duration.between(a, b).abs().compareTo(tolerance) <= 0;
  }

  private void onOom(ContainerState container, State state, PendingOom oom, List<Alert> out) {
    RunAlert known = state.runs.get(oom.run);
    if (known != null && known.containerKilled) {
      // the same kill seen by another source after the die was reported: evidence only
      known
          .episode
          .seen(oom.time)
          .evidence(oom.time, oom.line, Topic.CONTAINER_EVENTS, oom.eventId);
      known.killed(oom.time);
      out.add(known.episode.container(container).snapshot());
      return;
    }
    for (PendingOom other : state.pending) {
      if (other.run.equals(oom.run)
          && other.source != oom.source
          && Duration.between(other.time, oom.time).abs().compareTo(SAME_KILL) <= 0) {
        oom.merged = true; // evidence for that kill, not a kill of its own
        break;
      }
    }
    if (state.pending.size() >= MAX_PENDING) {
      // processKilled answers null for a merged entry whose kill has no alert yet
      add(out, processKilled(container, state, state.pending.poll()));
    }
    state.pending.add(oom);
    withPending.add(container);
  }

  @Override
  public void reset() {
    withPending.clear();
  }

  @Override
  public void onTick(
      Instant now,
      Collection<ContainerState> containers,
      Collection<HostState> hosts,
      List<Alert> out) {
    Instant receivedBefore = now.minus(config.dieWindow());
    // Only the containers with an oom pending: a pass over every tracked container each tick was a
    // cost that grew with their number (docs/benchmarks.md, flat cost).
    for (Iterator<ContainerState> pendingIn = withPending.iterator(); pendingIn.hasNext(); ) {
      ContainerState container = pendingIn.next();
      State state = container.ruleStateIfPresent(Rule.OOM_KILLED);
      if (state == null || state.pending.isEmpty()) {
        pendingIn.remove(); // concluded since, or its state forgotten
        continue;
      }
      for (Iterator<PendingOom> it = state.pending.iterator(); it.hasNext(); ) {
        PendingOom oom = it.next();
        if (oom.receivedAt.isBefore(receivedBefore)) {
          it.remove();
          Alert alert = processKilled(container, state, oom);
          if (alert != null) {
            out.add(alert);
          }
        }
      }
    }
  }

  /** Whether an oom arriving after a die with exit 137 and OOMKilled=false is that die's cause. */
  private boolean explains(PendingOom oom, SigkillDie died) {
    return (oom.run.equals(died.run()) || !oom.ownRun || !died.ownRun())
        && near(oom.time, died.time(), config.dieWindow());
  }

  private boolean withinDieWindow(PendingOom oom, Instant dieTime) {
    return !oom.time.isBefore(dieTime.minus(config.dieWindow()))
        && !oom.time.isAfter(dieTime.plus(SAME_KILL));
  }

  private RunAlert runAlert(ContainerState container, State state, String run, boolean ownRun) {
    return state.runs.computeIfAbsent(
        run,
        r ->
            new RunAlert(
                Episode.forContainer(Rule.OOM_KILLED, config.settings().severity(), container, r),
                ownRun));
  }

  /** How the OOM kill behind a container's death is known. */
  private enum OomSeen {
    /** The die carries OOMKilled=true. */
    BY_THE_ENGINE,
    /** The die has OOMKilled=false, but an oom of the run came shortly before it. */
    BEFORE_DIE,
    /** The die has OOMKilled=false, and an oom of the run came shortly after it. */
    AFTER_DIE
  }

  private Alert containerKilled(
      ContainerState container, State state, String run, EventEnvelope die, OomSeen seen) {
    ContainerEvent lifecycle = die.getContainerEvent();
    Instant time = Events.time(die.getTime());
    ContainerConfig cfg = lifecycle.hasConfig() ? lifecycle.getConfig() : container.config();
    long limit = cfg == null ? 0 : cfg.getMemoryLimitBytes();
    String limitText = limit > 0 ? Events.mebibytes(limit) : "no limit";
    String exit = lifecycle.hasExitCode() ? String.valueOf(lifecycle.getExitCode()) : "unknown";
    RunAlert alert = runAlert(container, state, run, lifecycle.hasStartedAt());
    boolean firstDeath = !alert.containerKilled;
    alert.containerKilled = true;
    Episode episode =
        alert
            .episode
            .container(container)
            .title("Container " + container.displayName() + " was killed by the OOM killer")
            .summary(
                "Container "
                    + container.displayName()
                    + " (image "
                    + container.image()
                    + ") exceeded its memory ("
                    + limitText
                    + ") and the kernel's OOM killer ended it: exit code "
                    + exit
                    + ", restart count "
                    + container.restartCount()
                    + ". Whatever it was doing was lost."
                    + oomKilledFalse(seen, kernelLogSawIt(state, run, time, seen)))
            .attribute("memory_limit_bytes", String.valueOf(limit))
            .attribute("exit_code", exit)
            .attribute("restart_count", String.valueOf(container.restartCount()))
            .attribute("image", container.image())
            .attribute("container_survived", "false")
            .remediation(
                RemediationAction.REMEDIATION_ACTION_UNSPECIFIED,
                limit > 0
                    ? "Raise the memory limit above " + limitText + " or find what uses the memory."
                    : "The host ran out of memory: set memory limits on its containers or "
                        + "add memory.");
    for (Iterator<PendingOom> it = state.pending.iterator(); it.hasNext(); ) {
      PendingOom oom = it.next();
      if (explainsDeath(oom, run, time, seen)) {
        episode.seen(oom.time).evidence(oom.time, oom.line, Topic.CONTAINER_EVENTS, oom.eventId);
        alert.killed(oom.time);
        it.remove();
      }
    }
    if (firstDeath) {
      episode.occurred(time);
    } else {
      episode.seen(time);
    }
    episode.evidence(
        time,
        "die ("
            + sourceName(source(lifecycle))
            + "): exit code "
            + exit
            + ", OOMKilled="
            + lifecycle.getOomKilled()
            + ", memory limit "
            + limitText
            + ", image "
            + container.image()
            + ", restart count "
            + container.restartCount(),
        Topic.CONTAINER_EVENTS,
        die.getEventId());
    alert.killed(time);
    return episode.snapshot();
  }

  /** Whether a pending oom is (part of) the kill behind a death of {@code run} at {@code time}. */
  private boolean explainsDeath(PendingOom oom, String run, Instant time, OomSeen seen) {
    return oom.run.equals(run)
        && (seen == OomSeen.AFTER_DIE
            ? near(oom.time, time, config.dieWindow())
            : withinDieWindow(oom, time));
  }

  private boolean kernelLogSawIt(State state, String run, Instant time, OomSeen seen) {
    return state.pending.stream().anyMatch(p -> p.kernelLog && explainsDeath(p, run, time, seen));
  }

  /**
   * Why a death with OOMKilled=false on its die is an OOM kill all the same, for the summary. The
   * wording does not say which came first: records arrive in an order that need not be the kill's.
   */
  private static String oomKilledFalse(OomSeen seen, boolean kernelLog) {
    if (seen == OomSeen.BY_THE_ENGINE) {
      return "";
    }
    return " The die carried OOMKilled=false (the engine misses kills while it is down, and its oom"
        + " event can come after the exit); "
        + (kernelLog ? "the kernel's log recorded the kill." : "its oom event recorded the kill.");
  }

  /** A kill in a run whose container lived on; null for evidence merged into another kill. */
  private Alert processKilled(ContainerState container, State state, PendingOom oom) {
    RunAlert alert = runAlert(container, state, oom.run, oom.ownRun);
    Episode episode = alert.episode.container(container);
    alert.killed(oom.time);
    if (oom.merged || alert.containerKilled) {
      episode.seen(oom.time).evidence(oom.time, oom.line, Topic.CONTAINER_EVENTS, oom.eventId);
      return alert.containerKilled || episode.occurrences() > 0 ? episode.snapshot() : null;
    }
    ContainerConfig cfg = container.config();
    long limit = cfg == null ? 0 : cfg.getMemoryLimitBytes();
    String limitText = limit > 0 ? Events.mebibytes(limit) : "no limit";
    return episode
        .title(
            "A process in container "
                + container.displayName()
                + " was killed by the OOM killer; the container survived")
        .summary(
            "The kernel's OOM killer killed a process inside container "
                + container.displayName()
                + " (image "
                + container.image()
                + ", memory "
                + limitText
                + "), but the container kept running: a child process "
                + "was killed, which the application may not notice or report.")
        .attribute("memory_limit_bytes", String.valueOf(limit))
        .attribute("container_survived", "true")
        .attribute("image", container.image())
        .occurred(oom.time)
        .evidence(
            oom.time,
            oom.line + "; no die within " + config.dieWindow().toSeconds() + "s",
            Topic.CONTAINER_EVENTS,
            oom.eventId)
        .remediation(
            RemediationAction.REMEDIATION_ACTION_UNSPECIFIED,
            limit > 0
                ? "Raise the memory limit above "
                    + limitText
                    + " or find the process that uses the memory."
                : "The host ran out of memory: set memory limits on its containers or "
                    + "add memory.")
        .snapshot();
  }

  private void flushAll(ContainerState container, State state, List<Alert> out) {
    while (!state.pending.isEmpty()) {
      add(out, processKilled(container, state, state.pending.poll()));
    }
  }

  private void flushOlderThan(
      ContainerState container, State state, Instant limit, List<Alert> out) {
    while (!state.pending.isEmpty() && state.pending.peek().time.isBefore(limit)) {
      add(out, processKilled(container, state, state.pending.poll()));
    }
  }

  private static void add(List<Alert> out, Alert alert) {
    if (alert != null) {
      out.add(alert);
    }
  }

  private static EventSource source(ContainerEvent event) {
    return event.getSource() == EventSource.EVENT_SOURCE_UNSPECIFIED
        ? EventSource.ENGINE_EVENT
        : event.getSource();
  }

  /** Which source saw it, in words, for the evidence. */
  static String sourceName(EventSource source) {
    return switch (source) {
      case RECONCILED -> "reconciled by the collector after a gap";
      case KERNEL_LOG -> "kernel log";
      default -> "engine event";
    };
  }

  private static String oomLine(ContainerEvent oom) {
    EventSource source = source(oom);
    if (source == EventSource.KERNEL_LOG && oom.hasKernelOom()) {
      var kill = oom.getKernelOom();
      return "oom (kernel log): the OOM killer killed "
          + kill.getTask()
          + " (pid "
          + kill.getPid()
          + ", "
          + kill.getConstraint()
          + ")"
          + (kill.getMemory().isEmpty() ? "" : ", " + kill.getMemory());
    }
    return "oom (" + sourceName(source) + "): the kernel's OOM killer acted in the container";
  }
}
