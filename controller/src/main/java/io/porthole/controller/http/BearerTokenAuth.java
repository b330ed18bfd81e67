package io.porthole.controller.http;

import io.vertx.core.http.HttpMethod;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.AuthenticationHandler;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.List;
import java.util.Objects;

/**
 * Checks the bearer token of every {@code /api/} request but the OpenAPI document: viewer tokens
 * may read (GET), operator tokens may also change things (any other method) and download artifacts
 * (checked by that handler). No or a wrong token is 401, a viewer token on a change 403. The caller
 * (the token's name and role) is put in the routing context. Tokens are compared as SHA-256 digests
 * with {@link MessageDigest#isEqual}, every configured one every time, so the time taken says
 * nothing about the expected tokens, not even their length.
 */
public final class BearerTokenAuth implements AuthenticationHandler {

  /** Routing context key under which the {@link Caller} is stored. */
  public static final String CALLER_KEY = "porthole.caller";

  private static final String PREFIX = "Bearer ";
  private static final String PUBLIC_DOCUMENT = "/api/v1/openapi.yaml";
  private static final MessageDigest SHA_256 = prototype();

  private record Known(byte[] digest, Caller caller) {}

  private final List<Known> known;

  public BearerTokenAuth(ApiTokens tokens) {
    this.known =
        Objects.requireNonNull(tokens, "tokens").all().stream()
            .map(t -> new Known(digest(t.secret()), new Caller(t.name(), t.role())))
            .toList();
  }

  /** One viewer and one operator token, named {@code viewer} and {@code operator} (tests). */
  public BearerTokenAuth(String viewerToken, String operatorToken) {
    this(
        new ApiTokens(
            List.of(
                new ApiTokens.Token(
                    Role.VIEWER.label(),
                    Role.VIEWER,
                    Objects.requireNonNull(viewerToken, "viewerToken")),
                new ApiTokens.Token(
                    Role.OPERATOR.label(),
                    Role.OPERATOR,
                    Objects.requireNonNull(operatorToken, "operatorToken")))));
  }

  @Override
  public void handle(RoutingContext rc) {
    String path = rc.normalizedPath();
    if (!path.startsWith("/api/") || path.equals(PUBLIC_DOCUMENT)) {
      rc.next();
      return;
    }
    Caller caller = callerOf(rc.request().getHeader("Authorization"));
    if (caller == null) {
      rc.response().putHeader("WWW-Authenticate", "Bearer realm=\"porthole\"");
      Errors.send(
          rc,
          401,
          "UNAUTHORIZED",
          "a valid bearer token is required (Authorization: Bearer TOKEN)");
      return;
    }
    boolean reading =
        rc.request().method() == HttpMethod.GET || rc.request().method() == HttpMethod.HEAD;
    if (!reading && caller.role() != Role.OPERATOR) {
      Errors.send(
          rc,
          403,
          "FORBIDDEN",
          "the viewer token may only read; remediation needs the operator token");
      return;
    }
    rc.put(CALLER_KEY, caller);
    rc.next();
  }

  /** The role of the token in an Authorization header value, or null when it is none of ours. */
  Role roleOf(String authorization) {
    Caller caller = callerOf(authorization);
    return caller == null ? null : caller.role();
  }

  /** Who presents the token in an Authorization header value, or null when it is none of ours. */
  Caller callerOf(String authorization) {
    if (authorization == null
        || !authorization.regionMatches(true, 0, PREFIX, 0, PREFIX.length())) {
      return null;
    }
    byte[] presented = digest(authorization.substring(PREFIX.length()).trim());
    Caller found = null;
    for (Known candidate : known) {
      // Every comparison runs, whichever matches.
      if (MessageDigest.isEqual(presented, candidate.digest()) && found == null) {
        found = candidate.caller();
      }
    }
    return found;
  }

  private static byte[] digest(String token) {
    return sha256().digest(token.getBytes(StandardCharsets.UTF_8));
  }

  /**
   * A fresh SHA-256 digest, cloned from a prototype: {@link MessageDigest#getInstance} searches the
   * security providers on every call, which cost more than hashing the token (JFR, per request).
   */
  private static MessageDigest sha256() {
    try {
      return (MessageDigest) SHA_256.clone();
    } catch (CloneNotSupportedException e) {
      try {
        return MessageDigest.getInstance("SHA-256");
      } catch (NoSuchAlgorithmException unavailable) {
        throw new IllegalStateException("SHA-256 unavailable", unavailable);
      }
    }
  }

  private static MessageDigest prototype() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 unavailable", e);
    }
  }
}
