package io.porthole.collector.remediation;

import io.porthole.proto.RemediationResult;
import io.vertx.core.Future;

/** Where results go; the future completes when the result is durably handed over (Kafka acked). */
@FunctionalInterface
public interface ResultSink {

  Future<Void> send(RemediationResult result);
}
