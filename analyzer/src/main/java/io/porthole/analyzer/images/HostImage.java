package io.porthole.analyzer.images;

import io.porthole.proto.ExitOutcome;
import io.porthole.proto.ImageSummary;
import io.porthole.proto.SyscallEvent;
import io.porthole.proto.SyscallOutcome;
import io.porthole.wire.Timestamps;
import java.time.Instant;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import java.util.regex.Pattern;

/** The mutable, bounded outcome summary of one image on one host (see {@link ImageSummary}). */
final class HostImage {

  // Pids in /proc paths differ from run to run; without this every run would be a new outcome.
  private static final Pattern PROC_PID = Pattern.compile("/(proc|task)/\\d+(?=/|$)");
  private static final int MAX_CONTAINERS_PER_OUTCOME = 64;

  private final String imageId;
  private final String hostId;
  private final int sourcePartition;
  private final int maxOutcomes;
  private String image = "";
  private final Map<String, Instant> containers = new HashMap<>();
  private final Map<String, Syscall> syscalls = new HashMap<>();
  private final Map<String, Exit> exits = new HashMap<>();
  private final Map<String, Instant> oomKills = new HashMap<>();
  private long dropped;

  private static final class Syscall {
    final Set<String> containers = new HashSet<>();
    SyscallOutcome.Builder proto;
    Instant lastSeen;
  }

  private static final class Exit {
    final Set<String> containers = new HashSet<>();
    ExitOutcome.Builder proto;
    Instant lastSeen;
  }

  HostImage(String imageId, String hostId, int sourcePartition, int maxOutcomes) {
    this.imageId = imageId;
    this.hostId = hostId;
    this.sourcePartition = sourcePartition;
    this.maxOutcomes = maxOutcomes;
  }

  String hostId() {
    return hostId;
  }

  void image(String name) {
    if (!name.isEmpty()) {
      image = name;
    }
  }

  void sawContainer(String containerId, Instant time) {
    if (!containers.containsKey(containerId) && containers.size() >= maxOutcomes) {
      evictOldest(containers);
    }
    containers.merge(containerId, time, HostImage::later);
  }

  static String normalisedPath(String path) {
    return PROC_PID.matcher(path).replaceAll("/$1/N");
  }

  void syscall(String containerId, SyscallEvent call, Instant time, String eventId) {
    String path = normalisedPath(call.getPath());
    String key = call.getName() + "\n" + path + "\n" + call.getErrnoName();
    Syscall outcome = syscalls.get(key);
    if (outcome == null) {
      if (syscalls.size() >= maxOutcomes) {
        evictOldestSyscall();
      }
      outcome = new Syscall();
      outcome.proto =
          SyscallOutcome.newBuilder()
              .setSyscall(call.getName())
              .setPath(path)
              .setErrnoName(call.getErrnoName());
      outcome.lastSeen = time;
      syscalls.put(key, outcome);
    }
    if (outcome.containers.size() < MAX_CONTAINERS_PER_OUTCOME) {
      outcome.containers.add(containerId);
    }
    outcome.lastSeen = later(outcome.lastSeen, time);
    outcome
        .proto
        .setCount(outcome.proto.getCount() + 1)
        .setContainers(outcome.containers.size())
        .setLastSeen(Timestamps.of(outcome.lastSeen))
        .setEvidence(describe(call))
        .setContainerId(containerId)
        .setEventId(eventId);
  }

