package io.porthole.app.suite;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;

class ConsoleLinkTest {

  private static final Path FILE = Path.of("/tmp/credentials.properties");

  @Test
  void aJustGeneratedTokenRidesInTheFragmentFormEncoded() {
    Credentials generated =
        new Credentials(
            "viewer",
            "op+er/ator=",
            Path.of("/tmp/signing.pem"),
            "/tmp/verify.pem",
            true,
            true,
            FILE);
    assertThat(ConsoleLink.line("http://127.0.0.1:8080", generated))
        .isEqualTo("console: http://127.0.0.1:8080/ui/#token=op%2Ber%2Fator%3D");
  }

  @Test
  void aTokenFromTheEnvironmentOrAFileIsNotPrinted() {
    Credentials configured =
        new Credentials(
            "viewer",
            "secret-operator-token",
            Path.of("/tmp/signing.pem"),
            "/tmp/verify.pem",
            false,
            false,
            FILE);
    assertThat(ConsoleLink.line("http://127.0.0.1:8080", configured))
        .startsWith("console: http://127.0.0.1:8080/ui/ ")
        .doesNotContain("secret-operator-token", "#");
  }

  @Test
  void theLinkPointsWhereTheControllerListensAndAtLoopbackForEveryInterface() {
    Credentials configured =
        new Credentials(
            "viewer",
            "secret-operator-token",
            Path.of("/tmp/signing.pem"),
            "/tmp/verify.pem",
            false,
            false,
            FILE);
    assertThat(ConsoleLink.line("http://10.1.2.3:8080", configured))
        .startsWith("console: http://10.1.2.3:8080/ui/ ");
    assertThat(ConsoleLink.line("http://0.0.0.0:8080", configured))
        .startsWith("console: http://127.0.0.1:8080/ui/ ");
  }
}
