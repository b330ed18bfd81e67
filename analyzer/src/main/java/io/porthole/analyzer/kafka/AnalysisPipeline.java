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
 * The analyzer's consumption path, off the event loop: a fetch thread owns the Kafka consumer
 * (poll, pause/resume, commits, rebalances) and hands each partition's fetched records to one
 * analysis thread, which runs {@link Stage} on them in order. One analysis thread means every
 * container is analysed in order by one thread (the rules' contract), whatever topic its records
 * come on.
 *
 * <p>Lifecycle and heartbeat partitions ({@code priorityTopics}) have their own queue, which the
 * analysis thread empties first: a die never waits behind a backlog of flows or syscalls (the rules
 * recognise either arrival order across topics; within a partition, order is kept).
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
  private final Options options;
  private final Stage<K, V> stage;
  private final AnalyzerStats stats;
  private final Thread fetchThread;
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
  private final CompletableFuture<Void> stopped = new CompletableFuture<>();

  // Fetch thread only.
  private final Map<TopicPartition, PartitionProgress> progress = new HashMap<>();
  private final Set<TopicPartition> pausedBulk = new HashSet<>();
  private final Set<TopicPartition> pausedPriority = new HashSet<>();
  // Records analysed whose alerts or dead letters are not acknowledged yet (only their offsets are
  // kept).
  private int unacknowledged;
  private long nextCommitNanos;

  // Analysis thread only.
  private int analysedGeneration;

  public AnalysisPipeline(
      Consumer<K, V> consumer, Options options, Stage<K, V> stage, AnalyzerStats stats) {
    this.consumer = Objects.requireNonNull(consumer, "consumer");
    this.options = Objects.requireNonNull(options, "options");
    this.stage = Objects.requireNonNull(stage, "stage");
    this.stats = Objects.requireNonNull(stats, "stats");
    this.fetchThread = new Thread(this::fetchLoop, options.name() + "-fetch");
    this.analysisThread = new Thread(this::analysisLoop, options.name() + "-analysis");
    fetchThread.setDaemon(true);
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

  /** Starts both threads; completes once the consumer is subscribed. */
  public CompletableFuture<Void> start() {
    analysisThread.start();
    fetchThread.start();
    return subscribed;
  }

  /**
   * Stops fetching, waits (at most {@code stopDrain}) for the batches in flight, commits what is
   * handled and closes the consumer; completes when both threads are done.
   */
  public CompletableFuture<Void> stop() {
    drainUntilNanos = System.nanoTime() + options.stopDrain().toNanos();
    stopping = true;
    consumer.wakeup();
    return stopped;
  }

  /** Stops at once as a crash would: nothing more is committed (for fault tests). */
  public CompletableFuture<Void> abort() {
    aborted = true;
    stopping = true;
    consumer.wakeup();
    return stopped;
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
      generation++;
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
    // The analysis is behind: the bulk partitions pause until it takes a batch off the queue, and
    // the polls that go on return only priority records (a die never waits behind the flows) and
    // commit callbacks. The consumer keeps what it fetched for a paused partition and hands it out
    // after the resume.
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
      if (tracker == null) {
        continue;
      }
      List<ConsumerRecord<K, V>> records = fetched.records(partition);
      long first = records.get(0).offset();
      long end = records.get(records.size() - 1).offset() + 1;
      boolean urgent = options.priorityTopics().contains(partition.topic());
      CompletableFuture<Object> prepared =
          urgent
              ? null
              : decoders == null
                  ? prepareHere(partition, records)
                  : prepareAhead(partition, records);
      Batch<K, V> batch =
          new Batch<>(
              fetchedIn,
              partition,
              records,
              tracker,
              tracker.begin(first, end, records.size()),
              prepared);
      queued.addAndGet(records.size());
      unacknowledged += records.size();
      (urgent ? priority : bulk).add(batch);
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
      unacknowledged -= done.work().records;
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
   * yet (their offsets only), priority partitions at forty times; both resume at half. Polling goes
   * on meanwhile: the wait may be long (the broker's acknowledgements), and a die must still come.
   */
  private void pauseOrResume() {
    long bulkMax = (long) options.maxInFlight() * UNACKNOWLEDGED_FACTOR;
    if (!awaitingAcknowledgements && unacknowledged >= bulkMax) {
      awaitingAcknowledgements = true;
      stats.pauses.incrementAndGet();
    } else if (awaitingAcknowledgements && unacknowledged <= bulkMax / 2) {
      awaitingAcknowledgements = false;
    }
    boolean pauseBulk = queueFull || awaitingAcknowledgements;
    if (pausedBulk.isEmpty() && pauseBulk) {
      pause(pausedBulk, false);
    } else if (!pausedBulk.isEmpty() && !pauseBulk) {
      consumer.resume(pausedBulk);
      pausedBulk.clear();
    }
    long priorityMax = bulkMax * PRIORITY_FACTOR;
    if (pausedPriority.isEmpty() && unacknowledged >= priorityMax) {
      pause(pausedPriority, true);
    } else if (!pausedPriority.isEmpty() && unacknowledged <= bulkMax / 2) {
      consumer.resume(pausedPriority);
      pausedPriority.clear();
    }
  }

  private void pause(Set<TopicPartition> paused, boolean priorityTopics) {
    for (TopicPartition partition : progress.keySet()) {
      if (options.priorityTopics().contains(partition.topic()) == priorityTopics) {
        paused.add(partition);
      }
    }
    consumer.pause(paused);
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
    while (unacknowledged > 0 && System.nanoTime() - drainUntilNanos < 0 && !aborted) {
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
      for (TopicPartition partition : assigned) {
        progress.put(partition, new PartitionProgress());
      }
      Map<TopicPartition, OffsetAndMetadata> committed = committed(assigned);
      rewind(committed);
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

  /** Drops all tracking: completions of batches handed out before change nothing. */
  private void forget() {
    generation++;
    progress.clear();
    pausedBulk.clear();
    pausedPriority.clear();
    awaitingAcknowledgements = false;
    unacknowledged = 0;
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
  // Analysis thread

  private void analysisLoop() {
    long tickNanos = options.tickInterval().toNanos();
    long nextTick = System.nanoTime() + tickNanos;
    while (!fetchDone.isDone() || !tasks.isEmpty()) {
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
