package io.porthole.runtime;

import io.porthole.wire.TopicNames;
import java.util.regex.Pattern;

/**
 * The deployment's topic names from {@code topic.prefix} ({@code PORTHOLE_TOPIC_PREFIX}): the
 * standard names, or the standard names behind a prefix. Every service reads it here, so that all
 * of them accept and refuse the same prefixes.
 */
public final class TopicSettings {

  public static final String TOPIC_PREFIX = "topic.prefix";

  private static final Pattern PREFIX_FORM = Pattern.compile("[A-Za-z0-9._-]+");

  private TopicSettings() {}

  /**
   * @throws ConfigException naming the key when the prefix has characters a topic name cannot have
   */
  public static TopicNames from(Settings settings) {
    String prefix = settings.string(TOPIC_PREFIX, "");
    if (!prefix.isEmpty() && !PREFIX_FORM.matcher(prefix).matches()) {
      throw new ConfigException(
          settings.describe(TOPIC_PREFIX),
          "expected letters, digits, '.', '_' or '-' (a Kafka topic name prefix) but was '"
              + prefix
              + "'");
    }
    return TopicNames.withPrefix(prefix);
  }
}
