package io.porthole.controller.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.porthole.runtime.Settings;
import java.util.Map;
import org.junit.jupiter.api.Test;

class BearerTokenAuthTest {

  private final BearerTokenAuth auth =
      new BearerTokenAuth("viewer-token-0123456789", "operator-token-0123456789");

  @Test
  void tokensMapToTheirRoles() {
    assertThat(auth.roleOf("Bearer viewer-token-0123456789")).isEqualTo(Role.VIEWER);
    assertThat(auth.roleOf("bearer operator-token-0123456789")).isEqualTo(Role.OPERATOR);
    assertThat(auth.roleOf("Bearer  operator-token-0123456789 ")).isEqualTo(Role.OPERATOR);
  }

  @Test
  void namedTokensMapToTheirNamesAndRoles() {
    BearerTokenAuth named =
        new BearerTokenAuth(
            ApiTokens.from(
                Settings.of(
                    Map.of(
                        "viewer.tokens", "dashboard:dashboard-token-0123456789",
                        "operator.tokens", "alice:alice-token-0123456789,bob:bob-token-0123456789",
                        "operator.token", "single-operator-token-0123"))));
    assertThat(named.callerOf("Bearer alice-token-0123456789"))
        .isEqualTo(new Caller("alice", Role.OPERATOR));
    assertThat(named.callerOf("Bearer bob-token-0123456789"))
        .isEqualTo(new Caller("bob", Role.OPERATOR));
    assertThat(named.callerOf("Bearer dashboard-token-0123456789"))
        .isEqualTo(new Caller("dashboard", Role.VIEWER));
    assertThat(named.callerOf("Bearer single-operator-token-0123"))
        .isEqualTo(new Caller("operator", Role.OPERATOR));
    assertThat(named.callerOf("Bearer carol-token-0123456789")).isNull();
  }

  @Test
  void anythingElseHasNoRole() {
    assertThat(auth.roleOf(null)).isNull();
    assertThat(auth.roleOf("")).isNull();
    assertThat(auth.roleOf("Bearer ")).isNull();
    assertThat(auth.roleOf("Basic dmlld2VyOnRva2Vu")).isNull();
    assertThat(auth.roleOf("viewer-token-0123456789")).isNull();
    assertThat(auth.roleOf("Bearer viewer-token-012345678")).isNull();
    assertThat(auth.roleOf("Bearer viewer-token-01234567890")).isNull();
    assertThat(auth.roleOf("Bearer VIEWER-TOKEN-0123456789")).isNull();
  }

  @Test
  void artifactFileNamesAreMadeSafeForTheHeader() {
    assertThat(ApiHandlers.safeFileName("capture-web-1.pcap", "id"))
        .isEqualTo("capture-web-1.pcap");
    assertThat(ApiHandlers.safeFileName("a\"b\r\nc/../d", "id")).isEqualTo("a_b__c_.._d");
    assertThat(ApiHandlers.safeFileName("", "id")).isEqualTo("artifact-id");
    assertThat(ApiHandlers.safeFileName("..", "id")).isEqualTo("artifact-id");
  }
}
