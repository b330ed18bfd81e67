package io.porthole.collector.remediation;

import io.porthole.proto.RemediationAction;
import io.porthole.proto.RemediationCommand;
import io.porthole.proto.RemediationResult;
import io.vertx.core.Future;
import java.time.Instant;
import java.util.List;

/**
 * Carries out one kind of verified command as a flat chain of named steps. The results are the
 * command's final results in publishing order; a refusal fails with {@link RemediationRefused}, an
 * error with {@link RemediationFailed} or any other exception (the executor turns them into
 * results).
 */
interface ActionHandler {

  RemediationAction action();

  Future<List<RemediationResult>> handle(RemediationCommand command, Instant started);
}
