package io.porthole.runtime.kafka;

import static org.assertj.core.api.Assertions.assertThat;

import io.porthole.proto.Alert;
import io.porthole.proto.EventEnvelope;
import io.porthole.runtime.kafka.RecordPublisher.ControlPath;
import io.porthole.wire.Topic;
import io.porthole.wire.TopicNames;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import io.vertx.kafka.client.producer.KafkaProducer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.clients.producer.Callback;
import org.apache.kafka.clients.producer.MockProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.errors.InterruptException;
import org.apache.kafka.common.errors.NotLeaderOrFollowerException;
import org.apache.kafka.common.errors.RecordTooLargeException;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** Telemetry and control records under back-pressure and failures (docs/delivery.md). */
@ExtendWith(VertxExtension.class)
class DeliveryClassesTest {

  private static final TopicNames TOPICS = TopicNames.standard();
  private static final ControlPath QUICK_CONTROL =
      new ControlPath(100, Duration.ofSeconds(10), Duration.ofMillis(5), Duration.ofMillis(20));

  private static EventEnvelope flow(int i) {
    return EventEnvelope.newBuilder().setEventId("f" + i).build();
  }

  private static Alert alert(String id) {
    return Alert.newBuilder().setAlertId(id).build();
  }

  /**
   * Blocks every send to the flows topic until released, as Kafka's does when buffer.memory is
   * full.
   */
  private static final class FlowsStalledProducer extends MockProducer<String, byte[]> {
    final CountDownLatch released = new CountDownLatch(1);
    final CountDownLatch sendingFlow = new CountDownLatch(1);

    FlowsStalledProducer() {
      super(true, new StringSerializer(), new ByteArraySerializer());
    }

    @Override
    public java.util.concurrent.Future<RecordMetadata> send(
        ProducerRecord<String, byte[]> record, Callback callback) {
      if (record.topic().equals(TOPICS.name(Topic.FLOWS))) {
        sendingFlow.countDown();
        try {
          released.await();
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          throw new InterruptException(e);
        }
      }
      return super.send(record, callback);
    }
  }

  @Test
  void aBurstOfTelemetryFillingItsBufferNeitherDropsNorDelaysAControlRecord(
      Vertx vertx, VertxTestContext ctx) throws Exception {
    FlowsStalledProducer producer = new FlowsStalledProducer();
    RecordPublisher publisher =
        new RecordPublisher(vertx, KafkaProducer.create(vertx, producer), TOPICS, 5, QUICK_CONTROL);
    AtomicInteger dropsTold = new AtomicInteger();
    publisher.publish(Topic.FLOWS, "h/c", flow(0), failure -> {});
    producer.sendingFlow
        .await(); // the telemetry thread is blocked in send: its buffer can only fill
    for (int i = 1; i < 30; i++) {
      publisher.publish(
          Topic.FLOWS,
          "h/c",
          flow(i),
          failure -> {
            if (failure instanceof RecordDroppedException) {
              dropsTold.incrementAndGet();
            }
          });
    }
    assertThat(publisher.dropped()).isEqualTo(25); // one in send, five waiting, the rest refused
    publisher
        .send(Topic.ALERTS, "h/c", alert("a1"))
        .onComplete(
            ctx.succeeding(
                v ->
                    ctx.verify(
                        () -> {
                          assertThat(producer.history())
                              .extracting(ProducerRecord::topic)
                              .containsExactly(TOPICS.name(Topic.ALERTS));
                          assertThat(dropsTold).hasValue(25);
                          assertThat(publisher.published()).isEqualTo(1);
                          assertThat(publisher.failed()).isZero();
                          producer.released.countDown();
                          ctx.completeNow();
                        })));
  }

  @Test
  void controlRecordsBeyondTheirBufferWaitAndAreRetriedInsteadOfDropped(
      Vertx vertx, VertxTestContext ctx) {
    StalledProducer stalled = new StalledProducer();
    ControlPath small =
        new ControlPath(2, Duration.ofSeconds(10), Duration.ofMillis(5), Duration.ofMillis(20));
    RecordPublisher publisher =
        new RecordPublisher(vertx, KafkaProducer.create(vertx, stalled), TOPICS, 5, small);
    List<Future<Void>> sends = new ArrayList<>();
    for (int i = 0; i < 6; i++) {
      sends.add(publisher.send(Topic.COMMAND_RESULTS, "h", alert("r" + i)));
    }
    assertThat(sends).allSatisfy(send -> assertThat(send.isComplete()).isFalse());
    vertx.setTimer(50, id -> stalled.release());
    Future.all(sends)
        .onComplete(
            ctx.succeeding(
                all ->
                    ctx.verify(
                        () -> {
                          assertThat(stalled.history()).hasSize(6);
                          assertThat(publisher.dropped()).isZero();
                          assertThat(publisher.retried()).isPositive();
                          ctx.completeNow();
                        })));
  }

