package io.porthole.runtime.kafka;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.porthole.proto.CollectorHeartbeat;
import io.porthole.testing.Await;
import io.porthole.wire.Topic;
import io.porthole.wire.TopicNames;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import io.vertx.kafka.client.producer.KafkaProducer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedQueue;
import org.apache.kafka.clients.producer.Callback;
import org.apache.kafka.clients.producer.MockProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.errors.TimeoutException;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

@ExtendWith(VertxExtension.class)
class RecordPublisherTest {

  /** How long a test waits for the sending thread or the producer's callbacks. */
  private static final Duration WAIT = Duration.ofSeconds(30);

  private static CollectorHeartbeat beat(int i) {
    return CollectorHeartbeat.newBuilder().setHostId("h" + i).build();
  }

  private static int index(ProducerRecord<String, byte[]> record) throws Exception {
    return Integer.parseInt(CollectorHeartbeat.parseFrom(record.value()).getHostId().substring(1));
  }

  private static MockProducer<String, byte[]> mock(boolean autoComplete) {
    return new MockProducer<>(autoComplete, new StringSerializer(), new ByteArraySerializer());
  }

  @Test
  void sendsToTheDeploymentsTopicNameAndCountsAcknowledgements(Vertx vertx, VertxTestContext ctx) {
    MockProducer<String, byte[]> mock = mock(true);
    RecordPublisher publisher =
        new RecordPublisher(
            vertx, KafkaProducer.create(vertx, mock), TopicNames.withPrefix("t1."), 10);
    publisher
        .send(Topic.HEARTBEATS, "h1", beat(1))
        .onComplete(
            ctx.succeeding(
                v ->
                    ctx.verify(
                        () -> {
                          assertThat(mock.history()).hasSize(1);
                          assertThat(mock.history().get(0).topic())
                              .isEqualTo("t1.porthole.heartbeats.v1");
                          assertThat(mock.history().get(0).key()).isEqualTo("h1");
                          assertThat(CollectorHeartbeat.parseFrom(mock.history().get(0).value()))
                              .isEqualTo(beat(1));
                          assertThat(publisher.published()).isEqualTo(1);
                          ctx.completeNow();
                        })));
  }

  @Test
  void recordsOfOneKeyReachKafkaInTheOrderTheyWerePublishedAndSendsCompleteOnTheCallersContext(
      Vertx vertx, VertxTestContext ctx) {
    MockProducer<String, byte[]> mock = mock(true);
    RecordPublisher publisher =
        new RecordPublisher(
            vertx, KafkaProducer.create(vertx, mock), TopicNames.standard(), 10_000);
    ConcurrentLinkedQueue<Integer> listened = new ConcurrentLinkedQueue<>();
    Context caller = vertx.getOrCreateContext();
    caller.runOnContext(
        v -> {
          List<Future<Void>> sends = new ArrayList<>();
          for (int i = 0; i < 3000; i++) {
            int n = i;
            switch (i % 3) {
              case 0 -> sends.add(publisher.send(Topic.HEARTBEATS, "k" + (i % 4), beat(i)));
              case 1 -> publisher.publish(Topic.HEARTBEATS, "k" + (i % 4), beat(i));
              default ->
                  publisher.publish(
                      Topic.HEARTBEATS, "k" + (i % 4), beat(i), failure -> listened.add(n));
            }
          }
          List<Context> completedOn = new ArrayList<>();
          sends.forEach(send -> send.onComplete(ar -> completedOn.add(Vertx.currentContext())));
          Future.all(sends)
              .onComplete(
                  ctx.succeeding(
                      all ->
                          ctx.verify(
                              () -> {
                                assertThat(completedOn)
                                    .hasSize(1000)
                                    .allSatisfy(c -> assertThat(c).isSameAs(caller));
                                assertThat(listened).hasSize(1000);
                                Map<String, Integer> lastPerKey = new HashMap<>();
                                for (ProducerRecord<String, byte[]> record : mock.history()) {
                                  int i = index(record);
                                  assertThat(i)
                                      .isGreaterThan(lastPerKey.getOrDefault(record.key(), -1));
                                  lastPerKey.put(record.key(), i);
                                }
                                assertThat(mock.history()).hasSize(3000);
                                ctx.completeNow();
                              })));
        });
  }

