package io.porthole.analyzer.images;

import io.porthole.analyzer.AnalyzerConfig;
import io.porthole.proto.Severity;
import io.porthole.runtime.ConfigException;
import io.porthole.runtime.Settings;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;

/**
 * The configuration of the analyzer's per-image stages (see docs/divergence.md): the consumer
 * groups of the summary stage and of the rule stage, how often changed summaries are published, the
 * bounds of the summary state, and the HOST_DIVERGENCE rule's {@code rule.host.divergence.*}
 * settings.
 */
public record ImagesConfig(
    String summaryGroupId,
    String groupId,
    Duration publishInterval,
    ImageSummaryBuilder.Limits limits,
    HostDivergenceRule.Config rule) {

  public static final String SUMMARY_GROUP_ID = "analyzer.images.summary.group.id";
  public static final String GROUP_ID = "analyzer.images.group.id";
  public static final String PUBLISH_INTERVAL = "analyzer.images.publish.interval";
  public static final String MAX_SUMMARIES = "analyzer.images.max.summaries";
  public static final String MAX_CONTAINERS = "analyzer.images.max.containers";
  public static final String MAX_OUTCOMES = "analyzer.images.max.outcomes";

  private static final String PREFIX = HostDivergenceRule.Config.PREFIX;

  public ImagesConfig {
    Objects.requireNonNull(summaryGroupId, "summaryGroupId");
    Objects.requireNonNull(groupId, "groupId");
    Objects.requireNonNull(publishInterval, "publishInterval");
    Objects.requireNonNull(limits, "limits");
    Objects.requireNonNull(rule, "rule");
  }

  /** Every key at its default. */
  public static ImagesConfig defaults() {
    return from(Settings.of(Map.of()));
  }

  /**
   * Reads and validates every key.
   *
   * @throws ConfigException naming the first key that is wrong and what was expected
   */
  public static ImagesConfig from(Settings settings) {
    Duration window =
        settings.duration(
            PREFIX + ".window", Duration.ofMinutes(15), Duration.ofSeconds(10), Duration.ofDays(1));
    HostDivergenceRule.Config rule =
        new HostDivergenceRule.Config(
            AnalyzerConfig.ruleSettings(settings, PREFIX, Severity.MEDIUM),
            window,
            settings.integer(PREFIX + ".minimum.sample", 1, 1, 10_000),
            settings.integer(PREFIX + ".max.images", 10_000, 1, 1_000_000));
    // Derived from the analyzer's group, so that deployments (and tests) with their own analyzer
    // group
    // get their own image groups too.
    String analyzerGroup = AnalyzerConfig.groupId(settings);
    return new ImagesConfig(
        settings.string(SUMMARY_GROUP_ID, analyzerGroup + "-image-summaries"),
        settings.string(GROUP_ID, analyzerGroup + "-images"),
        settings.duration(
            PUBLISH_INTERVAL, Duration.ofSeconds(1), Duration.ofMillis(100), Duration.ofMinutes(5)),
        new ImageSummaryBuilder.Limits(
            window,
            settings.integer(MAX_SUMMARIES, 10_000, 1, 1_000_000),
            settings.integer(MAX_CONTAINERS, 10_000, 1, 10_000_000),
            settings.integer(MAX_OUTCOMES, 64, 1, 10_000)),
        rule);
  }
}
