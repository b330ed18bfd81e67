package io.porthole.controller;

import java.util.Objects;

/**
 * A request the API refuses, with the HTTP status, a stable error code and a message naming what
 * was wrong; rendered as {@code {"error": code, "message": message}}.
 */
public final class ApiException extends RuntimeException {

  private final int status;
  private final String code;

  public ApiException(int status, String code, String message) {
    super(Objects.requireNonNull(message, "message"), null, false, false);
    this.status = status;
    this.code = Objects.requireNonNull(code, "code");
  }

  public static ApiException invalid(String field, String problem) {
    return new ApiException(400, "INVALID_REQUEST", field + ": " + problem);
  }

  public static ApiException notFound(String code, String message) {
    return new ApiException(404, code, message);
  }

  public static ApiException conflict(String code, String message) {
    return new ApiException(409, code, message);
  }

  public int status() {
    return status;
  }

  public String code() {
    return code;
  }
}
