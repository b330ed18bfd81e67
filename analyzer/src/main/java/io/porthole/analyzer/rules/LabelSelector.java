package io.porthole.analyzer.rules;

import java.util.Map;
import java.util.Objects;

/**
 * {@code key=value}: the container has the label with exactly that value; {@code key} alone: it has
 * the label, whatever its value.
 *
 * @param value null for "present with any value"
 */
public record LabelSelector(String key, String value) {

  public LabelSelector {
    Objects.requireNonNull(key, "key");
  }

  /**
   * Reads {@code key=value} or {@code key} (split at the first {@code =}).
   *
   * @throws IllegalArgumentException when the key is empty or contains white space
   */
  public static LabelSelector parse(String text) {
    int equals = text.indexOf('=');
    String key = (equals < 0 ? text : text.substring(0, equals)).trim();
    if (key.isEmpty()) {
      throw new IllegalArgumentException(
          "'" + text + "' has no label key (expected key=value or key)");
    }
    if (key.chars().anyMatch(Character::isWhitespace)) {
      throw new IllegalArgumentException("label key '" + key + "' contains white space");
    }
    return new LabelSelector(key, equals < 0 ? null : text.substring(equals + 1).trim());
  }

  public boolean matches(Map<String, String> labels) {
    String actual = labels.get(key);
    return actual != null && (value == null || value.equals(actual));
  }

  @Override
  public String toString() {
    return value == null ? key : key + '=' + value;
  }
}
