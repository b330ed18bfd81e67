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
    Role role = rc.get(BearerTokenAuth.ROLE_KEY);
    if (role == null) {
      // BearerTokenAuth answers 401 before any /api/ handler runs; this guards a router change.
      Errors.send(rc, 401, "UNAUTHORIZED", "a valid bearer token is required (Authorization: Bearer TOKEN)");
      return;
    }
    // One configured token per role today, so the token's name is the role's.
    JsonObject body = new JsonObject().put("role", role.label()).put("tokenName", role.label());
    rc.response()
        .putHeader("Content-Type", "application/json")
        .putHeader("Cache-Control", "no-store")
        .end(body.encode());
  }
}
