package io.porthole.collector.remediation;

import java.io.IOException;
import java.time.Duration;
import java.util.List;

/** The host's default routes and the state of its uplink, to prove a test did not touch them. */
record HostNetwork(String defaultRoutes, String uplink, String uplinkState) {

  private static final ProcessCommandRunner RUNNER = new ProcessCommandRunner();

  static HostNetwork now() throws IOException {
    String routes =
        run("ip", "route", "show", "default") + run("ip", "-6", "route", "show", "default");
    String device =
        IpOutputParser.routeInterfaces(run("ip", "route", "show", "default")).iterator().next();
    IpLink link = IpOutputParser.parseLink(run("ip", "-o", "link", "show", "dev", device));
    return new HostNetwork(routes, device, link.state());
  }

  private static String run(String... command) throws IOException {
    ProcessOutput output = RUNNER.run(List.of(command), Duration.ofSeconds(10));
    if (!output.succeeded()) {
      throw new IOException(output.describe());
    }
    return output.stdout();
  }
}
