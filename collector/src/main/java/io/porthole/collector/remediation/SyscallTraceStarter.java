package io.porthole.collector.remediation;

import io.vertx.core.Future;
import java.time.Duration;

/**
 * Starts tracing a running container's syscalls for a while (the collector's strace tracer: {@code
 * SyscallTracer::trace} has this shape). The future completes when the trace has ended, or fails
 * with the reason it could not be traced.
 */
@FunctionalInterface
public interface SyscallTraceStarter {

  Future<Void> trace(String containerId, Duration duration, String reason);
}
