package io.porthole.analyzer;

import static io.porthole.runtime.SettingDefinition.Type.BOOLEAN;
import static io.porthole.runtime.SettingDefinition.Type.DURATION;
import static io.porthole.runtime.SettingDefinition.Type.ENUM;
import static io.porthole.runtime.SettingDefinition.Type.INTEGER;
import static io.porthole.runtime.SettingDefinition.Type.STRING;
import static io.porthole.runtime.SettingDefinition.of;

import io.porthole.analyzer.images.HostDivergenceRule;
import io.porthole.analyzer.images.ImagesConfig;
import io.porthole.runtime.CommonSettingDefinitions;
import io.porthole.runtime.SettingDefinition;
import io.porthole.runtime.SettingDefinitions;
import io.porthole.runtime.Settings;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Set;

/** Every setting the analyzer reads (besides the common ones), one entry each. */
public final class AnalyzerSettingDefinitions {

  private static final String HOST_DIVERGENCE = HostDivergenceRule.Config.PREFIX;

  private static final List<SettingDefinition> SERVICE =
      List.of(
          of(
              AnalyzerConfig.GROUP_ID,
              STRING,
              "`porthole-analyzer`",
              "consumer group of the instances"),
          of(
              AnalyzerConfig.CLIENT_ID,
              STRING,
              "`porthole-analyzer`",
              "client id prefix (a random suffix is added per instance)"),
          of(
              AnalyzerConfig.MAX_IN_FLIGHT,
              INTEGER,
              "3000",
              "records fetched and not analysed at which the flows and syscalls partitions"
                  + " pause until the analysis takes a batch (lifecycle events still come); ten"
                  + " times that awaiting acknowledgement pause them too"),
          of(
              AnalyzerConfig.DECODE_THREADS,
              INTEGER,
              "cores - 2, 0 to 4",
              "threads that decode flow and syscall batches ahead of the analysis thread; 0: the"
                  + " fetch thread decodes them as it hands them over (the fetch and analysis"
                  + " threads keep two cores busy)"),
          of(
              AnalyzerConfig.COMMIT_INTERVAL,
              DURATION,
              "1s",
              "how often completed offsets are committed"),
          of(AnalyzerConfig.TICK_INTERVAL, DURATION, "1s", "timer for time-based rules and expiry"),
          of(
              AnalyzerConfig.REPLAY_WINDOW,
              DURATION,
              "5m",
              "how far back partitions are re-read after an assignment (at least the longest rule"
                  + " window)"),
          of(
              AnalyzerConfig.ALERT_UPDATE_INTERVAL,
              DURATION,
              "5s",
              "a growing alert (more occurrences or evidence, same title and severity) is"
                  + " republished at most this often; 0 republishes every version (at most the"
                  + " replay window)"),
          of(
              AnalyzerConfig.PUBLISH_BUFFER,
              INTEGER,
              "10000",
              "alert records buffered while Kafka is slow"),
          of(
              RuleTuningSettings.IGNORE_LABEL_ENABLED,
              BOOLEAN,
              "true",
              "whether a container's `porthole.ignore=RULE[,RULE]` (or `all`) label "
                  + "silences rules"),
          of(AnalyzerConfig.MAX_CONTAINERS, INTEGER, "10000", "containers tracked at most"),
          of(
              AnalyzerConfig.CONTAINER_IDLE_EXPIRY,
              DURATION,
              "15m",
              "a container without records for this long is forgotten"),
          of(AnalyzerConfig.MAX_HOSTS, INTEGER, "10000", "hosts tracked at most"),
          of(
              AnalyzerConfig.HOST_IDLE_EXPIRY,
              DURATION,
              "1h",
              "a host without records for this long is forgotten"),
          of(
              ImagesConfig.SUMMARY_GROUP_ID,
              STRING,
              "`<analyzer.group.id>-image-summaries`",
              "consumer group of the image summary stage"),
          of(
              ImagesConfig.GROUP_ID,
              STRING,
              "`<analyzer.group.id>-images`",
              "consumer group of the host divergence rule stage"),
          of(
              ImagesConfig.PUBLISH_INTERVAL,
              DURATION,
              "1s",
              "how often changed summaries are published"),
          of(ImagesConfig.MAX_SUMMARIES, INTEGER, "10000", "(image, host) summaries held"),
          of(ImagesConfig.MAX_CONTAINERS, INTEGER, "10000", "container-to-image entries held"),
          of(ImagesConfig.MAX_OUTCOMES, INTEGER, "64", "syscall and exit outcomes per summary"));

