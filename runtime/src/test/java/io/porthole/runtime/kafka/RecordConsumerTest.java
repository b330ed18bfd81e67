package io.porthole.runtime.kafka;

import static org.assertj.core.api.Assertions.assertThat;

import io.porthole.testing.Await;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.kafka.client.consumer.KafkaConsumer;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.MockConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.consumer.OffsetCommitCallback;
import org.apache.kafka.clients.consumer.OffsetResetStrategy;
import org.apache.kafka.common.Node;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The consumer's commit, pause, failure and rebalance bookkeeping over kafka-clients' MockConsumer.
 */
class RecordConsumerTest {

  private static final String TOPIC = "t";
  private static final TopicPartition P0 = new TopicPartition(TOPIC, 0);
  private static final TopicPartition P1 = new TopicPartition(TOPIC, 1);
  private static final Duration TIMEOUT = Duration.ofSeconds(10);

  private Vertx vertx;
  private RecordingConsumer mock;

  /** The promise of each record handed out, by partition and offset ("0@3"). */
  private final Map<String, Promise<Void>> handedOut = new ConcurrentHashMap<>();

  /** The partitions the consumer was told were revoked. */
  private final Set<TopicPartition> revoked = ConcurrentHashMap.newKeySet();

  @BeforeEach
  void setUp() {
    vertx = Vertx.vertx();
    mock = new RecordingConsumer();
    mock.updateBeginningOffsets(Map.of(P0, 0L, P1, 0L));
  }

  @AfterEach
  void tearDown() throws Exception {
    vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
  }

  private RecordConsumer<String, String> started(int maxInFlight) throws Exception {
    return started(maxInFlight, Duration.ofMillis(20));
  }

  private RecordConsumer<String, String> started(int maxInFlight, Duration commitInterval)
      throws Exception {
    // Created on a context, as a verticle would: the consumer's bookkeeping runs there.
    Promise<RecordConsumer<String, String>> created = Promise.promise();
    vertx.runOnContext(
        v -> {
          RecordConsumer<String, String> consumer =
              RecordConsumer.forRecords(
                  vertx,
                  KafkaConsumer.create(vertx, mock),
                  new RecordConsumer.Options(
                      "test", Set.of(TOPIC), maxInFlight, commitInterval, Duration.ofSeconds(5)),
                  record -> {
                    Promise<Void> promise = Promise.promise();
                    handedOut.put(record.partition() + "@" + record.offset(), promise);
                    return promise.future();
                  },
                  new RecordConsumer.Rebalance<>() {
                    @Override
                    public void revoked(Set<TopicPartition> partitions) {
                      revoked.addAll(partitions);
                    }
                  });
          consumer.start().onComplete(ar -> created.complete(consumer));
        });
    RecordConsumer<String, String> consumer = await(created.future());
    mock.schedulePollTask(() -> mock.rebalance(List.of(P0, P1)));
    return consumer;
  }

  private void addRecords(TopicPartition partition, int from, int to) {
    mock.schedulePollTask(
        () -> {
          for (int offset = from; offset < to; offset++) {
            mock.addRecord(
                new ConsumerRecord<>(TOPIC, partition.partition(), offset, "k", "v" + offset));
          }
        });
  }

  private void complete(int partition, int... offsets) {
    for (int offset : offsets) {
      handedOut.get(partition + "@" + offset).complete();
    }
  }

  private Long committed(TopicPartition partition) {
    return mock.commits.get(partition);
  }

  /**
   * Remembers every commit, also of partitions no longer assigned and after close (MockConsumer
   * forgets).
   */
  private static final class RecordingConsumer extends MockConsumer<String, String> {
    final Map<TopicPartition, Long> commits = new ConcurrentHashMap<>();

    RecordingConsumer() {
      super(OffsetResetStrategy.EARLIEST);
    }

    @Override
    public synchronized void commitAsync(
        Map<TopicPartition, OffsetAndMetadata> offsets, OffsetCommitCallback callback) {
      offsets.forEach((partition, offset) -> commits.put(partition, offset.offset()));
      super.commitAsync(offsets, callback);
    }

    @Override
    public synchronized void commitSync(Map<TopicPartition, OffsetAndMetadata> offsets) {
      offsets.forEach((partition, offset) -> commits.put(partition, offset.offset()));
      super.commitSync(offsets);
    }
  }

  private static <T> T await(Future<T> future) throws Exception {
    return future.toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
  }

  private static void awaitThat(String what, BooleanSupplier condition) {
    Await.until(what, TIMEOUT, Duration.ofMillis(5), condition::getAsBoolean);
  }

