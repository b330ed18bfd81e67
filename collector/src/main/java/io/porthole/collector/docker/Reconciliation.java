package io.porthole.collector.docker;

import io.porthole.proto.ContainerAction;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * Decides which lifecycle events the collector missed while it was away, from the position it
 * persisted, the events the engine still replayed, and what list and inspect say now. Plain Java.
 *
 * <ul>
 *   <li>a container whose State.StartedAt is after the position and whose start was not replayed: a
 *       START at StartedAt;
 *   <li>a container not running whose State.FinishedAt is after the position and whose die was not
 *       replayed: a DIE at FinishedAt carrying OOMKilled and the exit code, preceded by an OOM when
 *       OOMKilled and no oom of that run was replayed;
 *   <li>a container known before and now gone (list with all=true no longer has it): a DIE when it
 *       was known running and no die was replayed, then a DESTROY when none was replayed.
 * </ul>
 *
 * <p>What it cannot see: only the last run of a container that started and died several times
 * during the gap, and the exit code of a container that was removed during the gap.
 */
final class Reconciliation {

  /**
   * Replayed events count for a run when at most this much earlier than its StartedAt/FinishedAt.
   */
  static final long CLOCK_SLACK_NANOS = 1_000_000_000L;

  /** An event the engine replayed after the position. */
  record Replayed(String containerId, ContainerAction action, long nanos) {}

  /**
   * A missed event: {@code state} is the container's inspect (null for one that is gone, then
   * {@code known} is what was known of it).
   */
  record Missed(
      String containerId,
      ContainerAction action,
      long timeNanos,
      InspectedState state,
      KnownContainer known) {}

  private Reconciliation() {}

  /**
   * @param positionNanos the persisted position's time
   * @param known the containers known at the position
   * @param replayed the events the engine replayed after the position
   * @param present inspects of every container the engine lists now (all=true)
   * @param listedIds ids of every container the engine lists now, inspected or not
   * @param nowNanos when the list was taken (time of a DESTROY whose moment is unknown)
   * @return missed events, in time order
   */
  static List<Missed> missed(
      long positionNanos,
      Map<String, KnownContainer> known,
      Collection<Replayed> replayed,
      Collection<InspectedState> present,
      Set<String> listedIds,
      long nowNanos) {
    Objects.requireNonNull(known, "known");
    List<Missed> missed = new ArrayList<>();
    for (InspectedState state : present) {
      String id = state.id();
      if (state.startedAtNanos() > positionNanos
          && !replayedSince(
              replayed,
              id,
              state.startedAtNanos(),
              ContainerAction.START,
              ContainerAction.RESTART)) {
        missed.add(
            new Missed(id, ContainerAction.START, state.startedAtNanos(), state, known.get(id)));
      }
      boolean finishedInGap =
          !state.running()
              && state.finishedAtNanos() > positionNanos
              && state.finishedAtNanos() >= state.startedAtNanos();
      if (finishedInGap
          && !replayedSince(replayed, id, state.finishedAtNanos(), ContainerAction.DIE)) {
        long runStart = Math.max(positionNanos, state.startedAtNanos());
        if (state.oomKilled() && !replayedSince(replayed, id, runStart, ContainerAction.OOM)) {
          missed.add(
              new Missed(id, ContainerAction.OOM, state.finishedAtNanos(), state, known.get(id)));
        }
        missed.add(
            new Missed(id, ContainerAction.DIE, state.finishedAtNanos(), state, known.get(id)));
      }
    }
    for (KnownContainer gone : known.values()) {
      if (listedIds.contains(gone.id())) {
        continue;
      }
      if (gone.running()
          && !replayedSince(replayed, gone.id(), positionNanos, ContainerAction.DIE)) {
        missed.add(new Missed(gone.id(), ContainerAction.DIE, nowNanos, null, gone));
      }
      if (!replayedSince(replayed, gone.id(), positionNanos, ContainerAction.DESTROY)) {
        missed.add(new Missed(gone.id(), ContainerAction.DESTROY, nowNanos, null, gone));
      }
    }
    missed.sort(Comparator.comparingLong(Missed::timeNanos));
    return missed;
  }

  private static boolean replayedSince(
      Collection<Replayed> replayed, String id, long nanos, ContainerAction... actions) {
    for (Replayed event : replayed) {
      if (event.containerId().equals(id) && event.nanos() >= nanos - CLOCK_SLACK_NANOS) {
        for (ContainerAction action : actions) {
          if (event.action() == action) {
            return true;
          }
        }
      }
    }
    return false;
  }
}
