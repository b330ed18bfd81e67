package io.porthole.app.suite;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;

/**
 * The line that points a user at the operator console. The token rides in the address's fragment,
 * which a browser never sends to a server; the console reads it once, keeps it in session storage
 * and removes it from the address bar. The token is in the link only when it was just generated
 * (and so printed anyway, once); a token from the environment or a saved file is not printed.
 */
public final class ConsoleLink {

  private ConsoleLink() {}

  /**
   * @param controllerAddress where the controller really listens ({@code http://HOST:PORT}); a
   *     wildcard address (every interface) is reached at loopback from this machine
   */
  public static String line(String controllerAddress, Credentials credentials) {
    String base =
        controllerAddress
            .replace("://0.0.0.0:", "://127.0.0.1:")
            .replace("://[::]:", "://127.0.0.1:");
    String url = base + "/ui/";
    if (credentials != null && credentials.generated()) {
      // Form encoding, as the console decodes the fragment with URLSearchParams ('+' would be a
      // space).
      return "console: "
          + url
          + "#token="
          + URLEncoder.encode(credentials.operatorToken(), StandardCharsets.UTF_8);
    }
    return "console: " + url + " (sign in with the viewer or operator token)";
  }
}
