package io.porthole.controller;

import io.porthole.controller.http.ApiTokens;
import io.porthole.controller.webhook.WebhookSettings;
import io.porthole.runtime.ConfigException;
import io.porthole.runtime.KafkaSettings;
import io.porthole.runtime.Settings;
import io.porthole.runtime.TopicSettings;
import io.porthole.runtime.security.CommandKeys;
import io.porthole.runtime.security.CommandSigner;
import io.porthole.runtime.security.CommandVerifier;
import io.porthole.wire.TopicNames;
import java.nio.file.Path;
import java.security.PublicKey;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * The controller's configuration, from {@link Settings} (so {@code PORTHOLE_VIEWER_TOKEN} is {@code
 * viewer.token}, {@code PORTHOLE_HTTP_PORT} is {@code http.port}, ...).
 *
 * @param httpHost the address the API binds ({@code http.host}; all interfaces by default, for
 *     containers)
 * @param httpPort 0 picks a free port (tests)
 * @param tokens the named bearer tokens
 * @param signer the Ed25519 signing key of commands ({@code command.signing.key.file})
 * @param issuedCommands the keys of the commands this controller accepts as its own when it reads
 *     them back: its signing key's public key and any in {@code command.verify.key.file} (earlier
 *     keys, while commands signed with them are still on the topic)
 * @param commandTtl how long a command stays valid after it was issued; collectors reject it after
 * @param bodyLimitBytes largest request body accepted (413 above)
 * @param views bounds of the in-memory views
 * @param sseMaxClients concurrent {@code /api/v1/alerts/stream} clients
 * @param sseReplayMax stream events kept for clients that reconnect with {@code Last-Event-ID}
 * @param webhooks the alert outputs ({@code alerts.webhook.*})
 */
