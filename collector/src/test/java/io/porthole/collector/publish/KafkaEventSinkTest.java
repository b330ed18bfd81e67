package io.porthole.collector.publish;

import static org.assertj.core.api.Assertions.assertThat;

import io.porthole.collector.CollectorStats;
import io.porthole.proto.ContainerAction;
import io.porthole.proto.ContainerEvent;
import io.porthole.proto.EventEnvelope;
import io.porthole.proto.SyscallBatch;
import io.porthole.runtime.kafka.RecordPublisher;
import io.porthole.wire.Topic;
import io.porthole.wire.TopicNames;
import io.vertx.core.Vertx;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import io.vertx.kafka.client.producer.KafkaProducer;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import org.apache.kafka.clients.producer.Callback;
import org.apache.kafka.clients.producer.MockProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.errors.InterruptException;
import org.apache.kafka.common.errors.TimeoutException;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

@ExtendWith(VertxExtension.class)
class KafkaEventSinkTest {

  private static EventEnvelope event(String containerId) {
    return EventEnvelope.newBuilder()
        .setEventId("e-" + containerId)
        .setHostId("host-1")
        .setContainerId(containerId)
        .setContainerEvent(ContainerEvent.newBuilder().setAction(ContainerAction.START))
        .build();
  }

  /** Polls a condition on the event loop until it holds, then runs the assertions. */
  private static void when(
      Vertx vertx, VertxTestContext ctx, BooleanSupplier condition, Runnable assertions) {
    vertx.setPeriodic(
        20,
        id -> {
          if (condition.getAsBoolean()) {
            vertx.cancelTimer(id);
            ctx.verify(assertions::run);
            ctx.completeNow();
          }
        });
  }

  @Test
  void keysByHostAndContainerAndCountsAcknowledgedEventsPerTopic(
      Vertx vertx, VertxTestContext ctx) {
    MockProducer<String, byte[]> mock =
        new MockProducer<>(true, new StringSerializer(), new ByteArraySerializer());
    CollectorStats stats = new CollectorStats();
    RecordPublisher publisher =
        new RecordPublisher(
            vertx, KafkaProducer.create(vertx, mock), TopicNames.withPrefix("t."), 100);
    KafkaEventSink sink = new KafkaEventSink(publisher, stats);

    sink.emit(Topic.CONTAINER_EVENTS, event("c1"));
    sink.emit(Topic.CONTAINER_EVENTS, event("c2"));
    sink.emit(
        Topic.SYSCALLS,
        event("c3").toBuilder().setSyscalls(SyscallBatch.getDefaultInstance()).build());

    when(
        vertx,
        ctx,
        () -> stats.eventsPublished.get() == 3,
        () -> {
          assertThat(mock.history())
              .extracting(r -> r.topic() + " " + r.key())
              .containsExactly(
                  "t.porthole.container-events.v1 host-1/c1",
                  "t.porthole.container-events.v1 host-1/c2",
                  "t.porthole.syscalls.v1 host-1/c3");
          assertThat(stats.dockerEventsPublished.get()).isEqualTo(2);
          assertThat(stats.syscallBatchesPublished.get()).isEqualTo(1);
          assertThat(stats.eventsDroppedBackpressure()).isZero();
          assertThat(stats.kafkaSendFailures.get()).isZero();
        });
  }

  /**
   * A producer whose send blocks, as Kafka's does while buffer.memory is full or metadata is
   * missing.
   */
  private static final class StalledProducer extends MockProducer<String, byte[]> {
    private final CountDownLatch released = new CountDownLatch(1);

    StalledProducer() {
      super(true, new StringSerializer(), new ByteArraySerializer());
    }

    @Override
    public Future<RecordMetadata> send(ProducerRecord<String, byte[]> record, Callback callback) {
      try {
        released.await();
      } catch (InterruptedException e) {
        throw new InterruptException(e);
      }
      return super.send(record, callback);
    }
  }

