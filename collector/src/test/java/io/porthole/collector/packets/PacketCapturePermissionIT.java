package io.porthole.collector.packets;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Without CAP_NET_RAW (a JVM whose capability bounding set lacks it, made with setpriv), starting
 * the packet source fails with a message naming the interface and the fix, and the process goes on.
 */
class PacketCapturePermissionIT {

  @Test
  void withoutCapNetRawTheStartFailsNamingTheInterfaceAndTheFix()
      throws IOException, InterruptedException {
    String java = ProcessHandle.current().info().command().orElse("java");
    Process process =
        new ProcessBuilder(
                List.of(
                    "setpriv",
                    "--bounding-set",
                    "-net_raw,-net_admin",
                    "--inh-caps",
                    "-net_raw,-net_admin",
                    java,
                    "-cp",
                    System.getProperty("java.class.path"),
                    UnprivilegedCaptureMain.class.getName()))
            .redirectErrorStream(true)
            .start();
    String output;
    try {
      boolean exited = process.waitFor(90, TimeUnit.SECONDS);
      assertThat(exited).as("the unprivileged JVM ended").isTrue();
      output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    } finally {
      process.destroyForcibly();
    }

    assertThat(process.exitValue()).as(output).isZero();
    assertThat(output)
        .contains(
            "START FAILED: packet capture: cannot capture on docker0: socket: Operation "
                + "not permitted;"
                + " run the collector as root or grant it CAP_NET_RAW and CAP_NET_ADMIN")
        .contains("STILL RUNNING")
        .doesNotContain("STARTED\n");
  }
}
