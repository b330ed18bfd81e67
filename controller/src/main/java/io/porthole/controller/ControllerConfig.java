package io.porthole.controller;

import io.porthole.runtime.ConfigException;
import io.porthole.runtime.KafkaSettings;
import io.porthole.runtime.Settings;
import io.porthole.runtime.TopicSettings;
import io.porthole.runtime.security.CommandSigner;
import io.porthole.wire.TopicNames;
import java.time.Duration;
import java.util.Objects;

/**
 * The controller's configuration, from {@link Settings} (so {@code PORTHOLE_VIEWER_TOKEN} is {@code
 * viewer.token}, {@code PORTHOLE_HTTP_PORT} is {@code http.port}, ...).
 *
 * @param httpPort 0 picks a free port (tests)
 * @param commandTtl how long a command stays valid after it was issued; collectors reject it after
 * @param bodyLimitBytes largest request body accepted (413 above)
 * @param views bounds of the in-memory views
 * @param sseMaxClients concurrent {@code /api/v1/alerts/stream} clients
 */
public record ControllerConfig(
    KafkaSettings kafka,
    TopicNames topics,
    String httpHost,
    int httpPort,
    String viewerToken,
    String operatorToken,
    String commandKey,
    Duration commandTtl,
    long bodyLimitBytes,
    ViewBounds views,
    int sseMaxClients) {

  public static final String TOPIC_PREFIX = TopicSettings.TOPIC_PREFIX;
  public static final String HTTP_HOST = "http.host";
  public static final String HTTP_PORT = "http.port";
  public static final String VIEWER_TOKEN = "viewer.token";
  public static final String OPERATOR_TOKEN = "operator.token";
  public static final String COMMAND_KEY = "command.key";
  public static final String COMMAND_TTL = "command.ttl";
  public static final String BODY_LIMIT = "http.body.limit";
  public static final String MAX_HOSTS = "views.hosts.max";
  public static final String MAX_CONTAINERS = "views.containers.max";
  public static final String MAX_ALERTS = "views.alerts.max";
  public static final String MAX_REMEDIATIONS = "views.remediations.max";
  public static final String MAX_ARTIFACT_BYTES = "views.artifacts.max.bytes";
  public static final String SSE_MAX_CLIENTS = "sse.clients.max";

  /** Shortest bearer token accepted. */
  public static final int MIN_TOKEN_LENGTH = 16;

  /**
   * Bounds of the views (entries; bytes for artifacts). The oldest entries are evicted beyond them.
   */
  public record ViewBounds(
      int maxHosts, int maxContainers, int maxAlerts, int maxRemediations, long maxArtifactBytes) {}

  public ControllerConfig {
    Objects.requireNonNull(kafka, "kafka");
    Objects.requireNonNull(topics, "topics");
    Objects.requireNonNull(httpHost, "httpHost");
    Objects.requireNonNull(commandTtl, "commandTtl");
    Objects.requireNonNull(views, "views");
  }

  public static ControllerConfig from(Settings settings) {
    KafkaSettings kafka = KafkaSettings.from(settings);
    String viewer = token(settings, VIEWER_TOKEN);
    String operator = token(settings, OPERATOR_TOKEN);
    if (viewer.equals(operator)) {
      throw new ConfigException(
          settings.describe(VIEWER_TOKEN),
          "must differ from " + settings.describe(OPERATOR_TOKEN) + " (a viewer could remediate)");
    }
    String commandKey = settings.required(COMMAND_KEY);
    if (commandKey.length() < CommandSigner.MIN_KEY_BYTES) {
      throw new ConfigException(
          settings.describe(COMMAND_KEY),
          "expected at least " + CommandSigner.MIN_KEY_BYTES + " characters (a shared secret)");
    }
    ViewBounds views =
        new ViewBounds(
            settings.integer(MAX_HOSTS, 10_000, 1, 1_000_000),
            settings.integer(MAX_CONTAINERS, 50_000, 1, 10_000_000),
            settings.integer(MAX_ALERTS, 10_000, 1, 1_000_000),
            settings.integer(MAX_REMEDIATIONS, 1_000, 1, 100_000),
            settings.longValue(MAX_ARTIFACT_BYTES, 256L << 20, 1L << 20, 16L << 30));
    return new ControllerConfig(
        kafka,
        TopicSettings.from(settings),
        settings.string(HTTP_HOST, "0.0.0.0"),
        settings.integer(HTTP_PORT, 8080, 0, 65_535),
        viewer,
        operator,
        commandKey,
        settings.duration(COMMAND_TTL, Duration.ofSeconds(60), Duration.ofSeconds(5), Duration.ofHours(1)),
        settings.longValue(BODY_LIMIT, 64L << 10, 1L << 10, 1L << 20),
        views,
        settings.integer(SSE_MAX_CLIENTS, 100, 1, 10_000));
  }

  private static String token(Settings settings, String key) {
    String token = settings.required(key);
    if (token.length() < MIN_TOKEN_LENGTH) {
      throw new ConfigException(
          settings.describe(key), "expected at least " + MIN_TOKEN_LENGTH + " characters (a secret)");
    }
    return token;
  }

  /** Tokens and the key stay out of logs. */
  @Override
  public String toString() {
    return "ControllerConfig[kafka="
        + kafka.bootstrapServers()
        + ", topics="
        + topics
        + ", http="
        + httpHost
        + ":"
        + httpPort
        + ", commandTtl="
        + commandTtl
        + ", bodyLimitBytes="
        + bodyLimitBytes
        + ", views="
        + views
        + ", sseMaxClients="
        + sseMaxClients
        + "]";
  }
}
