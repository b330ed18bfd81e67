package io.porthole.analyzer.rules;

import io.porthole.proto.Rule;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * The configuration of every rule and what operators tuned ({@link RuleTuning}); {@link
 * #enabledRules()} builds the rules that are switched on.
 */
public record RuleSet(
    HostNamespacesRule.Config hostNamespaces,
    OomKilledRule.Config oomKilled,
    OomKillDisabledRule.Config oomKillDisabled,
    SelinuxAssumptionRule.Config selinux,
    MissingSyscallRule.Config missingSyscall,
    ConnectionFailuresRule.Config connectionFailures,
    CollectorDropsRule.Config collectorDrops,
    HostSilentRule.Config hostSilent,
    RuleTuning tuning) {

  /** The rules about one container, the only ones exclusions and the ignore label apply to. */
  public static final Set<Rule> CONTAINER_RULES =
      EnumSet.of(
          Rule.HOST_NAMESPACES,
          Rule.OOM_KILLED,
          Rule.OOM_KILL_DISABLED_UNBOUNDED,
          Rule.SELINUX_ASSUMPTION,
          Rule.MISSING_SYSCALL,
          Rule.CONNECTION_FAILURES);

  public RuleSet {
    Objects.requireNonNull(hostNamespaces);
    Objects.requireNonNull(oomKilled);
    Objects.requireNonNull(oomKillDisabled);
    Objects.requireNonNull(selinux);
    Objects.requireNonNull(missingSyscall);
    Objects.requireNonNull(connectionFailures);
    Objects.requireNonNull(collectorDrops);
    Objects.requireNonNull(hostSilent);
    Objects.requireNonNull(tuning);
  }

  public static RuleSet defaults() {
    return new RuleSet(
        HostNamespacesRule.Config.defaults(),
        OomKilledRule.Config.defaults(),
        OomKillDisabledRule.Config.defaults(),
        SelinuxAssumptionRule.Config.defaults(),
        MissingSyscallRule.Config.defaults(),
        ConnectionFailuresRule.Config.defaults(),
        CollectorDropsRule.Config.defaults(),
        HostSilentRule.Config.defaults(),
        RuleTuning.defaults());
  }

  public List<DetectionRule> enabledRules() {
    List<DetectionRule> rules = new ArrayList<>();
    if (hostNamespaces.settings().enabled()) {
      rules.add(new HostNamespacesRule(hostNamespaces));
    }
    if (oomKilled.settings().enabled()) {
      rules.add(new OomKilledRule(oomKilled));
    }
    if (oomKillDisabled.settings().enabled()) {
      rules.add(new OomKillDisabledRule(oomKillDisabled));
    }
    if (selinux.settings().enabled()) {
      rules.add(new SelinuxAssumptionRule(selinux));
    }
    if (missingSyscall.settings().enabled()) {
      rules.add(new MissingSyscallRule(missingSyscall));
    }
    if (connectionFailures.settings().enabled()) {
      rules.add(new ConnectionFailuresRule(connectionFailures));
    }
    if (collectorDrops.settings().enabled()) {
      rules.add(new CollectorDropsRule(collectorDrops));
    }
    if (hostSilent.settings().enabled()) {
      rules.add(new HostSilentRule(hostSilent));
    }
    return rules.stream().map(this::tuned).toList();
  }

  private DetectionRule tuned(DetectionRule rule) {
    return CONTAINER_RULES.contains(rule.id()) && tuning.canSilence(rule.id())
        ? new ExcludingRule(rule, tuning)
        : rule;
  }
}
