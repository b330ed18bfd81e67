package io.porthole.collector.remediation;

import io.porthole.proto.RemediationResult;
import io.porthole.runtime.kafka.RecordPublisher;
import io.porthole.wire.RecordKey;
import io.porthole.wire.Topic;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.util.Objects;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Results to {@code porthole.command-results.v1}, keyed {@code hostId/commandId}, acknowledged; a
 * send that Kafka did not acknowledge is retried a few times before it fails.
 */
public final class KafkaResultSink implements ResultSink {

  private static final Logger LOG = LoggerFactory.getLogger(KafkaResultSink.class);
  private static final int ATTEMPTS = 4;
  private static final long RETRY_DELAY_MS = 1000;

  private final Vertx vertx;
  private final RecordPublisher publisher;

  public KafkaResultSink(Vertx vertx, RecordPublisher publisher) {
    this.vertx = Objects.requireNonNull(vertx, "vertx");
    this.publisher = Objects.requireNonNull(publisher, "publisher");
  }

  @Override
  public Future<Void> send(RemediationResult result) {
    String key = new RecordKey(result.getHostId(), result.getCommandId()).asString();
    return attempt(key, result, 1);
  }

  private Future<Void> attempt(String key, RemediationResult result, int attempt) {
    return publisher
        .send(Topic.COMMAND_RESULTS, key, result)
        .recover(
            e -> {
              if (attempt >= ATTEMPTS) {
                return Future.failedFuture(e);
              }
              LOG.warn("result {} not acknowledged (attempt {}): {}", key, attempt, e.toString());
              return vertx
                  .timer(RETRY_DELAY_MS * attempt)
                  .compose(t -> attempt(key, result, attempt + 1));
            });
  }
}
