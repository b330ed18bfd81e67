package io.porthole.controller.http;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** Validator messages (as vertx-openapi 5.0.7 words them) become "field: what is wrong". */
class ErrorsTest {

  @Test
  void bodyErrorsNameTheProperty() {
    assertThat(
            Errors.describe(
                "The value of the request body is invalid. Reason: Instance type string "
                    + "is invalid. Expected integer at #/ttlSeconds"))
        .isEqualTo("ttlSeconds: Instance type string is invalid. Expected integer");
    assertThat(
            Errors.describe(
                "The value of the request body is invalid. Reason: Property \"force\" "
                    + "does not match additional properties schema"))
        .startsWith("force: ");
  }

  @Test
  void parameterErrorsNameTheParameter() {
    assertThat(
            Errors.describe(
                "The formatting of the value of query parameter limit doesn't match to the schema"))
        .startsWith("limit: ");
  }
}
