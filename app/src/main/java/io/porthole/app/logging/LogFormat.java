package io.porthole.app.logging;

import io.porthole.runtime.ConfigException;
import io.porthole.runtime.Settings;
import java.util.Locale;
import java.util.Optional;

/**
 * How the services write their log lines to stderr: {@code text} for a terminal (the default), or
 * {@code json}, one JSON object per line for a log pipeline ({@code log.format}, {@code
 * PORTHOLE_LOG_FORMAT}).
 */
public enum LogFormat {
  TEXT,
  JSON;

  public static final String KEY = "log.format";
  public static final String ENVIRONMENT_VARIABLE = "PORTHOLE_LOG_FORMAT";

  /** The format a value names, ignoring case; empty for anything else. */
  public static Optional<LogFormat> parse(String value) {
    if (value == null) {
      return Optional.empty();
    }
    return switch (value.trim().toLowerCase(Locale.ROOT)) {
      case "text" -> Optional.of(TEXT);
      case "json" -> Optional.of(JSON);
      default -> Optional.empty();
    };
  }

  /**
   * @throws ConfigException naming the key when the value is neither text nor json
   */
  public static LogFormat from(Settings settings) {
    String value = settings.string(KEY, "text");
    return parse(value)
        .orElseThrow(
            () ->
                new ConfigException(
                    settings.describe(KEY), "expected text or json but was '" + value + "'"));
  }
}
