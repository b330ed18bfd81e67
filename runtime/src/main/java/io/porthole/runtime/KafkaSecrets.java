package io.porthole.runtime;

import java.util.Collection;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Which Kafka client properties are secrets (the JAAS configuration with its password, every {@code
 * *password*}, the TLS private key {@code ssl.key*}, OAuth client secrets), and how to keep them
 * out of logs and error lines: {@link #redacted} for a configuration that is printed, {@link
 * #scrub} for a message that may quote a value (a client's exception, a broker's answer).
 */
public final class KafkaSecrets {

  public static final String HIDDEN = "[hidden]";

  // A JAAS option's value, quoted or bare: password="..." or password=...
  private static final Pattern JAAS_PASSWORD =
      Pattern.compile("(?i)(password\\s*=\\s*)(\"[^\"]*\"|[^\\s;\"]+)");
  // Shorter secrets are not replaced inside other text: they would mangle it, and say little.
  private static final int MIN_SCRUBBED_LENGTH = 4;

  private KafkaSecrets() {}

  /** Whether a client property (without its {@code kafka.client.} style prefix) holds a secret. */
  public static boolean isSecret(String key) {
    String name = key.toLowerCase(Locale.ROOT);
    return name.endsWith("sasl.jaas.config")
        || name.contains("password")
        || name.contains("secret")
        || name.startsWith("ssl.key")
        || name.contains(".ssl.key");
  }

  /** A sorted copy in which every secret's value is {@value #HIDDEN}. */
  public static Map<String, String> redacted(Map<String, String> properties) {
    Map<String, String> copy = new TreeMap<>();
    properties.forEach((key, value) -> copy.put(key, isSecret(key) ? HIDDEN : value));
    return copy;
  }

  /** The secret values of a configuration, including the passwords inside a JAAS configuration. */
  public static Set<String> secretValues(Map<String, ?> properties) {
    Set<String> values = new HashSet<>();
    properties.forEach(
        (key, value) -> {
          if (value != null && isSecret(key)) {
            String text = value.toString();
            values.add(text);
            Matcher password = JAAS_PASSWORD.matcher(text);
            while (password.find()) {
              values.add(unquote(password.group(2)));
            }
          }
        });
    values.removeIf(String::isBlank);
    return values;
  }

  /**
   * The text with each of the secrets, and any JAAS {@code password=...}, replaced by {@value
   * #HIDDEN}.
   */
  public static String scrub(String text, Collection<String> secrets) {
    if (text == null) {
      return null;
    }
    String result = text;
    // Longest first: a JAAS configuration goes as a whole before the password inside it.
    List<String> ordered =
        secrets.stream().sorted(Comparator.comparingInt(String::length).reversed()).toList();
    for (String secret : ordered) {
      if (secret.length() >= MIN_SCRUBBED_LENGTH) {
        result = result.replace(secret, HIDDEN);
      }
    }
    return JAAS_PASSWORD.matcher(result).replaceAll("$1" + Matcher.quoteReplacement(HIDDEN));
  }

  private static String unquote(String value) {
    return value.length() >= 2 && value.startsWith("\"") && value.endsWith("\"")
        ? value.substring(1, value.length() - 1)
        : value;
  }
}
