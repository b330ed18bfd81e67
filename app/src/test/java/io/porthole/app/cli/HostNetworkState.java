package io.porthole.app.cli;

import io.porthole.app.demo.SecondEngine;
import java.io.IOException;
import java.time.Duration;

/**
 * The host's default routes and its uplink's link line, to prove an isolation test did not touch
 * them.
 */
record HostNetworkState(String defaultRoutes, String uplink) {

  static final String UPLINK = "eth0";

  static HostNetworkState now() throws IOException, InterruptedException {
    return new HostNetworkState(
        run("ip", "route", "show", "default") + run("ip", "-6", "route", "show", "default"),
        run("ip", "-o", "link", "show", "dev", UPLINK));
  }

  /** The link line of an interface ("... state DOWN ..."). */
  static String link(String name) throws IOException, InterruptedException {
    return run("ip", "-o", "link", "show", "dev", name);
  }

  private static String run(String... command) throws IOException {
    try {
      return SecondEngine.run(Duration.ofSeconds(10), command);
    } catch (IllegalStateException e) {
      throw new IOException(e.getMessage(), e);
    }
  }
}
