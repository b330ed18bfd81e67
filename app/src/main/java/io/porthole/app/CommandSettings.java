package io.porthole.app;

import io.porthole.runtime.Settings;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

/** Settings of a command: the environment and {@code PORTHOLE_CONFIG_FILE}, then its options. */
public final class CommandSettings {

  public static final String DATA_DIR_KEY = "data.dir";
  public static final String HOST_ID_KEY = "host.id";
  public static final String HTTP_HOST_KEY = "http.host";
  public static final String HTTP_PORT_KEY = "http.port";
  public static final String TOPIC_PREFIX_KEY = "topic.prefix";

  private final Map<String, String> overrides = new HashMap<>();

  public static CommandSettings fromEnvironment() {
    return new CommandSettings();
  }

  /** Sets a key when the option was given (null means not given). */
  public CommandSettings option(String key, Object value) {
    if (value != null) {
      overrides.put(key, value.toString());
    }
    return this;
  }

  public Settings build() {
    return Settings.from(System.getenv(), overrides);
  }

  public static Path dataDir(Settings settings) {
    return Path.of(
        settings.string(
            DATA_DIR_KEY, Path.of(System.getProperty("user.home"), ".porthole").toString()));
  }
}
