package io.porthole.controller.http;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.HttpException;
import io.vertx.ext.web.handler.InputTrustHandler;
import io.vertx.ext.web.openapi.router.RequestExtractor;
import io.vertx.ext.web.openapi.router.RouterBuilder;
import io.vertx.openapi.contract.OpenAPIContract;
import io.vertx.openapi.contract.Operation;
import io.vertx.openapi.contract.Parameter;
import io.vertx.openapi.validation.RequestParameter;
import io.vertx.openapi.validation.ValidatableRequest;
import io.vertx.openapi.validation.ValidatedRequest;
import io.vertx.openapi.validation.ValidatorException;
import io.vertx.openapi.validation.impl.RequestValidatorImpl;
import io.vertx.openapi.validation.impl.ValidatedRequestImpl;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The OpenAPI request validation of one operation, mounted where {@link RouterBuilder} mounts its
 * own (same validator, same outcome: the validated request under {@link
 * RouterBuilder#KEY_META_DATA_VALIDATED_REQUEST}, a 400 {@link HttpException} wrapping the {@link
 * ValidatorException}), but without a trip to the worker pool for operations without a body.
 *
 * <p>vertx-openapi 5.0 validates every request inside {@code executeBlocking}: for a GET with a few
 * query parameters, the hand-off to a worker thread and back cost more than everything else the
 * controller does for {@code GET /api/v1/alerts} (JFR: every request passed through {@code
 * RequestValidatorImpl.validate -> Vertx.executeBlocking}). Checking a few short parameters against
 * their schemas is microseconds of CPU, so it runs here on the event loop; operations with a body
 * (JSON parsing and schema validation of up to the body limit) keep the library's path.
 */
final class RequestValidation implements InputTrustHandler {

  private static final RequestExtractor EXTRACTOR = RequestExtractor.withBodyHandler();

  private static final int MAX_REMEMBERED = 256;

  private final Operation operation;
  private final RequestValidatorImpl validator;
  private final Map<String, RequestParameter> passed = new ConcurrentHashMap<>();

  RequestValidation(Vertx vertx, OpenAPIContract contract, Operation operation) {
    this.operation = Objects.requireNonNull(operation, "operation");
    this.validator = new RequestValidatorImpl(vertx, contract);
  }

  @Override
  public void handle(RoutingContext rc) {
    EXTRACTOR
        .extractValidatableRequest(rc, operation)
        .compose(this::validate)
        .onSuccess(
            validated -> {
              rc.put(RouterBuilder.KEY_META_DATA_VALIDATED_REQUEST, validated);
              rc.next();
            })
        .onFailure(
            e ->
                rc.fail(
                    e instanceof ValidatorException
                        ? new HttpException(400, e.getMessage(), e)
                        : e));
  }

  private Future<ValidatedRequest> validate(ValidatableRequest request) {
    if (operation.getRequestBody() != null) {
      return validator.validate(request, operation.getOperationId());
    }
    try {
      return Future.succeededFuture(parameters(request));
    } catch (ValidatorException e) {
      return Future.failedFuture(e);
    }
  }

  /**
   * What {@code RequestValidatorImpl.validate} does for each parameter, without executeBlocking.
   */
  private ValidatedRequest parameters(ValidatableRequest request) {
    Map<String, RequestParameter> cookies = new HashMap<>();
    Map<String, RequestParameter> headers = new HashMap<>();
    Map<String, RequestParameter> path = new HashMap<>();
    Map<String, RequestParameter> query = new HashMap<>();
    for (Parameter parameter : operation.getParameters()) {
      String name = parameter.getName();
      switch (parameter.getIn()) {
        case COOKIE -> cookies.put(name, check(parameter, request.getCookies().get(name)));
        case HEADER -> headers.put(name, check(parameter, request.getHeaders().get(name)));
        case PATH -> path.put(name, check(parameter, request.getPathParameters().get(name)));
        case QUERY -> query.put(name, check(parameter, request.getQuery().get(name)));
        default -> {
          // no other locations in OpenAPI 3
        }
      }
    }
    return new ValidatedRequestImpl(
        cookies, headers, path, query, validator.validateBody(null, request));
  }

  /**
   * The library's check of one parameter, remembered per raw value when it passes: the outcome
   * depends only on the parameter's schema and the text, clients repeat the same few queries (a
   * dashboard polling {@code limit=50}), and decoding and schema-checking the text was still a
   * quarter of the request's time. Failures are not remembered (each is checked and reported
   * again); the memory is cleared when it holds {@value #MAX_REMEMBERED} values.
   */
  private RequestParameter check(Parameter parameter, RequestParameter value) {
    if (value == null || value.isNull() || !(value.get() instanceof String text)) {
      return validator.validateParameter(parameter, value);
    }
    String key = parameter.getIn() + "\u0000" + parameter.getName() + "\u0000" + text;
    RequestParameter known = passed.get(key);
    if (known != null) {
      return known;
    }
    RequestParameter checked = validator.validateParameter(parameter, value);
    Object decoded = checked.get();
    // Only immutable values are shared between requests (arrays and objects decode to JSON
    // containers).
    if (decoded instanceof String || decoded instanceof Number || decoded instanceof Boolean) {
      if (passed.size() >= MAX_REMEMBERED) {
        passed.clear();
      }
      passed.put(key, checked);
    }
    return checked;
  }
}
