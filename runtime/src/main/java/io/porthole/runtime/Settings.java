package io.porthole.runtime;

import java.io.IOException;
import java.io.Reader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Properties;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Raw configuration of a service: dotted keys ({@code kafka.bootstrap.servers}) from an optional
 * properties file, overridden by environment variables ({@code PORTHOLE_KAFKA_BOOTSTRAP_SERVERS}:
 * prefix {@code PORTHOLE_}, upper case, {@code _} for {@code .}), overridden by explicit values
 * (e.g. command-line options). Typed getters validate and name the key in their errors, as the
 * operator wrote it (the environment variable when it came from there).
 */
public final class Settings {

  /** Environment variable prefix. */
  public static final String ENV_PREFIX = "PORTHOLE_";

  /** Environment variable naming the optional properties file. */
  public static final String CONFIG_FILE_ENV = "PORTHOLE_CONFIG_FILE";

  private static final Pattern DURATION = Pattern.compile("(\\d+)\\s*(ms|s|m|h)?");

  private final Map<String, String> values;
  private final Map<String, String> origins;

  /**
   * Keys (and {@code prefix.*}) asked of this settings and its copies: checked against the
   * definitions.
   */
  private final Set<String> asked;

  private Settings(Map<String, String> values, Map<String, String> origins, Set<String> asked) {
    this.values = values;
    this.origins = origins;
    this.asked = asked;
  }

  /**
   * Settings from the process environment and, if {@code PORTHOLE_CONFIG_FILE} is set, that file.
   */
  public static Settings fromEnvironment() {
    return from(System.getenv(), Map.of());
  }

  /**
   * Settings from the given environment (file named by {@code PORTHOLE_CONFIG_FILE} first, then
   * {@code PORTHOLE_*} variables) and explicit overrides.
   */
  public static Settings from(Map<String, String> environment, Map<String, String> overrides) {
    Map<String, String> values = new HashMap<>();
    Map<String, String> origins = new HashMap<>();
    String file = environment.get(CONFIG_FILE_ENV);
    if (file != null && !file.isBlank()) {
      Properties properties = new Properties();
      try (Reader reader = Files.newBufferedReader(Path.of(file))) {
        properties.load(reader);
      } catch (IOException | RuntimeException e) {
        throw new ConfigException(CONFIG_FILE_ENV, "cannot read '" + file + "': " + e.getMessage());
      }
      for (String name : properties.stringPropertyNames()) {
        values.put(name, properties.getProperty(name).trim());
        origins.put(name, name + " (in " + file + ")");
      }
    }
    environment.forEach(
        (name, value) -> {
          if (name.startsWith(ENV_PREFIX) && !name.equals(CONFIG_FILE_ENV)) {
            String key =
                name.substring(ENV_PREFIX.length()).toLowerCase(Locale.ROOT).replace('_', '.');
            values.put(key, value.trim());
            origins.put(key, name);
          }
        });
    overrides.forEach(
        (key, value) -> {
          if (value != null) {
            values.put(key, value.trim());
            origins.put(key, key);
          }
        });
    return new Settings(values, origins, ConcurrentHashMap.newKeySet());
  }

  /** Settings from a plain key/value map (tests, embedded use). */
  public static Settings of(Map<String, String> values) {
    return from(Map.of(), values);
  }

  /** The name an error should use for a key: the environment variable when it came from there. */
  public String describe(String key) {
    return origins.getOrDefault(key, ENV_PREFIX + key.toUpperCase(Locale.ROOT).replace('.', '_'));
  }

  /** Every key that is set, sorted. */
  public Set<String> keys() {
    return new TreeSet<>(values.keySet());
  }

  /**
   * Every key a reader asked for, of this settings and of its copies ({@code prefix.*} for {@link
   * #withPrefix}): what the configuration reference test compares with the declared settings.
   */
  public Set<String> askedKeys() {
    return new TreeSet<>(asked);
  }

  public Optional<String> optional(String key) {
    asked.add(key);
    String value = values.get(key);
    return value == null || value.isEmpty() ? Optional.empty() : Optional.of(value);
  }

  public String string(String key, String defaultValue) {
    return optional(key).orElse(defaultValue);
  }

  public String required(String key) {
    return optional(key)
        .orElseThrow(() -> new ConfigException(describe(key), "required but not set"));
  }

