package io.porthole.app.cli;

import io.porthole.app.demo.SecondEngine;
import io.porthole.collector.remediation.IpOutputParser;
import java.io.IOException;
import java.time.Duration;
import java.util.Set;
import java.util.TreeSet;

/**
 * The host's default routes and the link lines of its uplinks (the interfaces those routes go
 * through, read from the routes as the collector does, never assumed to be eth0), to prove an
 * isolation test did not touch them.
 */
record HostNetworkState(String defaultRoutes, String uplinks) {

  static HostNetworkState now() throws IOException, InterruptedException {
    String ipv4 = run("ip", "-4", "route", "show", "default");
    String ipv6 = run("ip", "-6", "route", "show", "default");
    Set<String> devices = new TreeSet<>(IpOutputParser.routeInterfaces(ipv4));
    devices.addAll(IpOutputParser.routeInterfaces(ipv6));
    if (devices.isEmpty()) {
      throw new IOException("the host has no default route: cannot tell which link is its uplink");
    }
    StringBuilder links = new StringBuilder();
    for (String device : devices) {
      links.append(link(device));
    }
    return new HostNetworkState(ipv4 + ipv6, links.toString());
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
