package io.porthole.controller.remediation;

import io.porthole.proto.RemediationCommand;
import java.util.Objects;

/** What the planner decided: a signed command to publish, or a {@link Refusal} saying why not. */
public sealed interface PlanResult permits PlanResult.Planned, Refusal {

  /** The signed command for the collector of the target's host. */
  record Planned(RemediationCommand command) implements PlanResult {
    public Planned {
      Objects.requireNonNull(command, "command");
    }
  }
}
