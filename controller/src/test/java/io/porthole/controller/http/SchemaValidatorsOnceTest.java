package io.porthole.controller.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.Vertx;
import io.vertx.json.schema.Validator;
import io.vertx.openapi.contract.OpenAPIContract;
import io.vertx.openapi.contract.Operation;
import io.vertx.openapi.contract.Parameter;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class SchemaValidatorsOnceTest {

  private final Vertx vertx = Vertx.vertx();

  @AfterEach
  void close() throws Exception {
    vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
  }

  private OpenAPIContract contract() throws Exception {
    return OpenAPIContract.from(vertx, OpenApiDocument.load().forRouter())
        .toCompletionStage()
        .toCompletableFuture()
        .get(30, TimeUnit.SECONDS);
  }

  private static Parameter parameter(Operation operation, String name) {
    return operation.getParameters().stream()
        .filter(p -> p.getName().equals(name))
        .findFirst()
        .orElseThrow();
  }

  @Test
  void eachSchemasValidatorIsBuiltOnceAndValidatesAsTheLibrarysOwn() throws Exception {
    OpenAPIContract parsed = contract();
    OpenAPIContract contract = new SchemaValidatorsOnce(parsed);
    Operation alerts = contract.operation("listAlerts");
    Parameter limit = parameter(alerts, "limit");

    Validator once = contract.getSchemaRepository().validator(limit.getSchema());
    assertThat(contract.getSchemaRepository().validator(limit.getSchema())).isSameAs(once);
    assertThat(contract.getSchemaRepository().validator(parameter(alerts, "host").getSchema()))
        .isNotSameAs(once);

    Validator fresh = parsed.getSchemaRepository().validator(limit.getSchema());
    for (Object value : new Object[] {50, 0, 1000, 1001, "x"}) {
      assertThat(once.validate(value).getValid())
          .as("limit %s", value)
          .isEqualTo(fresh.validate(value).getValid());
    }
    assertThat(once.validate(50).getValid()).isTrue();
    assertThat(once.validate(0).getValid()).isFalse();
  }

  @Test
  void everythingElseIsTheContractsOwn() throws Exception {
    OpenAPIContract parsed = contract();
    OpenAPIContract contract = new SchemaValidatorsOnce(parsed);
    assertThat(contract.operations()).isEqualTo(parsed.operations());
    assertThat(contract.getPaths()).isEqualTo(parsed.getPaths());
    assertThat(contract.operation("listAlerts")).isSameAs(parsed.operation("listAlerts"));
    assertThat(contract.getRawContract()).isSameAs(parsed.getRawContract());
    assertThat(contract.getVersion()).isEqualTo(parsed.getVersion());
  }
}
