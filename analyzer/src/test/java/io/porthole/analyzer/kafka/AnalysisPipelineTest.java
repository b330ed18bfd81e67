package io.porthole.analyzer.kafka;

import static org.assertj.core.api.Assertions.assertThat;

import io.porthole.testing.Await;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.MockConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.consumer.OffsetResetStrategy;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The analyzer's fetch and analysis threads, on kafka-clients' MockConsumer. */
class AnalysisPipelineTest {

  private static final String EVENTS = "container-events";
  private static final String FLOWS = "flows";
  private static final TopicPartition EVENTS_0 = new TopicPartition(EVENTS, 0);
  private static final TopicPartition FLOWS_0 = new TopicPartition(FLOWS, 0);
  private static final TopicPartition FLOWS_1 = new TopicPartition(FLOWS, 1);
  private static final Duration TIMEOUT = Duration.ofSeconds(10);

  private final MockConsumer<byte[], byte[]> consumer =
      new MockConsumer<>(OffsetResetStrategy.EARLIEST);
  private final MockConsumer<byte[], byte[]> priorityConsumer =
      new MockConsumer<>(OffsetResetStrategy.EARLIEST);
  private final AnalyzerStats stats = new AnalyzerStats();
  private final RecordingStage stage = new RecordingStage();
  private AnalysisPipeline<byte[], byte[]> pipeline;

  /**
   * What the analysis thread saw: "topic-partition@offset" in the order analysed, and on which
   * threads.
   */
  private static final class RecordingStage implements AnalysisPipeline.Stage<byte[], byte[]> {
    final List<String> analysed = Collections.synchronizedList(new ArrayList<>());
    final Set<String> threads = Collections.synchronizedSet(new HashSet<>());
    volatile CountDownLatch gate = new CountDownLatch(0);
    volatile CompletableFuture<Void> acknowledged = CompletableFuture.completedFuture(null);
    // "topic-partition thread" of every batch prepared.
    final List<String> prepared = Collections.synchronizedList(new ArrayList<>());
    volatile int resets;
    volatile int entered;

    @Override
    public Object prepare(TopicPartition partition, List<ConsumerRecord<byte[], byte[]>> records) {
      prepared.add(partition + " " + Thread.currentThread().getName());
      return null;
    }

