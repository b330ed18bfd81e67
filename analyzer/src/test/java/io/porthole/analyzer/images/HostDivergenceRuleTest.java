package io.porthole.analyzer.images;

import static io.porthole.analyzer.images.DivergenceFixtures.HOST_A;
import static io.porthole.analyzer.images.DivergenceFixtures.HOST_B;
import static io.porthole.analyzer.images.DivergenceFixtures.IMAGE_ID;
import static io.porthole.analyzer.images.DivergenceFixtures.KERNEL_A;
import static io.porthole.analyzer.images.DivergenceFixtures.KERNEL_B;
import static io.porthole.analyzer.images.DivergenceFixtures.NOW;
import static io.porthole.analyzer.images.DivergenceFixtures.feed;
import static io.porthole.analyzer.images.DivergenceFixtures.heartbeat;
import static io.porthole.analyzer.images.DivergenceFixtures.probeRun;
import static org.assertj.core.api.Assertions.assertThat;

import io.porthole.analyzer.rules.RuleSettings;
import io.porthole.proto.Alert;
import io.porthole.proto.EventEnvelope;
import io.porthole.proto.Evidence;
import io.porthole.proto.ImageSummary;
import io.porthole.proto.Rule;
import io.porthole.proto.Severity;
import io.porthole.wire.Timestamps;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class HostDivergenceRuleTest {

  private static final HostDivergenceRule.Config CONFIG = HostDivergenceRule.Config.defaults();

  /** Both hosts' runs through the first stage, then every summary through the rule. */
  private static List<Alert> run(
      HostDivergenceRule rule, boolean enosysOnA, boolean enosysOnB, Instant now) {
    ImageSummaryBuilder builder =
        new ImageSummaryBuilder(
            new ImageSummaryBuilder.Limits(Duration.ofMinutes(15), 100, 100, 64));
    builder.onHeartbeat(heartbeat(HOST_A, KERNEL_A));
    builder.onHeartbeat(heartbeat(HOST_B, KERNEL_B));
    feed(builder, probeRun(HOST_A, "a1", enosysOnA));
    feed(builder, probeRun(HOST_B, "b1", enosysOnB));
    List<Alert> alerts = new ArrayList<>();
    for (ImageSummary summary : builder.drainChanged(now)) {
      alerts.addAll(rule.onSummary(summary, now));
    }
    return alerts;
  }

  @Test
  void enosysAndExit4OnlyOnHostBRaisesOneAlertNamingImageHostsKernelsAndEvidenceFromBoth() {
    List<Alert> alerts = run(new HostDivergenceRule(CONFIG), false, true, NOW);

    assertThat(alerts)
        .singleElement()
        .satisfies(
            alert -> {
              assertThat(alert.getRule()).isEqualTo(Rule.HOST_DIVERGENCE);
              assertThat(alert.getSeverity()).isEqualTo(Severity.MEDIUM);
              assertThat(alert.getHostId()).isEqualTo(HOST_B);
              assertThat(alert.getImage()).isEqualTo("porthole/busybox:test");
              assertThat(alert.getTitle())
                  .contains(
                      "porthole/busybox:test",
                      HOST_B,
                      KERNEL_B,
                      HOST_A,
                      KERNEL_A,
                      "memfd_create = ENOSYS",
                      "exit 4");
              assertThat(alert.getAttributesMap())
                  .containsEntry("image_id", IMAGE_ID)
                  .containsEntry("reference_host", HOST_A)
                  .containsEntry("kernel_version", KERNEL_B)
                  .containsEntry("reference_kernel_version", KERNEL_A)
                  .containsEntry("differing", "memfd_create = ENOSYS; exit 4");
              List<String> lines =
                  alert.getEvidenceList().stream().map(Evidence::getDescription).toList();
              assertThat(lines)
                  .containsExactly(
                      "host-b: 31842 10:10:11.591655 "
                          + "memfd_create(\"porthole-probe\", 0) = -1 ENOSYS (Function not "
                          + "implemented) <0.001766>",
                      "host-a: 31587 10:10:08.057709 "
                          + "memfd_create(\"porthole-probe\", 0) = 3 <0.001179>",
                      "host-b: container probe-b1 ("
                          + HostImage.shortId(alert.getContainerId())
                          + ") exited with 4",
                      lines.get(3));
              assertThat(lines.get(3))
                  .startsWith("host-a: container probe-a1")
                  .endsWith("exited with 0");
              assertThat(alert.getSummary()).contains("ENOSYS").contains("1 container(s)");
            });
  }

  @Test
  void summariesOfOneHostFromTwoAnalyzerInstancesAreMergedNotReplacedByEachOther() {
    // Two instances own different event partitions: each summarises one of host B's two failing
    // containers. Only the merge of both reaches the minimum sample of two; either alone does not.
    HostDivergenceRule rule =
        new HostDivergenceRule(
            new HostDivergenceRule.Config(
                RuleSettings.enabled(Severity.MEDIUM), Duration.ofMinutes(15), 2, 100));
    ImageSummaryBuilder first =
        new ImageSummaryBuilder(
            new ImageSummaryBuilder.Limits(Duration.ofMinutes(15), 100, 100, 64));
    ImageSummaryBuilder second =
        new ImageSummaryBuilder(
            new ImageSummaryBuilder.Limits(Duration.ofMinutes(15), 100, 100, 64));
    for (ImageSummaryBuilder builder : List.of(first, second)) {
      builder.onHeartbeat(heartbeat(HOST_A, KERNEL_A));
      builder.onHeartbeat(heartbeat(HOST_B, KERNEL_B));
    }
    for (String seed : List.of("a1", "a2")) {
      probeRun(HOST_A, seed, false).forEach(event -> feedOne(first, event, 0));
    }
    probeRun(HOST_B, "b1", true).forEach(event -> feedOne(first, event, 0));
    probeRun(HOST_B, "b2", true).forEach(event -> feedOne(second, event, 1));

    List<Alert> fromFirst = new ArrayList<>();
    for (ImageSummary summary : first.drainChanged(NOW)) {
      fromFirst.addAll(rule.onSummary(summary, NOW));
    }
    assertThat(fromFirst)
        .as("host B's partition 0 alone: one container, below the sample")
        .isEmpty();
    List<ImageSummary> fromSecond = second.drainChanged(NOW.plusSeconds(1));
    assertThat(fromSecond)
        .singleElement()
        .satisfies(s -> assertThat(s.getSourcePartition()).isEqualTo(1));
    List<Alert> alerts = rule.onSummary(fromSecond.get(0), NOW.plusSeconds(1));
    assertThat(alerts)
        .singleElement()
        .satisfies(
            alert -> {
              assertThat(alert.getHostId()).isEqualTo(HOST_B);
              assertThat(alert.getAttributesMap())
                  .containsEntry("containers", "2")
                  .containsEntry("reference_containers", "2");
            });
  }

  private static void feedOne(ImageSummaryBuilder builder, EventEnvelope event, int partition) {
    if (event.hasSyscalls()) {
      builder.onSyscalls(event, partition);
    } else {
      builder.onContainerEvent(event, partition);
    }
  }

  @Test
  void theSameOutcomeOnBothHostsIsNoDivergence() {
    assertThat(run(new HostDivergenceRule(CONFIG), false, false, NOW)).isEmpty();
    assertThat(run(new HostDivergenceRule(CONFIG), true, true, NOW))
        .as("ENOSYS everywhere is MISSING_SYSCALL's business, not a divergence")
        .isEmpty();
  }

  @Test
  void theAlertIdIsDeterministicAndAnUnchangedDivergenceIsNotPublishedAgain() {
    HostDivergenceRule rule = new HostDivergenceRule(CONFIG);
    Alert first = run(rule, false, true, NOW).get(0);

    assertThat(run(rule, false, true, NOW.plusSeconds(1))).as("nothing new").isEmpty();
    Alert replayed = run(new HostDivergenceRule(CONFIG), false, true, NOW.plusSeconds(5)).get(0);
    assertThat(replayed.getAlertId()).isEqualTo(first.getAlertId());
  }

  @Test
  void belowTheMinimumSampleNothingIsCompared() {
    HostDivergenceRule.Config two =
        new HostDivergenceRule.Config(
            RuleSettings.enabled(Severity.MEDIUM), Duration.ofMinutes(15), 2, 100);

    assertThat(run(new HostDivergenceRule(two), false, true, NOW)).isEmpty();
  }

  @Test
  void outcomesOlderThanTheWindowAreNotCompared() {
    HostDivergenceRule.Config oneMinute =
        new HostDivergenceRule.Config(
            RuleSettings.enabled(Severity.MEDIUM), Duration.ofMinutes(1), 1, 100);
    HostDivergenceRule rule = new HostDivergenceRule(oneMinute);
    ImageSummaryBuilder builder =
        new ImageSummaryBuilder(
            new ImageSummaryBuilder.Limits(Duration.ofMinutes(15), 100, 100, 64));
    feed(builder, probeRun(HOST_A, "a1", false));
    feed(builder, probeRun(HOST_B, "b1", true));
    Instant later = NOW.plus(Duration.ofMinutes(5));

    List<Alert> alerts = new ArrayList<>();
    builder.drainChanged(later).forEach(summary -> alerts.addAll(rule.onSummary(summary, later)));

    assertThat(alerts).isEmpty();
  }

  @Test
  void aDisabledRuleKeepsNoState() {
    HostDivergenceRule rule =
        new HostDivergenceRule(
            new HostDivergenceRule.Config(
                new RuleSettings(false, Severity.MEDIUM), Duration.ofMinutes(15), 1, 100));

    assertThat(run(rule, false, true, NOW)).isEmpty();
    assertThat(rule.images()).isZero();
  }

  @Test
  void stateIsBoundedByTheNumberOfImages() {
    HostDivergenceRule rule =
        new HostDivergenceRule(
            new HostDivergenceRule.Config(
                RuleSettings.enabled(Severity.MEDIUM), Duration.ofMinutes(15), 1, 3));
    for (int i = 0; i < 10; i++) {
      rule.onSummary(
          ImageSummary.newBuilder()
              .setImageId("sha256:" + i)
              .setHostId(HOST_A)
              .setUpdatedAt(Timestamps.of(NOW))
              .setContainers(1)
              .build(),
          NOW);
    }

    assertThat(rule.images()).isEqualTo(3);
  }

  @Test
  void anUntracedReferenceHostIsNoEvidenceAboutSyscallsButItsExitsAre() {
    ImageSummaryBuilder builder =
        new ImageSummaryBuilder(
            new ImageSummaryBuilder.Limits(Duration.ofMinutes(15), 100, 100, 64));
    builder.onHeartbeat(heartbeat(HOST_A, KERNEL_A));
    builder.onHeartbeat(heartbeat(HOST_B, KERNEL_B));
    feed(builder, probeRun(HOST_A, "a1", false));
    feed(builder, probeRun(HOST_B, "b1", true));
    HostDivergenceRule rule = new HostDivergenceRule(CONFIG);
    List<Alert> alerts = new ArrayList<>();
    for (ImageSummary summary : builder.drainChanged(NOW)) {
      // host A's containers ran untraced: no syscall outcomes, only how they ended
      ImageSummary seen =
          summary.getHostId().equals(HOST_A)
              ? summary.toBuilder().clearSyscalls().build()
              : summary;
      alerts.addAll(rule.onSummary(seen, NOW));
    }

    assertThat(alerts)
        .singleElement()
        .satisfies(
            alert -> {
              assertThat(alert.getAttributesMap()).containsEntry("differing", "exit 4");
              assertThat(alert.getTitle()).doesNotContain("memfd_create");
            });
  }

  @Test
  void theWindowIsNamedInSecondsWhenItIsNotWholeMinutes() {
    assertThat(HostDivergenceRule.within(Duration.ofMinutes(15))).isEqualTo("15 min");
    assertThat(HostDivergenceRule.within(Duration.ofSeconds(45))).isEqualTo("45 s");
  }
}
