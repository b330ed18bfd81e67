package io.porthole.analyzer.rules;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.porthole.proto.Rule;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The small languages of the tuning keys and the label: globs, label selectors, rule names. */
class GlobTest {

  @Test
  void aStarCrossesSlashesSoARegistryPathOrATagMatchesAnywhere() {
    Glob debug = Glob.of("registry.local/debug/*");
    assertThat(debug.matches("registry.local/debug/tool:1.2")).isTrue();
    assertThat(debug.matches("registry.local/debug/team/tool")).isTrue();
    assertThat(debug.matches("registry.local/debugger/tool")).isFalse();
    assertThat(debug.matches("mirror/registry.local/debug/tool")).isFalse();

    Glob dev = Glob.of("*:dev");
    assertThat(dev.matches("registry.local/team/app:dev")).isTrue();
    assertThat(dev.matches("app:dev")).isTrue();
    assertThat(dev.matches("app:dev2")).isFalse();
    assertThat(dev.matches("app:latest")).isFalse();
  }

  @Test
  void aQuestionMarkIsOneCharacterAndEverythingElseIsLiteral() {
    assertThat(Glob.of("web-?").matches("web-1")).isTrue();
    assertThat(Glob.of("web-?").matches("web-12")).isFalse();
    assertThat(Glob.of("a.b").matches("axb")).as("a dot is not a regex wildcard").isFalse();
    assertThat(Glob.of("a+b(c)").matches("a+b(c)")).isTrue();
    assertThat(Glob.of("x\\E.*").matches("x\\E.*")).isTrue();
    assertThat(Glob.of("x\\E.*").matches("x\\Eyy")).isFalse();
    assertThat(Glob.of("porthole-collector-1").matches("porthole-collector-1")).isTrue();
    assertThat(Glob.of("*").matches("")).isTrue();
    assertThat(Glob.of("web").matches(null)).isFalse();
  }

  @Test
  void emptyPatternsAndWhiteSpaceAreRefused() {
    assertThatThrownBy(() -> Glob.of("")).hasMessageContaining("empty");
    assertThatThrownBy(() -> Glob.of("my image"))
        .hasMessageContaining("'my image' contains white space");
  }

  @Test
  void aLabelSelectorIsKeyEqualsValueOrAKeyThatMustBePresent() {
    Map<String, String> labels = Map.of("dev.porthole.component", "collector", "team", "a=b");
    assertThat(LabelSelector.parse("dev.porthole.component=collector").matches(labels)).isTrue();
    assertThat(LabelSelector.parse("dev.porthole.component=analyzer").matches(labels)).isFalse();
    assertThat(LabelSelector.parse("dev.porthole.component").matches(labels)).isTrue();
    assertThat(LabelSelector.parse("team=a=b").matches(labels)).as("split at the first =").isTrue();
    assertThat(LabelSelector.parse("missing").matches(labels)).isFalse();
    assertThat(LabelSelector.parse("empty=").matches(Map.of("empty", ""))).isTrue();
    assertThatThrownBy(() -> LabelSelector.parse("=collector"))
        .hasMessageContaining("no label key");
    assertThatThrownBy(() -> LabelSelector.parse("my key=x")).hasMessageContaining("white space");
  }

  @Test
  void theIgnoreLabelNamesRulesAsAlertsOrSettingsDoOrSaysAll() {
    assertThat(IgnoreLabel.rules(Map.of("porthole.ignore", "HOST_NAMESPACES")))
        .containsExactly(Rule.HOST_NAMESPACES);
    assertThat(
            IgnoreLabel.rules(Map.of("porthole.ignore", " host.namespaces , oom_killed,selinux")))
        .containsExactlyInAnyOrder(Rule.HOST_NAMESPACES, Rule.OOM_KILLED, Rule.SELINUX_ASSUMPTION);
    assertThat(IgnoreLabel.rules(Map.of("porthole.ignore", "oom.kill.disabled")))
        .containsExactly(Rule.OOM_KILL_DISABLED_UNBOUNDED);
    assertThat(IgnoreLabel.rules(Map.of("porthole.ignore", "ALL")))
        .contains(Rule.HOST_NAMESPACES, Rule.CONNECTION_FAILURES, Rule.MISSING_SYSCALL)
        .doesNotContain(Rule.RULE_UNSPECIFIED);
    assertThat(IgnoreLabel.rules(Map.of("porthole.ignore", "no-such-rule"))).isEmpty();
    assertThat(IgnoreLabel.rules(Map.of("other", "HOST_NAMESPACES"))).isEmpty();
  }
}
