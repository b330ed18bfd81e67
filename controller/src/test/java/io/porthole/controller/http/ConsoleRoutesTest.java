package io.porthole.controller.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServer;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import io.vertx.ext.web.client.WebClientOptions;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The console's static routes with their security headers, and whoami, served for real on a free
 * port.
 */
class ConsoleRoutesTest {

  private static final String VIEWER = "viewer-token-0123456789";
  private static final String OPERATOR = "operator-token-0123456789";

  private Vertx vertx;
  private HttpServer server;
  private WebClient client;

  @BeforeEach
  void start() throws Exception {
    vertx = Vertx.vertx();
    Router router = Router.router(vertx);
    router.route().handler(new BearerTokenAuth(VIEWER, OPERATOR));
    router.get("/api/v1/whoami").handler(WhoAmI::handle);
    ConsoleRoutes.mount(router);
    server = await(vertx.createHttpServer().requestHandler(router).listen(0, "127.0.0.1"));
    client = WebClient.create(vertx, new WebClientOptions().setFollowRedirects(false));
  }

  @AfterEach
  void stop() throws Exception {
    await(vertx.close());
  }

  @Test
  void everyConsoleFileIsServedWithTheStrictPolicyAndTheRightType() throws Exception {
    for (String path :
        new String[] {"/ui/", "/ui/index.html", "/ui/console.js", "/ui/console.css"}) {
      HttpResponse<Buffer> response = get(path, null);
      assertThat(response.statusCode()).as(path).isEqualTo(200);
      assertThat(response.getHeader("Content-Security-Policy"))
          .as(path)
          .contains(
              "default-src 'self'",
              "script-src 'self'",
              "style-src 'self'",
              "frame-ancestors 'none'")
          .doesNotContain("unsafe-inline", "unsafe-eval");
      assertThat(response.getHeader("X-Content-Type-Options")).as(path).isEqualTo("nosniff");
      assertThat(response.getHeader("Referrer-Policy")).as(path).isEqualTo("no-referrer");
    }
    assertThat(get("/ui/", null).getHeader("Content-Type")).startsWith("text/html");
    assertThat(get("/ui/console.js", null).getHeader("Content-Type")).contains("javascript");
    assertThat(get("/ui/console.css", null).getHeader("Content-Type")).startsWith("text/css");
    HttpResponse<Buffer> missing = get("/ui/nothing-here.js", null);
    assertThat(missing.statusCode()).isEqualTo(404);
    assertThat(missing.getHeader("Content-Security-Policy")).isNotNull();
  }

  @Test
  void theRootAndTheBarePathLeadToTheConsole() throws Exception {
    for (String path : new String[] {"/", "/ui", "/index.html"}) {
      HttpResponse<Buffer> response = get(path, null);
      assertThat(response.statusCode()).as(path).isEqualTo(302);
      assertThat(response.getHeader("Location")).as(path).isEqualTo("/ui/");
      assertThat(response.getHeader("Content-Security-Policy"))
          .as(path)
          .isEqualTo(ConsoleRoutes.CONTENT_SECURITY_POLICY);
      assertThat(response.getHeader("X-Content-Type-Options")).as(path).isEqualTo("nosniff");
      assertThat(response.getHeader("Referrer-Policy")).as(path).isEqualTo("no-referrer");
    }
  }

  /** The policy forbids inline script and style: the page must not need them. */
  @Test
  void thePageHasNoInlineScriptOrStyle() throws IOException {
    String html = resource("index.html");
    assertThat(html).doesNotContainPattern("<script(?![^>]*\\ssrc=)[^>]*>");
    assertThat(html)
        .doesNotContainPattern("(?i)\\sstyle\\s*=")
        .doesNotContainPattern("(?i)<style")
        .doesNotContainPattern("(?i)\\son[a-z]+\\s*=");
    assertThat(resource("console.js"))
        .doesNotContain("innerHTML", "outerHTML", "insertAdjacentHTML", "document.write", "eval(");
  }

  @Test
  void whoamiNamesTheRoleOfTheTokenAndRefusesNone() throws Exception {
    HttpResponse<Buffer> operator = get("/api/v1/whoami", OPERATOR);
    assertThat(operator.statusCode()).isEqualTo(200);
    assertThat(operator.bodyAsJsonObject().getString("role")).isEqualTo("operator");
    assertThat(operator.bodyAsJsonObject().getString("tokenName")).isEqualTo("operator");
    assertThat(operator.bodyAsString()).doesNotContain(OPERATOR);
    assertThat(get("/api/v1/whoami", VIEWER).bodyAsJsonObject().getString("role"))
        .isEqualTo("viewer");
    assertThat(get("/api/v1/whoami", null).statusCode()).isEqualTo(401);
    assertThat(get("/api/v1/whoami", "wrong").statusCode()).isEqualTo(401);
  }

  private HttpResponse<Buffer> get(String path, String token) throws Exception {
    var request = client.get(server.actualPort(), "127.0.0.1", path);
    if (token != null) {
      request.putHeader("Authorization", "Bearer " + token);
    }
    return await(request.send());
  }

  private static String resource(String name) throws IOException {
    try (InputStream in =
        ConsoleRoutesTest.class
            .getClassLoader()
            .getResourceAsStream(ConsoleRoutes.RESOURCE_ROOT + "/" + name)) {
      assertThat(in).as(name).isNotNull();
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
  }

  private static <T> T await(Future<T> future) throws Exception {
    return future.toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
  }
}