  void exited(
      String containerId,
      String name,
      int exitCode,
      boolean oomKilled,
      Instant time,
      String eventId) {
    String key = exitCode + (oomKilled ? " oom" : "");
    Exit outcome = exits.get(key);
    if (outcome == null) {
      if (exits.size() >= maxOutcomes) {
        evictOldest(exits, e -> e.lastSeen);
      }
      outcome = new Exit();
      outcome.proto = ExitOutcome.newBuilder().setExitCode(exitCode).setOomKilled(oomKilled);
      outcome.lastSeen = time;
      exits.put(key, outcome);
    }
    if (outcome.containers.size() < MAX_CONTAINERS_PER_OUTCOME) {
      outcome.containers.add(containerId);
    }
    outcome.lastSeen = later(outcome.lastSeen, time);
    String who =
        "container " + (name.isEmpty() ? "" : name + " ") + "(" + shortId(containerId) + ")";
    outcome
        .proto
        .setContainers(outcome.containers.size())
        .setLastSeen(Timestamps.of(outcome.lastSeen))
        .setEvidence(
            who
                + (oomKilled ? " was killed by the OOM killer, exit code " : " exited with ")
                + exitCode)
        .setContainerId(containerId)
        .setEventId(eventId);
    if (oomKilled) {
      oomKilled(containerId, time);
    }
  }

  void oomKilled(String containerId, Instant time) {
    if (!oomKills.containsKey(containerId) && oomKills.size() >= maxOutcomes) {
      evictOldest(oomKills);
    }
    oomKills.merge(containerId, time, HostImage::later);
  }

  void forgetBefore(Instant horizon) {
    containers.values().removeIf(t -> t.isBefore(horizon));
    syscalls.values().removeIf(s -> s.lastSeen.isBefore(horizon));
    exits.values().removeIf(e -> e.lastSeen.isBefore(horizon));
    oomKills.values().removeIf(t -> t.isBefore(horizon));
  }

  boolean isEmpty() {
    return containers.isEmpty();
  }

  ImageSummary toProto(String kernelVersion, Instant now) {
    ImageSummary.Builder summary =
        ImageSummary.newBuilder()
            .setImageId(imageId)
            .setImage(image)
            .setHostId(hostId)
            .setSourcePartition(sourcePartition)
            .setKernelVersion(kernelVersion)
            .setUpdatedAt(Timestamps.of(now))
            .setContainers(containers.size())
            .setOomKills(oomKills.size())
            .setOutcomesDropped((int) Math.min(Integer.MAX_VALUE, dropped));
    syscalls.entrySet().stream()
        .sorted(Map.Entry.comparingByKey())
        .forEach(e -> summary.addSyscalls(e.getValue().proto.build()));
    exits.values().stream()
        .sorted(Comparator.comparing((Exit e) -> e.proto.getExitCode()))
        .forEach(e -> summary.addExits(e.proto.build()));
    return summary.build();
  }

  private static String describe(SyscallEvent call) {
    if (!call.getRaw().isEmpty()) {
      return call.getRaw();
    }
    String line = call.getName() + "(" + call.getArguments() + ") = " + call.getReturnValue();
    return call.getErrnoName().isEmpty()
        ? line
        : line + " " + call.getErrnoName() + " (" + call.getErrnoText() + ")";
  }

  static String shortId(String containerId) {
    return containerId.length() > 12 ? containerId.substring(0, 12) : containerId;
  }

  private static Instant later(Instant a, Instant b) {
    return a.isAfter(b) ? a : b;
  }

  /**
   * Makes room for one syscall outcome: the oldest success goes first (a traced container makes
   * many successful calls, and they are only counter-evidence); a failure only when no success is
   * left.
   */
  private void evictOldestSyscall() {
    Map<String, Syscall> successes = new HashMap<>();
    syscalls.forEach(
        (key, outcome) -> {
          if (outcome.proto.getErrnoName().isEmpty()) {
            successes.put(key, outcome);
          }
        });
    Map<String, Syscall> candidates = successes.isEmpty() ? syscalls : successes;
    candidates.entrySet().stream()
        .min(Comparator.comparing((Map.Entry<String, Syscall> e) -> e.getValue().lastSeen))
        .ifPresent(oldest -> syscalls.remove(oldest.getKey()));
    dropped++;
  }

  private void evictOldest(Map<String, Instant> times) {
    evictOldest(times, t -> t);
  }

  private <V> void evictOldest(Map<String, V> map, Function<V, Instant> time) {
    map.entrySet().stream()
        .min(Comparator.comparing(e -> time.apply(e.getValue())))
        .ifPresent(oldest -> map.remove(oldest.getKey()));
    dropped++;
  }
}