public record ControllerConfig(
    KafkaSettings kafka,
    TopicNames topics,
    String httpHost,
    int httpPort,
    ApiTokens tokens,
    CommandSigner signer,
    CommandVerifier issuedCommands,
    Duration commandTtl,
    long bodyLimitBytes,
    ViewBounds views,
    int sseMaxClients,
    int sseReplayMax,
    List<WebhookSettings> webhooks) {

  public static final String TOPIC_PREFIX = TopicSettings.TOPIC_PREFIX;
  public static final String HTTP_HOST = "http.host";
  public static final String HTTP_PORT = "http.port";
  public static final String SIGNING_KEY_FILE = "command.signing.key.file";
  public static final String VERIFY_KEY_FILE = "command.verify.key.file";
  public static final String COMMAND_TTL = "command.ttl";
  public static final String BODY_LIMIT = "http.body.limit";
  public static final String MAX_HOSTS = "views.hosts.max";
  public static final String MAX_CONTAINERS = "views.containers.max";
  public static final String MAX_ALERTS = "views.alerts.max";
  public static final String MAX_REMEDIATIONS = "views.remediations.max";
  public static final String MAX_ARTIFACT_BYTES = "views.artifacts.max.bytes";
  public static final String MAX_ONE_ARTIFACT_BYTES = "views.artifact.max.bytes";
  public static final String SSE_MAX_CLIENTS = "sse.clients.max";
  public static final String SSE_REPLAY_MAX = "sse.replay.max";

  /**
   * Bounds of the views (entries; bytes for artifacts). The oldest entries are evicted beyond them;
   * an artifact announcing more than {@code maxOneArtifactBytes} is not held at all.
   */
  public record ViewBounds(
      int maxHosts,
      int maxContainers,
      int maxAlerts,
      int maxRemediations,
      long maxArtifactBytes,
      long maxOneArtifactBytes) {

    public ViewBounds(
        int maxHosts,
        int maxContainers,
        int maxAlerts,
        int maxRemediations,
        long maxArtifactBytes) {
      this(maxHosts, maxContainers, maxAlerts, maxRemediations, maxArtifactBytes, maxArtifactBytes);
    }
  }

  public ControllerConfig {
    Objects.requireNonNull(kafka, "kafka");
    Objects.requireNonNull(topics, "topics");
    Objects.requireNonNull(httpHost, "httpHost");
    Objects.requireNonNull(commandTtl, "commandTtl");
    Objects.requireNonNull(tokens, "tokens");
    Objects.requireNonNull(signer, "signer");
    Objects.requireNonNull(issuedCommands, "issuedCommands");
    Objects.requireNonNull(views, "views");
    webhooks = List.copyOf(webhooks);
  }

  public static ControllerConfig from(Settings settings) {
    KafkaSettings kafka = KafkaSettings.from(settings);
    ApiTokens tokens = ApiTokens.from(settings);
    CommandSigner signer = signer(settings);
    long maxArtifactBytes = settings.longValue(MAX_ARTIFACT_BYTES, 256L << 20, 1L << 20, 16L << 30);
    long maxOneArtifactBytes =
        settings.longValue(
            MAX_ONE_ARTIFACT_BYTES, Math.min(256L << 20, maxArtifactBytes), 1L << 10, 16L << 30);
    if (maxOneArtifactBytes > maxArtifactBytes) {
      throw new ConfigException(
          settings.describe(MAX_ONE_ARTIFACT_BYTES),
          "must not exceed " + settings.describe(MAX_ARTIFACT_BYTES));
    }
    ViewBounds views =
        new ViewBounds(
            settings.integer(MAX_HOSTS, 10_000, 1, 1_000_000),
            settings.integer(MAX_CONTAINERS, 50_000, 1, 10_000_000),
            settings.integer(MAX_ALERTS, 10_000, 1, 1_000_000),
            settings.integer(MAX_REMEDIATIONS, 1_000, 1, 100_000),
            maxArtifactBytes,
            maxOneArtifactBytes);
    return new ControllerConfig(
        kafka,
        TopicSettings.from(settings),
        settings.string(HTTP_HOST, "0.0.0.0"),
        settings.integer(HTTP_PORT, 8080, 0, 65_535),
        tokens,
        signer,
        issuedCommands(settings, signer),
        settings.duration(
            COMMAND_TTL, Duration.ofSeconds(60), Duration.ofSeconds(5), Duration.ofHours(1)),
        settings.longValue(BODY_LIMIT, 64L << 10, 1L << 10, 1L << 20),
        views,
        settings.integer(SSE_MAX_CLIENTS, 100, 1, 10_000),
        settings.integer(SSE_REPLAY_MAX, 1_000, 1, 100_000),
        WebhookSettings.from(settings));
  }

  private static CommandSigner signer(Settings settings) {
    String file =
        settings
            .optional(SIGNING_KEY_FILE)
            .orElseThrow(
                () ->
                    new ConfigException(
                        settings.describe(SIGNING_KEY_FILE),
                        "required but not set (the Ed25519 private key file commands are "
                            + "signed with; `porthole up` writes"
                            + " command-signing.pem in its data directory)"));
    try {
      return CommandSigner.fromFile(Path.of(file.strip()));
    } catch (IllegalArgumentException e) {
      throw new ConfigException(settings.describe(SIGNING_KEY_FILE), e.getMessage());
    }
  }

  private static CommandVerifier issuedCommands(Settings settings, CommandSigner signer) {
    List<PublicKey> keys = new ArrayList<>();
    keys.add(signer.key().publicKey());
    try {
      settings
          .list(VERIFY_KEY_FILE, List.of())
          .forEach(f -> keys.addAll(CommandKeys.readPublicKeys(Path.of(f))));
    } catch (IllegalArgumentException e) {
      throw new ConfigException(settings.describe(VERIFY_KEY_FILE), e.getMessage());
    }
    return CommandVerifier.of(keys);
  }

  /** Tokens and the key stay out of logs. */
  @Override
  public String toString() {
    return "ControllerConfig[kafka="
        + kafka.bootstrapServers()
        + ", topics="
        + topics
        + ", tokens="
        + tokens
        + ", signingKeyId="
        + signer.keyId()
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
        + ", sseReplayMax="
        + sseReplayMax
        + ", webhooks="
        + webhooks
        + "]";
  }
}
