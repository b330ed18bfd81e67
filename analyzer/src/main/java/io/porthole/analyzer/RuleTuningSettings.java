package io.porthole.analyzer;

import io.porthole.analyzer.rules.Glob;
import io.porthole.analyzer.rules.LabelSelector;
import io.porthole.analyzer.rules.RuleExclusions;
import io.porthole.analyzer.rules.RuleTuning;
import io.porthole.proto.Rule;
import io.porthole.runtime.ConfigException;
import io.porthole.runtime.Settings;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * Reads {@link RuleTuning}: {@code rule.<name>.exclude.images}, {@code .exclude.names} and {@code
 * .exclude.labels} of each container rule, and {@code analyzer.ignore.label.enabled}.
 */
final class RuleTuningSettings {

  static final String IGNORE_LABEL_ENABLED = "analyzer.ignore.label.enabled";

  /** Clears a list, its default included. */
  static final String NONE = "none";

  /** The settings prefix of each container rule. */
  static final Map<Rule, String> PREFIXES = prefixes();

  private RuleTuningSettings() {}

  static RuleTuning from(Settings settings) {
    Map<Rule, RuleExclusions> exclusions = new EnumMap<>(Rule.class);
    PREFIXES.forEach(
        (rule, prefix) -> {
          RuleExclusions defaults = RuleTuning.defaultExclusions(rule);
          RuleExclusions read =
              new RuleExclusions(
                  list(
                      settings,
                      prefix + ".exclude.images",
                      defaults.images(),
                      RuleTuningSettings::glob),
                  list(
                      settings,
                      prefix + ".exclude.names",
                      defaults.names(),
                      RuleTuningSettings::glob),
                  list(
                      settings,
                      prefix + ".exclude.labels",
                      defaults.labels(),
                      LabelSelector::parse));
          if (!read.isEmpty()) {
            exclusions.put(rule, read);
          }
        });
    return new RuleTuning(exclusions, settings.bool(IGNORE_LABEL_ENABLED, true));
  }

  private static <T> List<T> list(
      Settings settings, String key, List<T> defaults, Function<String, T> parse) {
    List<String> entries = settings.list(key, null);
    if (entries == null) {
      return defaults;
    }
    if (entries.stream().anyMatch(NONE::equalsIgnoreCase)) {
      if (entries.size() > 1) {
        throw new ConfigException(
            settings.describe(key),
            "'none' clears the list and cannot be combined with other entries, but was '"
                + String.join(",", entries)
                + "'");
      }
      return List.of();
    }
    List<T> parsed = new ArrayList<>(entries.size());
    for (String entry : entries) {
      try {
        parsed.add(parse.apply(entry));
      } catch (IllegalArgumentException e) {
        throw new ConfigException(settings.describe(key), "invalid entry: " + e.getMessage());
      }
    }
    return parsed;
  }

  private static Glob glob(String text) {
    return Glob.of(text);
  }

  private static Map<Rule, String> prefixes() {
    Map<Rule, String> prefixes = new LinkedHashMap<>();
    prefixes.put(Rule.HOST_NAMESPACES, AnalyzerConfig.HOST_NAMESPACES);
    prefixes.put(Rule.OOM_KILLED, AnalyzerConfig.OOM_KILLED);
    prefixes.put(Rule.OOM_KILL_DISABLED_UNBOUNDED, AnalyzerConfig.OOM_KILL_DISABLED);
    prefixes.put(Rule.SELINUX_ASSUMPTION, AnalyzerConfig.SELINUX);
    prefixes.put(Rule.MISSING_SYSCALL, AnalyzerConfig.MISSING_SYSCALL);
    prefixes.put(Rule.CONNECTION_FAILURES, AnalyzerConfig.CONNECTION_FAILURES);
    return prefixes;
  }
}