  @Test
  void whenKafkaCannotTakeMoreTheBufferStaysBoundedAndDropsAreCounted(
      Vertx vertx, VertxTestContext ctx) {
    StalledProducer stalled = new StalledProducer();
    CollectorStats stats = new CollectorStats();
    KafkaEventSink sink =
        new KafkaEventSink(
            new RecordPublisher(
                vertx, KafkaProducer.create(vertx, stalled), TopicNames.standard(), 3),
            stats);

    vertx.runOnContext(
        v -> {
          // On the event loop while the producer blocks: emit never blocks, it refuses what does
          // not fit.
          for (int i = 0; i < 50; i++) {
            sink.emit(i < 30 ? Topic.CONTAINER_EVENTS : Topic.FLOWS, event("c" + i));
          }
          ctx.verify(
              () -> {
                assertThat(stats.eventsDroppedBackpressure()).isEqualTo(47);
                // and by source: the 27 container events and 20 flow records that did not fit
                assertThat(stats.dockerEventsDroppedBackpressure.get()).isEqualTo(27);
                assertThat(stats.flowRecordsDroppedBackpressure.get()).isEqualTo(20);
                assertThat(stats.syscallBatchesDroppedBackpressure.get()).isZero();
              });
          stalled.released.countDown();
        });

    // The three records held reach Kafka once it takes records again.
    when(
        vertx,
        ctx,
        () -> stats.eventsPublished.get() == 3,
        () -> {
          assertThat(stalled.history())
              .extracting(r -> r.key())
              .containsExactly("host-1/c0", "host-1/c1", "host-1/c2");
          assertThat(stats.dockerEventsPublished.get()).isEqualTo(3);
          assertThat(stats.eventsDroppedBackpressure()).isEqualTo(47);
          assertThat(stats.kafkaSendFailures.get()).isZero();
        });
  }

  @Test
  void recordsKafkaFailsToAcknowledgeAreCountedAsSendFailures(Vertx vertx, VertxTestContext ctx) {
    MockProducer<String, byte[]> mock =
        new MockProducer<>(false, new StringSerializer(), new ByteArraySerializer());
    CollectorStats stats = new CollectorStats();
    KafkaEventSink sink =
        new KafkaEventSink(
            new RecordPublisher(
                vertx, KafkaProducer.create(vertx, mock), TopicNames.standard(), 10),
            stats);

    sink.emit(Topic.CONTAINER_EVENTS, event("c1"));
    vertx.setPeriodic(
        20,
        id -> {
          if (mock.history().size() == 1) {
            vertx.cancelTimer(id);
            mock.errorNext(new TimeoutException("not acknowledged in time"));
          }
        });

    when(
        vertx,
        ctx,
        () -> stats.kafkaSendFailures.get() == 1,
        () -> {
          assertThat(stats.eventsPublished.get()).isZero();
          assertThat(stats.eventsDroppedBackpressure()).isZero();
        });
  }

  @Test
  void anEnvelopeWithoutHostIdIsRefusedAndCountedWithoutReachingKafka(
      Vertx vertx, VertxTestContext ctx) {
    MockProducer<String, byte[]> mock =
        new MockProducer<>(true, new StringSerializer(), new ByteArraySerializer());
    CollectorStats stats = new CollectorStats();
    KafkaEventSink sink =
        new KafkaEventSink(
            new RecordPublisher(
                vertx, KafkaProducer.create(vertx, mock), TopicNames.standard(), 10),
            stats);

    sink.emit(Topic.CONTAINER_EVENTS, event("c1").toBuilder().setHostId("").build());
    sink.emit(Topic.CONTAINER_EVENTS, event("c2"));

    when(
        vertx,
        ctx,
        () -> stats.eventsPublished.get() == 1,
        () -> {
          assertThat(stats.kafkaSendFailures.get()).isEqualTo(1);
          assertThat(mock.history()).extracting(r -> r.key()).containsExactly("host-1/c2");
        });
  }

  @Test
  void anEnvelopeEmittedWithAnOutcomeIsCountedOnceAndItsOutcomeToldOnce(
      Vertx vertx, VertxTestContext ctx) {
    MockProducer<String, byte[]> mock =
        new MockProducer<>(true, new StringSerializer(), new ByteArraySerializer());
    CollectorStats stats = new CollectorStats();
    RecordPublisher publisher =
        new RecordPublisher(
            vertx, KafkaProducer.create(vertx, mock), TopicNames.withPrefix("t."), 100);
    KafkaEventSink sink = new KafkaEventSink(publisher, stats);
    AtomicInteger delivered = new AtomicInteger();

    sink.emit(
        Topic.SYSCALLS,
        event("c3").toBuilder().setSyscalls(SyscallBatch.getDefaultInstance()).build(),
        failure -> {
          if (failure == null) {
            delivered.incrementAndGet();
          }
        });

    when(
        vertx,
        ctx,
        () -> delivered.get() == 1,
        () -> {
          assertThat(stats.syscallBatchesPublished.get()).isEqualTo(1);
          assertThat(stats.eventsPublished.get()).isEqualTo(1);
        });
  }
}
