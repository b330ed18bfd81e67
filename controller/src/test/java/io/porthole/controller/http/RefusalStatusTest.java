package io.porthole.controller.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.porthole.controller.ApiException;
import io.porthole.controller.remediation.Refusal;
import org.junit.jupiter.api.Test;

/** The planner's refusals become the API's errors: status by kind, code and message unchanged. */
class RefusalStatusTest {

  @Test
  void eachKindOfRefusalHasItsStatus() {
    assertRefusal(
        Refusal.invalid("reason", "required"), 400, "INVALID_REQUEST", "reason: required");
    assertRefusal(
        Refusal.notFound("CONTAINER_NOT_FOUND", "no container 'x'"),
        404,
        "CONTAINER_NOT_FOUND",
        "no container 'x'");
    assertRefusal(
        Refusal.conflict("UNSAFE_REMEDIATION", "host network"),
        409,
        "UNSAFE_REMEDIATION",
        "host network");
  }

  @Test
  void everyKindIsMapped() {
    for (Refusal.Kind kind : Refusal.Kind.values()) {
      int status = ApiHandlers.refused(new Refusal(kind, "CODE", "message")).status();
      assertThat(status).as(kind.name()).isBetween(400, 499);
    }
  }

  private static void assertRefusal(Refusal refusal, int status, String code, String message) {
    ApiException error = ApiHandlers.refused(refusal);
    assertThat(error.status()).isEqualTo(status);
    assertThat(error.code()).isEqualTo(code);
    assertThat(error.getMessage()).isEqualTo(message);
  }
}
