package io.porthole.app.tail;

import io.porthole.app.CliFailure;
import io.porthole.app.CommandSettings;
import io.porthole.app.kafka.KafkaReachability;
import io.porthole.runtime.KafkaSettings;
import io.porthole.runtime.Settings;
import io.porthole.wire.Topic;
import io.porthole.wire.TopicNames;
import java.io.PrintStream;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(
    name = "tail",
    mixinStandardHelpOptions = true,
    description = {
      "Prints the records of one topic as JSON lines (the protobuf JSON mapping plus "
          + "key, partition and offset).",
      "TOPIC may be the full name (porthole.alerts.v1) or the short one (alerts, "
          + "container-events, flows, syscalls,"
          + " heartbeats, commands, command-results, dead-letters)."
    })
public final class TailCommand implements Callable<Integer> {

  @Parameters(index = "0", paramLabel = "TOPIC", description = "The topic to follow.")
  String topicText;

  @Option(
      names = "--kafka",
      paramLabel = "HOST:PORT",
      description = "Kafka bootstrap servers (default: PORTHOLE_KAFKA_BOOTSTRAP_SERVERS).")
  String kafka;

  @Option(
      names = "--from-beginning",
      description = "Start at the oldest record instead of new records only.")
  boolean fromBeginning;

  @Option(names = "--max", paramLabel = "N", description = "Exit after N records.")
  Long max;

  @Option(
      names = "--timeout",
      paramLabel = "SECONDS",
      description = "Exit after this many seconds.")
  Long timeoutSeconds;

  @Option(
      names = "--key",
      paramLabel = "PREFIX",
      description = "Only records whose key starts with PREFIX (e.g. a host id).")
  String keyPrefix;

  @Option(
      names = "--topic-prefix",
      paramLabel = "PREFIX",
      description = "A prefix in front of every topic name (default: PORTHOLE_TOPIC_PREFIX).")
  String topicPrefix;

  private final PrintStream out;

  public TailCommand(PrintStream out) {
    this.out = out;
  }

  @Override
  public Integer call() throws Exception {
    Topic topic;
    try {
      topic = Topic.parse(topicText);
    } catch (IllegalArgumentException e) {
      throw CliFailure.usage(e.getMessage());
    }
    if (max != null && max < 1) {
      throw CliFailure.usage("--max: expected a positive number but was " + max);
    }
    if (timeoutSeconds != null && timeoutSeconds < 1) {
      throw CliFailure.usage(
          "--timeout: expected a positive number of seconds but was " + timeoutSeconds);
    }
    Settings settings =
        CommandSettings.fromEnvironment()
            .option(KafkaSettings.BOOTSTRAP_KEY, kafka)
            .option(CommandSettings.TOPIC_PREFIX_KEY, topicPrefix)
            .build();
    KafkaSettings kafkaSettings = KafkaSettings.from(settings);
    KafkaReachability.require(kafkaSettings, Duration.ofSeconds(10));
    String topicName =
        TopicNames.withPrefix(settings.string(CommandSettings.TOPIC_PREFIX_KEY, "")).name(topic);
    Map<String, Object> config =
        new LinkedHashMap<>(kafkaSettings.consumerConfig("porthole-tail", null));
    try (KafkaConsumer<String, byte[]> consumer =
        new KafkaConsumer<>(config, new StringDeserializer(), new ByteArrayDeserializer())) {
      return follow(consumer, topic, topicName, kafkaSettings.bootstrapServers());
    }
  }

  private int follow(
      KafkaConsumer<String, byte[]> consumer, Topic topic, String topicName, String bootstrap) {
    List<PartitionInfo> infos = consumer.partitionsFor(topicName, Duration.ofSeconds(10));
    if (infos == null || infos.isEmpty()) {
      throw CliFailure.failure(
          "topic "
              + topicName
              + " does not exist on Kafka at "
              + bootstrap
              + " (is `porthole up` running against it?)");
    }
    List<TopicPartition> partitions =
        infos.stream().map(i -> new TopicPartition(topicName, i.partition())).toList();
    consumer.assign(partitions);
    if (fromBeginning) {
      consumer.seekToBeginning(partitions);
    } else {
      consumer.seekToEnd(partitions);
      partitions.forEach(consumer::position);
    }
    TailLineFormatter formatter = new TailLineFormatter(topic);
    CountDownLatch finished = new CountDownLatch(1);
    Thread hook =
        new Thread(
            () -> {
              consumer.wakeup();
              awaitQuietly(finished);
            },
            "porthole-tail-stop");
    Runtime.getRuntime().addShutdownHook(hook);
    long deadline =
        timeoutSeconds == null
            ? Long.MAX_VALUE
            : System.nanoTime() + Duration.ofSeconds(timeoutSeconds).toNanos();
    long printed = 0;
    try {
      while ((max == null || printed < max) && System.nanoTime() < deadline) {
        long waitMs = Math.min(500, Math.max(1, (deadline - System.nanoTime()) / 1_000_000));
        for (ConsumerRecord<String, byte[]> record : consumer.poll(Duration.ofMillis(waitMs))) {
          if (keyPrefix != null && (record.key() == null || !record.key().startsWith(keyPrefix))) {
            continue;
          }
          out.println(
              formatter.format(
                  record.key(),
                  record.partition(),
                  record.offset(),
                  record.value(),
                  headers(record)));
          if (max != null && ++printed >= max) {
            break;
          }
        }
        out.flush();
      }
    } catch (WakeupException e) {
      // Ctrl-C: the shutdown hook woke the consumer up.
    } finally {
      out.flush();
      finished.countDown();
      try {
        Runtime.getRuntime().removeShutdownHook(hook);
      } catch (IllegalStateException shuttingDown) {
        // The JVM is already stopping; the hook is running.
      }
    }
    return 0;
  }

  private static Map<String, byte[]> headers(ConsumerRecord<String, byte[]> record) {
    Map<String, byte[]> headers = new LinkedHashMap<>();
    for (Header header : record.headers()) {
      headers.put(header.key(), header.value());
    }
    return headers;
  }

  private static void awaitQuietly(CountDownLatch latch) {
    try {
      latch.await(5, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
