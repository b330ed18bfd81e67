package io.porthole.controller.http;

import com.google.protobuf.ByteString;
import io.porthole.controller.ApiException;
import io.porthole.controller.remediation.PlanResult;
import io.porthole.controller.remediation.Refusal;
import io.porthole.controller.remediation.RemediationPlanner;
import io.porthole.controller.remediation.RemediationRequest;
import io.porthole.controller.view.AlertQuery;
import io.porthole.controller.view.ArtifactContent;
import io.porthole.controller.view.Remediation;
import io.porthole.controller.view.RemediationsView;
import io.porthole.controller.view.Views;
import io.porthole.proto.RemediationCommand;
import io.porthole.proto.Rule;
import io.porthole.proto.Severity;
import io.porthole.runtime.kafka.RecordPublisher;
import io.porthole.runtime.ops.Readiness;
import io.porthole.wire.Topic;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import java.time.Clock;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.Iterator;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/** The handlers of the API's operations (the OpenAPI document validated the request before). */
public final class ApiHandlers {

  private static final int DEFAULT_LIMIT = 100;

  private final Views views;
  private final AlertPages alertPages;
  private final RemediationPlanner planner;
  private final RecordPublisher publisher;
  private final AlertStream alertStream;
  private final BooleanSupplier viewsCaughtUp;
  private final Readiness readiness;
  private final Clock clock;
  private final AtomicLong commandsIssued = new AtomicLong();
  private final AtomicLong commandsFailed = new AtomicLong();

  /**
   * What the controller's own readiness checks ask, and whether remediations may be planned.
   *
   * @param kafkaReachable the {@code kafka} check
   * @param viewsCaughtUp whether the views are loaded (a remediation's target may be missing
   *     before)
   * @param viewsProgress the {@code views} check ({@link
   *     io.porthole.controller.view.ViewLoader#progress}: caught up and still polling)
   */
  public record Checks(
      BooleanSupplier kafkaReachable,
      BooleanSupplier viewsCaughtUp,
      Supplier<Readiness.Status> viewsProgress) {
    public Checks {
      Objects.requireNonNull(kafkaReachable, "kafkaReachable");
      Objects.requireNonNull(viewsCaughtUp, "viewsCaughtUp");
      Objects.requireNonNull(viewsProgress, "viewsProgress");
    }
  }

  public ApiHandlers(
      Views views,
      RemediationPlanner planner,
      RecordPublisher publisher,
      AlertStream alertStream,
      BooleanSupplier kafkaReachable,
      BooleanSupplier viewsCaughtUp,
      Clock clock) {
    this(
        views,
        planner,
        publisher,
        alertStream,
        new Checks(
            kafkaReachable,
            viewsCaughtUp,
            () ->
                viewsCaughtUp.getAsBoolean()
                    ? Readiness.Status.up("caught up")
                    : Readiness.Status.down("loading from the topics")),
        clock,
        new Readiness());
  }

  /**
   * Handlers whose {@code /health/ready} answers for every check of {@code readiness} (every
   * service of the process in {@code porthole up}); the controller's own checks, {@code kafka} and
   * {@code views}, are registered in it.
   */
  public ApiHandlers(
      Views views,
      RemediationPlanner planner,
      RecordPublisher publisher,
      AlertStream alertStream,
      Checks checks,
      Clock clock,
      Readiness readiness) {
    this.views = Objects.requireNonNull(views, "views");
    this.alertPages = new AlertPages(views.alerts());
    this.planner = Objects.requireNonNull(planner, "planner");
    this.publisher = Objects.requireNonNull(publisher, "publisher");
    this.alertStream = Objects.requireNonNull(alertStream, "alertStream");
    this.viewsCaughtUp = checks.viewsCaughtUp();
    this.readiness = Objects.requireNonNull(readiness, "readiness");
    BooleanSupplier kafkaReachable = checks.kafkaReachable();
    readiness.register(
        "kafka",
        () ->
            kafkaReachable.getAsBoolean()
                ? Readiness.Status.up("reachable")
                : Readiness.Status.down("unreachable"));
    readiness.register("views", checks.viewsProgress());
    this.clock = Objects.requireNonNull(clock, "clock");
  }

  Views views() {
    return views;
  }

  void live(RoutingContext rc) {
    json(rc, 200, new JsonObject().put("status", "UP"));
  }

  void ready(RoutingContext rc) {
    Readiness.Report report = readiness.report();
    json(rc, report.ready() ? 200 : 503, report.toJson());
  }

