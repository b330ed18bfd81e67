package io.porthole.analyzer.rules;

import io.porthole.analyzer.engine.ContainerState;
import io.porthole.proto.Rule;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * What operators tuned without code: each rule's exclusions ({@code rule.<name>.exclude.*}) and
 * whether containers may silence rules with the {@code porthole.ignore} label.
 */
public record RuleTuning(Map<Rule, RuleExclusions> exclusions, boolean ignoreLabelEnabled) {

  /** The label Porthole's own containers carry: {@code dev.porthole.component=<service>}. */
  public static final String COMPONENT_LABEL = "dev.porthole.component";

  public RuleTuning {
    Objects.requireNonNull(exclusions, "exclusions");
    exclusions = Map.copyOf(exclusions);
  }

  /**
   * The defaults: the compose deployment's own collector runs in the host's network and pid
   * namespaces by necessity, so {@code HOST_NAMESPACES} leaves it alone; the label is honoured.
   */
  public static RuleTuning defaults() {
    return new RuleTuning(
        Map.of(Rule.HOST_NAMESPACES, defaultExclusions(Rule.HOST_NAMESPACES)), true);
  }

  /** The exclusions a rule has when its {@code exclude.*} keys are unset. */
  public static RuleExclusions defaultExclusions(Rule rule) {
    if (rule == Rule.HOST_NAMESPACES) {
      return new RuleExclusions(
          List.of(), List.of(), List.of(new LabelSelector(COMPONENT_LABEL, "collector")));
    }
    return RuleExclusions.NONE;
  }

  public RuleExclusions exclusions(Rule rule) {
    return exclusions.getOrDefault(rule, RuleExclusions.NONE);
  }

  /**
   * Whether {@code rule} leaves {@code container} alone (by the rule's exclusions or the label).
   */
  public boolean silences(Rule rule, ContainerState container) {
    if (ignoreLabelEnabled && container.ignoredRules().contains(rule)) {
      return true;
    }
    return exclusions(rule).excludes(container);
  }

  /** Whether any container could be silenced at all (else rules need no wrapper). */
  public boolean canSilence(Rule rule) {
    return ignoreLabelEnabled || !exclusions(rule).isEmpty();
  }
}
