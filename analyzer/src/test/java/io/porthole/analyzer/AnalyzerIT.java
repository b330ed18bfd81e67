package io.porthole.analyzer;

import static io.porthole.analyzer.Fixtures.containerId;
import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.InvalidProtocolBufferException;
import io.porthole.proto.Alert;
import io.porthole.proto.Rule;
import io.porthole.runtime.kafka.DeadLetterWriter;
import io.porthole.testing.SharedKafka;
import io.porthole.wire.Topic;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.Header;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The analyzer against a real broker: records produced onto its topics, alerts read back. */
class AnalyzerIT {

  private static final Duration TIMEOUT = Duration.ofSeconds(60);
  private static Vertx vertx;

  @BeforeAll
  static void startVertx() {
    vertx = Vertx.vertx();
  }

  @AfterAll
  static void closeVertx() throws Exception {
    await(vertx.close());
  }

  private static <T> T await(Future<T> future) throws Exception {
    return future.toCompletionStage().toCompletableFuture().get(60, TimeUnit.SECONDS);
  }

  private static AnalyzerService started(KafkaTestbed testbed, String... settings)
      throws Exception {
    AnalyzerService analyzer = AnalyzerService.create(vertx, testbed.settings(settings));
    await(analyzer.start());
    return analyzer;
  }

  private static Set<String> rulesAndNames(Map<String, Alert> alerts) {
    return alerts.values().stream()
        .map(a -> a.getRule() + " " + a.getContainerId().substring(0, 8))
        .collect(Collectors.toCollection(TreeSet::new));
  }

  @Test
  void scenarioEventsYieldExactlyTheExpectedAlerts() throws Exception {
    try (KafkaTestbed testbed = new KafkaTestbed("analyzer-scenarios");
        KafkaTestbed.Reader alerts = testbed.reader(Topic.ALERTS)) {
      Instant t = Instant.now();
      String s1 = containerId("it-s1");
      String s2 = containerId("it-s2");
      String s2b = containerId("it-s2b");
      String s5 = containerId("it-s5");
      String enosys = containerId("it-enosys");
      testbed.produce(Scenarios.heartbeat(t));
      Scenarios.hostNamespaces(s1, t).forEach(testbed::produce);
      Scenarios.oomKilled(s2, "s2-hungry", t).forEach(testbed::produce);
      Scenarios.oomKillDisabled(s2b, t).forEach(testbed::produce);
      testbed.produce(Scenarios.selinuxFailures(s5, 4711, t));
      Scenarios.selinuxExit(s5, 4711, t.plusSeconds(1)).forEach(testbed::produce);
      testbed.produce(Scenarios.enosys(enosys, t));
      Set<String> expected = testbed.expectedAlertIds();

      // One record in flight at a time: the consumer pauses and resumes around every record.
      AnalyzerService analyzer = started(testbed, "analyzer.max.in.flight", "1");
      alerts.awaitAlerts(
          "the scenario alerts, MISSING_SYSCALL naming the kernel",
          TIMEOUT,
          a ->
              a.keySet().containsAll(expected)
                  && a.values().stream()
                      .anyMatch(
                          alert ->
                              alert.getRule() == Rule.MISSING_SYSCALL
                                  && !alert
                                      .getAttributesOrDefault("kernel_version", "")
                                      .isEmpty()));
      await(analyzer.stop());

      Map<String, Alert> all = alerts.readToEnd();
      assertThat(all.keySet()).isEqualTo(expected);
      assertThat(rulesAndNames(all))
          .containsExactlyInAnyOrder(
              Rule.HOST_NAMESPACES + " " + s1.substring(0, 8),
              Rule.OOM_KILLED + " " + s2.substring(0, 8),
              Rule.OOM_KILL_DISABLED_UNBOUNDED + " " + s2b.substring(0, 8),
              Rule.SELINUX_ASSUMPTION + " " + s5.substring(0, 8),
              Rule.MISSING_SYSCALL + " " + enosys.substring(0, 8));
      Alert missing =
          all.values().stream()
              .filter(a -> a.getRule() == Rule.MISSING_SYSCALL)
              .findFirst()
              .orElseThrow();
      assertThat(missing.getAttributesMap()).containsEntry("kernel_version", "6.1.0-27-amd64");
      assertThat(all.values()).allSatisfy(a -> assertThat(a.hasPublishedAt()).isTrue());
      assertThat(analyzer.stats().recordsDeadLettered()).isZero();
      assertThat(analyzer.stats().pauses()).isGreaterThan(0);
    }
  }