    @Override
    public CompletionStage<Void> analyse(
        TopicPartition partition, List<ConsumerRecord<byte[], byte[]>> records) {
      threads.add(Thread.currentThread().getName());
      entered++;
      try {
        gate.await(10, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      records.forEach(r -> analysed.add(r.topic() + "-" + r.partition() + "@" + r.offset()));
      return acknowledged;
    }

    @Override
    public void reset() {
      resets++;
    }

    @Override
    public void tick() {}
  }

  private void start(int maxInFlight) {
    start(maxInFlight, 2);
  }

  private void start(int maxInFlight, int decodeThreads) {
    start(maxInFlight, decodeThreads, Map.of());
  }

  /** {@code committed}: the group's offsets when the partitions are assigned. */
  private void start(
      int maxInFlight, int decodeThreads, Map<TopicPartition, OffsetAndMetadata> committed) {
    Map<TopicPartition, Long> beginning = new HashMap<>();
    for (TopicPartition partition : List.of(EVENTS_0, FLOWS_0, FLOWS_1)) {
      beginning.put(partition, 0L);
    }
    consumer.updateBeginningOffsets(beginning);
    priorityConsumer.updateBeginningOffsets(beginning);
    pipeline =
        new AnalysisPipeline<>(
            consumer,
            priorityConsumer,
            new AnalysisPipeline.Options(
                "test",
                Set.of(EVENTS, FLOWS),
                Set.of(EVENTS),
                maxInFlight,
                decodeThreads,
                Duration.ofMillis(10),
                Duration.ofSeconds(1),
                Duration.ofMinutes(5),
                Duration.ofSeconds(5)),
            stage,
            stats);
    pipeline.start().join();
    consumer.schedulePollTask(
        () -> {
          consumer.commitSync(committed);
          consumer.rebalance(List.of(EVENTS_0, FLOWS_0, FLOWS_1));
        });
    await("the partitions assigned", () -> stats.rebalances() == 1);
    await(
        "the lifecycle partition handed to the priority consumer",
        () -> priorityConsumer.assignment().equals(Set.of(EVENTS_0)));
  }

  @AfterEach
  void stop() throws Exception {
    stage.gate = new CountDownLatch(0);
    stage.acknowledged.complete(null);
    if (pipeline != null) {
      pipeline.stop().get(10, TimeUnit.SECONDS);
    }
  }

  /**
   * Adds records on the thread that fetches the partition, inside its next poll (MockConsumer is
   * not for two threads): lifecycle records on the priority consumer, others on the group's.
   */
  private void produce(TopicPartition partition, long from, int count) {
    CountDownLatch added = new CountDownLatch(1);
    MockConsumer<byte[], byte[]> fetching =
        partition.topic().equals(EVENTS) ? priorityConsumer : consumer;
    fetching.schedulePollTask(
        () -> {
          for (long offset = from; offset < from + count; offset++) {
            fetching.addRecord(
                new ConsumerRecord<>(
                    partition.topic(), partition.partition(), offset, new byte[0], new byte[0]));
          }
          added.countDown();
        });
    try {
      assertThat(added.await(10, TimeUnit.SECONDS))
          .as("records added by the fetch thread")
          .isTrue();
    } catch (InterruptedException e) {
      throw new IllegalStateException(e);
    }
  }

  private static void await(String what, BooleanSupplier condition) {
    Await.until(what, TIMEOUT, Duration.ofMillis(1), condition::getAsBoolean);
  }

  private long committed(TopicPartition partition) {
    OffsetAndMetadata offset = consumer.committed(Set.of(partition)).get(partition);
    return offset == null ? -1 : offset.offset();
  }

  @Test
  void everyPartitionIsAnalysedInOffsetOrderOnOneThreadAfterTheStateWasReset() {
    start(10_000);
    produce(FLOWS_0, 0, 3);
    produce(EVENTS_0, 0, 2);
    produce(FLOWS_1, 0, 2);
    produce(FLOWS_0, 3, 2);

    await("every record analysed", () -> stage.analysed.size() == 9);
    assertThat(stage.resets).isEqualTo(1);
    assertThat(stage.threads).containsExactly("test-analysis");
    List<String> flows0 = stage.analysed.stream().filter(r -> r.startsWith("flows-0@")).toList();
    assertThat(flows0)
        .containsExactly("flows-0@0", "flows-0@1", "flows-0@2", "flows-0@3", "flows-0@4");
    assertThat(stage.analysed.stream().filter(r -> r.startsWith("container-events-0@")).toList())
        .containsExactly("container-events-0@0", "container-events-0@1");
  }

  @Test
  void flowBatchesArePreparedOnTheDecodeThreadsAndLifecycleBatchesOnTheAnalysisThread() {
    start(10_000, 2);
    produce(FLOWS_0, 0, 2);
    produce(EVENTS_0, 0, 1);

    await("every record analysed", () -> stage.analysed.size() == 3);
    assertThat(stage.prepared)
        .anyMatch(p -> p.startsWith("flows-0 test-decode-"))
        .contains("container-events-0 test-analysis")
        .noneMatch(p -> p.startsWith("flows-0 test-analysis"));
  }

  @Test
  void withoutDecodeThreadsTheFetchThreadPreparesFlowBatchesAndOrderIsKept() {
    start(10_000, 0);
    produce(FLOWS_0, 0, 2);
    produce(EVENTS_0, 0, 1);
    produce(FLOWS_0, 2, 2);

    await("every record analysed", () -> stage.analysed.size() == 5);
    assertThat(stage.prepared)
        .contains("container-events-0 test-analysis")
        .filteredOn(p -> p.startsWith("flows-0 "))
        .isNotEmpty()
        .allMatch(p -> p.endsWith(" test-fetch"));
    assertThat(stage.analysed.stream().filter(r -> r.startsWith("flows-0@")).toList())
        .containsExactly("flows-0@0", "flows-0@1", "flows-0@2", "flows-0@3");
  }

  @Test
  void aLifecycleBatchIsAnalysedBeforeFlowsFetchedEarlier() {
    start(10_000);
    stage.gate = new CountDownLatch(1);
    produce(FLOWS_0, 0, 1);
    await("the analysis thread busy with the first flows", () -> stage.entered == 1);
    produce(FLOWS_1, 0, 1);
    produce(FLOWS_0, 1, 1);
    produce(EVENTS_0, 0, 1);
    await("flows and the die queued", () -> pipeline.queued().size() == 3);
    stage.gate.countDown();

    await("every record analysed", () -> stage.analysed.size() == 4);
    assertThat(stage.analysed)
        .containsExactly("flows-0@0", "container-events-0@0", "flows-1@0", "flows-0@1");
  }

  @Test
  void aBatchIsCommittedOnlyOnceItsAlertsAreAcknowledged() throws Exception {
    start(10_000);
    stage.acknowledged = new CompletableFuture<>();
    produce(FLOWS_0, 0, 3);
    await("the batch analysed", () -> stage.analysed.size() == 3);
    produce(
        EVENTS_0, 0, 1); // analysed, acknowledged with the same future: nothing committed either
    await("the lifecycle record analysed", () -> stage.analysed.size() == 4);

    Thread.sleep(100); // ten commit intervals, to show nothing is committed meanwhile
    assertThat(committed(FLOWS_0)).isEqualTo(-1);
    assertThat(committed(EVENTS_0)).isEqualTo(-1);

    stage.acknowledged.complete(null);
    await(
        "the acknowledged batches committed",
        () -> committed(FLOWS_0) == 3 && committed(EVENTS_0) == 1);
  }

  @Test
  void aFailedBatchHoldsItsPartitionsCommitWhileLaterOnesMoveOn() throws Exception {
    start(10_000);
    stage.acknowledged = CompletableFuture.failedFuture(new IllegalStateException("alert refused"));
    produce(FLOWS_0, 0, 2);
    await("the failing batch analysed", () -> stage.analysed.size() == 2);
    stage.acknowledged = CompletableFuture.completedFuture(null);
    produce(FLOWS_0, 2, 2);
    produce(FLOWS_1, 0, 2);

    await("the other partition committed", () -> committed(FLOWS_1) == 2);
    Thread.sleep(100); // ten commit intervals, to show the failed batch's partition stays put
    assertThat(committed(FLOWS_0)).isEqualTo(-1);
  }

  @Test
  void atMaxInFlightTheFlowsPauseWhileADieIsStillFetchedAndAnalysedFirst() throws Exception {
    start(2);
    stage.gate = new CountDownLatch(1);
    produce(FLOWS_0, 0, 1);
    await("the analysis thread busy", () -> stage.entered == 1);
    produce(FLOWS_1, 0, 2);
    await(
        "two records queued, the flows paused",
        () -> stats.pauses() == 1 && consumer.paused().containsAll(Set.of(FLOWS_0, FLOWS_1)));
    assertThat(priorityConsumer.paused()).isEmpty();

    // Polling goes on (produce runs inside a poll): the die comes while the queue is full, flows
    // added meanwhile wait in the consumer.
    produce(FLOWS_0, 1, 1);
    produce(EVENTS_0, 0, 1);
    await("the die queued", () -> pipeline.queued().contains(EVENTS_0));
    assertThat(pipeline.queued()).containsExactly(EVENTS_0, FLOWS_1);
    stage.gate.countDown();

    await("every record analysed", () -> stage.analysed.size() == 5);
    assertThat(stage.analysed)
        .containsExactly(
            "flows-0@0", "container-events-0@0", "flows-1@0", "flows-1@1", "flows-0@1");
    await("the flows resumed", () -> consumer.paused().equals(Set.of(EVENTS_0)));
  }

  @Test
  void recordsAwaitingAcknowledgementPauseTheFlowsAtTenTimesMaxInFlight() {
    start(2);
    stage.acknowledged = new CompletableFuture<>();
    produce(FLOWS_0, 0, 12);
    produce(FLOWS_1, 0, 12);

    await(
        "the flows paused",
        () -> stats.pauses() >= 1 && consumer.paused().containsAll(Set.of(FLOWS_0, FLOWS_1)));
    assertThat(priorityConsumer.paused()).isEmpty();
    produce(EVENTS_0, 0, 1);
    await("a die still analysed", () -> stage.analysed.contains("container-events-0@0"));
    stage.acknowledged.complete(null);
    await("resumed once acknowledged", () -> consumer.paused().equals(Set.of(EVENTS_0)));
  }

  @Test
  void theLifecyclePartitionIsReadByThePriorityConsumerFromTheGroupsOffsetAndCommittedByTheGroup() {
    start(10_000, 2, Map.of(EVENTS_0, new OffsetAndMetadata(2)));
    assertThat(consumer.paused()).as("the group's consumer leaves it alone").contains(EVENTS_0);
    produce(EVENTS_0, 0, 4);
    produce(FLOWS_0, 0, 1);

    await("the records from the committed offset analysed", () -> stage.analysed.size() == 3);
    assertThat(stage.analysed)
        .containsExactlyInAnyOrder("container-events-0@2", "container-events-0@3", "flows-0@0");
    await("the group committed both", () -> committed(EVENTS_0) == 4 && committed(FLOWS_0) == 1);
  }

  @Test
  void theLifecyclePartitionPausedForAcknowledgementsIsReadAgainAfterARebalance() {
    start(2); // the lifecycle partition pauses at 80 records awaiting acknowledgement
    stage.acknowledged = new CompletableFuture<>();
    produce(EVENTS_0, 0, 80);
    await("the lifecycle partition paused", () -> priorityConsumer.paused().contains(EVENTS_0));
    // What is read from here on (the same records again, from the committed offset) is
    // acknowledged at once: only a pause carried over from the revoked assignment could stay.
    stage.acknowledged = CompletableFuture.completedFuture(null);

    // Revoked and assigned again in one poll: the priority consumer may only see the second.
    consumer.schedulePollTask(
        () -> {
          consumer.rebalance(List.of(FLOWS_0, FLOWS_1));
          consumer.rebalance(List.of(EVENTS_0, FLOWS_0, FLOWS_1));
        });
    await("assigned again", () -> stats.rebalances() == 3);
    await(
        "the priority consumer has it again",
        () -> priorityConsumer.assignment().equals(Set.of(EVENTS_0)));
    produce(EVENTS_0, 80, 1);
    await("the next die analysed", () -> stage.analysed.contains("container-events-0@80"));
  }

  @Test
  void aRebalanceHandsThePriorityConsumerTheNewAssignmentAndNothingOfTheRevokedOne() {
    start(10_000);
    produce(EVENTS_0, 0, 1);
    await("the first die analysed", () -> stage.analysed.size() == 1);
    await("committed", () -> committed(EVENTS_0) == 1);

    consumer.schedulePollTask(() -> consumer.rebalance(List.of(FLOWS_0, FLOWS_1)));
    await("the lifecycle partition revoked", () -> stats.rebalances() == 2);
    await("the priority consumer gave it up", () -> priorityConsumer.assignment().isEmpty());

    consumer.schedulePollTask(() -> consumer.rebalance(List.of(EVENTS_0, FLOWS_0, FLOWS_1)));
    await("assigned again", () -> stats.rebalances() == 3);
    await(
        "the priority consumer has it again",
        () -> priorityConsumer.assignment().equals(Set.of(EVENTS_0)));
    produce(EVENTS_0, 1, 1);
    await("the next die analysed", () -> stage.analysed.size() == 2);
    assertThat(stage.analysed).containsExactly("container-events-0@0", "container-events-0@1");
    assertThat(stage.resets).isEqualTo(3);
  }
}