  @Test
  void commitsPerPartitionTheEndOfTheContiguousPrefixOfCompletedRecords() throws Exception {
    RecordConsumer<String, String> consumer = started(100);
    addRecords(P0, 0, 5);
    addRecords(P1, 0, 2);
    awaitThat("seven records handed out", () -> handedOut.size() == 7);

    complete(0, 1, 2);
    complete(1, 0, 1);
    awaitThat("partition 1 committed to 2", () -> Long.valueOf(2).equals(committed(P1)));
    assertThat(committed(P0))
        .as("0 still running: nothing of partition 0 may be committed")
        .isNull();

    complete(0, 0);
    awaitThat("partition 0 committed past 0..2", () -> Long.valueOf(3).equals(committed(P0)));
    complete(0, 4);
    complete(0, 3);
    awaitThat("partition 0 committed to its end", () -> Long.valueOf(5).equals(committed(P0)));
    await(consumer.stop());
    assertThat(consumer.handedOut()).isEqualTo(7);
  }

  @Test
  void pausesAtMaxInFlightAndResumesAtHalf() throws Exception {
    RecordConsumer<String, String> consumer = started(4);
    addRecords(P0, 0, 10);
    awaitThat(
        "paused with ten in flight",
        () -> handedOut.size() == 10 && mock.paused().containsAll(Set.of(P0, P1)));
    assertThat(consumer.pauses()).isEqualTo(1);

    complete(0, 0, 1, 2, 3, 4, 5, 6);
    awaitThat("committed to 7", () -> Long.valueOf(7).equals(committed(P0)));
    assertThat(mock.paused()).as("three in flight is above half of four").isNotEmpty();
    complete(0, 7);
    awaitThat("resumed with two in flight", () -> mock.paused().isEmpty());
    await(consumer.stop());
  }

  @Test
  void aFailedRecordHoldsItsPartitionsCommitAndLaterCompletionsDoNotMoveIt() throws Exception {
    RecordConsumer<String, String> consumer = started(100);
    addRecords(P0, 0, 4);
    addRecords(P1, 0, 1);
    awaitThat("five records handed out", () -> handedOut.size() == 5);
    complete(0, 0);
    handedOut.get("0@1").fail("broker down");
    complete(0, 2, 3);
    complete(1, 0);
    await(consumer.stop());

    assertThat(committed(P0))
        .as("committed up to the failed record, which is read again")
        .isEqualTo(1);
    assertThat(committed(P1)).isEqualTo(1);
    assertThat(consumer.failures()).isEqualTo(1);
  }

  @Test
  void revocationCommitsWhatIsCompleteAndForgetsWhatWasInFlight() throws Exception {
    // No periodic commit in this test: only the revocation commits.
    RecordConsumer<String, String> consumer = started(100, Duration.ofHours(1));
    addRecords(P0, 0, 4);
    awaitThat("four records handed out", () -> handedOut.size() == 4);
    complete(0, 0, 1);
    assertThat(committed(P0)).as("nothing committed before the revocation").isNull();
    mock.schedulePollTask(() -> mock.rebalance(List.of()));
    awaitThat("partition 0 revoked", () -> revoked.contains(P0));
    awaitThat(
        "what was complete committed on revocation", () -> Long.valueOf(2).equals(committed(P0)));

    complete(0, 2, 3); // too late: the partition may belong to another member by now
    await(consumer.stop());
    assertThat(committed(P0)).isEqualTo(2);
  }

  @Test
  void anAssignmentRestartsFromTheCommittedOffsetAndNeverCommitsBelowIt() throws Exception {
    mock.commitSync(Map.of(P0, new OffsetAndMetadata(3)));
    RecordConsumer<String, String> consumer = started(100);
    addRecords(P0, 3, 5);
    awaitThat(
        "the records after the committed offset",
        () -> handedOut.keySet().equals(Set.of("0@3", "0@4")));
    complete(0, 3, 4);
    await(consumer.stop());
    assertThat(committed(P0)).isEqualTo(5);
  }

  @Test
  void everyCompletedPollIsTimedAlsoWithNothingToRead() throws Exception {
    RecordConsumer<String, String> consumer = started(100);
    awaitThat("a poll completed", () -> consumer.lastPollNanos() >= 0);
    long first = consumer.lastPollNanos();
    awaitThat("another poll completed", () -> consumer.lastPollNanos() > first);
    assertThat(handedOut).as("nothing to read").isEmpty();
    await(consumer.stop());
  }

  @Test
  void stopWaitsForWorkInFlightThenCommitsIt() throws Exception {
    RecordConsumer<String, String> consumer = started(100);
    addRecords(P0, 0, 3);
    awaitThat("three records handed out", () -> handedOut.size() == 3);
    complete(0, 0);
    Future<Void> stopped = consumer.stop();
    complete(0, 1, 2);
    await(stopped);
    assertThat(committed(P0)).isEqualTo(3);
    assertThat(mock.closed()).isTrue();
  }