  @Test
  void aGrowingEpisodeIsRepublishedAtMostOncePerIntervalAndItsLastVersionAtStop() throws Exception {
    try (KafkaTestbed testbed = new KafkaTestbed("analyzer-updates");
        KafkaTestbed.Reader alerts = testbed.reader(Topic.ALERTS)) {
      Instant t = Instant.now();
      String id = containerId("it-refused");
      int attempts = 40;
      for (int i = 0; i < attempts; i++) {
        testbed.produce(
            Fixtures.flow(id, t.plusMillis(10L * i), 40_000 + i, "172.17.0.9", 5432, 1, 0, 1));
      }
      // An interval longer than the test: only the first version (at the threshold, 3) and the
      // one flushed at stop may be published.
      AnalyzerService analyzer = started(testbed, "analyzer.alert.update.interval", "5m");
      KafkaTestbed.await(
          "every flow analysed", TIMEOUT, () -> analyzer.stats().recordsProcessed() >= attempts);
      alerts.awaitAlerts("the first version", TIMEOUT, a -> !a.isEmpty());
      await(analyzer.stop());

      Map<String, Alert> latest = alerts.readToEnd();
      assertThat(latest.values())
          .singleElement()
          .satisfies(
              alert -> {
                assertThat(alert.getRule()).isEqualTo(Rule.CONNECTION_FAILURES);
                assertThat(alert.getOccurrences()).isEqualTo(attempts);
              });
      assertThat(alerts.records)
          .extracting(r -> Alert.parseFrom(r.value()).getOccurrences())
          .containsExactly(3, attempts);
      assertThat(analyzer.stats().alertVersionsSkipped()).isEqualTo(attempts - 3 - 1);
    }
  }

  @Test
  void aPoisonRecordIsDeadLetteredWithItsOriginAndTheNextGoodRecordIsStillProcessed()
      throws Exception {
    try (KafkaTestbed testbed = new KafkaTestbed("analyzer-poison");
        KafkaTestbed.Reader alerts = testbed.reader(Topic.ALERTS);
        KafkaTestbed.Reader deadLetters = testbed.reader(Topic.DEAD_LETTERS)) {
      Instant t = Instant.now();
      String id = containerId("it-poison");
      byte[] poison =
          "this is not protobuf \u0000\u00ff\u00ff\u00ff".getBytes(StandardCharsets.UTF_8);
      testbed.send(Topic.SYSCALLS, Fixtures.HOST + "/" + id, poison);
      testbed.produce(Scenarios.selinuxFailures(id, 77, t));
      Scenarios.selinuxExit(id, 77, t.plusSeconds(1)).forEach(testbed::produce);
      Set<String> expected = testbed.expectedAlertIds();

      AnalyzerService analyzer = started(testbed);
      alerts.awaitAlerts(
          "the SELinux alert after the poison record",
          TIMEOUT,
          a -> a.keySet().containsAll(expected));
      KafkaTestbed.await(
          "the dead letter",
          TIMEOUT,
          () -> {
            deadLetters.pollOnce();
            return !deadLetters.records.isEmpty();
          });
      await(analyzer.stop());

      ConsumerRecord<String, byte[]> letter = deadLetters.records.get(0);
      assertThat(letter.value()).isEqualTo(poison);
      assertThat(letter.key()).isEqualTo(Fixtures.HOST + "/" + id);
      assertThat(header(letter, DeadLetterWriter.SOURCE_TOPIC))
          .isEqualTo(testbed.topics.name(Topic.SYSCALLS));
      assertThat(header(letter, DeadLetterWriter.SOURCE_PARTITION)).matches("[0-2]");
      assertThat(header(letter, DeadLetterWriter.SOURCE_OFFSET)).isEqualTo("0");
      assertThat(header(letter, DeadLetterWriter.ERROR))
          .contains("undecodable record", "not a valid EventEnvelope");
      assertThat(analyzer.stats().recordsDeadLettered()).isEqualTo(1);
    }
  }

  private static String header(ConsumerRecord<String, byte[]> record, String name) {
    Header header = record.headers().lastHeader(name);
    assertThat(header).as("header " + name).isNotNull();
    return new String(header.value(), StandardCharsets.UTF_8);
  }

