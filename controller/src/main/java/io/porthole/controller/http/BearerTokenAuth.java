package io.porthole.controller.http;

import io.vertx.core.http.HttpMethod;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.AuthenticationHandler;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Objects;

/**
 * Checks the bearer token of every {@code /api/} request but the OpenAPI document: the viewer token
 * may read (GET), the operator token may also change things (any other method). No or a wrong
 * token is 401, a viewer token on a change 403. Tokens are compared as SHA-256 digests with {@link
 * MessageDigest#isEqual}, so the time taken says nothing about the expected token, not even its
 * length.
 */
public final class BearerTokenAuth implements AuthenticationHandler {

  /** Routing context key under which the caller's {@link Role} is stored. */
  public static final String ROLE_KEY = "porthole.role";

  private static final String PREFIX = "Bearer ";
  private static final String PUBLIC_DOCUMENT = "/api/v1/openapi.yaml";
  private static final MessageDigest SHA_256 = prototype();

  private final byte[] viewerDigest;
  private final byte[] operatorDigest;

  public BearerTokenAuth(String viewerToken, String operatorToken) {
    this.viewerDigest = digest(Objects.requireNonNull(viewerToken, "viewerToken"));
    this.operatorDigest = digest(Objects.requireNonNull(operatorToken, "operatorToken"));
  }

  @Override
  public void handle(RoutingContext rc) {
    String path = rc.normalizedPath();
    if (!path.startsWith("/api/") || path.equals(PUBLIC_DOCUMENT)) {
      rc.next();
      return;
    }
    Role role = roleOf(rc.request().getHeader("Authorization"));
    if (role == null) {
      rc.response().putHeader("WWW-Authenticate", "Bearer realm=\"porthole\"");
      Errors.send(rc, 401, "UNAUTHORIZED", "a valid bearer token is required (Authorization: Bearer TOKEN)");
      return;
    }
    boolean reading = rc.request().method() == HttpMethod.GET || rc.request().method() == HttpMethod.HEAD;
    if (!reading && role != Role.OPERATOR) {
      Errors.send(rc, 403, "FORBIDDEN", "the viewer token may only read; remediation needs the operator token");
      return;
    }
    rc.put(ROLE_KEY, role);
    rc.next();
  }

  /** The role of the token in an Authorization header value, or null when it is none of ours. */
  Role roleOf(String authorization) {
    if (authorization == null || !authorization.regionMatches(true, 0, PREFIX, 0, PREFIX.length())) {
      return null;
    }
    byte[] presented = digest(authorization.substring(PREFIX.length()).trim());
    // Both comparisons always run.
    boolean operator = MessageDigest.isEqual(presented, operatorDigest);
    boolean viewer = MessageDigest.isEqual(presented, viewerDigest);
    return operator ? Role.OPERATOR : viewer ? Role.VIEWER : null;
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
