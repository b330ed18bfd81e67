package io.porthole.collector.remediation;

import static org.assertj.core.api.Assertions.assertThat;

import io.porthole.collector.CollectorStats;
import io.porthole.collector.ContainerDirectory;
import io.porthole.collector.HostContext;
import io.porthole.proto.RemediationAction;
import io.porthole.proto.RemediationCommand;
import io.porthole.proto.RemediationResult;
import io.porthole.proto.RemediationStatus;
import io.porthole.runtime.Settings;
import io.porthole.runtime.kafka.RecordPublisher;
import io.porthole.runtime.security.CommandKeys;
import io.porthole.runtime.security.CommandSigner;
import io.porthole.testing.Await;
import io.porthole.testing.TestDocker;
import io.porthole.wire.Timestamps;
import io.porthole.wire.Topic;
import io.porthole.wire.TopicNames;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.kafka.client.consumer.KafkaConsumer;
import io.vertx.kafka.client.producer.KafkaProducer;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.MockConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.consumer.OffsetResetStrategy;
import org.apache.kafka.clients.producer.MockProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The consumer's contract with Kafka, on kafka-clients' mocks: what it answers and when it commits.
 */
class CommandConsumerTest {

  private static final String HOST = "host-a";
  private static final TopicNames TOPICS = TopicNames.withPrefix("unit.");
  private static final TopicPartition PARTITION =
      new TopicPartition(TOPICS.name(Topic.COMMANDS), 0);

  @TempDir Path dataDir;
  private Vertx vertx;
  private MockConsumer<String, byte[]> mockConsumer;
  private MockProducer<String, byte[]> mockProducer;
  private RecordPublisher publisher;
  private CommandConsumer consumer;
  private CommandSigner signer;
  private CollectorStats stats = new CollectorStats();
  private RemediationConfig config;
  private CommandVerification verification;

  @BeforeEach
  void start() throws Exception {
    vertx = Vertx.vertx();
    config =
        RemediationConfig.from(Settings.of(Map.of("remediation.data.dir", dataDir.toString())));
    CommandKeys.writePair(dataDir.resolve("signing.pem"), dataDir.resolve("verify.pem"));
    signer = CommandSigner.fromFile(dataDir.resolve("signing.pem"));
    verification =
        CommandVerification.from(
            Settings.of(
                Map.of("command.verify.key.file", dataDir.resolve("verify.pem").toString())));
    startConsumer();
  }

  /** A consumer over fresh mocks, as a collector (re)starting would have. */
  private void startConsumer() throws Exception {
    stats = new CollectorStats();
    mockConsumer = new MockConsumer<>(OffsetResetStrategy.EARLIEST);
    mockProducer = new MockProducer<>(false, new StringSerializer(), new ByteArraySerializer());
    publisher = new RecordPublisher(vertx, KafkaProducer.create(vertx, mockProducer), TOPICS, 100);
    ResultSink sink = new KafkaResultSink(vertx, publisher);
    HostContext host =
        new HostContext(
            vertx,
            HOST,
            TestDocker.client(),
            new ContainerDirectory(),
            (topic, envelope) -> {},
            stats,
            dataDir.resolve("collector"));
    RemediationExecutor executor =
        RemediationExecutor.create(
            vertx,
            config,
            HOST,
            host.docker(),
            host.directory(),
            (c, d, r) -> Future.succeededFuture(),
            sink);
    consumer =
        new CommandConsumer(
            host,
            config,
            verification,
            KafkaConsumer.create(vertx, mockConsumer),
            publisher,
            executor,
            sink,
            Clock.systemUTC());
    mockConsumer.schedulePollTask(
        () -> {
          mockConsumer.rebalance(List.of(PARTITION));
          mockConsumer.updateBeginningOffsets(Map.of(PARTITION, 0L));
        });
    consumer.start().await(10, TimeUnit.SECONDS);
  }

  @AfterEach
  void stop() throws Exception {
    consumer.stop().await(10, TimeUnit.SECONDS);
    vertx.close().await(10, TimeUnit.SECONDS);
  }

  @Test
  void anUnsignedCommandIsRejectedAndCommittedOnlyOnceTheResultIsAcknowledged() throws Exception {
    RemediationCommand unsigned =
        RemediationCommand.newBuilder()
            .setCommandId("cmd-1")
            .setAction(RemediationAction.ISOLATE_NETWORK)
            .setHostId(HOST)
            .setContainerId("f00")
            .setExpiresAt(Timestamps.of(Instant.now().plusSeconds(60)))
            .build();
    add(0, HOST, unsigned.toByteArray());

    awaitCondition(() -> mockProducer.history().size() == 1);
    ProducerRecord<String, byte[]> sent = mockProducer.history().get(0);
    RemediationResult result = RemediationResult.parseFrom(sent.value());
    assertThat(sent.topic()).isEqualTo("unit.porthole.command-results.v1");
    assertThat(sent.key()).isEqualTo("host-a/cmd-1");
    assertThat(result.getStatus()).isEqualTo(RemediationStatus.REJECTED);
    assertThat(result.getDetail()).isEqualTo("command is not signed; nothing was done");
    assertThat(committed()).as("nothing committed before the result is acknowledged").isNull();

    vertx.executeBlocking(() -> mockProducer.completeNext()).await(10, TimeUnit.SECONDS);

    awaitCondition(() -> committed() != null && committed().offset() == 1);
    assertThat(stats.commandsRejected.get()).isEqualTo(1);
    assertThat(stats.commandsExecuted.get()).isZero();
  }

