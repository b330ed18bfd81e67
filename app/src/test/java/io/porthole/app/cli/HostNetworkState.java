package io.porthole.app.cli;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;

/** The host's default routes and its uplink's link line, to prove an isolation test did not touch them. */
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

  private static String run(String... command) throws IOException, InterruptedException {
    Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
    String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (!process.waitFor(10, TimeUnit.SECONDS) || process.exitValue() != 0) {
      throw new IOException(String.join(" ", command) + " failed: " + output);
    }
    return output;
  }
}