  @Test
  void whileKafkaCannotTakeMoreTheBufferIsBoundedAndDropsAreCounted(
      Vertx vertx, VertxTestContext ctx) {
    StalledProducer stalled =
        new StalledProducer(); // send blocks: buffer.memory full or no metadata
    RecordPublisher publisher =
        new RecordPublisher(vertx, KafkaProducer.create(vertx, stalled), TopicNames.standard(), 5);
    vertx.runOnContext(
        v -> {
          // On the event loop, while the producer blocks the sending thread: nothing here may
          // block.
          List<Future<Void>> sends = new ArrayList<>();
          for (int i = 0; i < 20; i++) {
            sends.add(publisher.send(Topic.HEARTBEATS, "h", beat(i)));
          }
          ctx.verify(
              () -> {
                // five held (one in the blocked send, four waiting); the other fifteen refused at
                // once
                assertThat(sends.subList(5, 20))
                    .allSatisfy(send -> assertThat(send.failed()).isTrue());
                assertThat(sends.get(5).cause())
                    .isInstanceOf(RecordDroppedException.class)
                    .hasMessageContaining("publish buffer full (5 records)");
                assertThat(publisher.dropped()).isEqualTo(15);
              });
          stalled.release();
          Future.all(sends.subList(0, 5))
              .onComplete(
                  ctx.succeeding(
                      all ->
                          ctx.verify(
                              () -> {
                                assertThat(stalled.history())
                                    .extracting(RecordPublisherTest::index)
                                    .containsExactly(0, 1, 2, 3, 4);
                                assertThat(publisher.published()).isEqualTo(5);
                                assertThat(publisher.failed()).isZero();
                                ctx.completeNow();
                              })));
        });
  }

  @Test
  void recordsWaitingWithNoneAcknowledgedPastTheLimitAreNotReadyAndAnAckMakesItReadyAgain(
      Vertx vertx) throws Exception {
    MockProducer<String, byte[]> silent =
        new MockProducer<>(false, new StringSerializer(), new ByteArraySerializer());
    RecordPublisher publisher =
        new RecordPublisher(vertx, KafkaProducer.create(vertx, silent), TopicNames.standard(), 10);
    long start = System.nanoTime();
    publisher.send(Topic.HEARTBEATS, "h", beat(1));
    Await.until("the producer to take the record", WAIT, () -> !silent.history().isEmpty());
    assertThat(silent.history()).hasSize(1);
    assertThat(publisher.producing(start).ready()).isTrue();
    long later = System.nanoTime() + RecordPublisher.PROGRESS_LIMIT.toNanos() + 1_000_000_000L;
    assertThat(publisher.producing(later).ready()).isFalse();
    assertThat(publisher.producing(later).detail())
        .contains("1 records waiting, none acknowledged for")
        .contains("limit 60 s");

    silent.completeNext();
    Await.until("the acknowledgement", WAIT, () -> publisher.published() > 0);
    assertThat(publisher.producing(later).ready()).isTrue();
  }

