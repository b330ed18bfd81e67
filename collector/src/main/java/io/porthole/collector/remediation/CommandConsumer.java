package io.porthole.collector.remediation;

import com.google.protobuf.InvalidProtocolBufferException;
import io.porthole.collector.CollectorStats;
import io.porthole.collector.HostContext;
import io.porthole.proto.RemediationCommand;
import io.porthole.proto.RemediationResult;
import io.porthole.proto.RemediationStatus;
import io.porthole.runtime.KafkaSettings;
import io.porthole.runtime.Lifecycle;
import io.porthole.runtime.kafka.DeadLetterWriter;
import io.porthole.runtime.kafka.RecordConsumer;
import io.porthole.runtime.kafka.RecordPublisher;
import io.porthole.runtime.ops.PortholeMetrics;
import io.porthole.runtime.security.CommandVerifier;
import io.porthole.wire.Topic;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.kafka.client.consumer.KafkaConsumer;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Consumes {@code porthole.commands.v1} for this host (group {@code porthole-collector-<hostId>})
 * through the shared {@link RecordConsumer}, one record at a time: records keyed with another host
 * id are skipped; each command is verified ({@link CommandVerifier#rejectionReason}: unsigned,
 * signed with a key that is not trusted, altered, expired, too long-lived, issued in the future or
 * for another host is REJECTED and nothing is done); it is then recorded in the {@link
 * AcceptedCommands} (on disk, before anything runs), and a command whose id was accepted before (a
 * replayed copy) is refused without publishing anything, so the original command's record stays as
 * it is. Accepted commands are carried out by the {@link RemediationExecutor}; their results,
 * stamped with the SHA-256 of the command they answer and its requester, are published; once Kafka
 * acknowledged them the command is marked answered and the record's offset may be committed. A
 * result Kafka never took holds the commit (the record is read again after a restart, and its
 * command reported as interrupted). Undecodable records are counted and dead-lettered. At most
 * {@code remediation.concurrency} commands run at once (the consumer pauses).
 *
 * <p>At start, the commands accepted before and never answered (the collector stopped while they
 * ran, or before their results were acknowledged) are reported FAILED, "interrupted by a collector
 * restart", so that the controller does not show them in flight forever. Whatever such a command
 * changed is taken over like every recorded isolation (kept, or restored when its TTL is due).
 */
public final class CommandConsumer implements Lifecycle {

  /** The detail of the FAILED result of a command a restart interrupted. */
  public static final String INTERRUPTED = "interrupted by a collector restart";

  private static final Logger LOG = LoggerFactory.getLogger(CommandConsumer.class);
  private static final Duration COMMIT_INTERVAL = Duration.ofMillis(500);
  private static final Duration STOP_DRAIN = Duration.ofSeconds(5);

  private final RecordConsumer<String, byte[]> records;
  private final String hostId;
  private final Vertx vertx;
  private final CommandVerification verification;
  private final AcceptedCommands accepted;
  private final RemediationExecutor executor;
  private final ResultSink results;
  private final DeadLetterWriter deadLetters;
  private final CollectorStats stats;
  private final Clock clock;

  /** Refusals and interruptions are built, and bound to their command, as every result is. */
  private final ResultFactory resultFactory;

  private final AtomicLong undecodable = new AtomicLong();
  private final AtomicLong otherHosts = new AtomicLong();
  private final AtomicLong replayed = new AtomicLong();
  private final AtomicLong interrupted = new AtomicLong();

  /**
   * @param host the shared parts (the consumer uses its Vert.x, host id and counters)
   * @param config where the accepted command ids are kept, and how many commands run at once
   * @param verification how commands are verified, and how many accepted ids are remembered
   * @param consumer in the host's group with auto-commit off, created on the caller's context
   * @param publisher the host's publisher: dead letters go through it, and its topic names name the
   *     commands topic
   */
  public CommandConsumer(
      HostContext host,
      RemediationConfig config,
      CommandVerification verification,
      KafkaConsumer<String, byte[]> consumer,
      RecordPublisher publisher,
      RemediationExecutor executor,
      ResultSink results,
      Clock clock) {
    Objects.requireNonNull(config, "config");
    this.hostId = host.hostId();
    this.vertx = host.vertx();
    this.verification = Objects.requireNonNull(verification, "verification");
    this.accepted =
        new AcceptedCommands(
            CommandVerification.acceptedIdsFile(config),
            verification.clockSkew(),
            verification.retention(),
            verification.maxAcceptedIds());
    this.executor = Objects.requireNonNull(executor, "executor");
    this.results = Objects.requireNonNull(results, "results");
    this.deadLetters = new DeadLetterWriter(publisher, clientId(hostId));
    this.stats = host.stats();
    this.clock = Objects.requireNonNull(clock, "clock");
    this.resultFactory = new ResultFactory(hostId, clock);
    RecordConsumer.Options options =
        new RecordConsumer.Options(
            clientId(hostId),
            Set.of(publisher.topicNames().name(Topic.COMMANDS)),
            config.maxConcurrentCommands(),
            COMMIT_INTERVAL,
            STOP_DRAIN);
    this.records =
        RecordConsumer.forRecords(
            vertx, consumer, options, this::handle, RecordConsumer.Rebalance.none());
  }

  /** The consumer group of a host's collector. */
  public static String groupId(String hostId) {
    return "porthole-collector-" + hostId;
  }

  private static String clientId(String hostId) {
    return "porthole-collector-commands-" + hostId;
  }

  /** A consumer over Porthole's consumer settings (manual commits), in the host's group. */
  public static CommandConsumer create(
      HostContext host,
      KafkaSettings kafka,
      RemediationConfig config,
      CommandVerification verification,
      RecordPublisher publisher,
      RemediationExecutor executor,
      ResultSink results) {
    KafkaConsumer<String, byte[]> consumer =
        KafkaConsumer.create(
            host.vertx(),
            kafka.consumerConfig(clientId(host.hostId()), groupId(host.hostId())),
            String.class,
            byte[].class);
    return new CommandConsumer(
        host, config, verification, consumer, publisher, executor, results, Clock.systemUTC());
  }

  /**
   * Reads the accepted command ids, starts the executor (pending TTL restores first), reports the
   * interrupted commands (without waiting for Kafka), then subscribes. The consumer's own metrics
   * ({@code kafka_consumer_*}, client id {@code porthole-collector-commands-HOST}) are reported in
   * the process's registry until stop.
   */
  @Override
  public Future<Void> start() {
    records.bindMetrics(PortholeMetrics.of(vertx));
    return vertx
        .<Void>executeBlocking(
            () -> {
              accepted.open(clock.instant());
              if (accepted.skippedLines() > 0) {
                LOG.warn(
                    "accepted command ids: {} unreadable line(s) skipped", accepted.skippedLines());
              }
              return null;
            })
        .compose(v -> executor.start())
        .compose(
            v -> {
              accepted.interrupted().forEach(this::reportInterrupted);
              return records.start();
            });
  }

  @Override
  public Future<Void> stop() {
    return records
        .stop()
        .eventually(executor::stop)
        .eventually(
            () ->
                vertx.executeBlocking(
                    () -> {
                      accepted.close();
                      return null;
                    }));
  }

  /** Verified commands refused because their id was accepted before (replayed copies). */
  public long replayed() {
    return replayed.get();
  }

  /** Records that were not a command (dead-lettered). */
  public long undecodable() {
    return undecodable.get();
  }

  /** Records keyed with another host's id (skipped: that host's collector answers them). */
  public long skippedForOtherHosts() {
    return otherHosts.get();
  }

  /** Commands of a previous run reported FAILED because a restart interrupted them. */
  public long interrupted() {
    return interrupted.get();
  }

  /**
   * The record's work: complete once its result (or dead letter) was acknowledged, or nothing was
   * due.
   */
  private Future<Void> handle(ConsumerRecord<String, byte[]> record) {
    return process(record)
        .onFailure(
            e -> {
              // Results Kafka did not take after retries: the commit stays before this record until
              // a
              // restart, which reports the command as interrupted.
              stats.kafkaSendFailures.incrementAndGet();
              LOG.warn(
                  "command record {}-{}@{} not completed: {}",
                  record.topic(),
                  record.partition(),
                  record.offset(),
                  e.toString());
            });
  }

  private Future<Void> process(ConsumerRecord<String, byte[]> record) {
    if (!hostId.equals(record.key())) {
      otherHosts.incrementAndGet();
      return Future.succeededFuture();
    }
    RemediationCommand command;
    try {
      command = decode(record.value());
    } catch (InvalidProtocolBufferException e) {
      return deadLetter(record, e.getMessage());
    }
    Instant received = clock.instant();
    Optional<String> reason =
        verification
            .verifier()
            .rejectionReason(
                command, hostId, received, verification.maxLifetime(), verification.clockSkew());
    if (reason.isPresent()) {
      // An expired copy of a command accepted before is a replay too: its result must not follow
      // the original's.
      boolean genuine = verification.verifier().signatureProblem(command).isEmpty();
      return genuine && accepted.contains(command.getCommandId())
          ? refuseReplay(command)
          : reject(command, received, reason.get());
    }
    return vertx
        .executeBlocking(() -> accepted.accept(command, received))
        .transform(
            decided -> {
              if (decided.failed()) {
                return reject(
                    command,
                    received,
                    "the command id could not be recorded (" + decided.cause().getMessage() + ")");
              }
              return switch (decided.result()) {
                case ACCEPTED ->
                    executor
                        .execute(command)
                        .compose(this::publishInOrder)
                        .compose(v -> answered(command));
                case DUPLICATE -> refuseReplay(command);
                case FULL ->
                    reject(
                        command,
                        received,
                        accepted.size()
                            + " accepted command ids are remembered, the maximum"
                            + " ("
                            + CommandVerification.MAX_ACCEPTED_IDS
                            + "); refused rather than forgetting one");
              };
            });
  }

  /**
   * Marks the command answered; if that cannot be written, the results were still acknowledged, so
   * the record is complete (the next start reports the command interrupted, after its final result:
   * the controller keeps the first final result).
   */
  private Future<Void> answered(RemediationCommand command) {
    return vertx
        .<Void>executeBlocking(
            () -> {
              accepted.answered(command.getCommandId(), clock.instant());
              return null;
            })
        .recover(
            e -> {
              LOG.warn(
                  "command {} answered but not recorded as such: {}",
                  command.getCommandId(),
                  e.toString());
              return Future.succeededFuture();
            });
  }

  /**
   * Reports FAILED a command a previous run accepted and never answered, then marks it answered.
   */
  private void reportInterrupted(RemediationCommand command) {
    Instant now = clock.instant();
    LOG.warn(
        "command {} ({}) was accepted and never answered: reported FAILED ({})",
        command.getCommandId(),
        command.getAction(),
        INTERRUPTED);
    RemediationResult result =
        resultFactory
            .result(
                command,
                now,
                RemediationStatus.FAILED,
                INTERRUPTED + "; an isolation it recorded is kept, or restored when its TTL is due")
            .build();
    results
        .send(result)
        .compose(v -> answered(command))
        .onSuccess(v -> interrupted.incrementAndGet())
        .onFailure(
            e ->
                LOG.warn(
                    "the interruption of command {} was not acknowledged (reported again "
                        + "at the next"
                        + " start): {}",
                    command.getCommandId(),
                    e.toString()));
  }

  private Future<Void> refuseReplay(RemediationCommand command) {
    replayed.incrementAndGet();
    LOG.warn(
        "command {} ({}) refused: its id was accepted before (a replayed copy); nothing "
            + "done, nothing published",
        command.getCommandId(),
        command.getAction());
    return Future.succeededFuture();
  }

  private static RemediationCommand decode(byte[] value) throws InvalidProtocolBufferException {
    if (value == null) {
      throw new InvalidProtocolBufferException("empty value (tombstone)");
    }
    RemediationCommand command = RemediationCommand.parseFrom(value);
    if (command.getCommandId().isEmpty() || command.getCommandId().indexOf('/') >= 0) {
      throw new InvalidProtocolBufferException("no usable command_id");
    }
    return command;
  }

  private Future<Void> reject(RemediationCommand command, Instant received, String reason) {
    LOG.warn("command {} ({}) rejected: {}", command.getCommandId(), command.getAction(), reason);
    RemediationResult result =
        resultFactory
            .result(command, received, RemediationStatus.REJECTED, reason + "; nothing was done")
            .build();
    stats.commandsRejected.incrementAndGet();
    return results.send(result);
  }

  private Future<Void> publishInOrder(List<RemediationResult> list) {
    Future<Void> chain = Future.succeededFuture();
    for (RemediationResult result :
        list) { // bound to their command by the executor's ResultFactory
      chain = chain.compose(v -> results.send(result));
    }
    if (!list.isEmpty()) {
      RemediationResult first = list.get(0);
      (first.getStatus() == RemediationStatus.REJECTED
              ? stats.commandsRejected
              : stats.commandsExecuted)
          .incrementAndGet();
      LOG.info(
          "command {} ({}): {} {}",
          first.getCommandId(),
          first.getAction(),
          first.getStatus(),
          first.getDetail());
    }
    return chain;
  }

  private Future<Void> deadLetter(ConsumerRecord<String, byte[]> record, String problem) {
    undecodable.incrementAndGet();
    return deadLetters.write(record, "not a command: " + problem);
  }
}