  private static final List<SettingDefinition> RULES =
      List.of(
          of(
              AnalyzerConfig.OOM_KILLED + ".die.window",
              DURATION,
              "5s",
              "an `oom` event without a die within this long: a process inside was killed, the"
                  + " container survived"),
          of(
              AnalyzerConfig.SELINUX + ".window",
              DURATION,
              "10s",
              "a non-zero exit within this long after failing syscalls on SELinux paths raises"
                  + " the alert"),
          of(
              AnalyzerConfig.CONNECTION_FAILURES + ".threshold",
              INTEGER,
              "3",
              "failed connections within the window that raise an alert"),
          of(
              AnalyzerConfig.CONNECTION_FAILURES + ".window",
              DURATION,
              "60s",
              "the window failed connections are counted in"),
          of(
              AnalyzerConfig.COLLECTOR_DROPS + ".minimum",
              INTEGER,
              "1",
              "growth of a heartbeat's drop counters since the previous heartbeat that raises an"
                  + " alert"),
          of(
              AnalyzerConfig.HOST_SILENT + ".missed.intervals",
              INTEGER,
              "3",
              "heartbeat intervals without a heartbeat before a host is silent"),
          of(
              AnalyzerConfig.HOST_SILENT + ".default.interval",
              DURATION,
              "10s",
              "the heartbeat interval assumed for a host that announced none"),
          of(
              HOST_DIVERGENCE + ".window",
              DURATION,
              "15m",
              "outcomes older than this are forgotten and not compared"),
          of(
              HOST_DIVERGENCE + ".minimum.sample",
              INTEGER,
              "1",
              "containers of the image each host must have seen in the window"),
          of(HOST_DIVERGENCE + ".max.images", INTEGER, "10000", "images the rule stage holds"));

  public static final SettingDefinitions ALL = new SettingDefinitions("Analyzer", all());

  /** Prefixes only the analyzer reads: unknown keys under them are refused by the analyzer. */
  static final Set<String> OWNED_PREFIXES = Set.of("analyzer", "rule");

  private AnalyzerSettingDefinitions() {}

  /** Refuses an unknown key under a prefix only the analyzer reads. */
  static void rejectUnknown(Settings settings) {
    SettingDefinitions.rejectUnknown(
        settings, List.of(CommonSettingDefinitions.ALL, ALL), OWNED_PREFIXES);
  }

  private static List<SettingDefinition> all() {
    List<SettingDefinition> all = new ArrayList<>(SERVICE);
    for (String rule :
        List.of(
            AnalyzerConfig.HOST_NAMESPACES + " HIGH",
            AnalyzerConfig.OOM_KILLED + " HIGH",
            AnalyzerConfig.OOM_KILL_DISABLED + " HIGH",
            AnalyzerConfig.SELINUX + " MEDIUM",
            AnalyzerConfig.MISSING_SYSCALL + " MEDIUM",
            AnalyzerConfig.CONNECTION_FAILURES + " MEDIUM",
            AnalyzerConfig.COLLECTOR_DROPS + " MEDIUM",
            AnalyzerConfig.HOST_SILENT + " HIGH",
            HOST_DIVERGENCE + " MEDIUM")) {
      String prefix = rule.substring(0, rule.indexOf(' '));
      String severity = rule.substring(rule.indexOf(' ') + 1);
      all.add(of(prefix + ".enabled", BOOLEAN, "true", "whether the rule runs"));
      all.add(
          of(
              prefix + ".severity",
              ENUM,
              severity,
              "severity of its alerts: INFO, LOW, MEDIUM, HIGH or CRITICAL"));
    }
    all.addAll(RULES);
    for (String prefix : RuleTuningSettings.PREFIXES.values()) {
      all.add(
          of(
              prefix + ".exclude.images",
              STRING,
              "globs on image names whose containers this rule leaves alone (comma list; `none`"
                  + " clears a default)"));
      all.add(
          of(
              prefix + ".exclude.names",
              STRING,
              "globs on container names this rule leaves alone (comma list)"));
      all.add(
          of(
              prefix + ".exclude.labels",
              STRING,
              prefix.equals(AnalyzerConfig.HOST_NAMESPACES)
                  ? "`dev.porthole.component=collector`"
                  : "",
              "labels (`key=value`, or `key` for present) of containers this rule leaves alone"));
    }
    all.subList(SERVICE.size(), all.size()).sort(Comparator.comparing(SettingDefinition::key));
    return all;
  }
}
