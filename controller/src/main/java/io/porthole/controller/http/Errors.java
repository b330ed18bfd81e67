package io.porthole.controller.http;

import io.porthole.controller.ApiException;
import io.vertx.core.Handler;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.HttpException;
import io.vertx.json.schema.OutputUnit;
import io.vertx.openapi.validation.SchemaValidationException;
import io.vertx.openapi.validation.ValidatorException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Error responses: {@code {"error": CODE, "message": TEXT}} with the right status. */
public final class Errors implements Handler<RoutingContext> {

  private static final Logger LOG = LoggerFactory.getLogger(Errors.class);

  public static void send(RoutingContext rc, int status, String code, String message) {
    if (rc.response().ended() || rc.response().headWritten()) {
      return;
    }
    rc.response()
        .setStatusCode(status)
        .putHeader("Content-Type", "application/json")
        .putHeader("Cache-Control", "no-store")
        .end(new JsonObject().put("error", code).put("message", message).encode());
  }

  /** The failure handler of every route. */
  @Override
  public void handle(RoutingContext rc) {
    Throwable failure = rc.failure();
    ValidatorException invalidRequest = validatorException(failure);
    if (invalidRequest != null) {
      send(rc, 400, "INVALID_REQUEST", describe(invalidRequest));
    } else if (failure instanceof ApiException api) {
      send(rc, api.status(), api.code(), api.getMessage());
    } else if (failure instanceof HttpException http) {
      byStatus(rc, http.getStatusCode(), http.getPayload());
    } else if (failure == null) {
      byStatus(rc, rc.statusCode(), null);
    } else {
      LOG.error("request {} {} failed", rc.request().method(), rc.request().path(), failure);
      send(rc, 500, "INTERNAL", "internal error; see the controller's log");
    }
  }

  private static ValidatorException validatorException(Throwable failure) {
    for (Throwable t = failure; t != null; t = t.getCause() == t ? null : t.getCause()) {
      if (t instanceof ValidatorException invalid) {
        return invalid;
      }
    }
    return null;
  }

  /** For status-only failures (no route, wrong method, body too large). */
  public static void byStatus(RoutingContext rc, int status, String detail) {
    switch (status) {
      case 400 ->
          send(
              rc,
              400,
              "INVALID_REQUEST",
              detail == null ? "the request is malformed" : describe(detail));
      case 404 -> send(rc, 404, "NOT_FOUND", "no such resource: " + rc.request().path());
      case 405 ->
          send(
              rc,
              405,
              "METHOD_NOT_ALLOWED",
              rc.request().method() + " is not allowed on " + rc.request().path());
      case 413 ->
          send(rc, 413, "BODY_TOO_LARGE", "the request body exceeds the limit of this controller");
      case 401 -> send(rc, 401, "UNAUTHORIZED", "a valid bearer token is required");
      case 403 -> send(rc, 403, "FORBIDDEN", "not allowed with this token");
      default -> {
        if (status >= 400 && status < 500) {
          send(
              rc,
              status,
              "REQUEST_FAILED",
              detail == null ? "request failed with status " + status : detail);
        } else {
          send(rc, 500, "INTERNAL", "internal error; see the controller's log");
        }
      }
    }
  }

  /**
   * A validation failure as {@code field: what is wrong}: the body property (from the schema's
   * instance location) or the parameter the validator named.
   */
  static String describe(ValidatorException invalid) {
    if (invalid instanceof SchemaValidationException schema && schema.getOutputUnit() != null) {
      OutputUnit deepest = deepest(schema.getOutputUnit());
      String field = field(deepest.getInstanceLocation());
      if (!field.isEmpty() && deepest.getError() != null) {
        return field + ": " + deepest.getError();
      }
    }
    return describe(invalid.getMessage());
  }

  /** A validator's message as {@code field: what is wrong}, where it names a field or parameter. */
  static String describe(String validatorMessage) {
    String message = validatorMessage == null ? "invalid request" : validatorMessage;
    if (message.contains("body can't be decoded")) {
      return "body: not valid JSON (or not of the declared content type)";
    }
    String reason = message.replaceFirst("^.*?Reason: ", "");
    Matcher located = Pattern.compile(" at #/(\\S+)$").matcher(reason);
    if (located.find()) {
      return field(located.group(1)) + ": " + reason.substring(0, located.start());
    }
    Matcher property = Pattern.compile("[Pp]roperty \"([^\"]+)\"").matcher(reason);
    if (property.find()) {
      return property.group(1) + ": " + reason;
    }
    String parameter = parameterOf(message);
    return parameter == null ? reason : parameter + ": " + reason;
  }

  private static String field(String instanceLocation) {
    return instanceLocation == null
        ? ""
        : instanceLocation.replaceFirst("^#?/?", "").replace('/', '.');
  }

  private static OutputUnit deepest(OutputUnit unit) {
    OutputUnit best = unit;
    if (unit.getErrors() != null) {
      for (OutputUnit child : unit.getErrors()) {
        OutputUnit candidate = deepest(child);
        // ">=": of errors at the same place, the nested one says precisely what is wrong.
        if (candidate.getError() != null
            && field(candidate.getInstanceLocation()).length()
                >= field(best.getInstanceLocation()).length()) {
          best = candidate;
        }
      }
    }
    return best;
  }

  /** "... query parameter limit ..." names the parameter "limit". */
  private static String parameterOf(String message) {
    if (message == null) {
      return null;
    }
    Matcher m = Pattern.compile("(?:query|path|header|cookie) parameter (\\S+)").matcher(message);
    return m.find() ? m.group(1) : null;
  }
}
