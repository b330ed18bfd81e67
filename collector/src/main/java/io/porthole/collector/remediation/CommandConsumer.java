package io.porthole.collector.remediation;

import com.google.protobuf.InvalidProtocolBufferException;
import io.porthole.collector.CollectorStats;
import io.porthole.proto.RemediationCommand;
import io.porthole.proto.RemediationResult;
import io.porthole.proto.RemediationStatus;
import io.porthole.runtime.KafkaSettings;
import io.porthole.runtime.Lifecycle;
import io.porthole.runtime.kafka.RecordPublisher;
import com.google.protobuf.ByteString;
import io.porthole.runtime.security.CommandSigner;
import io.porthole.wire.Timestamps;
import io.porthole.wire.Topic;
import io.porthole.wire.TopicNames;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.kafka.client.common.TopicPartition;
import io.vertx.kafka.client.consumer.KafkaConsumer;
import io.vertx.kafka.client.consumer.KafkaConsumerRecord;
import io.vertx.kafka.client.consumer.OffsetAndMetadata;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Consumes {@code porthole.commands.v1} for this host (group {@code porthole-collector-<hostId>}):
 * records keyed with another host id are skipped; each command is verified ({@link
 * io.porthole.runtime.security.CommandVerifier#rejectionReason}: unsigned, signed with a key that is
 * not trusted, altered, expired, too long-lived, issued in the future or for another host is REJECTED
 * and nothing is done); its id is then recorded in the {@link AcceptedCommands} (on disk, before
 * anything runs), and a command whose id was accepted before (a replayed copy) is refused without
 * publishing anything, so the original command's record stays as it is. Accepted commands are
 * carried out by the {@link RemediationExecutor}; their results, stamped with the SHA-256 of the
 * command they answer and its requester, are published and, once Kafka acknowledged them, the
 * record's offset is committed. Undecodable records are counted and dead-lettered. At most {@code
 * maxInFlight} commands run at once (the consumer pauses).
 */
public final class CommandConsumer implements Lifecycle {

  private static final Logger LOG = LoggerFactory.getLogger(CommandConsumer.class);

  private final KafkaConsumer<String, byte[]> consumer;
  private final TopicNames topics;
  private final String hostId;
  private final Vertx vertx;
  private final CommandVerification verification;
  private final AcceptedCommands accepted;
  private final RemediationExecutor executor;
  private final ResultSink results;
  private final RecordPublisher deadLetters;
  private final CollectorStats stats;
  private final int maxInFlight;
  private final Clock clock;
  private final OffsetTracker offsets = new OffsetTracker();
  private final AtomicLong undecodable = new AtomicLong();
  private final AtomicLong otherHosts = new AtomicLong();
  private final AtomicLong replayed = new AtomicLong();
  private boolean paused;

  public CommandConsumer(
      Vertx vertx,
      KafkaConsumer<String, byte[]> consumer,
      TopicNames topics,
      String hostId,
      CommandVerification verification,
      AcceptedCommands accepted,
      RemediationExecutor executor,
      ResultSink results,
      RecordPublisher deadLetters,
      CollectorStats stats,
      int maxInFlight,
      Clock clock) {
    this.consumer = Objects.requireNonNull(consumer, "consumer");
    this.topics = Objects.requireNonNull(topics, "topics");
    this.hostId = Objects.requireNonNull(hostId, "hostId");
    this.vertx = Objects.requireNonNull(vertx, "vertx");
    this.verification = Objects.requireNonNull(verification, "verification");
    this.accepted = Objects.requireNonNull(accepted, "accepted");
    this.executor = Objects.requireNonNull(executor, "executor");
    this.results = Objects.requireNonNull(results, "results");
    this.deadLetters = Objects.requireNonNull(deadLetters, "deadLetters");
    this.stats = Objects.requireNonNull(stats, "stats");
    if (maxInFlight < 1) {
      throw new IllegalArgumentException("maxInFlight must be positive");
    }
    this.maxInFlight = maxInFlight;
    this.clock = Objects.requireNonNull(clock, "clock");
  }

  /** The consumer group of a host's collector. */
  public static String groupId(String hostId) {
    return "porthole-collector-" + hostId;
  }

  /** A consumer over Porthole's consumer settings (manual commits), in the host's group. */
  public static CommandConsumer create(
      Vertx vertx,
      KafkaSettings kafka,
      RemediationConfig config,
      CommandVerification verification,
      String hostId,
      TopicNames topics,
      RecordPublisher publisher,
      RemediationExecutor executor,
      ResultSink results,
      CollectorStats stats) {
    KafkaConsumer<String, byte[]> consumer =
        KafkaConsumer.create(vertx, kafka.consumerConfig("porthole-collector-commands-" + hostId, groupId(hostId)), String.class, byte[].class);
    AcceptedCommands accepted =
        new AcceptedCommands(
            CommandVerification.acceptedIdsFile(config), verification.clockSkew(), verification.maxAcceptedIds());
    return new CommandConsumer(
        vertx, consumer, topics, hostId, verification, accepted, executor, results, publisher, stats,
        config.maxConcurrentCommands(), Clock.systemUTC());
  }

  /** Reads the accepted command ids, starts the executor (pending TTL restores first), then subscribes. */
  @Override
  public Future<Void> start() {
    consumer.exceptionHandler(e -> LOG.warn("command consumer: {}", e.toString()));
    consumer.handler(this::handle);
    return vertx.<Void>executeBlocking(() -> {
          accepted.open(clock.instant());
          if (accepted.skippedLines() > 0) {
            LOG.warn("accepted command ids: {} unreadable line(s) skipped", accepted.skippedLines());
          }
          return null;
        })
        .compose(v -> executor.start())
        .compose(v -> consumer.subscribe(topics.name(Topic.COMMANDS)));
  }

