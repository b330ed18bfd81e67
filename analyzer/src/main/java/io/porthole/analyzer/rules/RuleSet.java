package io.porthole.analyzer.rules;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/** The configuration of every rule; {@link #enabledRules()} builds the rules that are switched on. */
public record RuleSet(
    HostNamespacesRule.Config hostNamespaces,
    OomKilledRule.Config oomKilled,
    OomKillDisabledRule.Config oomKillDisabled,
    SelinuxAssumptionRule.Config selinux,
    MissingSyscallRule.Config missingSyscall,
    ConnectionFailuresRule.Config connectionFailures,
    CollectorDropsRule.Config collectorDrops,
    HostSilentRule.Config hostSilent) {

  public RuleSet {
    Objects.requireNonNull(hostNamespaces);
    Objects.requireNonNull(oomKilled);
    Objects.requireNonNull(oomKillDisabled);
    Objects.requireNonNull(selinux);
    Objects.requireNonNull(missingSyscall);
    Objects.requireNonNull(connectionFailures);
    Objects.requireNonNull(collectorDrops);
    Objects.requireNonNull(hostSilent);
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
        HostSilentRule.Config.defaults());
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
    return rules;
  }
}