  @Test
  void aRetriableFailureOfAControlRecordIsSentAgainUntilAcknowledged(
      Vertx vertx, VertxTestContext ctx) {
    AtomicInteger attempts = new AtomicInteger();
    MockProducer<String, byte[]> flaky =
        new MockProducer<>(true, new StringSerializer(), new ByteArraySerializer()) {
          @Override
          public synchronized java.util.concurrent.Future<RecordMetadata> send(
              ProducerRecord<String, byte[]> record, Callback callback) {
            if (attempts.incrementAndGet() <= 2) {
              callback.onCompletion(null, new NotLeaderOrFollowerException("leader moved"));
              return CompletableFuture.failedFuture(
                  new NotLeaderOrFollowerException("leader moved"));
            }
            return super.send(record, callback);
          }
        };
    RecordPublisher publisher =
        new RecordPublisher(vertx, KafkaProducer.create(vertx, flaky), TOPICS, 5, QUICK_CONTROL);
    publisher
        .send(Topic.ALERTS, "h/c", alert("a1"))
        .onComplete(
            ctx.succeeding(
                v ->
                    ctx.verify(
                        () -> {
                          assertThat(attempts).hasValue(3);
                          assertThat(flaky.history()).hasSize(1);
                          assertThat(publisher.retried()).isEqualTo(2);
                          assertThat(publisher.failed()).isZero();
                          assertThat(publisher.published()).isEqualTo(1);
                          ctx.completeNow();
                        })));
  }

  @Test
  void aControlRecordStillFailingAtItsDeadlineFailsItsFutureWithTheReason(
      Vertx vertx, VertxTestContext ctx) {
    MockProducer<String, byte[]> down =
        new MockProducer<>(true, new StringSerializer(), new ByteArraySerializer()) {
          @Override
          public synchronized java.util.concurrent.Future<RecordMetadata> send(
              ProducerRecord<String, byte[]> record, Callback callback) {
            callback.onCompletion(null, new NotLeaderOrFollowerException("no leader"));
            return CompletableFuture.failedFuture(new NotLeaderOrFollowerException("no leader"));
          }
        };
    ControlPath shortDeadline =
        new ControlPath(10, Duration.ofMillis(200), Duration.ofMillis(10), Duration.ofMillis(40));
    RecordPublisher publisher =
        new RecordPublisher(vertx, KafkaProducer.create(vertx, down), TOPICS, 5, shortDeadline);
    publisher
        .send(Topic.DEAD_LETTERS, "k", alert("x"))
        .onComplete(
            ctx.failing(
                e ->
                    ctx.verify(
                        () -> {
                          assertThat(e)
                              .isInstanceOf(ControlDeliveryException.class)
                              .hasMessageContaining(
                                  "porthole.dead-letters.v1 not acknowledged within 200 ms")
                              .hasMessageContaining("no leader");
                          assertThat(publisher.failed()).isEqualTo(1);
                          assertThat(publisher.retried()).isPositive();
                          assertThat(publisher.dropped()).isZero();
                          ctx.completeNow();
                        })));
  }

  @Test
  void aNonRetriableFailureOfAControlRecordFailsAtOnce(Vertx vertx, VertxTestContext ctx) {
    MockProducer<String, byte[]> refusing =
        new MockProducer<>(true, new StringSerializer(), new ByteArraySerializer()) {
          @Override
          public synchronized java.util.concurrent.Future<RecordMetadata> send(
              ProducerRecord<String, byte[]> record, Callback callback) {
            callback.onCompletion(null, new RecordTooLargeException("too large"));
            return CompletableFuture.failedFuture(new RecordTooLargeException("too large"));
          }
        };
    RecordPublisher publisher =
        new RecordPublisher(vertx, KafkaProducer.create(vertx, refusing), TOPICS, 5, QUICK_CONTROL);
    publisher
        .send(Topic.ALERTS, "h/c", alert("a"))
        .onComplete(
            ctx.failing(
                e ->
                    ctx.verify(
                        () -> {
                          assertThat(e).isInstanceOf(RecordTooLargeException.class);
                          assertThat(publisher.retried()).isZero();
                          assertThat(publisher.failed()).isEqualTo(1);
                          ctx.completeNow();
                        })));
  }

  @Test
  void aDroppedTelemetryRecordIsCountedOnceAndToldOnceEvenAfterStop(
      Vertx vertx, VertxTestContext ctx) throws Exception {
    StalledProducer stalled = new StalledProducer();
    RecordPublisher publisher =
        new RecordPublisher(vertx, KafkaProducer.create(vertx, stalled), TOPICS, 1, QUICK_CONTROL);
    AtomicInteger told = new AtomicInteger();
    publisher.publish(Topic.SYSCALLS, "h/c", flow(0));
    stalled.awaitSending();
    Future<Void> dropped = publisher.send(Topic.SYSCALLS, "h/c", flow(1));
    publisher.publish(Topic.SYSCALLS, "h/c", flow(2), failure -> told.incrementAndGet());
    assertThat(publisher.dropped()).isEqualTo(2);
    Future<Void> stopped = publisher.stop();
    stalled.release();
    stopped.onComplete(
        ctx.succeeding(
            v ->
                ctx.verify(
                    () -> {
                      assertThat(dropped.cause())
                          .isInstanceOf(RecordDroppedException.class)
                          .hasMessageContaining("publish buffer full");
                      assertThat(told).hasValue(1);
                      assertThat(publisher.dropped()).isEqualTo(2);
                      assertThat(publisher.failed()).isZero();
                      assertThat(publisher.published()).isEqualTo(1);
                      ctx.completeNow();
                    })));
  }
}
