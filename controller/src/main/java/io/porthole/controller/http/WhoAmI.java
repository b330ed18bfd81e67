package io.porthole.controller.http;

import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;

/**
 * {@code GET /api/v1/whoami}: the role of the presented token, so that a client (the console) can
 * offer actions only to an operator. The server still decides every request by itself.
 */
final class WhoAmI {

  private WhoAmI() {}

  static void handle(RoutingContext rc) {
    Caller caller = rc.get(BearerTokenAuth.CALLER_KEY);
    if (caller == null) {
      // BearerTokenAuth answers 401 before any /api/ handler runs; this guards a router change.
      Errors.send(
          rc,
          401,
          "UNAUTHORIZED",
          "a valid bearer token is required (Authorization: Bearer TOKEN)");
      return;
    }
    JsonObject body =
        new JsonObject().put("role", caller.role().label()).put("tokenName", caller.name());
    rc.response()
        .putHeader("Content-Type", "application/json")
        .putHeader("Cache-Control", "no-store")
        .end(body.encode());
  }
}
