package io.porthole.analyzer.images;

import io.porthole.proto.ExitOutcome;
import io.porthole.proto.ImageSummary;
import io.porthole.proto.SyscallOutcome;
import io.porthole.wire.Timestamps;
import io.porthole.wire.Topic;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * One host's summary of an image read as comparable outcomes, keeping only those inside the window.
 */
record HostOutcomes(
    ImageSummary summary,
    Map<String, Outcome> failures,
    List<Outcome> successes,
    List<Outcome> exits) {

  /** One comparable outcome: {@code key} is what two hosts are compared on. */
  record Outcome(
      String key,
      String label,
      String syscall,
      String path,
      int count,
      Instant time,
      String evidence,
      String containerId,
      String eventId,
      Topic topic) {}

  static HostOutcomes of(ImageSummary summary, Instant horizon) {
    Map<String, Outcome> failures = new LinkedHashMap<>();
    List<Outcome> successes = new ArrayList<>();
    List<Outcome> exits = new ArrayList<>();
    for (SyscallOutcome call : summary.getSyscallsList()) {
      Instant time = Timestamps.toInstant(call.getLastSeen());
      if (time.isBefore(horizon)) {
        continue;
      }
      String target = call.getPath().isEmpty() ? "" : " " + call.getPath();
      Outcome outcome =
          new Outcome(
              call.getSyscall() + "\n" + call.getPath() + "\n" + call.getErrnoName(),
              call.getSyscall()
                  + target
                  + " = "
                  + (call.getErrnoName().isEmpty() ? "ok" : call.getErrnoName()),
              call.getSyscall(),
              call.getPath(),
              call.getCount(),
              time,
              call.getEvidence(),
              call.getContainerId(),
              call.getEventId(),
              Topic.SYSCALLS);
      if (call.getErrnoName().isEmpty()) {
        successes.add(outcome);
      } else {
        failures.put(outcome.key(), outcome);
      }
    }
    for (ExitOutcome exit : summary.getExitsList()) {
      Instant time = Timestamps.toInstant(exit.getLastSeen());
      if (time.isBefore(horizon)) {
        continue;
      }
      String key = exit.getOomKilled() ? "oom" : "exit " + exit.getExitCode();
      String label = exit.getOomKilled() ? "OOM kill" : "exit " + exit.getExitCode();
      Outcome outcome =
          new Outcome(
              key,
              label,
              "",
              "",
              exit.getContainers(),
              time,
              exit.getEvidence(),
              exit.getContainerId(),
              exit.getEventId(),
              Topic.CONTAINER_EVENTS);
      exits.add(outcome);
      if (exit.getOomKilled() || exit.getExitCode() != 0) {
        failures.putIfAbsent(key, outcome);
      }
    }
    return new HostOutcomes(summary, failures, successes, exits);
  }

  /**
   * This host's failures that {@code reference} does not show. Exit outcomes count only when the
   * reference host saw containers of the image end at all: a container still running there is no
   * evidence that it exits differently.
   */
  List<Outcome> failuresAbsentFrom(HostOutcomes reference) {
    List<Outcome> differing = new ArrayList<>();
    for (Outcome failure : failures.values()) {
      boolean exitOutcome = failure.topic() == Topic.CONTAINER_EVENTS;
      if (exitOutcome && reference.exits().isEmpty()) {
        continue;
      }
      // Likewise a syscall failure counts only when the reference host traced containers of the
      // image: an untraced host shows no syscalls at all, which is no evidence that they succeed.
      if (!exitOutcome && !reference.traced()) {
        continue;
      }
      if (!reference.failures().containsKey(failure.key())) {
        differing.add(failure);
      }
    }
    // Syscalls first (the cause), then exits (the effect); stable for the alert's fingerprint.
    differing.sort(
        Comparator.comparing((Outcome o) -> o.topic() == Topic.CONTAINER_EVENTS)
            .thenComparing(Outcome::key));
    return differing;
  }

  /** Whether containers of the image were traced on this host (it has syscall outcomes). */
  boolean traced() {
    return !successes.isEmpty()
        || failures.values().stream().anyMatch(f -> f.topic() == Topic.SYSCALLS);
  }

  /**
   * What this host did instead: the same call on the same path succeeding (or failing otherwise),
   * or how it exited.
   */
  Optional<Outcome> counterpart(Outcome failure) {
    if (failure.topic() == Topic.CONTAINER_EVENTS) {
      return exits.stream()
          .filter(e -> !e.key().equals(failure.key()))
          .max(Comparator.comparing(Outcome::count));
    }
    Optional<Outcome> success =
        successes.stream()
            .filter(s -> s.syscall().equals(failure.syscall()) && s.path().equals(failure.path()))
            .findFirst();
    if (success.isPresent()) {
      return success;
    }
    return failures.values().stream()
        .filter(f -> f.syscall().equals(failure.syscall()) && f.path().equals(failure.path()))
        .findFirst();
  }
}
