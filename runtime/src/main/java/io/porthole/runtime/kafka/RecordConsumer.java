package io.porthole.runtime.kafka;

import io.micrometer.core.instrument.binder.kafka.KafkaClientMetrics;
import io.porthole.runtime.Lifecycle;
import io.porthole.runtime.ops.PortholeMetrics;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.kafka.client.common.PartitionInfo;
import io.vertx.kafka.client.consumer.KafkaConsumer;
import io.vertx.kafka.client.consumer.KafkaConsumerRecords;
import io.vertx.kafka.client.consumer.OffsetAndMetadata;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.common.TopicPartition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Consumes topics as one member of a consumer group and commits only what has been fully handled:
 * the one consumer of Porthole (docs/delivery.md).
 *
 * <p>The handler is given a partition's records as they were fetched, either as one batch per
 * partition ({@link #forBatches}) or one record at a time ({@link #forRecords}), and returns a
 * future that completes when their work is done: alerts or results acknowledged by the broker, a
 * dead letter written ({@link DeadLetterWriter}). Futures complete in any order, on any thread; per
 * partition, the commit moves to the end of the contiguous prefix of completed work, every {@code
 * commitInterval}, when partitions are revoked and at {@link #stop}. A future that fails holds its
 * partition's commit before it until the partition is assigned afresh (restart or rebalance), so
 * its records are read again: handlers retry what may succeed later and dead-letter what never
 * will.
 *
 * <p>At most {@code maxInFlight} records are handed out and not completed: at that many the
 * consumer pauses its partitions (polling goes on, so the group keeps it), and resumes at half. On
 * assignment, tracking starts afresh: every partition is positioned at its committed offset (the
 * beginning when none), then the {@link Rebalance#assigned} hook may seek further back (to rebuild
 * state) and no record is handed out until its future completes. On revocation, what is complete is
 * committed and in-flight tracking is dropped: completions that arrive later change nothing.
 *
 * <p>Without a group ({@link #fromBeginning}), the consumer assigns itself every partition of its
 * topics, reads each from its beginning every start, commits nothing, and picks up partitions that
 * appear later (a topic created after the start) at each {@code partitionRefresh}. It tells when it
 * has {@link #caughtUp}: every record below the end offsets seen at start was handled. This is the
 * view a service rebuilds from its topics (the controller's views); a failed record is counted and
 * passed over, since nothing would read it again.
 *
 * <p>Handler, hooks and bookkeeping run on the context that created this consumer (one event loop);
 * handlers must not block it. To process partitions in parallel, a batch handler hands the batch to
 * an ordered stage of its own (e.g. one thread per partition number, so that co-partitioned topics
 * meet on the same thread) and returns that stage's future: commits stay correct and in-flight work
 * stays bounded whatever order the stages finish in.
 *
 * <pre>{@code
 * KafkaConsumer<String, byte[]> kafka =
 *     KafkaConsumer.create(vertx, settings.consumerConfig(id, group), ...);
 * DeadLetterWriter deadLetters = new DeadLetterWriter(publisher, id);
 * RecordConsumer<String, byte[]> consumer = RecordConsumer.forRecords(vertx, kafka,
 *     new RecordConsumer.Options(
 *         id, Set.of(topic), 16, Duration.ofSeconds(1), Duration.ofSeconds(10)),
 *     record ->
 *         decode(record) == null ? deadLetters.write(record, "not a command") : execute(record),
 *     RecordConsumer.Rebalance.none());
 * consumer.start();
 * }</pre>
 */
public final class RecordConsumer<K, V> implements Lifecycle {

  /** Handles the records of one partition fetched together, in offset order. */
  @FunctionalInterface
  public interface BatchHandler<K, V> {
    Future<Void> handle(TopicPartition partition, List<ConsumerRecord<K, V>> records);
  }

  /** Handles one record. Records of a partition are handed out in offset order. */
  @FunctionalInterface
  public interface RecordHandler<K, V> {
    Future<Void> handle(ConsumerRecord<K, V> record);
  }

  /** Told about rebalances, on the consumer's context. */
  public interface Rebalance<K, V> {
    /**
     * Partitions were assigned and positioned at their committed offsets; the future may seek
     * elsewhere (through {@link Assignment#consumer()}). No record is handed out before it
     * completes.
     */
    default Future<Void> assigned(Assignment<K, V> assignment) {
      return Future.succeededFuture();
    }

    /** Partitions were revoked, after what was complete was committed. */
    default void revoked(Set<TopicPartition> partitions) {}

    static <K, V> Rebalance<K, V> none() {
      return new Rebalance<>() {};
    }
  }

  /**
   * Partitions newly assigned, with their committed offsets (absent: none committed), and the
   * consumer to seek with.
   */
  public record Assignment<K, V>(
      Set<TopicPartition> partitions,
      Map<TopicPartition, Long> committed,
      KafkaConsumer<K, V> consumer) {}

  /**
   * @param name in log lines (a client id)
   * @param maxInFlight records handed out and not completed before the consumer pauses
   * @param stopDrain how long {@link #stop} waits for work in flight before it commits what is
   *     complete
   */
  public record Options(
      String name,
      Set<String> topics,
      int maxInFlight,
      Duration commitInterval,
      Duration stopDrain) {
    public Options {
      Objects.requireNonNull(name, "name");
      topics = Set.copyOf(topics);
      if (topics.isEmpty()) {
        throw new IllegalArgumentException("no topics to consume");
      }
      if (maxInFlight < 1) {
        throw new IllegalArgumentException("maxInFlight must be positive");
      }
      Objects.requireNonNull(commitInterval, "commitInterval");
      Objects.requireNonNull(stopDrain, "stopDrain");
    }
  }

  private static final Logger LOG = LoggerFactory.getLogger(RecordConsumer.class);
  private static final Duration POLL_TIMEOUT = Duration.ofMillis(100);
  private static final long CATCH_UP_CHECK_MS = 200;

  /**
   * Checks a partition's position may stand at its start end offset before the records below count
   * as read.
   */
  private static final int CHECKS_PAST_END = 5;

  private final Context context;
  private final KafkaConsumer<K, V> consumer;
  private final Options options;
  private final BatchHandler<K, V> batchHandler;
  private final RecordHandler<K, V> recordHandler;
  private final Rebalance<K, V> rebalance;

  /** Null with a group; without one, how often partitions created later are looked for. */
  private final Duration partitionRefresh;

  private final Map<TopicPartition, PartitionProgress> progress = new HashMap<>();
  private Set<io.vertx.kafka.client.common.TopicPartition> assignment = Set.of();
  private int generation;
  private int inFlight;
  private boolean ready;
  private boolean rewinding;
  private boolean polling;
  private boolean paused;
  private boolean closing;
  private long commitTimer = -1;
  private Promise<Void> drained;
  private long refreshTimer = -1;
  private long catchUpTimer = -1;
  private boolean checkingCatchUp;
  private final Promise<Void> caughtUp = Promise.promise();

  /** Without a group: the end offset of each partition seen at start, until it was read. */
  private final Map<TopicPartition, Long> catchUpEnds = new HashMap<>();

  private final Map<TopicPartition, Integer> checksPastEnd = new HashMap<>();

  /** The consumer's own metrics in a registry, from {@link #bindMetrics} to the stop. */
  private volatile KafkaClientMetrics clientMetrics;

  /** {@link System#nanoTime()} when a poll last completed, -1 before the first. */
  private volatile long lastPollNanos = -1;

  private final AtomicLong handedOut = new AtomicLong();
  private final AtomicLong failures = new AtomicLong();
  private final AtomicLong pauses = new AtomicLong();
  private final AtomicLong rebalances = new AtomicLong();

  private RecordConsumer(
      Vertx vertx,
      KafkaConsumer<K, V> consumer,
      Options options,
      BatchHandler<K, V> batchHandler,
      RecordHandler<K, V> recordHandler,
      Rebalance<K, V> rebalance,
      Duration partitionRefresh) {
    this.context = Objects.requireNonNull(vertx, "vertx").getOrCreateContext();
    this.consumer = Objects.requireNonNull(consumer, "consumer");
    this.options = Objects.requireNonNull(options, "options");
    this.batchHandler = batchHandler;
    this.recordHandler = recordHandler;
    this.rebalance = Objects.requireNonNull(rebalance, "rebalance");
    this.partitionRefresh = partitionRefresh;
  }

  /**
   * A consumer handing out each partition's fetched records as one batch.
   *
   * @param consumer created on the same context, with a group id and auto-commit off
   */
  public static <K, V> RecordConsumer<K, V> forBatches(
      Vertx vertx,
      KafkaConsumer<K, V> consumer,
      Options options,
      BatchHandler<K, V> handler,
      Rebalance<K, V> rebalance) {
    return new RecordConsumer<>(
        vertx,
        consumer,
        options,
        Objects.requireNonNull(handler, "handler"),
        null,
        rebalance,
        null);
  }

  /**
   * A consumer handing out one record at a time; each is committed once it and those before it
   * completed.
   */
  public static <K, V> RecordConsumer<K, V> forRecords(
      Vertx vertx,
      KafkaConsumer<K, V> consumer,
      Options options,
      RecordHandler<K, V> handler,
      Rebalance<K, V> rebalance) {
    return new RecordConsumer<>(
        vertx,
        consumer,
        options,
        null,
        Objects.requireNonNull(handler, "handler"),
        rebalance,
        null);
  }

  /**
   * A consumer without a group handing out one record at a time from the beginning of every
   * partition of its topics; nothing is committed ({@code commitInterval} is not used).
   *
   * @param consumer created on the same context, without a group id
   * @param partitionRefresh how often partitions that appeared since are looked for
   */
  public static <K, V> RecordConsumer<K, V> fromBeginning(
      Vertx vertx,
      KafkaConsumer<K, V> consumer,
      Options options,
      RecordHandler<K, V> handler,
      Duration partitionRefresh) {
    Objects.requireNonNull(partitionRefresh, "partitionRefresh");
    return new RecordConsumer<>(
        vertx,
        consumer,
        options,
        null,
        Objects.requireNonNull(handler, "handler"),
        Rebalance.none(),
        partitionRefresh);
  }

  /**
   * Reports the consumer's own metrics ({@code kafka_consumer_*}, among them the lag of each
   * assigned partition, tagged with its client id) in {@code metrics}, until {@link #stop} or
   * {@link #abort} closes the consumer. Call once, before {@link #start}.
   */
  public RecordConsumer<K, V> bindMetrics(PortholeMetrics metrics) {
    if (clientMetrics != null) {
      throw new IllegalStateException(options.name() + ": metrics already bound");
    }
    clientMetrics = metrics.bindKafkaConsumer(consumer.unwrap());
    return this;
  }

  /** Subscribes; completes once subscribed (records flow after the first assignment). */
  @Override
  public Future<Void> start() {
    if (partitionRefresh != null) {
      return startWithoutGroup();
    }
    consumer.partitionsAssignedHandler(this::assigned);
    consumer.partitionsRevokedHandler(this::revoked);
    consumer.exceptionHandler(
        e -> LOG.warn("{}: Kafka consumer error: {}", options.name(), e.toString()));
    return consumer
        .subscribe(options.topics())
        .onSuccess(
            v -> {
              commitTimer =
                  context.owner().setPeriodic(options.commitInterval().toMillis(), id -> commit());
              poll();
            });
  }

  /**
   * Stops handing out records, waits (at most {@code stopDrain}) for the work in flight, commits
   * what is complete and closes the consumer.
   */
  @Override
  public Future<Void> stop() {
    closing = true;
    cancelTimers();
    drained = Promise.promise();
    if (inFlight == 0) {
      drained.tryComplete();
    }
    long timer =
        context.owner().setTimer(options.stopDrain().toMillis(), id -> drained.tryComplete());
    return drained
        .future()
        .compose(
            v -> {
              context.owner().cancelTimer(timer);
              return commit();
            })
        .eventually(consumer::close)
        .eventually(this::unbindMetrics);
  }

  private Future<Void> unbindMetrics() {
    KafkaClientMetrics bound = clientMetrics;
    clientMetrics = null;
    if (bound != null) {
      bound.close();
    }
    return Future.succeededFuture();
  }

  /** Closes at once, committing nothing more: what a crash leaves behind (for fault tests). */
  public Future<Void> abort() {
    closing = true;
    generation++;
    cancelTimers();
    return consumer.close().eventually(this::unbindMetrics);
  }

  /**
   * Without a group: completes once every record below the end offsets of the partitions assigned
   * at start was handled (a partition whose position stood at that end for a few checks without the
   * last records arriving, transaction markers, counts as read).
   *
   * @throws IllegalStateException for a consumer in a group (it has no end to catch up with)
   */
  public Future<Void> caughtUp() {
    if (partitionRefresh == null) {
      throw new IllegalStateException("a consumer in a group does not catch up: it has no end");
    }
    return caughtUp.future();
  }

  /**
   * The {@link System#nanoTime()} at which a poll last completed (with records or without), or -1
   * before the first: the consumer's loop runs while this moves, whether or not there is anything
   * to read.
   */
  public long lastPollNanos() {
    return lastPollNanos;
  }

  /** Records handed to the handler (including those re-read after an assignment). */
  public long handedOut() {
    return handedOut.get();
  }

  /** Handler futures that failed (their partitions' commits held). */
  public long failures() {
    return failures.get();
  }

  /** Times the consumer paused because {@code maxInFlight} records were in flight. */
  public long pauses() {
    return pauses.get();
  }

  /** Assignments received (the first one included). */
  public long rebalances() {
    return rebalances.get();
  }

  /**
   * Keeps one poll outstanding: the next batch is fetched on the consumer's thread while this one
   * is handled. A batch fetched across an assignment (the generation moved) is dropped: the
   * assignment re-positions every partition, so its records are fetched again.
   */
  private void poll() {
    if (closing || rewinding || polling) {
      return;
    }
    polling = true;
    int polledIn = generation;
    consumer
        .poll(POLL_TIMEOUT)
        .onComplete(
            ar -> {
              polling = false;
              if (ar.succeeded()) {
                lastPollNanos = System.nanoTime();
              }
              boolean current = ready && polledIn == generation && !closing;
              poll();
              if (ar.failed()) {
                if (!closing) {
                  LOG.warn("{}: poll failed: {}", options.name(), ar.cause().toString());
                }
              } else if (current) {
                dispatch(ar.result());
              }
            });
  }

  private void dispatch(KafkaConsumerRecords<K, V> fetched) {
    ConsumerRecords<K, V> batch = fetched.records();
    for (TopicPartition partition : batch.partitions()) {
      PartitionProgress tracker = progress.get(partition);
      if (tracker == null) {
        continue;
      }
      List<ConsumerRecord<K, V>> records = batch.records(partition);
      handedOut.addAndGet(records.size());
      if (recordHandler != null) {
        for (ConsumerRecord<K, V> record : records) {
          run(
              partition,
              tracker,
              record.offset(),
              record.offset() + 1,
              1,
              () -> recordHandler.handle(record));
        }
      } else {
        long first = records.get(0).offset();
        long end = records.get(records.size() - 1).offset() + 1;
        run(
            partition,
            tracker,
            first,
            end,
            records.size(),
            () -> batchHandler.handle(partition, records));
      }
    }
    pauseIfFull();
  }

  private void run(
      TopicPartition partition,
      PartitionProgress tracker,
      long first,
      long end,
      int records,
      Supplier<Future<Void>> work) {
    PartitionProgress.Work handedOut = tracker.begin(first, end, records);
    inFlight += records;
    int handedOutIn = generation;
    Future<Void> done;
    try {
      done = Objects.requireNonNull(work.get(), "the handler returned no future");
    } catch (RuntimeException e) {
      done = Future.failedFuture(e);
    }
    if (done.isComplete()) {
      finished(handedOutIn, partition, tracker, handedOut, done.cause());
    } else {
      done.onComplete(
          ar -> {
            if (Vertx.currentContext() == context) {
              finished(handedOutIn, partition, tracker, handedOut, ar.cause());
            } else {
              context.runOnContext(
                  v -> finished(handedOutIn, partition, tracker, handedOut, ar.cause()));
            }
          });
    }
  }

  private void finished(
      int handedOutIn,
      TopicPartition partition,
      PartitionProgress tracker,
      PartitionProgress.Work work,
      Throwable failure) {
    if (handedOutIn != generation) {
      return; // revoked or reassigned since: the partition is read again from its committed offset
    }
    inFlight -= work.records;
    if (failure == null) {
      tracker.completed(work);
    } else if (partitionRefresh != null) {
      failures.incrementAndGet();
      LOG.warn(
          "{}: record {}-{}@{} not handled, passed over: {}",
          options.name(),
          partition.topic(),
          partition.partition(),
          work.first,
          failure.toString());
      tracker.completed(work);
    } else {
      failures.incrementAndGet();
      LOG.warn(
          "{}: records {}-{}@{}..{} not handled ({}); the partition is not committed "
              + "past them until it is "
              + "assigned again",
          options.name(),
          partition.topic(),
          partition.partition(),
          work.first,
          work.end - 1,
          failure.toString());
      tracker.failed(work);
    }
    resumeIfRoom();
    if (drained != null && inFlight == 0) {
      drained.tryComplete();
    }
  }

  private void pauseIfFull() {
    if (!paused && inFlight >= options.maxInFlight()) {
      paused = true;
      pauses.incrementAndGet();
      consumer.pause(assignment);
    }
  }

  private void resumeIfRoom() {
    if (paused && inFlight <= options.maxInFlight() / 2) {
      paused = false;
      consumer.resume(assignment);
    }
  }

  private void assigned(Set<io.vertx.kafka.client.common.TopicPartition> partitions) {
    rebalances.incrementAndGet();
    forget();
    int assignedIn = generation;
    rewinding = true;
    assignment = Set.copyOf(partitions);
    Set<TopicPartition> assigned = new HashSet<>();
    for (io.vertx.kafka.client.common.TopicPartition partition : partitions) {
      TopicPartition tp = new TopicPartition(partition.getTopic(), partition.getPartition());
      assigned.add(tp);
      progress.put(tp, new PartitionProgress());
    }
    committedOffsets(partitions)
        .compose(
            committed ->
                (closing
                        ? Future.<Void>succeededFuture()
                        : positionAtCommitted(partitions, committed))
                    .compose(
                        v ->
                            assignedIn == generation
                                ? rebalance.assigned(
                                    new Assignment<>(Set.copyOf(assigned), committed, consumer))
                                : Future.succeededFuture()))
        .onComplete(
            ar -> {
              if (assignedIn != generation) {
                return;
              }
              if (ar.failed()) {
                LOG.warn(
                    "{}: preparing the assigned partitions failed: {}",
                    options.name(),
                    ar.cause().toString());
              }
              ready = true;
              rewinding = false;
              LOG.info("{}: assigned {} partitions", options.name(), partitions.size());
              poll();
            });
  }

  /**
   * The committed offset of each partition that has one; also the floor below which nothing is
   * committed.
   */
  private Future<Map<TopicPartition, Long>> committedOffsets(
      Set<io.vertx.kafka.client.common.TopicPartition> partitions) {
    Map<TopicPartition, Long> committed = new HashMap<>();
    List<Future<?>> reads = new ArrayList<>();
    for (io.vertx.kafka.client.common.TopicPartition partition : partitions) {
      TopicPartition tp = new TopicPartition(partition.getTopic(), partition.getPartition());
      // A failed read is tried again twice (a coordinator moving during the rebalance); still
      // unknown,
      // it is taken as none: the partition is read from its beginning again, more work but nothing
      // skipped.
      reads.add(
          consumer
              .committed(partition)
              .recover(e -> consumer.committed(partition))
              .recover(e -> consumer.committed(partition))
              .recover(
                  e -> {
                    LOG.warn(
                        "{}: cannot read the committed offset of {}: {}",
                        options.name(),
                        tp,
                        e.toString());
                    return Future.succeededFuture(null);
                  })
              .onSuccess(
                  offset -> {
                    if (offset != null) {
                      committed.put(tp, offset.getOffset());
                      PartitionProgress tracker = progress.get(tp);
                      if (tracker != null) {
                        tracker.committed(offset.getOffset());
                      }
                    }
                  }));
    }
    return Future.all(reads).map(all -> Map.copyOf(committed));
  }

  /**
   * Positions each partition at its committed offset (the beginning when none): a poll running
   * while the group rebalanced may have fetched past it, and its records were dropped.
   */
  private Future<Void> positionAtCommitted(
      Set<io.vertx.kafka.client.common.TopicPartition> partitions,
      Map<TopicPartition, Long> committed) {
    List<Future<Void>> seeks = new ArrayList<>();
    for (io.vertx.kafka.client.common.TopicPartition partition : partitions) {
      Long offset =
          committed.get(new TopicPartition(partition.getTopic(), partition.getPartition()));
      seeks.add(
          offset == null ? consumer.seekToBeginning(partition) : consumer.seek(partition, offset));
    }
    return Future.all(seeks).mapEmpty();
  }

  private void revoked(Set<io.vertx.kafka.client.common.TopicPartition> partitions) {
    commit();
    forget();
    Set<TopicPartition> revoked = new HashSet<>();
    partitions.forEach(p -> revoked.add(new TopicPartition(p.getTopic(), p.getPartition())));
    rebalance.revoked(revoked);
  }

  /** Drops all tracking: completions of work handed out before change nothing. */
  private void forget() {
    generation++;
    progress.clear();
    inFlight = 0;
    ready = false;
    rewinding = false;
    paused = false;
    assignment = Set.of();
    if (drained != null) {
      drained.tryComplete();
    }
  }

  /** Commits, per partition, the end of its completed prefix where that moved. */
  private Future<Void> commit() {
    if (partitionRefresh != null) {
      return Future.succeededFuture();
    }
    Map<io.vertx.kafka.client.common.TopicPartition, OffsetAndMetadata> request = new HashMap<>();
    Map<TopicPartition, Long> offsets = new HashMap<>();
    progress.forEach(
        (partition, tracker) -> {
          long offset = tracker.toCommit();
          if (offset >= 0) {
            offsets.put(partition, offset);
            request.put(
                new io.vertx.kafka.client.common.TopicPartition(
                    partition.topic(), partition.partition()),
                new OffsetAndMetadata(offset, ""));
          }
        });
    if (request.isEmpty()) {
      return Future.succeededFuture();
    }
    int committedIn = generation;
    return consumer
        .commit(request)
        .onSuccess(
            done -> {
              if (committedIn == generation) {
                offsets.forEach(
                    (partition, offset) -> {
                      PartitionProgress tracker = progress.get(partition);
                      if (tracker != null) {
                        tracker.committed(offset);
                      }
                    });
              }
            })
        .onFailure(
            e ->
                LOG.warn(
                    "{}: commit failed (records will be read again): {}",
                    options.name(),
                    e.toString()))
        .mapEmpty();
  }

  private void cancelTimers() {
    context.owner().cancelTimer(commitTimer);
    context.owner().cancelTimer(refreshTimer);
    context.owner().cancelTimer(catchUpTimer);
  }

  /**
   * Assigns every partition of the topics, positioned at its beginning, reads their end offsets
   * (what catching up means), then polls; partitions created later are picked up by a periodic
   * refresh.
   */
  private Future<Void> startWithoutGroup() {
    consumer.exceptionHandler(
        e -> LOG.warn("{}: Kafka consumer error: {}", options.name(), e.toString()));
    return partitionsOfTopics()
        .compose(
            partitions -> {
              Set<io.vertx.kafka.client.common.TopicPartition> fresh = track(partitions);
              return consumer
                  .assign(assignment)
                  .compose(v -> consumer.seekToBeginning(fresh))
                  .compose(v -> consumer.endOffsets(fresh));
            })
        .onSuccess(
            ends -> {
              ends.forEach(
                  (partition, end) ->
                      catchUpEnds.put(
                          new TopicPartition(partition.getTopic(), partition.getPartition()), end));
              LOG.info(
                  "{}: reading {} partitions from their beginning, up to {}",
                  options.name(),
                  ends.size(),
                  ends);
              ready = true;
              rebalances.incrementAndGet();
              refreshTimer =
                  context
                      .owner()
                      .setPeriodic(partitionRefresh.toMillis(), id -> refreshPartitions());
              catchUpTimer =
                  context.owner().setPeriodic(0, CATCH_UP_CHECK_MS, id -> checkCaughtUp());
              poll();
            })
        .mapEmpty();
  }

  /** The partitions of every topic that exists (one not created yet has none). */
  private Future<Set<io.vertx.kafka.client.common.TopicPartition>> partitionsOfTopics() {
    List<Future<List<PartitionInfo>>> lookups = new ArrayList<>();
    options.topics().forEach(topic -> lookups.add(consumer.partitionsFor(topic)));
    return Future.all(lookups)
        .map(
            all -> {
              Set<io.vertx.kafka.client.common.TopicPartition> partitions = new HashSet<>();
              for (int i = 0; i < all.size(); i++) {
                List<PartitionInfo> infos = all.resultAt(i);
                if (infos != null) {
                  infos.forEach(
                      info ->
                          partitions.add(
                              new io.vertx.kafka.client.common.TopicPartition(
                                  info.getTopic(), info.getPartition())));
                }
              }
              return partitions;
            });
  }

  /** Starts tracking the partitions not tracked yet; the assignment becomes all of them. */
  private Set<io.vertx.kafka.client.common.TopicPartition> track(
      Set<io.vertx.kafka.client.common.TopicPartition> partitions) {
    Set<io.vertx.kafka.client.common.TopicPartition> fresh = new HashSet<>();
    for (io.vertx.kafka.client.common.TopicPartition partition : partitions) {
      TopicPartition tp = new TopicPartition(partition.getTopic(), partition.getPartition());
      if (progress.putIfAbsent(tp, new PartitionProgress()) == null) {
        fresh.add(partition);
      }
    }
    Set<io.vertx.kafka.client.common.TopicPartition> all = new HashSet<>(assignment);
    all.addAll(fresh);
    assignment = Set.copyOf(all);
    return fresh;
  }

  /**
   * Assigns partitions created since, from their beginning. Assignment and seek are queued in the
   * same turn of the event loop, so no poll runs between them: nothing of a new partition is read
   * from elsewhere than its beginning.
   */
  private void refreshPartitions() {
    partitionsOfTopics()
        .onSuccess(
            partitions -> {
              if (closing) {
                return;
              }
              Set<io.vertx.kafka.client.common.TopicPartition> fresh = track(partitions);
              if (!fresh.isEmpty()) {
                LOG.info(
                    "{}: reading {} new partitions from their beginning",
                    options.name(),
                    fresh.size());
                consumer.assign(assignment);
                consumer.seekToBeginning(fresh);
                if (paused) {
                  consumer.pause(fresh);
                }
              }
            })
        .onFailure(
            e -> LOG.warn("{}: cannot look for new partitions: {}", options.name(), e.toString()));
  }

  private void checkCaughtUp() {
    if (caughtUp.future().isComplete() || checkingCatchUp) {
      return;
    }
    catchUpEnds
        .entrySet()
        .removeIf(e -> e.getValue() <= Math.max(0, progress.get(e.getKey()).completedUpTo()));
    if (catchUpEnds.isEmpty()) {
      context.owner().cancelTimer(catchUpTimer);
      LOG.info("{}: caught up, {} records handled", options.name(), handedOut.get());
      caughtUp.tryComplete();
      return;
    }
    checkingCatchUp = true;
    Map<TopicPartition, Future<Long>> positions = new HashMap<>();
    catchUpEnds
        .keySet()
        .forEach(
            p ->
                positions.put(
                    p,
                    consumer.position(
                        new io.vertx.kafka.client.common.TopicPartition(
                            p.topic(), p.partition()))));
    Future.join(new ArrayList<>(positions.values()))
        .onComplete(
            ar -> {
              checkingCatchUp = false;
              positions.forEach(
                  (partition, position) -> {
                    Long end = catchUpEnds.get(partition);
                    boolean idle = progress.get(partition).idle();
                    if (end != null
                        && idle
                        && position.succeeded()
                        && position.result() >= end
                        && checksPastEnd.merge(partition, 1, Integer::sum) >= CHECKS_PAST_END) {
                      catchUpEnds.remove(partition);
                    }
                  });
            });
  }
}