  @Test
  void aRecordKafkaDoesNotAcknowledgeFailsItsSendAndIsCountedAsFailed(
      Vertx vertx, VertxTestContext ctx) {
    MockProducer<String, byte[]> failing =
        new MockProducer<>(false, new StringSerializer(), new ByteArraySerializer()) {
          @Override
          public synchronized java.util.concurrent.Future<RecordMetadata> send(
              ProducerRecord<String, byte[]> record, Callback callback) {
            java.util.concurrent.Future<RecordMetadata> result = super.send(record, callback);
            errorNext(new TimeoutException("not acknowledged in time"));
            return result;
          }
        };
    RecordPublisher publisher =
        new RecordPublisher(vertx, KafkaProducer.create(vertx, failing), TopicNames.standard(), 10);
    publisher
        .send(Topic.HEARTBEATS, "h", beat(1))
        .onComplete(
            ctx.failing(
                e ->
                    ctx.verify(
                        () -> {
                          assertThat(e).isInstanceOf(TimeoutException.class);
                          assertThat(publisher.failed()).isEqualTo(1);
                          assertThat(publisher.published()).isZero();
                          assertThat(publisher.dropped()).isZero();
                          ctx.completeNow();
                        })));
  }

  @Test
  void aRecordTheProducerRefusesOutrightIsAFailureAndLaterRecordsStillGo(
      Vertx vertx, VertxTestContext ctx) {
    MockProducer<String, byte[]> refusingOne =
        new MockProducer<>(true, new StringSerializer(), new ByteArraySerializer()) {
          @Override
          public synchronized java.util.concurrent.Future<RecordMetadata> send(
              ProducerRecord<String, byte[]> record, Callback callback) {
            if (record.key().equals("bad")) {
              throw new IllegalStateException("refused");
            }
            return super.send(record, callback);
          }
        };
    RecordPublisher publisher =
        new RecordPublisher(
            vertx, KafkaProducer.create(vertx, refusingOne), TopicNames.standard(), 10);
    Future<Void> bad = publisher.send(Topic.HEARTBEATS, "bad", beat(1));
    Future<Void> good = publisher.send(Topic.HEARTBEATS, "good", beat(2));
    Future.join(bad, good)
        .onComplete(
            ar ->
                ctx.verify(
                    () -> {
                      assertThat(bad.cause()).hasMessage("refused");
                      assertThat(good.succeeded()).isTrue();
                      assertThat(publisher.failed()).isEqualTo(1);
                      assertThat(publisher.published()).isEqualTo(1);
                      ctx.completeNow();
                    }));
  }

  @Test
  void stopDropsWhatIsBufferedFlushesWhatKafkaTookAndRefusesLaterRecords(
      Vertx vertx, VertxTestContext ctx) throws Exception {
    StalledProducer stalled = new StalledProducer();
    RecordPublisher publisher =
        new RecordPublisher(vertx, KafkaProducer.create(vertx, stalled), TopicNames.standard(), 10);
    Future<Void> first = publisher.send(Topic.HEARTBEATS, "h", beat(0));
    List<Future<Void>> buffered = new ArrayList<>();
    for (int i = 1; i < 3; i++) {
      buffered.add(publisher.send(Topic.HEARTBEATS, "h", beat(i)));
    }
    stalled.awaitSending(); // the first record is in the producer's (blocked) send
    Future<Void> stopped = publisher.stop();
    stalled.release();
    stopped.onComplete(
        ctx.succeeding(
            done -> {
              Future<Void> late = publisher.send(Topic.HEARTBEATS, "h", beat(3));
              ctx.verify(
                  () -> {
                    assertThat(first.succeeded()).isTrue();
                    assertThat(stalled.history())
                        .extracting(RecordPublisherTest::index)
                        .containsExactly(0);
                    assertThat(stalled.closed()).isTrue();
                    assertThat(buffered)
                        .allSatisfy(
                            send ->
                                assertThat(send.cause())
                                    .isInstanceOf(RecordDroppedException.class)
                                    .hasMessage("publisher stopped"));
                    assertThat(late.cause()).hasMessage("publisher stopped");
                    assertThat(publisher.dropped()).isEqualTo(3);
                    assertThat(publisher.published()).isEqualTo(1);
                    ctx.completeNow();
                  });
            }));
  }

