package io.porthole.analyzer.rules;

import io.porthole.proto.Rule;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * The container label {@code porthole.ignore=RULE[,RULE...]} (or {@code all}): the rules that leave
 * this container alone. A rule is named as alerts name it ({@code HOST_NAMESPACES}) or as its
 * settings do ({@code host.namespaces}), in any case; names that match no rule are ignored (the
 * label belongs to the container's owner, not to Porthole's configuration).
 */
public final class IgnoreLabel {

  public static final String KEY = "porthole.ignore";
  public static final String ALL = "all";

  /** The dotted names of the settings keys ({@code rule.host.namespaces.*}). */
  private static final Map<String, Rule> SETTINGS_NAMES =
      Map.of(
          "host.namespaces", Rule.HOST_NAMESPACES,
          "oom.killed", Rule.OOM_KILLED,
          "oom.kill.disabled", Rule.OOM_KILL_DISABLED_UNBOUNDED,
          "selinux", Rule.SELINUX_ASSUMPTION,
          "missing.syscall", Rule.MISSING_SYSCALL,
          "connection.failures", Rule.CONNECTION_FAILURES,
          "host.divergence", Rule.HOST_DIVERGENCE,
          "collector.drops", Rule.COLLECTOR_DROPS,
          "host.silent", Rule.HOST_SILENT);

  private static final Map<String, Rule> NAMES = names();

  private IgnoreLabel() {}

  /**
   * The rules the container's labels silence (every rule for {@code all}); empty without the label.
   */
  public static Set<Rule> rules(Map<String, String> labels) {
    String value = labels.get(KEY);
    if (value == null || value.isBlank()) {
      return Set.of();
    }
    Set<Rule> rules = EnumSet.noneOf(Rule.class);
    for (String part : value.split(",")) {
      String name = part.trim().toLowerCase(Locale.ROOT);
      if (name.equals(ALL)) {
        return EnumSet.complementOf(EnumSet.of(Rule.RULE_UNSPECIFIED, Rule.UNRECOGNIZED));
      }
      Rule rule = NAMES.get(name);
      if (rule != null) {
        rules.add(rule);
      }
    }
    return rules;
  }

  private static Map<String, Rule> names() {
    Map<String, Rule> names = new HashMap<>(SETTINGS_NAMES);
    for (Rule rule : Rule.values()) {
      if (rule != Rule.RULE_UNSPECIFIED && rule != Rule.UNRECOGNIZED) {
        names.put(rule.name().toLowerCase(Locale.ROOT), rule);
      }
    }
    return Map.copyOf(names);
  }
}
