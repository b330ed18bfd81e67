package io.porthole.collector.docker;

import com.github.dockerjava.api.command.InspectContainerResponse;
import com.github.dockerjava.api.model.Event;
import io.porthole.proto.ContainerAction;
import io.porthole.proto.ContainerEvent;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * What the collector remembers of each container so that its {@code oom} and {@code die} can be
 * published without inspecting it: the container's last inspect, and whether an {@code oom} event
 * came since its last start: that is State.OOMKilled (moby's daemon/monitor.go sets it on every oom
 * event of the container, only a start clears it). An inspect taken after a die waits until the
 * engine has cleaned the container up (0.1 to 2.5 s measured), and with one ordered worker every
 * later event waited too.
 *
 * <p>Plain Java, not thread-safe: used by the source's single ordered worker only, in the order of
 * the engine's events. Bounded: the least recently used containers are forgotten first (their next
 * oom or die is then inspected, as before).
 */
final class RememberedContainers {

  static final int MAX_REMEMBERED = 10_000;

  private final Map<String, InspectContainerResponse> lastInspects =
      new LinkedHashMap<>(16, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, InspectContainerResponse> eldest) {
          if (size() <= MAX_REMEMBERED) {
            return false;
          }
          startedWithoutInspect.remove(eldest.getKey());
          return true;
        }
      };
  private final Set<String> oomSinceStart = new HashSet<>();

  /**
   * Containers whose current run's start was published without its own inspect (see {@link
   * InspectCalls}): the last inspect is then of an earlier state (created, or the run before), so
   * the oom and die of this run carry no StartedAt: neither that state's, nor the start event's
   * time, which is not the engine's State.StartedAt (a kernel-log oom of the same kill, inspected,
   * carries the engine's, and the analyzer never merges two runs that both name their StartedAt).
   */
  private final Map<String, UnknownRun> startedWithoutInspect = new HashMap<>();

  /** A run whose start was published without its inspect: still running, or died since. */
  enum UnknownRun {
    RUNNING,
    ENDED
  }

  /**
   * Notes an event of the container (before it is published) and, for an {@code oom} or a {@code
   * die} of a container whose inspect is remembered, returns its event built from that inspect and
   * the event itself; null when the event must be inspected.
   */
  ContainerEvent withoutInspect(String id, Event event) {
    ContainerAction action = ContainerEventMapper.action(event.getAction());
    switch (action) {
      case START, RESTART -> {
        oomSinceStart.remove(id);
        startedWithoutInspect.remove(id);
        return null;
      }
      case OOM -> {
        oomSinceStart.add(id);
        InspectContainerResponse earlier = lastInspects.get(id);
        return earlier == null
            ? null
            : ContainerEventMapper.fromEventAndEarlierInspect(
                event, earlier, true, startedWithoutInspect.containsKey(id));
      }
      case DIE -> {
        boolean oomKilled = oomSinceStart.remove(id);
        InspectContainerResponse earlier = lastInspects.get(id);
        boolean runStartUnknown = startedWithoutInspect.containsKey(id);
        if (runStartUnknown) {
          startedWithoutInspect.put(id, UnknownRun.ENDED);
        }
        return earlier == null
            ? null
            : ContainerEventMapper.fromEventAndEarlierInspect(
                event, earlier, oomKilled, runStartUnknown);
      }
      case DESTROY -> {
        forget(id);
        return null;
      }
      default -> {
        return null;
      }
    }
  }

  /** The container's latest remembered inspect; null when none is. */
  InspectContainerResponse lastInspect(String id) {
    return lastInspects.get(id);
  }

  /** The container's latest inspect (after an event, a snapshot or a reconcile). */
  void inspected(String id, InspectContainerResponse inspect) {
    lastInspects.put(id, inspect);
    startedWithoutInspect.remove(id);
  }

  /** The container started again, and that start was published without its inspect. */
  void startedWithoutInspect(String id) {
    if (lastInspects.containsKey(id)) {
      startedWithoutInspect.put(id, UnknownRun.RUNNING);
    }
  }

  /**
   * The container's current run when it started with a start published without its inspect, no
   * inspect since (the remembered inspect is of the state before that run); null otherwise.
   */
  UnknownRun unknownRun(String id) {
    return startedWithoutInspect.get(id);
  }

  /** The container no longer exists. */
  void forget(String id) {
    lastInspects.remove(id);
    oomSinceStart.remove(id);
    startedWithoutInspect.remove(id);
  }

  int size() {
    return lastInspects.size();
  }
}