  void hosts(RoutingContext rc) {
    Instant now = clock.instant();
    JsonArray hosts = new JsonArray();
    views.hosts().all().forEach(h -> hosts.add(JsonViews.host(h, now)));
    json(rc, 200, new JsonObject().put("hosts", hosts));
  }

  void containers(RoutingContext rc) {
    Instant now = clock.instant();
    JsonArray containers = new JsonArray();
    views
        .containers()
        .list(rc.queryParams().get("host"))
        .forEach(c -> containers.add(JsonViews.container(c, now)));
    json(rc, 200, new JsonObject().put("containers", containers));
  }

  void alerts(RoutingContext rc) {
    var params = rc.queryParams();
    AlertQuery query =
        new AlertQuery(
            params.get("host"),
            params.get("container"),
            params.get("rule") == null ? null : Rule.valueOf(params.get("rule")),
            params.get("severity") == null ? null : Severity.valueOf(params.get("severity")),
            since(params.get("since")),
            limit(params.get("limit")));
    rc.response()
        .putHeader("Content-Type", "application/json")
        .putHeader("Cache-Control", "no-store")
        .end(alertPages.page(query));
  }

  /**
   * A planner's refusal as the API's error: its status by kind, its code and message as they are.
   */
  static ApiException refused(Refusal refusal) {
    int status =
        switch (refusal.kind()) {
          case INVALID -> 400;
          case NOT_FOUND -> 404;
          case CONFLICT -> 409;
        };
    return new ApiException(status, refusal.code(), refusal.message());
  }

  void alertStream(RoutingContext rc) {
    alertStream.open(rc);
  }

  void createRemediation(RoutingContext rc) {
    if (!viewsCaughtUp.getAsBoolean()) {
      // The target may exist but not be loaded yet: a 404 now would be wrong.
      throw new ApiException(
          503, "VIEWS_LOADING", "the controller is still reading the topics; try again shortly");
    }
    JsonObject body = rc.body().asJsonObject();
    if (body == null) {
      throw ApiException.invalid("body", "a JSON object is required");
    }
    Caller caller = rc.get(BearerTokenAuth.CALLER_KEY);
    PlanResult plan = planner.plan(request(body), caller == null ? "unknown" : caller.name());
    if (plan instanceof Refusal refusal) {
      throw refused(refusal);
    }
    RemediationCommand command = ((PlanResult.Planned) plan).command();
    // In the view before it is written, so that no result of it can arrive first and be refused.
    views.onIssued(command);
    publisher
        .send(Topic.COMMANDS, command.getHostId(), command)
        .onSuccess(
            v -> {
              commandsIssued.incrementAndGet();
              json(
                  rc,
                  202,
                  new JsonObject().put("id", command.getCommandId()).put("status", "PENDING"));
            })
        .onFailure(
            e -> {
              commandsFailed.incrementAndGet();
              views.remediations().forget(command.getCommandId());
              Errors.send(
                  rc,
                  503,
                  "KAFKA_UNAVAILABLE",
                  "the command could not be written to Kafka: " + e.getMessage());
            });
  }

  void remediations(RoutingContext rc) {
    Instant now = clock.instant();
    JsonArray list = new JsonArray();
    RemediationsView remediations = views.remediations();
    remediations
        .recent(limit(rc.queryParams().get("limit")))
        .forEach(r -> list.add(JsonViews.remediation(r, now)));
    JsonObject ignored =
        new JsonObject()
            .put(
                "unknownCommand",
                remediations.ignoredResults(RemediationsView.Ignored.UNKNOWN_COMMAND))
            .put("otherHost", remediations.ignoredResults(RemediationsView.Ignored.OTHER_HOST))
            .put(
                "notThisCommand",
                remediations.ignoredResults(RemediationsView.Ignored.NOT_THIS_COMMAND))
            .put("afterFinal", remediations.ignoredResults(RemediationsView.Ignored.AFTER_FINAL));
    JsonObject stats =
        new JsonObject()
            .put("resultsIgnored", ignored)
            .put("commandsUnverified", remediations.unverifiedCommands())
            .put("artifactChunksRejected", remediations.rejectedChunks());
    json(rc, 200, new JsonObject().put("remediations", list).put("stats", stats));
  }

  void remediation(RoutingContext rc) {
    json(rc, 200, JsonViews.remediation(find(rc.pathParam("id")), clock.instant()));
  }