  @Override
  public Future<Void> stop() {
    return consumer.close().eventually(executor::stop).eventually(() -> vertx.executeBlocking(() -> {
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

  private void handle(KafkaConsumerRecord<String, byte[]> record) {
    OffsetTracker.Partition partition = new OffsetTracker.Partition(record.topic(), record.partition());
    offsets.started(partition, record.offset());
    if (offsets.inFlight() >= maxInFlight && !paused) {
      paused = true;
      consumer.pause();
    }
    Context context = Vertx.currentContext();
    process(record).onComplete(done -> context.runOnContext(v -> {
      if (done.failed()) {
        // Results Kafka did not take after retries: counted and logged; the offset still advances so
        // that one lost result does not stall every later command of the partition.
        stats.kafkaSendFailures.incrementAndGet();
        LOG.warn("command record {}-{}@{} not completed: {}", record.topic(), record.partition(), record.offset(), done.cause().toString());
      }
      completed(partition, record.offset());
    }));
  }

  private Future<Void> process(KafkaConsumerRecord<String, byte[]> record) {
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
    Optional<String> reason = verification.verifier().rejectionReason(
        command, hostId, received, verification.maxLifetime(), verification.clockSkew());
    if (reason.isPresent()) {
      // An expired copy of a command accepted before is a replay too: its result must not follow the original's.
      boolean genuine = verification.verifier().signatureProblem(command).isEmpty();
      return genuine && accepted.contains(command.getCommandId())
          ? refuseReplay(command)
          : reject(command, received, reason.get());
    }
    Instant expiresAt = Timestamps.toInstant(command.getExpiresAt());
    return vertx.executeBlocking(() -> accepted.accept(command.getCommandId(), expiresAt, received))
        .transform(decided -> {
          if (decided.failed()) {
            return reject(
                command, received, "the command id could not be recorded (" + decided.cause().getMessage() + ")");
          }
          return switch (decided.result()) {
            case ACCEPTED -> executor.execute(command).compose(this::publishInOrder);
            case DUPLICATE -> refuseReplay(command);
            case FULL -> reject(command, received, accepted.size() + " accepted command ids are remembered, the maximum"
                + " (" + CommandVerification.MAX_ACCEPTED_IDS + "); refused rather than forgetting one");
          };
        });
  }

  private Future<Void> refuseReplay(RemediationCommand command) {
    replayed.incrementAndGet();
    LOG.warn("command {} ({}) refused: its id was accepted before (a replayed copy); nothing " + "done, nothing published",
        command.getCommandId(), command.getAction());
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
    RemediationResult result = RemediationResult.newBuilder()
        .setCommandId(command.getCommandId())
        .setAction(command.getAction())
        .setHostId(hostId)
        .setContainerId(command.getContainerId())
        .setStatus(RemediationStatus.REJECTED)
        .setDetail(reason + "; nothing was done")
        .setStartedAt(Timestamps.of(received))
        .setFinishedAt(Timestamps.of(clock.instant()))
        .setDryRun(command.getDryRun())
        .build();
    stats.commandsRejected.incrementAndGet();
    return results.send(answering(command, result));
  }

  private Future<Void> publishInOrder(List<RemediationResult> list) {
    Future<Void> chain = Future.succeededFuture();
    for (RemediationResult result : list) { // bound to their command by the executor's ResultFactory
      chain = chain.compose(v -> results.send(result));
    }
    if (!list.isEmpty()) {
      RemediationResult first = list.get(0);
      (first.getStatus() == RemediationStatus.REJECTED ? stats.commandsRejected : stats.commandsExecuted).incrementAndGet();
      LOG.info("command {} ({}): {} {}", first.getCommandId(), first.getAction(), first.getStatus(), first.getDetail());
    }
    return chain;
  }

  /** A refusal, bound to the very command it answers (the controller ignores it for any other). */
  private static RemediationResult answering(RemediationCommand command, RemediationResult result) {
    return result.toBuilder()
        .setCommandSha256(ByteString.copyFrom(CommandSigner.digest(command)))
        .setRequestedBy(command.getRequestedBy())
        .build();
  }

  private Future<Void> deadLetter(KafkaConsumerRecord<String, byte[]> record, String problem) {
    undecodable.incrementAndGet();
    LOG.warn("undecodable command record {}-{}@{}: {}", record.topic(), record.partition(), record.offset(), problem);
    Map<String, byte[]> headers = Map.of(
        "porthole.error", String.valueOf(problem).getBytes(StandardCharsets.UTF_8),
        "porthole.source.topic", record.topic().getBytes(StandardCharsets.UTF_8),
        "porthole.source.partition", Integer.toString(record.partition()).getBytes(StandardCharsets.UTF_8),
        "porthole.source.offset", Long.toString(record.offset()).getBytes(StandardCharsets.UTF_8));
    byte[] value = record.value() == null ? new byte[0] : record.value();
    return deadLetters.sendRaw(Topic.DEAD_LETTERS, record.key(), value, headers);
  }

  private void completed(OffsetTracker.Partition partition, long offset) {
    OptionalLong next = offsets.completed(partition, offset);
    if (next.isPresent()) {
      consumer.commit(Map.of(new TopicPartition(partition.topic(), partition.partition()), new OffsetAndMetadata(next.getAsLong(), "")))
          .onFailure(e -> LOG.warn("cannot commit command offset {} of {}: {}", next.getAsLong(), partition, e.toString()));
    }
    if (paused && offsets.inFlight() < maxInFlight) {
      paused = false;
      consumer.resume();
    }
  }
}
