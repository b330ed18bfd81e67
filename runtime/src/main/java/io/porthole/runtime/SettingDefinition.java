package io.porthole.runtime;

import java.util.Locale;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * One setting a service reads: its key, the kind of value, the default and what it does. A key may
 * hold placeholders in angle brackets ({@code topic.partitions.<TOPIC>}: one or more dotted words)
 * or end in {@code .*} ({@code kafka.client.*}: every key under it, passed through).
 *
 * @param key the dotted key, or a key pattern
 * @param type the kind of value, as the reference shows it
 * @param defaultValue the default as an operator would write it; empty when there is none
 * @param description what the setting does, one sentence or two (Markdown)
 */
public record SettingDefinition(String key, Type type, String defaultValue, String description) {

  /** The kinds of values {@link Settings} parses. */
  public enum Type {
    STRING,
    BOOLEAN,
    INTEGER,
    DURATION,
    LIST,
    ENUM,
    PATH,
    /** Every key under the prefix goes unchanged to a client library. */
    PASS_THROUGH;

    /** The name in the reference: {@code duration}, {@code pass-through}. */
    public String label() {
      return name().toLowerCase(Locale.ROOT).replace('_', '-');
    }
  }

  private static final Pattern FORM =
      Pattern.compile("[a-z0-9]+(\\.([a-z0-9]+|<[A-Z]+>))*(\\.\\*)?");
  private static final String WORDS = "[a-z0-9-]+(?:\\.[a-z0-9-]+)*";

  public SettingDefinition {
    Objects.requireNonNull(key, "key");
    Objects.requireNonNull(type, "type");
    Objects.requireNonNull(defaultValue, "defaultValue");
    Objects.requireNonNull(description, "description");
    if (!FORM.matcher(key).matches()) {
      throw new IllegalArgumentException("not a setting key or key pattern: " + key);
    }
    if (key.endsWith(".*") != (type == Type.PASS_THROUGH)) {
      throw new IllegalArgumentException("a key ending in .* is PASS_THROUGH, and only it: " + key);
    }
  }

  /** A setting without a default (required, or off when unset: the description says which). */
  public static SettingDefinition of(String key, Type type, String description) {
    return new SettingDefinition(key, type, "", description);
  }

  public static SettingDefinition of(
      String key, Type type, String defaultValue, String description) {
    return new SettingDefinition(key, type, defaultValue, description);
  }

  /** The first word of the key: the prefix under which unknown keys are refused. */
  public String prefix() {
    int dot = key.indexOf('.');
    return dot < 0 ? key : key.substring(0, dot);
  }

  /** Whether a concrete key is this setting (or, for a pattern, one of its keys). */
  public boolean matches(String candidate) {
    return pattern().matcher(candidate).matches();
  }

  /** The environment variable of a concrete key: {@code PORTHOLE_KAFKA_BOOTSTRAP_SERVERS}. */
  public String environmentVariable() {
    return Settings.ENV_PREFIX + key.replace(".*", "_*").replace('.', '_').toUpperCase(Locale.ROOT);
  }

  private Pattern pattern() {
    StringBuilder regex = new StringBuilder();
    String rest = key.endsWith(".*") ? key.substring(0, key.length() - 2) : key;
    for (String part : rest.split("(?=<)|(?<=>)")) {
      regex.append(part.startsWith("<") ? WORDS : Pattern.quote(part));
    }
    if (key.endsWith(".*")) {
      regex.append("\\..+");
    }
    return Pattern.compile(regex.toString());
  }
}