  @Test
  void twoInstancesWithARebalanceInTheMiddleProduceEveryExpectedAlert() throws Exception {
    try (KafkaTestbed testbed = new KafkaTestbed("analyzer-rebalance");
        KafkaTestbed.Reader alerts = testbed.reader(Topic.ALERTS)) {
      AnalyzerService first = started(testbed);
      AnalyzerService second = started(testbed);
      Instant t = Instant.now();
      int containers = 24;
      for (int i = 0; i < containers; i++) {
        String id = containerId("it-rebalance-" + i);
        Scenarios.oomKilled(id, "oom-" + i, t).forEach(testbed::produce);
        testbed.produce(Scenarios.selinuxFailures(id, 1000 + i, t));
      }
      KafkaTestbed.await(
          "both instances at work",
          TIMEOUT,
          () -> first.stats().recordsProcessed() > 0 && second.stats().recordsProcessed() > 0);
      alerts.awaitAlerts("the first half of the alerts", TIMEOUT, a -> a.size() >= containers);

      await(second.stop());
      for (int i = 0; i < containers; i++) {
        String id = containerId("it-rebalance-" + i);
        Scenarios.selinuxExit(id, 1000 + i, t.plusSeconds(1)).forEach(testbed::produce);
      }
      Set<String> expected = testbed.expectedAlertIds();
      assertThat(expected).hasSize(2 * containers);

      alerts.awaitAlerts(
          "every alert after the rebalance", TIMEOUT, a -> a.keySet().containsAll(expected));
      await(first.stop());
      assertThat(alerts.readToEnd().keySet()).isEqualTo(expected);
      assertThat(first.stats().rebalances()).isGreaterThanOrEqualTo(2);
    }
  }

  @Test
  void aRecordsOffsetIsNotCommittedWhileTheBrokerRefusesItsAlert() throws Exception {
    try (KafkaTestbed testbed = new KafkaTestbed("analyzer-unacked");
        var admin = SharedKafka.admin()) {
      Instant t = Instant.now();
      String id = containerId("it-unacked");
      testbed.produce(Scenarios.heartbeat(t));
      testbed.produce(Scenarios.selinuxFailures(id, 99, t));
      Scenarios.selinuxExit(id, 99, t.plusSeconds(1)).forEach(testbed::produce);

      // Every alert is larger than the producer may send: the broker never acknowledges one.
      AnalyzerService analyzer = started(testbed, "kafka.producer.max.request.size", "300");
      KafkaTestbed.await(
          "the heartbeat's offset committed and the alert retried",
          TIMEOUT,
          () -> {
            try {
              var committed =
                  admin
                      .listConsumerGroupOffsets(testbed.groupId)
                      .partitionsToOffsetAndMetadata()
                      .get();
              boolean heartbeatCommitted =
                  committed.keySet().stream()
                      .anyMatch(p -> p.topic().equals(testbed.topics.name(Topic.HEARTBEATS)));
              return heartbeatCommitted && analyzer.stats().publishRetries() >= 3;
            } catch (Exception e) {
              throw new IllegalStateException(e);
            }
          });
      var committed =
          admin.listConsumerGroupOffsets(testbed.groupId).partitionsToOffsetAndMetadata().get();
      await(analyzer.stop());

      // The exits batch (offset 1 of its syscalls partition) raises or updates the alert whatever
      // order the topics are read in, so the commit must stay at or before it.
      assertThat(committed.keySet())
          .extracting(p -> p.topic())
          .contains(testbed.topics.name(Topic.HEARTBEATS));
      assertThat(committed.entrySet())
          .filteredOn(e -> e.getKey().topic().equals(testbed.topics.name(Topic.SYSCALLS)))
          .allSatisfy(e -> assertThat(e.getValue().offset()).isLessThanOrEqualTo(1L));
      assertThat(analyzer.stats().alertsPublished()).isZero();
    }
  }

  @Test
  void aRestartInTheMiddleOfAnSelinuxEpisodeStillRaisesItsAlertOnce() throws Exception {
    try (KafkaTestbed testbed = new KafkaTestbed("analyzer-restart");
        KafkaTestbed.Reader alerts = testbed.reader(Topic.ALERTS)) {
      Instant t = Instant.now();
      String id = containerId("it-restart");
      AnalyzerService before = started(testbed);
      testbed.produce(Scenarios.selinuxFailures(id, 4242, t));
      KafkaTestbed.await(
          "the failing syscalls processed", TIMEOUT, () -> before.stats().recordsProcessed() >= 1);
      await(before.stop());
      // The failing syscalls are behind the committed offset: only re-reading the window finds
      // them.
      try (var admin = SharedKafka.admin()) {
        var committed =
            admin.listConsumerGroupOffsets(testbed.groupId).partitionsToOffsetAndMetadata().get();
        assertThat(committed.entrySet())
            .filteredOn(e -> e.getKey().topic().equals(testbed.topics.name(Topic.SYSCALLS)))
            .extracting(e -> e.getValue().offset())
            .contains(1L);
      }

      Scenarios.selinuxExit(id, 4242, t.plusSeconds(2)).forEach(testbed::produce);
      Set<String> expected = testbed.expectedAlertIds();
      assertThat(expected).hasSize(1);
      AnalyzerService after = started(testbed);
      alerts.awaitAlerts(
          "the SELinux alert after the restart", TIMEOUT, a -> a.keySet().containsAll(expected));
      await(after.stop());

      Map<String, Alert> all = alerts.readToEnd();
      assertThat(all.keySet()).isEqualTo(expected);
      Alert alert = all.values().iterator().next();
      assertThat(alert.getRule()).isEqualTo(Rule.SELINUX_ASSUMPTION);
      assertThat(alert.getEvidenceList())
          .extracting(e -> e.getDescription())
          .anySatisfy(d -> assertThat(d).contains("/etc/selinux/config"))
          .anySatisfy(d -> assertThat(d).contains("exited with 12"));
    }
  }