  @Test
  void abortCommitsNothingMore() throws Exception {
    RecordConsumer<String, String> consumer = started(100);
    addRecords(P0, 0, 3);
    awaitThat("three records handed out", () -> handedOut.size() == 3);
    await(consumer.abort());
    complete(0, 0, 1, 2);
    assertThat(committed(P0)).isNull();
    assertThat(mock.closed()).isTrue();
  }

  private RecordConsumer<String, String> startedFromBeginning(List<TopicPartition> partitions)
      throws Exception {
    mock.updatePartitions(
        TOPIC, partitions.stream().map(p -> partitionInfo(p.partition())).toList());
    Promise<RecordConsumer<String, String>> created = Promise.promise();
    vertx.runOnContext(
        v -> {
          RecordConsumer<String, String> consumer =
              RecordConsumer.fromBeginning(
                  vertx,
                  KafkaConsumer.create(vertx, mock),
                  new RecordConsumer.Options(
                      "views", Set.of(TOPIC), 100, Duration.ofMillis(20), Duration.ofSeconds(5)),
                  record -> {
                    Promise<Void> promise = Promise.promise();
                    handedOut.put(record.partition() + "@" + record.offset(), promise);
                    return promise.future();
                  },
                  Duration.ofMillis(50));
          consumer
              .start()
              .onComplete(
                  ar -> {
                    if (ar.failed()) {
                      created.fail(ar.cause());
                    } else {
                      created.complete(consumer);
                    }
                  });
        });
    return await(created.future());
  }

  private static PartitionInfo partitionInfo(int partition) {
    Node leader = new Node(1, "localhost", 9092);
    return new PartitionInfo(TOPIC, partition, leader, new Node[] {leader}, new Node[] {leader});
  }

  @Test
  void withoutAGroupEveryPartitionIsReadFromItsBeginningNothingIsCommittedAndCatchingUpIsTold()
      throws Exception {
    mock.commitSync(
        Map.of(P0, new OffsetAndMetadata(2))); // another reader's commit: not where this one starts
    mock.commits.clear();
    mock.updateEndOffsets(Map.of(P0, 3L, P1, 1L));
    RecordConsumer<String, String> consumer = startedFromBeginning(List.of(P0, P1));
    assertThat(mock.assignment()).containsExactlyInAnyOrder(P0, P1);
    addRecords(P0, 0, 3);
    addRecords(P1, 0, 1);
    awaitThat("four records handed out", () -> handedOut.size() == 4);
    complete(0, 0, 1, 2);
    Thread.sleep(300); // several catch-up checks, to show they do not complete it meanwhile
    assertThat(consumer.caughtUp().isComplete())
        .as("partition 1 still has a record in flight")
        .isFalse();

    complete(1, 0);
    await(consumer.caughtUp());
    await(consumer.stop());
    assertThat(mock.commits).as("nothing committed without a group").isEmpty();
    assertThat(consumer.handedOut()).isEqualTo(4);
  }

  @Test
  void withoutAGroupAPartitionCreatedLaterIsReadFromItsBeginning() throws Exception {
    mock.updateEndOffsets(Map.of(P0, 0L, P1, 0L));
    RecordConsumer<String, String> consumer = startedFromBeginning(List.of(P0));
    await(consumer.caughtUp());
    assertThat(mock.assignment()).containsExactly(P0);

    mock.updatePartitions(TOPIC, List.of(partitionInfo(0), partitionInfo(1)));
    awaitThat("the new partition assigned", () -> mock.assignment().contains(P1));
    addRecords(P1, 0, 2);
    awaitThat("its records handed out", () -> handedOut.keySet().equals(Set.of("1@0", "1@1")));
    await(consumer.stop());
  }

  @Test
  void withoutAGroupAFailedRecordIsPassedOverAndAPositionAtTheEndWithoutRecordsCountsAsRead()
      throws Exception {
    mock.updateBeginningOffsets(
        Map.of(P0, 0L, P1, 4L)); // partition 1: records below 4 deleted, or markers
    mock.updateEndOffsets(Map.of(P0, 2L, P1, 4L));
    RecordConsumer<String, String> consumer = startedFromBeginning(List.of(P0, P1));
    addRecords(P0, 0, 2);
    awaitThat("two records handed out", () -> handedOut.size() == 2);
    handedOut.get("0@0").fail("not a view record");
    complete(0, 1);
    await(consumer.caughtUp());
    assertThat(consumer.failures()).isEqualTo(1);
    await(consumer.stop());
  }
}
