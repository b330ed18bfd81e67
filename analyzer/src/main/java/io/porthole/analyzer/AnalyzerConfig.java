package io.porthole.analyzer;

import io.porthole.analyzer.engine.EngineLimits;
import io.porthole.analyzer.rules.CollectorDropsRule;
import io.porthole.analyzer.rules.ConnectionFailuresRule;
import io.porthole.analyzer.rules.HostNamespacesRule;
import io.porthole.analyzer.rules.HostSilentRule;
import io.porthole.analyzer.rules.MissingSyscallRule;
import io.porthole.analyzer.rules.OomKillDisabledRule;
import io.porthole.analyzer.rules.OomKilledRule;
import io.porthole.analyzer.rules.RuleSet;
import io.porthole.analyzer.rules.RuleSettings;
import io.porthole.analyzer.rules.SelinuxAssumptionRule;
import io.porthole.proto.Severity;
import io.porthole.runtime.ConfigException;
import io.porthole.runtime.KafkaSettings;
import io.porthole.runtime.Settings;
import io.porthole.runtime.TopicSettings;
import io.porthole.wire.TopicNames;
import java.time.Duration;
import java.util.Objects;
import java.util.stream.Stream;

/**
 * The analyzer's configuration, read and validated from {@link Settings} at start-up (see
 * docs/configuration.md for every key and its default).
 */