  @Test
  void aCommandAcceptedAndNeverAnsweredBeforeARestartIsReportedFailedAsInterrupted()
      throws Exception {
    consumer.stop().await(10, TimeUnit.SECONDS);
    Instant now = Instant.now();
    RemediationCommand command =
        signer.sign(
            RemediationCommand.newBuilder()
                .setCommandId("cmd-cut")
                .setAction(RemediationAction.ISOLATE_NETWORK)
                .setHostId(HOST)
                .setContainerId("f00")
                .setRequestedBy("alice")
                .setIssuedAt(Timestamps.of(now))
                .setExpiresAt(Timestamps.of(now.plusSeconds(60)))
                .build());
    try (AcceptedCommands accepted =
        new AcceptedCommands(
            CommandVerification.acceptedIdsFile(config),
            Duration.ofSeconds(30),
            Duration.ofMinutes(10),
            1000)) {
      accepted.open(now); // what the collector did before it was killed: accepted, then nothing
      accepted.accept(command, now);
    }

    startConsumer();
    awaitCondition(() -> mockProducer.history().size() == 1);
    ProducerRecord<String, byte[]> sent = mockProducer.history().get(0);
    RemediationResult result = RemediationResult.parseFrom(sent.value());
    assertThat(sent.key()).isEqualTo("host-a/cmd-cut");
    assertThat(result.getStatus()).isEqualTo(RemediationStatus.FAILED);
    assertThat(result.getDetail()).startsWith(CommandConsumer.INTERRUPTED);
    assertThat(result.getCommandSha256().toByteArray()).isEqualTo(CommandSigner.digest(command));
    assertThat(result.getRequestedBy()).isEqualTo("alice");
    vertx.executeBlocking(() -> mockProducer.completeNext()).await(10, TimeUnit.SECONDS);
    awaitCondition(() -> consumer.interrupted() == 1);

    consumer.stop().await(10, TimeUnit.SECONDS);
    startConsumer();
    add(0, HOST, command.toByteArray()); // the command's record, never committed, read again
    awaitCondition(() -> committed() != null && committed().offset() == 1);
    assertThat(mockProducer.history())
        .as("answered once: not reported again, not run again")
        .isEmpty();
    assertThat(consumer.interrupted()).isZero();
    assertThat(consumer.replayed()).isEqualTo(1);
  }

  @Test
  void recordsForOtherHostsAreSkippedAndUndecodableOnesDeadLettered() throws Exception {
    add(0, "host-b", new byte[] {1, 2, 3});
    awaitCondition(() -> committed() != null && committed().offset() == 1);
    assertThat(consumer.skippedForOtherHosts()).isEqualTo(1);
    assertThat(mockProducer.history()).isEmpty();

    add(1, HOST, new byte[] {(byte) 0xff, 0x01});
    awaitCondition(() -> mockProducer.history().size() == 1);
    ProducerRecord<String, byte[]> deadLetter = mockProducer.history().get(0);
    assertThat(deadLetter.topic()).isEqualTo("unit.porthole.dead-letters.v1");
    assertThat(deadLetter.value()).containsExactly((byte) 0xff, 0x01);
    assertThat(new String(deadLetter.headers().lastHeader("porthole.source.offset").value()))
        .isEqualTo("1");
    assertThat(new String(deadLetter.headers().lastHeader("porthole.consumer").value()))
        .isEqualTo("porthole-collector-commands-host-a");
    assertThat(consumer.undecodable()).isEqualTo(1);

    vertx.executeBlocking(() -> mockProducer.completeNext()).await(10, TimeUnit.SECONDS);
    awaitCondition(() -> committed() != null && committed().offset() == 2);
  }

  @Test
  void aReplayedCopyOfAnAcceptedCommandPublishesNothingAndResultsAreBoundToTheirCommand()
      throws Exception {
    Instant now = Instant.now();
    RemediationCommand command =
        signer.sign(
            RemediationCommand.newBuilder()
                .setCommandId("cmd-2")
                .setAction(RemediationAction.RESTORE_NETWORK)
                .setHostId(HOST)
                .setContainerId("f00-no-such-container")
                .setRequestedBy("alice")
                .setDryRun(true)
                .setIssuedAt(Timestamps.of(now))
                .setExpiresAt(Timestamps.of(now.plusSeconds(60)))
                .build());
    add(0, HOST, command.toByteArray());
    awaitCondition(() -> !mockProducer.history().isEmpty());
    vertx
        .executeBlocking(
            () -> {
              mockProducer.completeNext();
              return null;
            })
        .await(10, TimeUnit.SECONDS);
    awaitCondition(() -> committed() != null && committed().offset() == 1);
    int published = mockProducer.history().size();
    RemediationResult result = RemediationResult.parseFrom(mockProducer.history().get(0).value());
    assertThat(result.getCommandSha256().toByteArray()).isEqualTo(CommandSigner.digest(command));
    assertThat(result.getRequestedBy()).isEqualTo("alice");

    add(1, HOST, command.toByteArray());
    awaitCondition(() -> committed() != null && committed().offset() == 2);
    assertThat(mockProducer.history())
        .as("nothing published for the replayed copy")
        .hasSize(published);
    assertThat(consumer.replayed()).isEqualTo(1);
  }

  private void add(long offset, String key, byte[] value) {
    mockConsumer.schedulePollTask(
        () ->
            mockConsumer.addRecord(new ConsumerRecord<>(PARTITION.topic(), 0, offset, key, value)));
  }

  private OffsetAndMetadata committed() {
    return mockConsumer.committed(Set.of(PARTITION)).get(PARTITION);
  }

  private static void awaitCondition(BooleanSupplier condition) throws InterruptedException {
    Await.until(
        "the condition", Duration.ofSeconds(15), Duration.ofMillis(20), condition::getAsBoolean);
  }
}
