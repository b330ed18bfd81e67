package io.porthole.app.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.github.dockerjava.api.DockerClient;
import io.porthole.testing.Await;
import io.porthole.testing.TestDocker;
import java.io.IOException;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.NetworkInterface;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** `porthole up` as a user runs it: ready lines, a working controller, a clean stop on SIGTERM. */
class UpIT {

  @TempDir Path dataDir;
  private final DockerClient docker = TestDocker.client();
  private String containerId;

  @AfterEach
  void removeContainer() throws Exception {
    if (containerId != null) {
      docker.removeContainerCmd(containerId).withForce(true).exec();
    }
    docker.close();
  }

  @Test
  void reachesReadyPrintsBothLinesAndLeavesNoProcessBehindAfterSigterm() throws Exception {
    String hostId = "it-up-" + UUID.randomUUID().toString().substring(0, 8);
    try (PortholeProcess up =
        PortholeProcess.start(
            Map.of(),
            List.of(),
            "up",
            "--http-port",
            "0",
            "--data-dir",
            dataDir.toString(),
            "--host-id",
            hostId)) {
      String kafkaLine = up.awaitOut(line -> line.startsWith("kafka: "), Duration.ofSeconds(180));
      String controllerLine =
          up.awaitOut(line -> line.startsWith("controller: "), Duration.ofSeconds(60));
      assertThat(kafkaLine).matches("kafka: 127\\.0\\.0\\.1:\\d+");
      assertThat(controllerLine).matches("controller: http://127\\.0\\.0\\.1:\\d+");
      assertThat(up.out())
          .anyMatch(
              line ->
                  line.startsWith("operator token: ") && line.contains("credentials.properties"));
      assertThat(up.out())
          .anyMatch(
              line ->
                  line.startsWith("command keys: generated ")
                      && line.contains("command-signing.pem"));
      assertThat(Files.readString(dataDir.resolve("command-verify.pem")))
          .startsWith("-----BEGIN PUBLIC KEY-----");
      int port = Integer.parseInt(controllerLine.substring(controllerLine.lastIndexOf(':') + 1));
      InetAddress other = nonLoopbackAddress();
      assertThat(connects(other, port))
          .as("the API is not offered on " + other + " by default")
          .isFalse();
      // Printed after the controller line, so awaited: it may not have been read yet.
      assertThat(up.awaitOut(line -> line.startsWith("running: "), Duration.ofSeconds(30)))
          .isEqualTo("running: analyzer, controller, collector");

      HttpResponse<String> live =
          HttpClient.newHttpClient()
              .send(
                  HttpRequest.newBuilder(
                          URI.create(
                              controllerLine.substring("controller: ".length()) + "/health/live"))
                      .build(),
                  HttpResponse.BodyHandlers.ofString());
      assertThat(live.statusCode()).isEqualTo(200);

      // A container that asks to be traced: the suite starts strace for it, as a child process.
      containerId =
          docker
              .createContainerCmd(TestDocker.BUSYBOX_IMAGE)
              .withName("porthole-it-up-" + hostId)
              .withLabels(Map.of("porthole.trace", "syscalls"))
              .withCmd("sleep", "600")
              .exec()
              .getId();
      docker.startContainerCmd(containerId).exec();
      List<ProcessHandle> children =
          Await.awaiting("an strace child of the suite", Duration.ofSeconds(60))
              .every(Duration.ofMillis(200))
              .withDetail(up::transcript)
              .value(
                  () -> up.handle().orElseThrow().descendants().toList(),
                  descendants -> descendants.stream().anyMatch(UpIT::isStrace),
                  UpIT::commands);

      up.terminate();
      up.awaitErr(line -> line.equals("porthole: stopping"), Duration.ofSeconds(30));
      up.awaitErr(line -> line.equals("porthole: stopped"), Duration.ofSeconds(90));
      int exit = up.awaitExit(Duration.ofSeconds(30));
      assertThat(exit).as(up.transcript()).isIn(0, 143);
      for (ProcessHandle child : children) {
        assertThat(child.isAlive())
            .as("child " + child.pid() + " " + child.info().commandLine().orElse(""))
            .isFalse();
      }
      int kafkaPort = Integer.parseInt(kafkaLine.substring(kafkaLine.lastIndexOf(':') + 1));
      try (ServerSocket socket = new ServerSocket()) {
        socket.setReuseAddress(true);
        socket.bind(new InetSocketAddress(InetAddress.getByName("127.0.0.1"), kafkaPort));
      }
    }
  }

  @Test
  void httpHostMakesTheControllerListenThereAndSaySo() throws Exception {
    String address = nonLoopbackAddress().getHostAddress();
    String hostId = "it-up-host-" + UUID.randomUUID().toString().substring(0, 8);
    try (PortholeProcess up =
        PortholeProcess.start(
            Map.of("PORTHOLE_STRACE_BINARY", "/nonexistent/strace"),
            List.of(),
            "up",
            "--http-port",
            "0",
            "--http-host",
            address,
            "--data-dir",
            dataDir.toString(),
            "--host-id",
            hostId)) {
      String controllerLine =
          up.awaitOut(line -> line.startsWith("controller: "), Duration.ofSeconds(180));
      assertThat(controllerLine)
          .as(up.transcript())
          .startsWith("controller: http://" + address + ":");
      int port = Integer.parseInt(controllerLine.substring(controllerLine.lastIndexOf(':') + 1));
      HttpResponse<String> live =
          HttpClient.newHttpClient()
              .send(
                  HttpRequest.newBuilder(
                          URI.create(
                              controllerLine.substring("controller: ".length()) + "/health/live"))
                      .build(),
                  HttpResponse.BodyHandlers.ofString());
      assertThat(live.statusCode()).isEqualTo(200);
      assertThat(connects(InetAddress.getByName("127.0.0.1"), port))
          .as("only " + address + " is bound")
          .isFalse();
      up.terminate();
      assertThat(up.awaitExit(Duration.ofSeconds(90))).as(up.transcript()).isIn(0, 143);
    }
  }

  /** An IPv4 address of this machine that is not loopback (the uplink's or a bridge's). */
  private static InetAddress nonLoopbackAddress() throws Exception {
    return NetworkInterface.networkInterfaces()
        .filter(
            i -> {
              try {
                return i.isUp() && !i.isLoopback();
              } catch (SocketException e) {
                return false;
              }
            })
        .flatMap(NetworkInterface::inetAddresses)
        .filter(a -> a instanceof Inet4Address && !a.isLoopbackAddress())
        .findFirst()
        .orElseThrow(() -> new AssertionError("this machine has no non-loopback IPv4 address"));
  }

  private static boolean connects(InetAddress address, int port) {
    try (Socket socket = new Socket()) {
      socket.connect(new InetSocketAddress(address, port), 2000);
      return true;
    } catch (IOException e) {
      return false;
    }
  }

  /** Each process as its pid and command, for a failure message. */
  private static String commands(List<ProcessHandle> processes) {
    return processes.stream()
        .map(p -> p.pid() + " " + p.info().command().orElse("?"))
        .toList()
        .toString();
  }

  private static boolean isStrace(ProcessHandle process) {
    return process
        .info()
        .command()
        .map(c -> c.endsWith("/strace") || c.equals("strace"))
        .orElse(false);
  }
}
