package io.porthole.app.suite;

import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;

/** This machine's host id when none is configured: the kernel's hostname, as the collector uses it. */
public final class HostNames {

  private HostNames() {}

  public static String local() {
    try {
      String name = Files.readString(Path.of("/proc/sys/kernel/hostname")).trim();
      if (!name.isEmpty()) {
        return name;
      }
    } catch (java.io.IOException | RuntimeException e) {
      // not Linux
    }
    try {
      return InetAddress.getLocalHost().getHostName();
    } catch (java.net.UnknownHostException e) {
      return "localhost";
    }
  }
}