  /** A publisher whose {@code laneTopic} records go through {@code laneProducer}. */
  private static RecordPublisher withPriorityLane(
      Vertx vertx,
      MockProducer<String, byte[]> producer,
      int maxBufferedRecords,
      Topic laneTopic,
      MockProducer<String, byte[]> laneProducer) {
    return new RecordPublisher(
        vertx,
        KafkaProducer.create(vertx, producer),
        TopicNames.standard(),
        maxBufferedRecords,
        RecordPublisher.ControlPath.DEFAULT,
        new RecordPublisher.PriorityLane(
            Set.of(laneTopic), KafkaProducer.create(vertx, laneProducer)));
  }

  /**
   * The collector's container lifecycle events: a die is taken and acknowledged through the lane's
   * own producer while the flows' producer is blocked and their buffer full.
   */
  @Test
  void recordsOfThePriorityLaneGoThroughTheirOwnProducerWhileTheOtherTelemetryIsStuck(
      Vertx vertx, VertxTestContext ctx) throws Exception {
    StalledProducer stalled = new StalledProducer();
    MockProducer<String, byte[]> laneProducer = mock(true);
    RecordPublisher publisher =
        withPriorityLane(vertx, stalled, 2, Topic.CONTAINER_EVENTS, laneProducer);
    List<Future<Void>> flows = new ArrayList<>();
    for (int i = 0; i < 5; i++) {
      flows.add(publisher.send(Topic.FLOWS, "h/c", beat(i)));
    }
    stalled.awaitSending();
    Future<Void> die = publisher.send(Topic.CONTAINER_EVENTS, "h/c", beat(99));
    die.onComplete(
        ctx.succeeding(
            v -> {
              ctx.verify(
                  () -> {
                    assertThat(laneProducer.history())
                        .singleElement()
                        .satisfies(
                            r -> {
                              assertThat(r.topic()).isEqualTo("porthole.container-events.v1");
                              assertThat(index(r)).isEqualTo(99);
                            });
                    assertThat(stalled.history()).isEmpty();
                    // two held by the flows' own buffer, the other three refused
                    assertThat(flows.subList(2, 5))
                        .allSatisfy(f -> assertThat(f.failed()).isTrue());
                  });
              stalled.release();
              publisher
                  .stop()
                  .onComplete(
                      ctx.succeeding(
                          stopped ->
                              ctx.verify(
                                  () -> {
                                    assertThat(laneProducer.closed()).isTrue();
                                    assertThat(stalled.closed()).isTrue();
                                    ctx.completeNow();
                                  })));
            }));
  }

  /** The lane's heartbeats, acknowledged after it, do not hide the main producer's failure. */
  @Test
  void aMainProducerWhoseLastSendFailedIsNotReadyWhileThePriorityLaneIsAcknowledged(Vertx vertx)
      throws Exception {
    MockProducer<String, byte[]> failing = mock(false);
    MockProducer<String, byte[]> laneProducer = mock(true);
    RecordPublisher publisher =
        withPriorityLane(vertx, failing, 10, Topic.HEARTBEATS, laneProducer);
    publisher.publish(Topic.FLOWS, "h/c", beat(1));
    Await.until("the main producer to take the flow", WAIT, () -> !failing.history().isEmpty());
    failing.errorNext(new TimeoutException("not acknowledged"));
    publisher.publish(Topic.HEARTBEATS, "h", beat(2));
    Await.until("the lane's acknowledgement", WAIT, () -> publisher.published() > 0);

    assertThat(publisher.failed()).isEqualTo(1);
    assertThat(laneProducer.history()).hasSize(1);
    assertThat(publisher.producing().ready()).isFalse();
    assertThat(publisher.producing().detail())
        .contains("last send failed")
        .contains("not acknowledged");
  }

  @Test
  void thePriorityLaneCarriesTelemetryOnly(Vertx vertx) {
    KafkaProducer<String, byte[]> producer = KafkaProducer.create(vertx, mock(true));

    assertThatThrownBy(() -> new RecordPublisher.PriorityLane(Set.of(Topic.ALERTS), producer))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("porthole.alerts.v1");
  }
}
