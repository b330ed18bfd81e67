package io.porthole.collector.remediation;

import static io.porthole.collector.remediation.RemediationSteps.bounded;
import static io.porthole.proto.RemediationStatus.RUNNING;

import io.porthole.proto.RemediationAction;
import io.porthole.proto.RemediationCommand;
import io.porthole.proto.RemediationResult;
import io.vertx.core.Future;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Objects;

/** TRACE_SYSCALLS: check the bounds, find the container, report RUNNING, trace, report the end. */
final class TraceSyscalls implements ActionHandler {

  private static final Duration DEFAULT_DURATION = Duration.ofSeconds(30);

  private final RemediationSteps steps;
  private final SyscallTraceStarter tracer;
  private final ResultFactory results;
  private final ResultSink sink;
  private final Duration maxDuration;

  TraceSyscalls(
      RemediationSteps steps,
      SyscallTraceStarter tracer,
      ResultFactory results,
      ResultSink sink,
      Duration maxDuration) {
    this.steps = Objects.requireNonNull(steps, "steps");
    this.tracer = Objects.requireNonNull(tracer, "tracer");
    this.results = Objects.requireNonNull(results, "results");
    this.sink = Objects.requireNonNull(sink, "sink");
    this.maxDuration = Objects.requireNonNull(maxDuration, "maxDuration");
  }

  @Override
  public RemediationAction action() {
    return RemediationAction.TRACE_SYSCALLS;
  }

  @Override
  public Future<List<RemediationResult>> handle(RemediationCommand command, Instant started) {
    Duration duration =
        bounded(
            "duration_seconds",
            Duration.ofSeconds(command.getDurationSeconds()),
            DEFAULT_DURATION,
            maxDuration);
    return steps
        .findRunningContainer(command)
        .compose(
            container -> {
              if (command.getDryRun()) {
                return Future.succeededFuture(
                    results.succeeded(
                        command,
                        started,
                        "dry run: would trace the syscalls of "
                            + container.label()
                            + " for "
                            + duration.toSeconds()
                            + " s; nothing changed"));
              }
              String detail =
                  "syscalls of " + container.label() + " traced for " + duration.toSeconds() + " s";
              // RUNNING is informational: the final result follows even when it could not be
              // published.
              return sink.send(
                      results.result(command, started, RUNNING, "tracing the " + detail).build())
                  .recover(e -> Future.succeededFuture())
                  .compose(v -> tracer.trace(container.id(), duration, command.getReason()))
                  .map(
                      v ->
                          results.succeeded(
                              command, started, detail + " (on porthole.syscalls.v1)"));
            });
  }
}
