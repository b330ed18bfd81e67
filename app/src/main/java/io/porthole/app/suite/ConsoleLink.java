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

  public static String line(int controllerPort, Credentials credentials) {
    String url = "http://127.0.0.1:" + controllerPort + "/ui/";
    if (credentials != null && credentials.generated()) {
      // Form encoding, as the console decodes the fragment with URLSearchParams ('+' would be a space).
      return "console: " + url + "#token=" + URLEncoder.encode(credentials.operatorToken(), StandardCharsets.UTF_8);
    }
    return "console: " + url + " (sign in with the viewer or operator token)";
  }
}
