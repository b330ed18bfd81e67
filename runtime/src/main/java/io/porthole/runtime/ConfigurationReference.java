package io.porthole.runtime;

import java.util.List;

/**
 * The configuration reference page ({@code docs/configuration.md}), generated from the definitions.
 */
public final class ConfigurationReference {

  private ConfigurationReference() {}

  public static String markdown(List<SettingDefinitions> modules) {
    StringBuilder page = new StringBuilder();
    page.append("# Configuration reference\n\n")
        .append(
            "<!-- Generated from the code's setting definitions (*SettingDefinitions.java); do not"
                + " edit.\n     Regenerate: mvn -B -o -q verify -pl app -am -DskipITs"
                + " -Dtest=ConfigurationReferenceTest\n     -Dsurefire.failIfNoSpecifiedTests=false"
                + " -Dporthole.regenerate.docs=true -->\n\n")
        .append("Every service reads its settings from an optional properties file named by")
        .append(
            " `PORTHOLE_CONFIG_FILE`, overridden by environment variables (`PORTHOLE_` and the key")
        .append(" in upper case with `_` for `.`: `kafka.bootstrap.servers` is")
        .append(" `PORTHOLE_KAFKA_BOOTSTRAP_SERVERS`), overridden by command-line options.")
        .append(
            " Durations are written `500ms`, `10s`, `5m` or `1h` (a bare number is seconds).\n\n")
        .append("A key under one of the prefixes below that no service reads (a typo such as")
        .append(
            " `collector.strace.batchsize`) stops the start with an error naming the key and the")
        .append(" nearest known key. Keys ending in `.*` are passed through to the Kafka clients")
        .append(" unchanged.\n");
    for (SettingDefinitions module : modules) {
      page.append("\n## ")
          .append(module.title())
          .append("\n\n")
          .append("| key | type | default | meaning |\n")
          .append("| --- | --- | --- | --- |\n");
      for (SettingDefinition d : module.definitions()) {
        page.append("| `")
            .append(d.key())
            .append("` | ")
            .append(d.type().label())
            .append(" | ")
            .append(d.defaultValue().isEmpty() ? "" : d.defaultValue())
            .append(" | ")
            .append(d.description().replace("|", "\\|"))
            .append(" |\n");
      }
    }
    return page.toString();
  }
}
