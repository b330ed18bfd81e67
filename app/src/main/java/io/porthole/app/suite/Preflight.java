package io.porthole.app.suite;

import io.porthole.runtime.Executables;
import io.porthole.runtime.Settings;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * What this machine lets the collector do: a Docker engine that answers on its socket, root (packet
 * capture, strace and veth changes need it), a strace binary. Each missing piece is one line saying
 * what is wrong and how to fix it; the suite then runs what it can.
 */
public record Preflight(
    boolean dockerReady, boolean root, boolean straceFound, List<String> problems) {

  public static final String DOCKER_HOST_KEY = "docker.host";
  public static final String STRACE_BINARY_KEY = "strace.binary";

  /** For services that do not touch the host (analyzer, controller): nothing to check. */
  public static Preflight notNeeded() {
    return new Preflight(true, true, true, List.of());
  }

  public static Preflight check(Settings settings) {
    List<String> problems = new ArrayList<>();
    boolean docker =
        checkDocker(settings.string(DOCKER_HOST_KEY, "unix:///var/run/docker.sock"), problems);
    boolean root = isRoot();
    if (!root) {
      problems.add(
          "not running as root: packet capture, strace and network isolation need root "
              + "(or CAP_NET_RAW,"
              + " CAP_SYS_PTRACE and CAP_NET_ADMIN); run `sudo ./porthole up` to have them");
    }
    String straceBinary = settings.string(STRACE_BINARY_KEY, "strace");
    boolean strace = Executables.find(straceBinary).isPresent();
    if (!strace) {
      problems.add(
          "no strace binary ('"
              + straceBinary
              + "' is not on the PATH): syscall tracing is off; install it"
              + " (Debian/Ubuntu: apt-get install strace) or set PORTHOLE_STRACE_BINARY");
    }
    return new Preflight(docker, root, strace, List.copyOf(problems));
  }

  private static boolean checkDocker(String dockerHost, List<String> problems) {
    if (!dockerHost.startsWith("unix://")) {
      return true;
    }
    Path socket = Path.of(dockerHost.substring("unix://".length()));
    String start =
        "start the engine (as root: dockerd --live-restore &, or `bash -c 'source "
            + "dev/lib.sh; porthole_start_docker'`)";
    if (!Files.exists(socket)) {
      problems.add(
          "no Docker engine: "
              + socket
              + " does not exist; "
              + start
              + "; the collector is off until then");
      return false;
    }
    if (!Files.isReadable(socket) || !Files.isWritable(socket)) {
      problems.add(
          "no permission for the Docker socket "
              + socket
              + ": run as root, or add your user to the docker"
              + " group (sudo usermod -aG docker $USER, then log in again); the collector "
              + "is off until then");
      return false;
    }
    try (SocketChannel channel = SocketChannel.open(StandardProtocolFamily.UNIX)) {
      channel.connect(UnixDomainSocketAddress.of(socket));
      channel.write(
          ByteBuffer.wrap(
              "GET /_ping HTTP/1.0\r\nHost: docker\r\n\r\n".getBytes(StandardCharsets.US_ASCII)));
      ByteBuffer answer = ByteBuffer.allocate(512);
      channel.read(answer);
      String text = new String(answer.array(), 0, answer.position(), StandardCharsets.US_ASCII);
      if (!text.startsWith("HTTP/1.") || !text.contains(" 200 ")) {
        problems.add(
            "the Docker engine at "
                + socket
                + " does not answer its ping ("
                + firstLine(text)
                + "); "
                + start);
        return false;
      }
      return true;
    } catch (IOException e) {
      String reason = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
      if (reason.toLowerCase().contains("permission")) {
        problems.add(
            "no permission for the Docker socket "
                + socket
                + ": run as root, or add your user to the docker group; the collector is "
                + "off until then");
      } else {
        problems.add(
            "no Docker engine answers on "
                + socket
                + " ("
                + reason
                + "); "
                + start
                + "; the collector is off until then");
      }
      return false;
    }
  }

  private static String firstLine(String text) {
    int newline = text.indexOf('\r');
    return newline < 0 ? text : text.substring(0, newline);
  }

  static boolean isRoot() {
    try {
      for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
        if (line.startsWith("Uid:")) {
          return line.split("\\s+")[2].equals("0");
        }
      }
    } catch (IOException | RuntimeException e) {
      // Not Linux: fall through to the user name.
    }
    return "root".equals(System.getProperty("user.name"));
  }
}
