package io.porthole.controller;

import static io.porthole.runtime.SettingDefinition.Type.DURATION;
import static io.porthole.runtime.SettingDefinition.Type.INTEGER;
import static io.porthole.runtime.SettingDefinition.Type.LIST;
import static io.porthole.runtime.SettingDefinition.Type.PATH;
import static io.porthole.runtime.SettingDefinition.Type.STRING;
import static io.porthole.runtime.SettingDefinition.of;

import io.porthole.controller.http.ApiTokens;
import io.porthole.runtime.CommonSettingDefinitions;
import io.porthole.runtime.SettingDefinitions;
import io.porthole.runtime.Settings;
import java.util.List;
import java.util.Set;

/** Every setting the controller reads (besides the common ones), one entry each. */
public final class ControllerSettingDefinitions {

  public static final SettingDefinitions ALL =
      SettingDefinitions.of(
          "Controller",
          of(
              ApiTokens.VIEWER_TOKEN,
              STRING,
              "bearer token that may read (at least 16 characters); required unless"
                  + " `viewer.tokens`"),
          of(
              ApiTokens.OPERATOR_TOKEN,
              STRING,
              "bearer token that may also remediate; required unless `operator.tokens`"),
          of(ApiTokens.VIEWER_TOKENS, LIST, "named viewer tokens, `name:token,name:token`"),
          of(ApiTokens.OPERATOR_TOKENS, LIST, "named operator tokens, `name:token,name:token`"),
          of(
              ControllerConfig.SIGNING_KEY_FILE,
              PATH,
              "the Ed25519 private key (PEM, public key appended) commands are signed with;"
                  + " required (`porthole up` generates one)"),
          of(
              ControllerConfig.COMMAND_TTL,
              DURATION,
              "60s",
              "how long a command may be carried out after it was issued (5s..1h)"),
          of(ControllerConfig.BODY_LIMIT, INTEGER, "65536", "largest request body in bytes"),
          of(ControllerConfig.MAX_HOSTS, INTEGER, "10000", "hosts kept"),
          of(
              ControllerConfig.MAX_CONTAINERS,
              INTEGER,
              "50000",
              "containers kept (least recently updated evicted)"),
          of(ControllerConfig.MAX_ALERTS, INTEGER, "10000", "alerts kept (newest version per id)"),
          of(ControllerConfig.MAX_REMEDIATIONS, INTEGER, "1000", "remediations kept"),
          of(
              ControllerConfig.MAX_ARTIFACT_BYTES,
              INTEGER,
              "268435456",
              "artifact bytes held in memory (oldest dropped first)"),
          of(
              ControllerConfig.MAX_ONE_ARTIFACT_BYTES,
              INTEGER,
              "`views.artifacts.max.bytes`",
              "largest single artifact kept"),
          of(ControllerConfig.SSE_MAX_CLIENTS, INTEGER, "100", "concurrent alert streams"),
          of(
              "alerts.webhook.url",
              STRING,
              "where alerts are POSTed; one output per URL setting (required for an output)"),
          of(
              "alerts.webhook.format",
              STRING,
              "`cloudevents`",
              "`cloudevents` (CloudEvents 1.0 structured JSON) or `falco` (falcosidekick)"),
          of("alerts.webhook.token", STRING, "bearer token sent with each request"),
          of("alerts.webhook.header", STRING, "one extra header, `Name: value`"),
          of(
              "alerts.webhook.min.severity",
              STRING,
              "`INFO`",
              "alerts below this severity are not sent"),
          of("alerts.webhook.rules", LIST, "only these rules (comma list); all when unset"),
          of("alerts.webhook.attempts", INTEGER, "5", "tries per alert before giving up"),
          of(
              "alerts.webhook.backoff",
              DURATION,
              "1s",
              "first wait between tries, doubled each time"),
          of("alerts.webhook.backoff.max", DURATION, "30s", "longest wait between tries"),
          of("alerts.webhook.timeout", DURATION, "10s", "timeout of one request"),
          of(
              "alerts.webhook.queue.max",
              INTEGER,
              "1000",
              "alerts waiting to be sent; the oldest is dropped and counted when full"),
          of("alerts.webhook.<NAME>.url", STRING, "where alerts are POSTed (output NAME)"),
          of(
              "alerts.webhook.<NAME>.format",
              STRING,
              "`cloudevents`",
              "`cloudevents` (CloudEvents 1.0 structured JSON) or `falco` "
                  + "(falcosidekick) (output NAME)"),
          of(
              "alerts.webhook.<NAME>.token",
              STRING,
              "bearer token sent with each request (output NAME)"),
          of(
              "alerts.webhook.<NAME>.header",
              STRING,
              "one extra header, `Name: value` (output NAME)"),
          of(
              "alerts.webhook.<NAME>.min.severity",
              STRING,
              "`INFO`",
              "alerts below this severity are not sent (output NAME)"),
          of("alerts.webhook.<NAME>.rules", LIST, "only these rules (comma list) (output NAME)"),
          of(
              "alerts.webhook.<NAME>.attempts",
              INTEGER,
              "5",
              "tries per alert before giving up (output NAME)"),
          of(
              "alerts.webhook.<NAME>.backoff",
              DURATION,
              "1s",
              "first wait between tries, doubled each time (output NAME)"),
          of(
              "alerts.webhook.<NAME>.backoff.max",
              DURATION,
              "30s",
              "longest wait between tries (output NAME)"),
          of(
              "alerts.webhook.<NAME>.timeout",
              DURATION,
              "10s",
              "timeout of one request (output NAME)"),
          of(
              "alerts.webhook.<NAME>.queue.max",
              INTEGER,
              "1000",
              "alerts waiting to be sent (output NAME)"),
          of(
              ControllerConfig.SSE_REPLAY_MAX,
              INTEGER,
              "1000",
              "stream events kept for clients reconnecting with `Last-Event-ID`"));

  /** Prefixes only the controller reads: unknown keys under them are refused by the controller. */
  static final Set<String> OWNED_PREFIXES = Set.of("views", "sse", "viewer", "operator", "alerts");

  private ControllerSettingDefinitions() {}

  /** Refuses an unknown key under a prefix only the controller reads. */
  static void rejectUnknown(Settings settings) {
    SettingDefinitions.rejectUnknown(
        settings, List.of(CommonSettingDefinitions.ALL, ALL), OWNED_PREFIXES);
  }
}