  public boolean bool(String key, boolean defaultValue) {
    Optional<String> value = optional(key);
    if (value.isEmpty()) {
      return defaultValue;
    }
    return switch (value.get().toLowerCase(Locale.ROOT)) {
      case "true", "yes", "1", "on" -> true;
      case "false", "no", "0", "off" -> false;
      default ->
          throw new ConfigException(
              describe(key), "expected true or false but was '" + value.get() + "'");
    };
  }

  public int integer(String key, int defaultValue, int min, int max) {
    long value = longValue(key, defaultValue, min, max);
    return (int) value;
  }

  public long longValue(String key, long defaultValue, long min, long max) {
    Optional<String> text = optional(key);
    if (text.isEmpty()) {
      return defaultValue;
    }
    long value;
    try {
      value = Long.parseLong(text.get().replace("_", ""));
    } catch (NumberFormatException e) {
      throw new ConfigException(
          describe(key),
          "expected a whole number from " + min + " to " + max + " but was '" + text.get() + "'");
    }
    if (value < min || value > max) {
      throw new ConfigException(
          describe(key),
          "expected a whole number from " + min + " to " + max + " but was " + value);
    }
    return value;
  }

  /**
   * A duration such as {@code 500ms}, {@code 10s}, {@code 5m}, {@code 1h}; a bare number is
   * seconds.
   */
  public Duration duration(String key, Duration defaultValue, Duration min, Duration max) {
    Optional<String> text = optional(key);
    if (text.isEmpty()) {
      return defaultValue;
    }
    Matcher matcher = DURATION.matcher(text.get().toLowerCase(Locale.ROOT));
    String expected =
        "expected a duration from " + format(min) + " to " + format(max) + " (e.g. 500ms, 10s, 5m)";
    if (!matcher.matches()) {
      throw new ConfigException(describe(key), expected + " but was '" + text.get() + "'");
    }
    long amount = Long.parseLong(matcher.group(1));
    String unit = matcher.group(2) == null ? "s" : matcher.group(2);
    Duration value =
        switch (unit) {
          case "ms" -> Duration.ofMillis(amount);
          case "m" -> Duration.ofMinutes(amount);
          case "h" -> Duration.ofHours(amount);
          default -> Duration.ofSeconds(amount);
        };
    if (value.compareTo(min) < 0 || value.compareTo(max) > 0) {
      throw new ConfigException(describe(key), expected + " but was '" + text.get() + "'");
    }
    return value;
  }

  /** A comma-separated list; blank entries are dropped. */
  public List<String> list(String key, List<String> defaultValue) {
    Optional<String> text = optional(key);
    if (text.isEmpty()) {
      return defaultValue;
    }
    return Arrays.stream(text.get().split(","))
        .map(String::trim)
        .filter(s -> !s.isEmpty())
        .toList();
  }

  /** One of the enum's constants, by name, case-insensitively. */
  public <E extends Enum<E>> E enumValue(String key, Class<E> type, E defaultValue) {
    Optional<String> text = optional(key);
    if (text.isEmpty()) {
      return defaultValue;
    }
    for (E constant : type.getEnumConstants()) {
      if (constant.name().equalsIgnoreCase(text.get().replace('-', '_'))) {
        return constant;
      }
    }
    throw new ConfigException(
        describe(key),
        "expected one of "
            + Arrays.toString(type.getEnumConstants())
            + " but was '"
            + text.get()
            + "'");
  }

  /**
   * Every key under a prefix, with the prefix removed: {@code withPrefix("kafka.producer.")} gives
   * {@code linger.ms -> 5} for {@code kafka.producer.linger.ms=5}. Used to pass client properties
   * through unchanged.
   */
  public Map<String, String> withPrefix(String prefix) {
    asked.add(prefix + "*");
    Map<String, String> result = new TreeMap<>();
    values.forEach(
        (key, value) -> {
          if (key.startsWith(prefix) && key.length() > prefix.length()) {
            result.put(key.substring(prefix.length()), value);
          }
        });
    return result;
  }

  /** A copy with more values set (e.g. command-line options over the environment). */
  public Settings with(Map<String, String> overrides) {
    Map<String, String> newValues = new HashMap<>(values);
    Map<String, String> newOrigins = new HashMap<>(origins);
    overrides.forEach(
        (key, value) -> {
          if (value != null) {
            newValues.put(key, value.trim());
            newOrigins.put(key, key);
          }
        });
    return new Settings(newValues, newOrigins, asked);
  }

  private static String format(Duration duration) {
    Objects.requireNonNull(duration);
    if (duration.toMillis() % 1000 != 0) {
      return duration.toMillis() + "ms";
    }
    return duration.toSeconds() + "s";
  }
}
