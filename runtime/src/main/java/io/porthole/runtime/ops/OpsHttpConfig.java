package io.porthole.runtime.ops;

import io.porthole.runtime.Settings;
import java.util.Optional;

/**
 * Where a collector or analyzer serves {@code /metrics} and {@code /health/*}: {@code http.port} (0
 * picks a free port) and {@code http.host} (default {@code 0.0.0.0}). No port, no server: a library
 * embedding stays quiet unless asked; the {@code porthole collector|analyzer} commands give a
 * default port. {@code ops.http.enabled=false} turns it off where another service of the same
 * process (the controller in {@code porthole up}) serves the shared registry.
 */
public record OpsHttpConfig(String host, int port) {

  public static final String HOST_KEY = "http.host";
  public static final String PORT_KEY = "http.port";
  public static final String ENABLED_KEY = "ops.http.enabled";

  /**
   * The server to run, if any.
   *
   * @throws io.porthole.runtime.ConfigException naming the key of a bad port or flag
   */
  public static Optional<OpsHttpConfig> from(Settings settings) {
    if (!settings.bool(ENABLED_KEY, true) || settings.optional(PORT_KEY).isEmpty()) {
      return Optional.empty();
    }
    return Optional.of(
        new OpsHttpConfig(
            settings.string(HOST_KEY, "0.0.0.0"), settings.integer(PORT_KEY, 0, 0, 65_535)));
  }
}