  @Test
  void anAnalyzerKilledMidBatchLosesNothingAndReprocessesIntoTheSameAlertIds() throws Exception {
    try (KafkaTestbed testbed = new KafkaTestbed("analyzer-kill");
        KafkaTestbed.Reader alerts = testbed.reader(Topic.ALERTS);
        var admin = SharedKafka.admin()) {
      Instant t = Instant.now();
      int containers = 12;
      for (int i = 0; i < containers; i++) {
        Scenarios.oomKilled(containerId("it-kill-a" + i), "a" + i, t).forEach(testbed::produce);
      }
      Set<String> firstHalf = testbed.expectedAlertIds();
      AnalyzerService before = started(testbed);
      alerts.awaitAlerts(
          "the first half's alerts", TIMEOUT, a -> a.keySet().containsAll(firstHalf));
      await(before.stop());
      Map<TopicPartition, Long> committedBefore = committedOffsets(admin, testbed);
      assertThat(committedBefore.values().stream().mapToLong(Long::longValue).sum())
          .isEqualTo(4L * containers);

      for (int i = 0; i < containers; i++) {
        Scenarios.oomKilled(containerId("it-kill-b" + i), "b" + i, t.plusSeconds(1))
            .forEach(testbed::produce);
      }
      Set<String> expected = testbed.expectedAlertIds();
      assertThat(expected).hasSize(2 * containers);
      // Commits only at stop: whatever the victim handles before it is killed is never committed.
      AnalyzerService victim = started(testbed, "analyzer.commit.interval", "5m");
      KafkaTestbed.await(
          "the victim in the middle of the second half",
          TIMEOUT,
          () -> victim.stats().recordsProcessed() > 0);
      await(victim.abort());
      assertThat(committedOffsets(admin, testbed))
          .as("a killed analyzer commits nothing more")
          .isEqualTo(committedBefore);
      Set<String> beforeRestart = alerts.readToEnd().keySet();
      int recordsBeforeRestart = alerts.records.size();

      AnalyzerService after = started(testbed);
      alerts.awaitAlerts(
          "every alert after the restart", TIMEOUT, a -> a.keySet().containsAll(expected));
      KafkaTestbed.await(
          "the second half committed",
          TIMEOUT,
          () ->
              committedOffsets(admin, testbed).values().stream().mapToLong(Long::longValue).sum()
                  == 8L * containers);
      await(after.stop());

      Map<String, Alert> all = alerts.readToEnd();
      assertThat(all.keySet())
          .as("distinct alert ids: nothing lost, nothing new")
          .isEqualTo(expected);
      assertThat(expected).containsAll(beforeRestart);
      assertThat(after.stats().recordsProcessed())
          .as("re-processed from the last commit")
          .isGreaterThanOrEqualTo(4L * containers);
      // Alerts published before the kill were raised again with the same ids by the restarted
      // instance.
      Map<String, Long> versions =
          alerts.records.subList(recordsBeforeRestart, alerts.records.size()).stream()
              .map(r -> parseAlert(r.value()).getAlertId())
              .collect(Collectors.groupingBy(id -> id, Collectors.counting()));
      assertThat(versions.keySet()).containsAll(beforeRestart);
    }
  }

  private static Alert parseAlert(byte[] value) {
    try {
      return Alert.parseFrom(value);
    } catch (InvalidProtocolBufferException e) {
      throw new AssertionError(e);
    }
  }

  private static Map<TopicPartition, Long> committedOffsets(Admin admin, KafkaTestbed testbed) {
    try {
      return admin
          .listConsumerGroupOffsets(testbed.groupId)
          .partitionsToOffsetAndMetadata()
          .get()
          .entrySet()
          .stream()
          .filter(
              e ->
                  e.getValue() != null
                      && e.getKey().topic().equals(testbed.topics.name(Topic.CONTAINER_EVENTS)))
          .collect(Collectors.toMap(Map.Entry::getKey, e -> e.getValue().offset()));
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }
}