  void artifact(RoutingContext rc) {
    Caller caller = rc.get(BearerTokenAuth.CALLER_KEY);
    if (caller == null || caller.role() != Role.OPERATOR) {
      throw new ApiException(
          403,
          "FORBIDDEN",
          "downloading an artifact needs an operator token (it may hold captured traffic "
              + "or files from images)");
    }
    Remediation remediation = find(rc.pathParam("id"));
    Remediation.ArtifactInfo info = remediation.artifact();
    if (info == null) {
      if (remediation.finished()) {
        throw ApiException.notFound(
            "NO_ARTIFACT", "remediation " + remediation.id() + " returned no artifact");
      }
      throw ApiException.conflict(
          "ARTIFACT_NOT_READY",
          "remediation " + remediation.id() + " is " + remediation.status() + "; no artifact yet");
    }
    if (info.evicted()) {
      throw new ApiException(
          410,
          "ARTIFACT_EVICTED",
          "the artifact's bytes were dropped to bound the controller's memory (or exceed it)");
    }
    if (!info.complete()) {
      throw ApiException.conflict(
          "ARTIFACT_INCOMPLETE",
          info.chunksReceived() + " of " + info.chunksTotal() + " chunks have arrived");
    }
    ArtifactContent content;
    try {
      content = views.remediations().artifactContent(remediation.id()).orElseThrow();
    } catch (IllegalStateException e) {
      throw new ApiException(502, "ARTIFACT_CORRUPT", e.getMessage());
    }
    // Hashing up to the artifact bound is blocking work; the bytes are then streamed chunk by
    // chunk.
    rc.vertx()
        .executeBlocking(
            () -> {
              content.verify();
              return content;
            })
        .onSuccess(
            verified -> {
              HttpServerResponse response =
                  rc.response()
                      .putHeader("Content-Type", info.contentType())
                      .putHeader("Content-Length", Long.toString(verified.size()))
                      .putHeader(
                          "Content-Disposition",
                          "attachment; filename=\""
                              + safeFileName(info.fileName(), remediation.id())
                              + "\"")
                      .putHeader("X-Content-Type-Options", "nosniff")
                      .putHeader("Cache-Control", "no-store");
              writeFrom(response, verified.chunks().iterator());
            })
        .onFailure(e -> Errors.send(rc, 502, "ARTIFACT_CORRUPT", e.getMessage()));
  }

  /** Writes the chunks one at a time, waiting for the client whenever the write queue is full. */
  private static void writeFrom(HttpServerResponse response, Iterator<ByteString> chunks) {
    while (chunks.hasNext()) {
      if (response.closed()) {
        return;
      }
      if (response.writeQueueFull()) {
        response.drainHandler(v -> writeFrom(response, chunks));
        return;
      }
      response.write(Buffer.buffer(chunks.next().toByteArray()));
    }
    response.end();
  }

  public long commandsIssued() {
    return commandsIssued.get();
  }

  public long commandsFailed() {
    return commandsFailed.get();
  }

  private Remediation find(String id) {
    return views
        .remediations()
        .get(id)
        .orElseThrow(
            () ->
                ApiException.notFound(
                    "REMEDIATION_NOT_FOUND", "no remediation '" + id + "' is known"));
  }

  static RemediationRequest request(JsonObject body) {
    try {
      return new RemediationRequest(
          body.getString("action"),
          body.getString("container"),
          body.getString("hostId"),
          body.getString("reason"),
          body.getInteger("ttlSeconds"),
          body.getInteger("durationSeconds"),
          body.getString("image"),
          body.getString("path"),
          body.getBoolean("dryRun"),
          body.getString("interface"));
    } catch (ClassCastException e) {
      throw ApiException.invalid("body", "a field has the wrong type: " + e.getMessage());
    }
  }

  private static Instant since(String text) {
    if (text == null) {
      return null;
    }
    try {
      return Instant.parse(text);
    } catch (DateTimeParseException e) {
      throw ApiException.invalid(
          "since", "expected an RFC 3339 time such as 2026-01-31T10:00:00Z but was '" + text + "'");
    }
  }

  private static int limit(String text) {
    if (text == null) {
      return DEFAULT_LIMIT;
    }
    try {
      int limit = Integer.parseInt(text);
      if (limit >= 1 && limit <= 1000) {
        return limit;
      }
    } catch (NumberFormatException e) {
      // falls through
    }
    throw ApiException.invalid("limit", "expected 1 to 1000 but was '" + text + "'");
  }

  static String safeFileName(String name, String fallback) {
    String cleaned = name == null ? "" : name.replaceAll("[^A-Za-z0-9._-]", "_");
    return cleaned.isEmpty() || cleaned.startsWith(".") ? "artifact-" + fallback : cleaned;
  }

  private static void json(RoutingContext rc, int status, JsonObject body) {
    rc.response()
        .setStatusCode(status)
        .putHeader("Content-Type", "application/json")
        .putHeader("Cache-Control", "no-store")
        .end(body.encode());
  }
}
