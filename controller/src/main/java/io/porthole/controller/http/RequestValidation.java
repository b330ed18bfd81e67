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

/**
 * The OpenAPI request validation of one operation, mounted where {@link RouterBuilder} mounts its
 * own (same validator, same outcome: the validated request under {@link
 * RouterBuilder#KEY_META_DATA_VALIDATED_REQUEST}, a 400 {@link HttpException} wrapping the {@link
 * ValidatorException}), but without a trip to the worker pool for operations without a body.
 *
 * <p>vertx-openapi 5.0 validates every request inside {@code executeBlocking}: for a GET with a few
 * query parameters, the hand-off to a worker thread and back cost more than everything else the
 * controller does for {@code GET /api/v1/alerts} (JFR: every request passed through {@code
 * RequestValidatorImpl.validate -> Vertx.executeBlocking}). Checking a few short parameters
 * against their schemas is microseconds of CPU, so it runs here on the event loop; operations with
 * a body (JSON parsing and schema validation of up to the body limit) keep the library's path.
 */
final class RequestValidation implements InputTrustHandler {

  private static final RequestExtractor EXTRACTOR = RequestExtractor.withBodyHandler();

  private final Operation operation;
  private final RequestValidatorImpl validator;

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
        .onFailure(e -> rc.fail(e instanceof ValidatorException ? new HttpException(400, e.getMessage(), e) : e));
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

  /** What {@code RequestValidatorImpl.validate} does for each parameter, without executeBlocking. */
  private ValidatedRequest parameters(ValidatableRequest request) {
    Map<String, RequestParameter> cookies = new HashMap<>();
    Map<String, RequestParameter> headers = new HashMap<>();
    Map<String, RequestParameter> path = new HashMap<>();
    Map<String, RequestParameter> query = new HashMap<>();
    for (Parameter parameter : operation.getParameters()) {
      String name = parameter.getName();
      switch (parameter.getIn()) {
        case COOKIE -> cookies.put(name, validator.validateParameter(parameter, request.getCookies().get(name)));
        case HEADER -> headers.put(name, validator.validateParameter(parameter, request.getHeaders().get(name)));
        case PATH -> path.put(name, validator.validateParameter(parameter, request.getPathParameters().get(name)));
        case QUERY -> query.put(name, validator.validateParameter(parameter, request.getQuery().get(name)));
        default -> {
          // no other locations in OpenAPI 3
        }
      }
    }
    return new ValidatedRequestImpl(cookies, headers, path, query, validator.validateBody(null, request));
  }
}
