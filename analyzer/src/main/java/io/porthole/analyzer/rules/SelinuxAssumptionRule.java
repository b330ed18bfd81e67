package io.porthole.analyzer.rules;

import io.porthole.analyzer.engine.ContainerState;
import io.porthole.proto.Alert;
import io.porthole.proto.ContainerAction;
import io.porthole.proto.ContainerEvent;
import io.porthole.proto.EventEnvelope;
import io.porthole.proto.ProcessExit;
import io.porthole.proto.RemediationAction;
import io.porthole.proto.Rule;
import io.porthole.proto.Severity;
import io.porthole.proto.SyscallBatch;
import io.porthole.proto.SyscallEvent;
import io.porthole.wire.Topic;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * S5: a process fails syscalls on SELinux paths ({@code /etc/selinux/...}, {@code /sys/fs/selinux},
 * {@code /proc/.../attr/current}) and then, within {@link Config#window}, that process exits
 * non-zero or the container dies non-zero. One episode per process, identified by the batch of its
 * first failing syscall and its pid. The container's die may arrive before or after the syscall
 * batch (they travel on different topics), so both orders are recognised.
 */
public final class SelinuxAssumptionRule implements DetectionRule {

  /** Configuration: {@code rule.selinux.*}. */
  public record Config(RuleSettings settings, Duration window) {
    public Config {
      Objects.requireNonNull(settings, "settings");
      Objects.requireNonNull(window, "window");
    }

    public static Config defaults() {
      return new Config(RuleSettings.enabled(Severity.MEDIUM), Duration.ofSeconds(10));
    }
  }

  private static final Pattern ATTR_CURRENT =
      Pattern.compile("^/proc/[^/]+(/task/[^/]+)?/attr/current$");

  /** Processes followed per container; a new one evicts the one whose last failure is oldest. */
  static final int MAX_PROCESSES = 64;

  /** Failing calls kept per process until they become evidence (an alert keeps 20 anyway). */
  static final int MAX_CALLS_PER_PROCESS = Episode.MAX_EVIDENCE;

  /** Distinct SELinux paths named per process. */
  static final int MAX_PATHS_PER_PROCESS = 16;

  private static final int MAX_REPORTED_EXITS = 16;
  private static final int MAX_RECENT_DIES = 8;

  /** The failing SELinux syscalls of one process, and the alert once an exit followed them. */
  private static final class Suspect {
    final int pid;
    final String identity;

    /** Failing calls not yet in the alert's evidence. */
    final List<FailedCall> calls = new ArrayList<>();

    final Set<String> paths = new LinkedHashSet<>();
    final Set<String> reportedExits = new LinkedHashSet<>();
    Instant firstFailure;
    Instant lastFailure;
    int failures;
    Episode episode;

    /** How the process ended ("process N exited with code C"), once its exit was seen. */
    String processOutcome;

    /** How the container ended ("the container died with exit code C"), once its die was seen. */
    String containerOutcome;

    Suspect(int pid, String identity) {
      this.pid = pid;
      this.identity = identity;
    }
  }

  private record FailedCall(Instant time, String line, String eventId) {}

  private record Die(Instant time, int exitCode, String eventId) {}

  private static final class State {
    final Map<Integer, Suspect> suspects = new HashMap<>();
    // Windows are measured on the syscall stream's own clock: the container's other topics may be
    // read far ahead of it (e.g. while re-reading after a restart).
    Instant syscallClock = Instant.EPOCH;
    final ArrayDeque<Die> recentDies = new ArrayDeque<>();
  }

  private final Config config;
  private long evictedProcesses;
  private long droppedCalls;

  public SelinuxAssumptionRule(Config config) {
    this.config = Objects.requireNonNull(config, "config");
  }

  @Override
  public Rule id() {
    return Rule.SELINUX_ASSUMPTION;
  }

  /** Whether a path is one a process reads to learn about SELinux. */
  public static boolean isSelinuxPath(String path) {
    return path.startsWith("/etc/selinux/")
        || path.equals("/etc/selinux")
        || path.startsWith("/sys/fs/selinux")
        || ATTR_CURRENT.matcher(path).matches();
  }

  @Override
  public void onSyscalls(ContainerState container, EventEnvelope event, List<Alert> out) {
    State state = container.ruleState(Rule.SELINUX_ASSUMPTION, State::new);
    Instant batchTime = Events.time(event.getTime());
    if (batchTime.isAfter(state.syscallClock)) {
      state.syscallClock = batchTime;
    }
    SyscallBatch batch = event.getSyscalls();
    Set<Suspect> touched = new LinkedHashSet<>();
    for (SyscallEvent syscall : batch.getSyscallsList()) {
      if (!Events.failed(syscall) || !isSelinuxPath(syscall.getPath())) {
        continue;
      }
      Suspect suspect = state.suspects.get(syscall.getHostPid());
      if (suspect == null) {
        if (state.suspects.size() >= MAX_PROCESSES) {
          evictOldest(state, touched);
        }
        suspect =
            new Suspect(
                syscall.getHostPid(), "pid:" + syscall.getHostPid() + "@" + event.getEventId());
        state.suspects.put(syscall.getHostPid(), suspect);
      }
      Instant time = Events.time(syscall.getTime());
      // A process that fails forever without exiting must not grow without bound: keep the first
      // calls and paths (the evidence keeps no more), count the rest.
      if (suspect.calls.size() < MAX_CALLS_PER_PROCESS) {
        suspect.calls.add(new FailedCall(time, Events.describe(syscall), event.getEventId()));
      } else {
        droppedCalls++;
      }
      if (suspect.paths.size() < MAX_PATHS_PER_PROCESS) {
        suspect.paths.add(syscall.getPath());
      }
      suspect.failures++;
      if (suspect.lastFailure == null || time.isAfter(suspect.lastFailure)) {
        suspect.lastFailure = time;
      }
      if (suspect.firstFailure == null || time.isBefore(suspect.firstFailure)) {
        suspect.firstFailure = time;
      }
      touched.add(suspect);
    }
    Set<Suspect> exited = new LinkedHashSet<>();
    for (ProcessExit exit : batch.getExitsList()) {
      Suspect suspect = state.suspects.get(exit.getHostPid());
      if (suspect == null) {
        continue;
      }
      Instant time = Events.time(exit.getTime());
      if (Events.failed(exit) && withinWindow(suspect, time)) {
        fire(container, suspect, time, Events.exitLine(exit), Topic.SYSCALLS, event.getEventId());
        suspect.processOutcome =
            suspect.processOutcome == null ? Events.describe(exit) : suspect.processOutcome;
        exited.add(suspect);
      } else if (suspect.episode == null) {
        state.suspects.remove(exit.getHostPid());
        touched.remove(suspect);
      }
    }
    touched.addAll(exited);
    for (Suspect suspect : touched) {
      // The container's die travels on another topic and may have been read before this batch.
      Die die = dieAfter(state, suspect);
      if (die != null) {
        died(container, suspect, die);
      } else if (suspect.episode != null) {
        report(suspect);
        suspect.episode.container(container);
      }
      if (suspect.episode != null) {
        out.add(summarise(container, suspect).snapshot());
      }
    }
    expire(state, state.syscallClock);
  }

  @Override
  public void onContainerEvent(ContainerState container, EventEnvelope event, List<Alert> out) {
    ContainerEvent lifecycle = event.getContainerEvent();
    if (lifecycle.getAction() != ContainerAction.DIE
        || !lifecycle.hasExitCode()
        || lifecycle.getExitCode() == 0) {
      return;
    }
    State state = container.ruleState(Rule.SELINUX_ASSUMPTION, State::new);
    Die die = new Die(Events.time(event.getTime()), lifecycle.getExitCode(), event.getEventId());
    if (state.recentDies.size() >= MAX_RECENT_DIES) {
      state.recentDies.poll();
    }
    state.recentDies.add(die);
    for (Suspect suspect : state.suspects.values()) {
      if (withinWindow(suspect, die.time())) {
        died(container, suspect, die);
        out.add(summarise(container, suspect).snapshot());
      }
    }
  }

  private boolean withinWindow(Suspect suspect, Instant exitTime) {
    return !exitTime.isAfter(suspect.lastFailure.plus(config.window()))
        && !exitTime.isBefore(suspect.firstFailure);
  }

  private Die dieAfter(State state, Suspect suspect) {
    for (Die die : state.recentDies) {
      if (withinWindow(suspect, die.time())) {
        return die;
      }
    }
    return null;
  }

  private static String dieLine(int exitCode) {
    return "the container died with exit code " + exitCode;
  }

  private void died(ContainerState container, Suspect suspect, Die die) {
    String line = dieLine(die.exitCode());
    fire(container, suspect, die.time(), line, Topic.CONTAINER_EVENTS, die.eventId());
    suspect.containerOutcome = suspect.containerOutcome == null ? line : suspect.containerOutcome;
  }

  /**
   * Opens the episode if needed, adds the failing calls not reported yet, then the ending (a
   * process exit or the container's die) unless an identical line is already evidence: a die the
   * engine reports twice (e.g. once more when the collector reconciles) is one piece of evidence.
   */
  private void fire(
      ContainerState container,
      Suspect suspect,
      Instant exitTime,
      String exitLine,
      Topic topic,
      String eventId) {
    if (suspect.episode == null) {
      suspect.episode =
          Episode.forContainer(
                  Rule.SELINUX_ASSUMPTION,
                  config.settings().severity(),
                  container,
                  suspect.identity)
              .attribute("pid", String.valueOf(suspect.pid))
              .remediation(
                  RemediationAction.TRACE_SYSCALLS,
                  "The image assumes SELinux inside the container. Configure its tools "
                      + "not to use SELinux (or install "
                      + "the policy files they expect), or run it on hosts without "
                      + "SELinux; trace the container's syscalls "
                      + "to confirm which call fails.");
    }
    Episode episode = suspect.episode.container(container);
    report(suspect);
    if (suspect.reportedExits.size() < MAX_REPORTED_EXITS && suspect.reportedExits.add(exitLine)) {
      episode.seen(exitTime).evidence(exitTime, exitLine, topic, eventId);
    }
  }

  /**
   * Title, summary and attributes from what is known now: the process's exit, the container's die,
   * or both.
   */
  private static Episode summarise(ContainerState container, Suspect suspect) {
    String outcome =
        suspect.processOutcome == null
            ? suspect.containerOutcome
            : suspect.containerOutcome == null
                ? suspect.processOutcome
                : suspect.processOutcome + "; " + suspect.containerOutcome;
    return suspect
        .episode
        .container(container)
        .title(
            "Container "
                + container.displayName()
                + " fails on SELinux checks: SELinux is enforced by the host, not the container")
        .summary(
            "Process "
                + suspect.pid
                + " in container "
                + container.displayName()
                + " (image "
                + container.image()
                + ") failed "
                + suspect.failures
                + " syscall(s) on SELinux paths ("
                + String.join(", ", suspect.paths)
                + ") and then "
                + outcome
                + ". SELinux is enforced on the host, not in the "
                + "container: the container's userland looks for SELinux configuration "
                + "that does not exist inside it "
                + "and gives up, so the same image behaves differently on SELinux and "
                + "non-SELinux hosts.")
        .attribute("selinux_paths", String.join(",", suspect.paths))
        .attribute("failed_syscalls", String.valueOf(suspect.failures));
  }

  private static void report(Suspect suspect) {
    for (FailedCall call : suspect.calls) {
      suspect
          .episode
          .occurred(call.time())
          .evidence(call.time(), call.line(), Topic.SYSCALLS, call.eventId());
    }
    suspect.calls.clear();
  }

  /** Forgets the followed process whose last failure is oldest, to make room for a new one. */
  private void evictOldest(State state, Set<Suspect> touched) {
    Suspect oldest = null;
    for (Suspect candidate : state.suspects.values()) {
      if (oldest == null || candidate.lastFailure.isBefore(oldest.lastFailure)) {
        oldest = candidate;
      }
    }
    if (oldest != null) {
      state.suspects.remove(oldest.pid);
      touched.remove(oldest);
      evictedProcesses++;
    }
  }

  /** Processes forgotten to keep at most {@link #MAX_PROCESSES} per container, since start. */
  public long evictedProcesses() {
    return evictedProcesses;
  }

  /**
   * Failing calls counted but not kept because their process already had {@link
   * #MAX_CALLS_PER_PROCESS}.
   */
  public long droppedCalls() {
    return droppedCalls;
  }

  /**
   * Keeps suspects and dies for two windows, so that a die delayed on its topic still finds them.
   */
  private void expire(State state, Instant now) {
    Instant limit = now.minus(config.window().multipliedBy(2));
    for (Iterator<Suspect> it = state.suspects.values().iterator(); it.hasNext(); ) {
      Suspect suspect = it.next();
      if (suspect.lastFailure.isBefore(limit)) {
        it.remove();
      }
    }
    while (!state.recentDies.isEmpty() && state.recentDies.peek().time().isBefore(limit)) {
      state.recentDies.poll();
    }
  }
}
