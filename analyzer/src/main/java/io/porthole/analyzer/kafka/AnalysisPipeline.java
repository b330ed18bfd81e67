package io.porthole.analyzer.kafka;

import io.porthole.runtime.kafka.PartitionProgress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.consumer.OffsetAndTimestamp;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The analyzer's consumption path, off the event loop: a fetch thread owns the group's Kafka
 * consumer (poll, pause/resume, commits, rebalances) and hands each partition's fetched records to
 * one analysis thread, which runs {@link Stage} on them in order. One analysis thread means every
 * container is analysed in order by one thread (the rules' contract), whatever topic its records
 * come on.
 *
 * <p>Lifecycle and heartbeat partitions ({@code priorityTopics}) are fetched by a consumer of their
 * own, on a thread of its own, and have their own queue, which the analysis thread empties first: a
 * die never waits behind a backlog of flows or syscalls, neither in the queue nor in the group
 * consumer's fetch buffer (which hands out a fetch response's partitions in turn, a few megabytes
 * of flows before the die), and a fetch that names only those mostly idle partitions (which the
 * broker holds {@code fetch.max.wait.ms}) never delays the next fetch of flows. The group consumer
 * still owns those partitions (assignment, committed offsets, commits: a container's partitions of
 * every topic go to one instance) but keeps them paused; the priority consumer, without a group, is
 * assigned them on every rebalance from the group consumer's positions. The rules recognise either
 * arrival order across topics; within a partition, order is kept.
 *
 * <p>A batch counts as handled when the future {@link Stage#analyse} returned completes: its alerts
 * and dead letters acknowledged. Per partition the commit moves to the end of the contiguous prefix
 * of handled batches ({@link PartitionProgress}), every {@code commitInterval}, on revocation and
 * at {@link #stop}. Memory stays bounded: at {@code maxInFlight} records fetched and not analysed
 * yet the bulk partitions pause (the consumer keeps what it has fetched for them and hands it out
 * after the resume) until the analysis thread has taken a batch off the queue, while polls that do
 * not block go on for the priority partitions: a die is fetched while the flows wait. At ten times
 * that analysed and awaiting acknowledgement (of which only the offsets are kept) the bulk
 * partitions pause too, the priority ones at forty times; they resume at half. Waiting for
 * acknowledgements thus never stalls the fetch of the next records.
 *
 * <p>On every assignment the analysis state is rebuilt: {@link Stage#reset} runs before any record
 * of the new assignment, and each partition is re-read from {@code now - replayWindow} when that is
 * before its committed offset.
 */
public final class AnalysisPipeline<K, V> {

  /** The analysis; every method is called on the analysis thread only. */
  public interface Stage<K, V> {
    /**
     * Analyses one partition's records, in offset order. The returned stage completes once their
     * alerts and dead letters are acknowledged; a failed one holds the partition's commit.
     */
    CompletionStage<Void> analyse(TopicPartition partition, List<ConsumerRecord<K, V>> records);

    /**
     * The part of a batch's work that needs no analysis state (decoding): for bulk batches, called
     * on one of the pipeline's decode threads when it has any (in parallel with the analysis of
     * earlier ones), otherwise on the fetch thread before the batch is queued; for priority batches
     * on the analysis thread (a die does not wait behind the decoding of flows). Must be
     * thread-safe. Its result is handed to {@link #analyse(TopicPartition, List, Object)}.
     */
    default Object prepare(TopicPartition partition, List<ConsumerRecord<K, V>> records) {
      return null;
    }

    /** Analyses a batch {@link #prepare} prepared; by default ignores what it prepared. */
    default CompletionStage<Void> analyse(
        TopicPartition partition, List<ConsumerRecord<K, V>> records, Object prepared) {
      return analyse(partition, records);
    }

    /** Partitions were assigned afresh: forget the state (the replay window is read next). */
    void reset();

    /** Lets time pass; called every {@code tickInterval} between batches. */
    void tick();
  }

  /**
   * @param priorityTopics topics analysed before the others (lifecycle events, heartbeats)
   * @param maxInFlight records fetched and not analysed at which the bulk partitions pause
   * @param decodeThreads threads that run {@link Stage#prepare} on bulk batches ahead of the
   *     analysis thread; 0: the fetch thread prepares them as it queues them
   */
  public record Options(
      String name,
      Set<String> topics,
      Set<String> priorityTopics,
      int maxInFlight,
      int decodeThreads,
      Duration commitInterval,
      Duration tickInterval,
      Duration replayWindow,
      Duration stopDrain) {
    public Options {
      Objects.requireNonNull(name, "name");
      topics = Set.copyOf(topics);
      priorityTopics = Set.copyOf(priorityTopics);
      if (maxInFlight < 1) {
        throw new IllegalArgumentException("maxInFlight must be positive");
      }
      if (decodeThreads < 0) {
        throw new IllegalArgumentException("decodeThreads must not be negative");
      }
      Objects.requireNonNull(commitInterval, "commitInterval");
      Objects.requireNonNull(tickInterval, "tickInterval");
      Objects.requireNonNull(replayWindow, "replayWindow");
      Objects.requireNonNull(stopDrain, "stopDrain");
    }
  }

  private static final Logger LOG = LoggerFactory.getLogger(AnalysisPipeline.class);
  private static final Duration POLL = Duration.ofMillis(100);
  private static final Duration POLL_WHILE_PAUSED = Duration.ofMillis(5);
  // With the bulk partitions paused (the queue full, or awaiting acknowledgements: polls that do
  // not block, priority records and commit callbacks still come), the fetch thread waits at most
  // this long at a time; the analysis thread wakes it once the queue has room, a completed batch
  // too. Blocking in poll instead overslept: at ~500k records/s the queue drains in a few
  // milliseconds.
  private static final long PAUSED_WAIT_NANOS = TimeUnit.MILLISECONDS.toNanos(1);
  private static final int PRIORITY_FACTOR = 4;
  private static final int UNACKNOWLEDGED_FACTOR = 10;

  /**
   * Records of one partition on their way to the analysis thread; {@code prepared} is null for a
   * batch the analysis thread prepares itself.
   */
  private record Batch<K, V>(
      int generation,
      TopicPartition partition,
      List<ConsumerRecord<K, V>> records,
      PartitionProgress tracker,
      PartitionProgress.Work work,
      CompletableFuture<Object> prepared) {}

  /** A batch analysed (its records no longer held) whose alerts may still await acknowledgement. */
  private record Completion(
      int generation,
      TopicPartition partition,
      PartitionProgress tracker,
      PartitionProgress.Work work,
      Throwable failure) {}

  private final Consumer<K, V> consumer;
  // Without a group: assigned the priority partitions of the group consumer's assignment.
  private final Consumer<K, V> priorityConsumer;
  private final Options options;
  private final Stage<K, V> stage;
  private final AnalyzerStats stats;
  private final Thread fetchThread;
  private final Thread priorityFetchThread;
  private final Thread analysisThread;
  // Runs Stage.prepare on bulk batches ahead of the analysis thread; null: the fetch thread does.
  private final ExecutorService decoders;

  // Handed from the fetch thread to the analysis thread.
  private final ConcurrentLinkedQueue<Batch<K, V>> priority = new ConcurrentLinkedQueue<>();
  private final ConcurrentLinkedQueue<Batch<K, V>> bulk = new ConcurrentLinkedQueue<>();
  private final ConcurrentLinkedQueue<Runnable> tasks = new ConcurrentLinkedQueue<>();
  // Handed back to the fetch thread from whichever thread completed the batch.
  private final ConcurrentLinkedQueue<Completion> completions = new ConcurrentLinkedQueue<>();
  // Records fetched and not analysed yet: what holds memory, and what a die could wait behind.
  private final AtomicInteger queued = new AtomicInteger();
  // Records queued or analysed whose alerts or dead letters are not acknowledged yet (only their
  // offsets are kept): added by both fetch threads, reset with the generation (under
  // assignmentLock), taken off by the fetch thread.
  private final AtomicInteger unacknowledged = new AtomicInteger();
  // The next priority partitions for the priority fetch thread (latest wins), set on every
  // rebalance by the fetch thread.
  private final AtomicReference<PriorityAssignment> nextPriorityAssignment =
      new AtomicReference<>();
  // Held while the generation changes, and while the priority fetch thread queues a batch of its
  // generation: no batch of a revoked assignment is counted after the reset.
  private final Object assignmentLock = new Object();
  // The fetch thread waits for room in the queue or for acknowledgements: the analysis thread
  // unparks it once the queue is below maxInFlight, a completed batch too.
  private volatile boolean fetchWaiting;
  // Fetch thread only: the queue is at maxInFlight (the bulk partitions pause).
  private boolean queueFull;
  // Fetch thread only: unacknowledged records reached ten times maxInFlight, not yet back to half
  // (the bulk partitions pause).
  private boolean awaitingAcknowledgements;
  private volatile int generation;
  private volatile boolean stopping;
  private volatile boolean aborted;
  private volatile long drainUntilNanos;
  private final CompletableFuture<Void> subscribed = new CompletableFuture<>();
  private final CompletableFuture<Void> fetchDone = new CompletableFuture<>();
  private final CompletableFuture<Void> priorityFetchDone = new CompletableFuture<>();
  private final CompletableFuture<Void> stopped = new CompletableFuture<>();

  // Fetch thread only.
  private final Map<TopicPartition, PartitionProgress> progress = new HashMap<>();
  private final Set<TopicPartition> pausedBulk = new HashSet<>();
  private long nextCommitNanos;

  // Analysis thread only.
  private int analysedGeneration;

  /**
   * @param consumer the group's consumer, subscribed to every topic
   * @param priorityConsumer a consumer without a group (the same settings otherwise), assigned the
   *     priority partitions the group consumer holds
   */
  public AnalysisPipeline(
      Consumer<K, V> consumer,
      Consumer<K, V> priorityConsumer,
      Options options,
      Stage<K, V> stage,
      AnalyzerStats stats) {
    this.consumer = Objects.requireNonNull(consumer, "consumer");
    this.priorityConsumer = Objects.requireNonNull(priorityConsumer, "priorityConsumer");
    this.options = Objects.requireNonNull(options, "options");
    this.stage = Objects.requireNonNull(stage, "stage");
    this.stats = Objects.requireNonNull(stats, "stats");
    this.fetchThread = new Thread(this::fetchLoop, options.name() + "-fetch");
    this.priorityFetchThread =
        new Thread(this::priorityFetchLoop, options.name() + "-priority-fetch");
    this.analysisThread = new Thread(this::analysisLoop, options.name() + "-analysis");
    fetchThread.setDaemon(true);
    priorityFetchThread.setDaemon(true);
    analysisThread.setDaemon(true);
    AtomicInteger decoderCount = new AtomicInteger();
    this.decoders =
        options.decodeThreads() == 0
            ? null
            : Executors.newFixedThreadPool(
                options.decodeThreads(),
                task -> {
                  Thread thread =
                      new Thread(
                          task, options.name() + "-decode-" + decoderCount.incrementAndGet());
                  thread.setDaemon(true);
                  return thread;
                });
  }

  /** Starts the threads; completes once the group consumer is subscribed. */
  public CompletableFuture<Void> start() {
    analysisThread.start();
    priorityFetchThread.start();
    fetchThread.start();
    return subscribed;
  }

  /**
   * Stops fetching, waits (at most {@code stopDrain}) for the batches in flight, commits what is
   * handled and closes the consumers; completes when the threads are done.
   */
  public CompletableFuture<Void> stop() {
    drainUntilNanos = System.nanoTime() + options.stopDrain().toNanos();
    stopFetching();
    return stopped;
  }

  /** Stops at once as a crash would: nothing more is committed (for fault tests). */
  public CompletableFuture<Void> abort() {
    aborted = true;
    stopFetching();
    return stopped;
  }

  private void stopFetching() {
    stopping = true;
    consumer.wakeup();
    priorityConsumer.wakeup();
    LockSupport.unpark(priorityFetchThread);
  }

  /** Runs {@code task} on the analysis thread, before the next batch (e.g. host info, ticks). */
  public void submit(Runnable task) {
    tasks.add(task);
    LockSupport.unpark(analysisThread);
  }

  // ------------------------------------------------------------------------------------------
  // Fetch thread

  private void fetchLoop() {
    try {
      consumer.subscribe(options.topics(), new Listener());
      subscribed.complete(null);
      nextCommitNanos = System.nanoTime() + options.commitInterval().toNanos();
      while (!stopping) {
        fetchOnce();
      }
      if (!aborted) {
        drain();
      }
    } catch (RuntimeException e) {
      if (!subscribed.isDone()) {
        subscribed.completeExceptionally(e);
      } else if (!aborted) {
        LOG.error("{}: the fetch thread failed; nothing more is analysed", options.name(), e);
      }
    } finally {
      stopping = true; // the priority fetch thread too: nothing more is committed
      synchronized (assignmentLock) {
        generation++;
      }
      wakePriorityFetch();
      try {
        consumer.close(aborted ? Duration.ZERO : Duration.ofSeconds(5));
      } catch (RuntimeException e) {
        LOG.warn("{}: closing the consumer: {}", options.name(), e.toString());
      }
      fetchDone.complete(null);
      LockSupport.unpark(analysisThread);
    }
  }

  private void fetchOnce() {
    // The analysis is behind: the bulk partitions pause until it takes a batch off the queue; the
    // polls that go on without waiting run commit callbacks and keep the group membership. The
    // consumer keeps what it fetched for a paused partition and hands it out after the resume.
    // (The priority partitions, always paused here, come through the priority consumer.)
    boolean full = queued.get() >= options.maxInFlight();
    if (full != queueFull) {
      queueFull = full;
      if (full) {
        stats.pauses.incrementAndGet();
      }
    }
    applyCompletions();
    pauseOrResume();
    ConsumerRecords<K, V> fetched;
    try {
      fetched = consumer.poll(pausedBulk.isEmpty() ? POLL : Duration.ZERO);
    } catch (WakeupException e) {
      return;
    }
    int fetchedIn = generation;
    for (TopicPartition partition : fetched.partitions()) {
      PartitionProgress tracker = progress.get(partition);
      if (tracker == null || isPriority(partition)) {
        continue; // (priority partitions stay paused here: the priority consumer reads them)
      }
      List<ConsumerRecord<K, V>> records = fetched.records(partition);
      long first = records.get(0).offset();
      long end = records.get(records.size() - 1).offset() + 1;
      CompletableFuture<Object> prepared =
          decoders == null ? prepareHere(partition, records) : prepareAhead(partition, records);
      Batch<K, V> batch =
          new Batch<>(
              fetchedIn,
              partition,
              records,
              tracker,
              tracker.begin(first, end, records.size()),
              prepared);
      queued.addAndGet(records.size());
      unacknowledged.addAndGet(records.size());
      bulk.add(batch);
    }
    if (!fetched.isEmpty()) {
      LockSupport.unpark(analysisThread);
    }
    commitIfDue();
    if (!pausedBulk.isEmpty() && fetched.isEmpty()) {
      waitForRoom();
    }
  }

  /**
   * Without decode threads the fetch thread prepares a bulk batch itself before it hands it over:
   * the analysis thread, the busier of the two, then only analyses (analyzer-run on 2 cores:
   * ~1.3-1.5M flows/s with the analysis thread decoding, ~1.4-1.6M with the fetch thread decoding).
   */
  private CompletableFuture<Object> prepareHere(
      TopicPartition partition, List<ConsumerRecord<K, V>> records) {
    try {
      return CompletableFuture.completedFuture(stage.prepare(partition, records));
    } catch (RuntimeException e) {
      return CompletableFuture.failedFuture(e); // the batch fails on the analysis thread
    }
  }

  private CompletableFuture<Object> prepareAhead(
      TopicPartition partition, List<ConsumerRecord<K, V>> records) {
    return CompletableFuture.supplyAsync(() -> stage.prepare(partition, records), decoders);
  }

  private void commitIfDue() {
    if (System.nanoTime() - nextCommitNanos >= 0) {
      nextCommitNanos = System.nanoTime() + options.commitInterval().toNanos();
      commitAsync();
    }
  }

  /**
   * The queue full, or the bulk partitions paused for acknowledgements: waits until the analysis
   * thread took a batch off the queue or a batch completed, at most briefly.
   */
  private void waitForRoom() {
    fetchWaiting = true;
    // Read again once the analysis thread can see fetchWaiting: a batch it took before that woke
    // no one, and the queue may have room already.
    boolean stillPaused = queued.get() >= options.maxInFlight() || awaitingAcknowledgements;
    if (stillPaused && completions.isEmpty() && !stopping) {
      LockSupport.parkNanos(this, PAUSED_WAIT_NANOS);
    }
    fetchWaiting = false;
  }

  private void applyCompletions() {
    Completion done;
    while ((done = completions.poll()) != null) {
      if (done.generation() != generation) {
        continue; // revoked or reassigned since: read again from the committed offset
      }
      unacknowledged.addAndGet(-done.work().records);
      if (done.failure() == null) {
        done.tracker().completed(done.work());
      } else {
        LOG.warn(
            "{}: records {}@{}..{} not handled ({}); the partition is not committed past "
                + "them until it is "
                + "assigned again",
            options.name(),
            done.partition(),
            done.work().first,
            done.work().end - 1,
            done.failure().toString());
        done.tracker().failed(done.work());
      }
    }
  }

  /**
   * Bulk partitions pause at ten times {@code maxInFlight} records analysed and not acknowledged
   * yet (their offsets only), and resume at half (the priority partitions, on their own consumer,
   * at forty times). Polling goes on meanwhile: the wait may be long (the broker's
   * acknowledgements).
   */
  private void pauseOrResume() {
    long bulkMax = (long) options.maxInFlight() * UNACKNOWLEDGED_FACTOR;
    int waiting = unacknowledged.get();
    if (!awaitingAcknowledgements && waiting >= bulkMax) {
      awaitingAcknowledgements = true;
      stats.pauses.incrementAndGet();
    } else if (awaitingAcknowledgements && waiting <= bulkMax / 2) {
      awaitingAcknowledgements = false;
    }
    boolean pauseBulk = queueFull || awaitingAcknowledgements;
    if (pausedBulk.isEmpty() && pauseBulk) {
      for (TopicPartition partition : progress.keySet()) {
        if (!isPriority(partition)) {
          pausedBulk.add(partition);
        }
      }
      consumer.pause(pausedBulk);
    } else if (!pausedBulk.isEmpty() && !pauseBulk) {
      consumer.resume(pausedBulk);
      pausedBulk.clear();
    }
  }

  private boolean isPriority(TopicPartition partition) {
    return options.priorityTopics().contains(partition.topic());
  }

  private Map<TopicPartition, OffsetAndMetadata> committable() {
    Map<TopicPartition, OffsetAndMetadata> offsets = new HashMap<>();
    progress.forEach(
        (partition, tracker) -> {
          long offset = tracker.toCommit();
          if (offset >= 0) {
            offsets.put(partition, new OffsetAndMetadata(offset));
          }
        });
    return offsets;
  }

  private void commitAsync() {
    Map<TopicPartition, OffsetAndMetadata> offsets = committable();
    if (offsets.isEmpty()) {
      return;
    }
    int committedIn = generation;
    consumer.commitAsync(
        offsets,
        (done, e) -> {
          if (e != null) {
            LOG.warn(
                "{}: commit failed (records will be read again): {}", options.name(), e.toString());
          } else if (committedIn == generation) {
            markCommitted(done);
          }
        });
  }

  private void commitSync() {
    Map<TopicPartition, OffsetAndMetadata> offsets = committable();
    if (offsets.isEmpty()) {
      return;
    }
    try {
      consumer.commitSync(offsets);
      markCommitted(offsets);
    } catch (RuntimeException e) {
      LOG.warn("{}: commit failed (records will be read again): {}", options.name(), e.toString());
    }
  }

  private void markCommitted(Map<TopicPartition, OffsetAndMetadata> offsets) {
    offsets.forEach(
        (partition, offset) -> {
          PartitionProgress tracker = progress.get(partition);
          if (tracker != null) {
            tracker.committed(offset.offset());
          }
        });
  }

  /**
   * Stop: no more records; the work in flight finishes (bounded), then what is handled is
   * committed.
   */
  private void drain() {
    consumer.pause(progress.keySet());
    while (unacknowledged.get() > 0 && System.nanoTime() - drainUntilNanos < 0 && !aborted) {
      try {
        consumer.poll(POLL_WHILE_PAUSED); // keeps the group membership and runs commit callbacks
      } catch (WakeupException e) {
        // stop() again
      }
      applyCompletions();
    }
    if (!aborted) {
      commitSync();
    }
  }

  /** Runs inside poll, on the fetch thread. */
  private final class Listener implements ConsumerRebalanceListener {
    @Override
    public void onPartitionsRevoked(Collection<TopicPartition> partitions) {
      applyCompletions();
      if (!aborted) {
        commitSync();
      }
      forget();
    }

    @Override
    public void onPartitionsAssigned(Collection<TopicPartition> partitions) {
      forget();
      stats.rebalances.incrementAndGet();
      int assignedIn = generation;
      submit(() -> resetTo(assignedIn));
      Set<TopicPartition> assigned = Set.copyOf(partitions);
      Map<TopicPartition, PartitionProgress> priorityTrackers = new HashMap<>();
      for (TopicPartition partition : assigned) {
        PartitionProgress tracker = new PartitionProgress();
        progress.put(partition, tracker);
        if (isPriority(partition)) {
          priorityTrackers.put(partition, tracker);
        }
      }
      // Read by the priority consumer, from where this one would have started.
      consumer.pause(priorityTrackers.keySet());
      Map<TopicPartition, OffsetAndMetadata> committed = committed(assigned);
      rewind(committed);
      assignPriority(assignedIn, priorityTrackers);
      LOG.info(
          "{}: assigned {} partitions, re-reading the last {} s to rebuild state",
          options.name(),
          assigned.size(),
          options.replayWindow().toSeconds());
    }

    @Override
    public void onPartitionsLost(Collection<TopicPartition> partitions) {
      forget();
    }
  }

  /**
   * Drops all tracking: completions of batches handed out before change nothing, and the priority
   * consumer gives up its partitions until the next assignment.
   */
  private void forget() {
    synchronized (assignmentLock) {
      generation++;
      unacknowledged.set(0);
    }
    progress.clear();
    pausedBulk.clear();
    awaitingAcknowledgements = false;
    nextPriorityAssignment.set(new PriorityAssignment(generation, Map.of(), Map.of()));
    wakePriorityFetch();
  }

  /**
   * Hands the priority partitions of a new assignment to the priority fetch thread, with the
   * positions this consumer has for them (after the rewind; a partition without a committed offset
   * resolves its reset policy here). A position that cannot be read is left to the priority
   * consumer's own reset policy (the same settings).
   */
  private void assignPriority(int assignedIn, Map<TopicPartition, PartitionProgress> trackers) {
    Map<TopicPartition, Long> starts = new HashMap<>();
    for (TopicPartition partition : trackers.keySet()) {
      try {
        starts.put(partition, consumer.position(partition));
      } catch (WakeupException e) {
        throw e;
      } catch (RuntimeException e) {
        LOG.warn(
            "{}: no position for {} ({}); its reset policy applies",
            options.name(),
            partition,
            e.toString());
      }
    }
    nextPriorityAssignment.set(new PriorityAssignment(assignedIn, Map.copyOf(trackers), starts));
    wakePriorityFetch();
  }

  private void wakePriorityFetch() {
    priorityConsumer.wakeup();
    LockSupport.unpark(priorityFetchThread);
  }

  private Map<TopicPartition, OffsetAndMetadata> committed(Set<TopicPartition> partitions) {
    Map<TopicPartition, OffsetAndMetadata> committed = new HashMap<>();
    // A failed read is tried again twice (a coordinator moving during the rebalance); still
    // unknown,
    // it is taken as none: the partition is read from its beginning, more work but nothing skipped.
    for (int attempt = 0; attempt < 3; attempt++) {
      try {
        consumer
            .committed(partitions)
            .forEach(
                (partition, offset) -> {
                  if (offset != null) {
                    committed.put(partition, offset);
                    progress.get(partition).committed(offset.offset());
                  }
                });
        return committed;
      } catch (WakeupException e) {
        throw e;
      } catch (RuntimeException e) {
        LOG.warn("{}: cannot read the committed offsets: {}", options.name(), e.toString());
      }
    }
    return committed;
  }

  /**
   * Seeks each partition back to where its replay window starts, if that is before its committed
   * offset.
   */
  private void rewind(Map<TopicPartition, OffsetAndMetadata> committed) {
    if (committed.isEmpty()) {
      return;
    }
    long since = System.currentTimeMillis() - options.replayWindow().toMillis();
    Map<TopicPartition, Long> query = new HashMap<>();
    committed.keySet().forEach(partition -> query.put(partition, since));
    try {
      Map<TopicPartition, OffsetAndTimestamp> found = consumer.offsetsForTimes(query);
      committed.forEach(
          (partition, offset) -> {
            OffsetAndTimestamp start = found.get(partition);
            consumer.seek(
                partition,
                start != null && start.offset() < offset.offset()
                    ? start.offset()
                    : offset.offset());
          });
    } catch (WakeupException e) {
      throw e;
    } catch (RuntimeException e) {
      LOG.warn(
          "{}: could not rewind every partition ({}); state may miss episodes begun before",
          options.name(),
          e.toString());
    }
  }

  // ------------------------------------------------------------------------------------------
  // Priority fetch thread

  /** The priority partitions of one assignment, their trackers and where to start reading. */
  private record PriorityAssignment(
      int generation,
      Map<TopicPartition, PartitionProgress> trackers,
      Map<TopicPartition, Long> starts) {}

  private void priorityFetchLoop() {
    PriorityAssignment current = new PriorityAssignment(-1, Map.of(), Map.of());
    Set<TopicPartition> paused = new HashSet<>();
    try {
      while (!stopping) {
        PriorityAssignment next = nextPriorityAssignment.getAndSet(null);
        if (next != null) {
          current = next;
          paused.clear();
          // Nothing of the last assignment carries over: assign() keeps the state (paused, the
          // position) of a partition assigned both times, and the empty assignment between the two
          // may not have been seen (only the latest is kept).
          priorityConsumer.unsubscribe();
          priorityConsumer.assign(next.trackers().keySet());
          next.starts().forEach(priorityConsumer::seek);
        }
        if (current.trackers().isEmpty()) {
          LockSupport.parkNanos(this, POLL.toNanos()); // until assigned, or stopping
          continue;
        }
        pausePriorityIfBehind(current, paused);
        ConsumerRecords<K, V> fetched;
        try {
          fetched = priorityConsumer.poll(POLL);
        } catch (WakeupException e) {
          continue;
        }
        if (!fetched.isEmpty()) {
          queuePriority(current, fetched);
          LockSupport.unpark(analysisThread);
        }
      }
    } catch (RuntimeException | Error e) {
      if (!aborted) {
        LOG.error(
            "{}: the priority fetch thread failed; lifecycle events and heartbeats are no longer"
                + " read, so the pipeline stops",
            options.name(),
            e);
      }
      stopping = true;
      consumer.wakeup();
    } finally {
      try {
        priorityConsumer.close(Duration.ZERO);
      } catch (RuntimeException e) {
        LOG.warn("{}: closing the priority consumer: {}", options.name(), e.toString());
      }
      priorityFetchDone.complete(null);
      LockSupport.unpark(analysisThread);
    }
  }

  /**
   * The priority partitions pause at forty times {@code maxInFlight} records not acknowledged, and
   * resume at five times (half the bulk partitions' bound): only a broker that acknowledges nothing
   * for long gets there.
   */
  private void pausePriorityIfBehind(PriorityAssignment current, Set<TopicPartition> paused) {
    long bulkMax = (long) options.maxInFlight() * UNACKNOWLEDGED_FACTOR;
    int waiting = unacknowledged.get();
    if (paused.isEmpty() && waiting >= bulkMax * PRIORITY_FACTOR) {
      paused.addAll(current.trackers().keySet());
      priorityConsumer.pause(paused);
    } else if (!paused.isEmpty() && waiting <= bulkMax / 2) {
      priorityConsumer.resume(paused);
      paused.clear();
    }
  }

  private void queuePriority(PriorityAssignment current, ConsumerRecords<K, V> fetched) {
    synchronized (assignmentLock) {
      if (current.generation() != generation) {
        return; // revoked since: read again from the committed offset by whoever owns it now
      }
      for (TopicPartition partition : fetched.partitions()) {
        PartitionProgress tracker = current.trackers().get(partition);
        if (tracker == null) {
          continue;
        }
        List<ConsumerRecord<K, V>> records = fetched.records(partition);
        long first = records.get(0).offset();
        long end = records.get(records.size() - 1).offset() + 1;
        // Counted before the analysis thread can take it (and subtract).
        queued.addAndGet(records.size());
        unacknowledged.addAndGet(records.size());
        priority.add(
            new Batch<>(
                current.generation(),
                partition,
                records,
                tracker,
                tracker.begin(first, end, records.size()),
                null));
      }
    }
  }

  // ------------------------------------------------------------------------------------------
  // Analysis thread

  private void analysisLoop() {
    long tickNanos = options.tickInterval().toNanos();
    long nextTick = System.nanoTime() + tickNanos;
    while (!fetchDone.isDone() || !priorityFetchDone.isDone() || !tasks.isEmpty()) {
      Runnable task = tasks.poll();
      if (task != null) {
        run(task);
        continue;
      }
      Batch<K, V> batch = priority.poll();
      if (batch == null) {
        batch = bulk.poll();
      }
      if (batch != null) {
        analyse(batch);
      }
      long now = System.nanoTime();
      if (now - nextTick >= 0) {
        nextTick = now + tickNanos;
        run(stage::tick);
      } else if (batch == null) {
        LockSupport.parkNanos(this, Math.min(nextTick - now, TimeUnit.MILLISECONDS.toNanos(100)));
      }
    }
    priority.clear();
    bulk.clear();
    queued.set(0);
    if (decoders != null) {
      decoders.shutdown();
    }
    stopped.complete(null);
  }

  private void resetTo(int assignedIn) {
    if (assignedIn > analysedGeneration) {
      analysedGeneration = assignedIn;
      stage.reset();
    }
  }

  private void analyse(Batch<K, V> batch) {
    if (queued.addAndGet(-batch.records().size()) < options.maxInFlight() && fetchWaiting) {
      LockSupport.unpark(fetchThread);
    }
    if (batch.generation() != generation || aborted) {
      return; // fetched before a rebalance: read again from the committed offset
    }
    resetTo(batch.generation());
    CompletionStage<Void> done;
    try {
      // Bulk batches were prepared on a decode thread, in fetch order: waiting for this one keeps
      // each partition's order.
      Object prepared =
          batch.prepared() == null
              ? stage.prepare(batch.partition(), batch.records())
              : batch.prepared().join();
      done =
          Objects.requireNonNull(
              stage.analyse(batch.partition(), batch.records(), prepared),
              "the stage returned no future");
    } catch (CompletionException e) {
      done = CompletableFuture.failedFuture(e.getCause() == null ? e : e.getCause());
    } catch (RuntimeException e) {
      done = CompletableFuture.failedFuture(e);
    }
    int analysedIn = batch.generation();
    TopicPartition partition = batch.partition();
    PartitionProgress tracker = batch.tracker();
    PartitionProgress.Work work = batch.work();
    done.whenComplete(
        (v, e) -> {
          completions.add(new Completion(analysedIn, partition, tracker, work, e));
          if (fetchWaiting) {
            LockSupport.unpark(fetchThread);
          }
        });
  }

  private void run(Runnable task) {
    try {
      task.run();
    } catch (RuntimeException e) {
      LOG.error("{}: analysis task failed", options.name(), e);
    }
  }

  /** For tests: the batches waiting for the analysis thread. */
  List<TopicPartition> queued() {
    List<TopicPartition> queued = new ArrayList<>();
    priority.forEach(b -> queued.add(b.partition()));
    bulk.forEach(b -> queued.add(b.partition()));
    return queued;
  }
}
