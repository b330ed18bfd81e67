package io.porthole.collector.docker;

import com.github.dockerjava.api.command.InspectContainerResponse;
import io.porthole.wire.Timestamps;
import java.time.Instant;
import java.util.Objects;

/**
 * The part of a container's inspect that reconciliation decides on.
 *
 * @param startedAtNanos State.StartedAt, nanoseconds since the epoch; 0 when it never started
 * @param finishedAtNanos State.FinishedAt, nanoseconds since the epoch; 0 when it never finished
 * @param exitCode State.ExitCode, null when unknown
 */
record InspectedState(
    String id,
    boolean running,
    long startedAtNanos,
    long finishedAtNanos,
    boolean oomKilled,
    Integer exitCode) {

  InspectedState {
    Objects.requireNonNull(id, "id");
  }

  static InspectedState of(InspectContainerResponse inspect) {
    InspectContainerResponse.ContainerState state = inspect.getState();
    if (state == null) {
      return new InspectedState(inspect.getId(), false, 0, 0, false, null);
    }
    return new InspectedState(
        inspect.getId(),
        Boolean.TRUE.equals(state.getRunning()),
        nanos(ContainerEventMapper.instant(state.getStartedAt())),
        nanos(ContainerEventMapper.instant(state.getFinishedAt())),
        Boolean.TRUE.equals(state.getOOMKilled()),
        state.getExitCodeLong() == null ? null : state.getExitCodeLong().intValue());
  }

  static long nanos(Instant instant) {
    return instant == null ? 0 : Timestamps.toEpochNanos(instant);
  }
}