public record AnalyzerConfig(
    KafkaSettings kafka,
    TopicNames topicNames,
    String groupId,
    String clientId,
    int maxInFlight,
    int decodeThreads,
    Duration commitInterval,
    Duration tickInterval,
    Duration replayWindow,
    Duration alertUpdateInterval,
    int publishBuffer,
    EngineLimits limits,
    RuleSet rules) {

  public static final String GROUP_ID = "analyzer.group.id";
  public static final String CLIENT_ID = "analyzer.client.id";
  public static final String MAX_IN_FLIGHT = "analyzer.max.in.flight";
  public static final String DECODE_THREADS = "analyzer.decode.threads";
  public static final String COMMIT_INTERVAL = "analyzer.commit.interval";
  public static final String TICK_INTERVAL = "analyzer.tick.interval";
  public static final String REPLAY_WINDOW = "analyzer.replay.window";
  public static final String PUBLISH_BUFFER = "analyzer.publish.buffer";
  public static final String ALERT_UPDATE_INTERVAL = "analyzer.alert.update.interval";
  public static final String MAX_CONTAINERS = "analyzer.max.containers";
  public static final String CONTAINER_IDLE_EXPIRY = "analyzer.container.idle.expiry";
  public static final String MAX_HOSTS = "analyzer.max.hosts";
  public static final String HOST_IDLE_EXPIRY = "analyzer.host.idle.expiry";
  public static final String TOPIC_PREFIX = TopicSettings.TOPIC_PREFIX;

  /** Whether a container's {@code porthole.ignore} label silences the rules it names. */
  public static final String IGNORE_LABEL_ENABLED = RuleTuningSettings.IGNORE_LABEL_ENABLED;

  /** The rules' key prefixes, as in {@code rule.selinux.window}. */
  public static final String HOST_NAMESPACES = "rule.host.namespaces";

  public static final String OOM_KILLED = "rule.oom.killed";
  public static final String OOM_KILL_DISABLED = "rule.oom.kill.disabled";
  public static final String SELINUX = "rule.selinux";
  public static final String MISSING_SYSCALL = "rule.missing.syscall";
  public static final String CONNECTION_FAILURES = "rule.connection.failures";
  public static final String COLLECTOR_DROPS = "rule.collector.drops";
  public static final String HOST_SILENT = "rule.host.silent";

  private static final String DEFAULT_GROUP_ID = "porthole-analyzer";
  private static final Duration MS = Duration.ofMillis(1);
  private static final Duration DAY = Duration.ofDays(1);

  public AnalyzerConfig {
    Objects.requireNonNull(kafka, "kafka");
    Objects.requireNonNull(topicNames, "topicNames");
    Objects.requireNonNull(groupId, "groupId");
    Objects.requireNonNull(clientId, "clientId");
    Objects.requireNonNull(commitInterval, "commitInterval");
    Objects.requireNonNull(tickInterval, "tickInterval");
    Objects.requireNonNull(replayWindow, "replayWindow");
    Objects.requireNonNull(alertUpdateInterval, "alertUpdateInterval");
    Objects.requireNonNull(limits, "limits");
    Objects.requireNonNull(rules, "rules");
  }

  /**
   * Reads and validates every key.
   *
   * @throws ConfigException naming the first key that is wrong and what was expected
   */
  public static AnalyzerConfig from(Settings settings) {
    AnalyzerSettingDefinitions.rejectUnknown(settings);
    RuleSet rules =
        new RuleSet(
            new HostNamespacesRule.Config(ruleSettings(settings, HOST_NAMESPACES, Severity.HIGH)),
            new OomKilledRule.Config(
                ruleSettings(settings, OOM_KILLED, Severity.HIGH),
                settings.duration(
                    OOM_KILLED + ".die.window", Duration.ofSeconds(5), MS, Duration.ofMinutes(10))),
            new OomKillDisabledRule.Config(
                ruleSettings(settings, OOM_KILL_DISABLED, Severity.HIGH)),
            new SelinuxAssumptionRule.Config(
                ruleSettings(settings, SELINUX, Severity.MEDIUM),
                settings.duration(
                    SELINUX + ".window", Duration.ofSeconds(10), MS, Duration.ofHours(1))),
            new MissingSyscallRule.Config(ruleSettings(settings, MISSING_SYSCALL, Severity.MEDIUM)),
            new ConnectionFailuresRule.Config(
                ruleSettings(settings, CONNECTION_FAILURES, Severity.MEDIUM),
                settings.integer(CONNECTION_FAILURES + ".threshold", 3, 1, 1_000_000),
                settings.duration(
                    CONNECTION_FAILURES + ".window",
                    Duration.ofSeconds(60),
                    Duration.ofSeconds(1),
                    Duration.ofHours(1))),
            new CollectorDropsRule.Config(
                ruleSettings(settings, COLLECTOR_DROPS, Severity.MEDIUM),
                settings.longValue(COLLECTOR_DROPS + ".minimum", 1, 1, Long.MAX_VALUE)),
            new HostSilentRule.Config(
                ruleSettings(settings, HOST_SILENT, Severity.HIGH),
                settings.integer(HOST_SILENT + ".missed.intervals", 3, 1, 1000),
                settings.duration(
                    HOST_SILENT + ".default.interval",
                    Duration.ofSeconds(10),
                    Duration.ofSeconds(1),
                    Duration.ofHours(1))),
            RuleTuningSettings.from(settings));
    Duration longestRuleWindow =
        Stream.of(
                rules.oomKilled().dieWindow(),
                rules.selinux().window(),
                rules.connectionFailures().window())
            .max(Duration::compareTo)
            .orElseThrow();
    Duration replay = settings.duration(REPLAY_WINDOW, Duration.ofMinutes(5), Duration.ZERO, DAY);
    if (replay.compareTo(longestRuleWindow) < 0) {
      throw new ConfigException(
          settings.describe(REPLAY_WINDOW),
          "must be at least the longest rule window ("
              + longestRuleWindow.toMillis()
              + "ms) so that a restart "
              + "in the middle of an episode still sees its start, but was "
              + replay.toMillis()
              + "ms");
    }
    Duration alertUpdateInterval =
        settings.duration(ALERT_UPDATE_INTERVAL, Duration.ofSeconds(5), Duration.ZERO, DAY);
    if (alertUpdateInterval.compareTo(replay) > 0) {
      throw new ConfigException(
          settings.describe(ALERT_UPDATE_INTERVAL),
          "must be at most "
              + REPLAY_WINDOW
              + " ("
              + replay.toMillis()
              + "ms) so that a restart re-reads the records behind an update held back, but was "
              + alertUpdateInterval.toMillis()
              + "ms");
    }
    return new AnalyzerConfig(
        KafkaSettings.from(settings),
        TopicSettings.from(settings),
        groupId(settings),
        settings.string(CLIENT_ID, "porthole-analyzer"),
        // Records fetched and not analysed yet (four polls of 750); ten times that may await the
        // acknowledgement of their alerts. It was 10,000: under the latency figure's load that many
        // decoded records outlived young collections, filled the old generation and brought full
        // collections of 70-270 ms (docs/benchmarks.md). 4,000 had been tried before growing alerts
        // were held back (AlertUpdateThrottle): most batches then raised an alert and waited for
        // its acknowledgement, and the unacknowledged bound kept pausing the consumer.
        settings.integer(MAX_IN_FLIGHT, 3_000, 1, 1_000_000),
        settings.integer(DECODE_THREADS, defaultDecodeThreads(), 0, 64),
        settings.duration(
            COMMIT_INTERVAL, Duration.ofSeconds(1), Duration.ofMillis(10), Duration.ofMinutes(5)),
        settings.duration(
            TICK_INTERVAL, Duration.ofSeconds(1), Duration.ofMillis(10), Duration.ofMinutes(5)),
        replay,
        alertUpdateInterval,
        settings.integer(PUBLISH_BUFFER, 10_000, 1, 10_000_000),
        new EngineLimits(
            settings.integer(MAX_CONTAINERS, 10_000, 1, 10_000_000),
            settings.duration(
                CONTAINER_IDLE_EXPIRY, Duration.ofMinutes(15), Duration.ofSeconds(1), DAY),
            settings.integer(MAX_HOSTS, 10_000, 1, 10_000_000),
            settings.duration(
                HOST_IDLE_EXPIRY, Duration.ofHours(1), Duration.ofSeconds(1), Duration.ofDays(7))),
        rules);
  }

  /**
   * Decode threads that pay off on this machine: the fetch and analysis threads keep two cores
   * busy, decode threads only help on the cores left (at most four). On 2 cores, a pool of two
   * contended with the fetch thread and the broker, and the analysis thread waited for its batches
   * (analyzer-run: ~1.0-1.2M flows/s with it; without it ~1.4M with the analysis thread decoding,
   * ~1.5M with the fetch thread decoding, which it now does).
   */
  static int defaultDecodeThreads() {
    return Math.max(0, Math.min(4, Runtime.getRuntime().availableProcessors() - 2));
  }

  /** The analyzer's consumer group ({@code analyzer.group.id}). */
  public static String groupId(Settings settings) {
    return settings.string(GROUP_ID, DEFAULT_GROUP_ID);
  }

  /** A rule's {@code PREFIX.enabled} and {@code PREFIX.severity}. */
  public static RuleSettings ruleSettings(
      Settings settings, String prefix, Severity defaultSeverity) {
    boolean enabled = settings.bool(prefix + ".enabled", true);
    Severity severity = settings.enumValue(prefix + ".severity", Severity.class, defaultSeverity);
    if (severity == Severity.SEVERITY_UNSPECIFIED || severity == Severity.UNRECOGNIZED) {
      throw new ConfigException(
          settings.describe(prefix + ".severity"),
          "expected one of INFO, LOW, MEDIUM, HIGH, CRITICAL but was '"
              + settings.string(prefix + ".severity", "")
              + "'");
    }
    return new RuleSettings(enabled, severity);
  }
}
