package io.porthole.controller.http;

import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.StaticHandler;

/**
 * The operator console: static files from the classpath under {@code /ui/}, each response with a
 * strict Content-Security-Policy, redirects included (scripts, styles and connections only from
 * this origin, nothing inline, no framing), and {@code /} (and {@code /index.html}) sends a browser
 * there. The console reads the API with the bearer token in a header like any client; these routes
 * need no token (they serve no data).
 */
final class ConsoleRoutes {

  static final String PATH = "/ui/";
  static final String RESOURCE_ROOT = "porthole-controller/ui";
  static final String CONTENT_SECURITY_POLICY =
      "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
          + "connect-src 'self';"
          + " object-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

  private ConsoleRoutes() {}

  /** Adds the console's routes; call before any catch-all route so that these win. */
  static void mount(Router router) {
    router.get("/").handler(rc -> redirect(rc, PATH));
    // The old alerts page lived here; bookmarks of it land on the console.
    router.get("/index.html").handler(rc -> redirect(rc, PATH));
    // Vert.x matches "/ui" for "/ui/" too: only the bare path is redirected.
    router.getWithRegex("/ui").handler(rc -> redirect(rc, PATH));
    router.route("/ui/*").handler(ConsoleRoutes::securityHeaders);
    router
        .get("/ui/*")
        .handler(
            StaticHandler.create(RESOURCE_ROOT)
                .setIndexPage("index.html")
                .setDirectoryListing(false)
                // Small files that change with each release: revalidate rather than serve a stale
                // console.
                .setCachingEnabled(false));
  }

  private static void securityHeaders(RoutingContext rc) {
    putSecurityHeaders(rc);
    rc.next();
  }

  private static void putSecurityHeaders(RoutingContext rc) {
    rc.response()
        .putHeader("Content-Security-Policy", CONTENT_SECURITY_POLICY)
        .putHeader("X-Content-Type-Options", "nosniff")
        .putHeader("Referrer-Policy", "no-referrer")
        .putHeader("X-Frame-Options", "DENY")
        .putHeader("Cache-Control", "no-cache");
  }

  /** A redirect to the console is a console response too: it carries the same headers. */
  private static void redirect(RoutingContext rc, String location) {
    putSecurityHeaders(rc);
    rc.response().setStatusCode(302).putHeader("Location", location).end();
  }
}
