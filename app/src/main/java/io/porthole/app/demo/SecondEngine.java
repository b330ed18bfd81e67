package io.porthole.app.demo;

import io.porthole.collector.remediation.ProcessCommandRunner;
import io.porthole.collector.remediation.ProcessOutput;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * A second Docker engine on this machine, playing a second host: its own data root, exec root, pid
 * file, socket and containerd namespaces, and its OWN bridge. Never {@code --bridge=none}: a
 * dockerd started with bridging disabled deletes {@code docker0}, which belongs to the first engine
 * (see ENVIRONMENT.md). Every container it runs gets {@code seccompProfile}. {@link #close()}
 * removes its containers, stops it, unmounts what it left mounted and deletes its bridge and
 * directories.
 */
public final class SecondEngine implements AutoCloseable {

  // A shared containerd (the first engine's) keeps the second engine's containers in their own
  // namespace.
  private static final Path FIRST_ENGINE_CONTAINERD =
      Path.of("/var/run/docker/containerd/containerd.sock");

  private final String name;
  private final Path base;
  private final Path socket;
  private final String bridge;
  private final String bridgeAddress;
  private final boolean sharedContainerd;
  private Process dockerd;

  private SecondEngine(String name, Path base, String bridge, String bridgeAddress) {
    this.name = name;
    this.base = base;
    this.socket = base.resolve("docker.sock");
    this.bridge = bridge;
    this.bridgeAddress = bridgeAddress;
    this.sharedContainerd = Files.exists(FIRST_ENGINE_CONTAINERD);
  }

  /** Creates the bridge and starts dockerd; returns once the engine answers. */
  public static SecondEngine start(String seccompProfileJson, Duration timeout) throws Exception {
    String suffix = UUID.randomUUID().toString().substring(0, 6);
    String name = "porthole-div-" + suffix;
    SecondEngine engine =
        new SecondEngine(name, Path.of("/var/tmp", name), "phdiv" + suffix, freeSubnet() + ".1/24");
    try {
      engine.startEngine(seccompProfileJson, timeout);
    } catch (Exception e) {
      engine.close();
      throw e;
    }
    return engine;
  }

  public String dockerHost() {
    return "unix://" + socket;
  }

  public Path base() {
    return base;
  }

  /** Its name, the prefix of its containerd namespaces. */
  public String name() {
    return name;
  }

  /**
   * The namespaces of the shared containerd (empty when the first engine runs its own elsewhere).
   */
  public static List<String> containerdNamespaces() throws Exception {
    if (!Files.exists(FIRST_ENGINE_CONTAINERD)) {
      return List.of();
    }
    return run(
            Duration.ofSeconds(10),
            "ctr",
            "-a",
            FIRST_ENGINE_CONTAINERD.toString(),
            "namespaces",
            "list",
            "-q")
        .lines()
        .map(String::trim)
        .filter(l -> !l.isEmpty())
        .toList();
  }

  public String bridge() {
    return bridge;
  }

  public long pid() {
    return dockerd.pid();
  }

  /** {@code docker save IMAGE | DOCKER_HOST=... docker load}. */
  public void loadImage(String image) throws Exception {
    run(
        Duration.ofSeconds(120),
        "sh",
        "-c",
        "docker save " + image + " | docker -H " + dockerHost() + " load");
  }

  /** The docker CLI against this engine. */
  public String docker(String... args) throws Exception {
    List<String> command = new ArrayList<>(List.of("docker", "-H", dockerHost()));
    command.addAll(List.of(args));
    return run(Duration.ofSeconds(120), command.toArray(String[]::new));
  }

  private void startEngine(String seccompProfileJson, Duration timeout) throws Exception {
    Files.createDirectories(base);
    Path profile = base.resolve("seccomp.json");
    Files.writeString(profile, seccompProfileJson);
    run(Duration.ofSeconds(10), "ip", "link", "add", bridge, "type", "bridge");
    run(Duration.ofSeconds(10), "ip", "addr", "add", bridgeAddress, "dev", bridge);
    run(Duration.ofSeconds(10), "ip", "link", "set", bridge, "up");
    List<String> command =
        new ArrayList<>(
            List.of(
                "dockerd",
                "--data-root",
                base.resolve("data").toString(),
                "--exec-root",
                base.resolve("exec").toString(),
                "--pidfile",
                base.resolve("docker.pid").toString(),
                "-H",
                dockerHost(),
                "--containerd-namespace",
                name,
                "--containerd-plugins-namespace",
                name + "-plugins",
                "--iptables=false",
                "--ip-masq=false",
                "--bridge=" + bridge,
                "--seccomp-profile",
                profile.toString()));
    if (sharedContainerd) {
      command.addAll(List.of("--containerd", FIRST_ENGINE_CONTAINERD.toString()));
    }
    dockerd =
        new ProcessBuilder(command)
            .redirectErrorStream(true)
            .redirectOutput(base.resolve("dockerd.log").toFile())
            .start();
    long deadline = System.nanoTime() + timeout.toNanos();
    while (true) {
      if (!dockerd.isAlive()) {
        throw new IllegalStateException(
            "second dockerd exited with " + dockerd.exitValue() + ": " + log());
      }
      if (succeeds(
          Duration.ofSeconds(10),
          "docker",
          "-H",
          dockerHost(),
          "info",
          "--format",
          "{{.ServerVersion}}")) {
        return;
      }
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException(
            "second dockerd did not answer within " + timeout.toSeconds() + " s: " + log());
      }
      Thread.sleep(200);
    }
  }

  /**
   * Removes its containers, stops it, unmounts its leftovers, deletes its bridge and directories.
   */
  @Override
  public void close() throws Exception {
    List<String> problems = new ArrayList<>();
    if (dockerd != null && dockerd.isAlive()) {
      try {
        for (String id : docker("ps", "-aq").split("\\s+")) {
          if (!id.isBlank()) {
            docker("rm", "-f", id);
          }
        }
      } catch (Exception e) {
        problems.add("removing its containers: " + e.getMessage());
      }
      dockerd.destroy();
      if (!dockerd.waitFor(30, TimeUnit.SECONDS)) {
        dockerd.destroyForcibly();
        dockerd.waitFor(10, TimeUnit.SECONDS);
        problems.add("dockerd did not stop on SIGTERM within 30 s; killed");
      }
    }
    for (String mount : mountsUnder(base)) {
      if (!succeeds(Duration.ofSeconds(10), "umount", mount)) {
        succeeds(Duration.ofSeconds(10), "umount", "-l", mount);
      }
    }
    if (sharedContainerd) {
      // Its (now empty) namespaces stay in the shared containerd otherwise.
      for (String namespace : List.of(name, name + "-plugins")) {
        new ProcessBuilder(
                "ctr", "-a", FIRST_ENGINE_CONTAINERD.toString(), "namespaces", "remove", namespace)
            .redirectErrorStream(true)
            .redirectOutput(ProcessBuilder.Redirect.DISCARD)
            .start()
            .waitFor(10, TimeUnit.SECONDS);
      }
    }
    new ProcessBuilder("ip", "link", "delete", bridge)
        .redirectErrorStream(true)
        .redirectOutput(ProcessBuilder.Redirect.DISCARD)
        .start()
        .waitFor(10, TimeUnit.SECONDS);
    if (Files.exists(base)) {
      try (Stream<Path> paths = Files.walk(base)) {
        for (Path path : paths.sorted(Comparator.reverseOrder()).toList()) {
          Files.deleteIfExists(path);
        }
      } catch (IOException e) {
        problems.add("deleting " + base + ": " + e);
      }
    }
    if (!problems.isEmpty()) {
      throw new IllegalStateException("second engine cleanup: " + String.join("; ", problems));
    }
  }

  /** Mount points at or below {@code dir}, deepest first. */
  public static List<String> mountsUnder(Path dir) throws IOException {
    String prefix = dir.toString();
    List<String> mounts = new ArrayList<>();
    for (String line : Files.readAllLines(Path.of("/proc/mounts"), StandardCharsets.UTF_8)) {
      String[] fields = line.split(" ");
      if (fields.length > 1 && (fields[1].equals(prefix) || fields[1].startsWith(prefix + "/"))) {
        mounts.add(fields[1]);
      }
    }
    mounts.sort(Comparator.comparing(String::length).reversed());
    return mounts;
  }

  /** A private /24 (10.213.N.0) that no address or route of this machine uses. */
  private static String freeSubnet() throws Exception {
    String used =
        run(Duration.ofSeconds(10), "ip", "-4", "-o", "addr", "show")
            + run(Duration.ofSeconds(10), "ip", "-4", "route", "show", "table", "all");
    for (int n = 7; n < 250; n++) {
      String subnet = "10.213." + n;
      if (!used.contains(subnet + ".")) {
        return subnet;
      }
    }
    throw new IllegalStateException("no free 10.213.N.0/24 on this machine");
  }

  private String log() {
    try {
      List<String> lines = Files.readAllLines(base.resolve("dockerd.log"));
      return String.join("\n", lines.subList(Math.max(0, lines.size() - 20), lines.size()));
    } catch (IOException e) {
      return "(no log: " + e + ")";
    }
  }

  /**
   * Runs a command to its end within {@code timeout} (killed otherwise, whatever it does with its
   * output) and returns its stdout; a non-zero exit is an error naming the command and what it
   * said.
   */
  public static String run(Duration timeout, String... command) throws IOException {
    ProcessOutput output = new ProcessCommandRunner().run(List.of(command), timeout);
    if (!output.succeeded()) {
      throw new IllegalStateException(output.describe());
    }
    return output.stdout();
  }

  private static boolean succeeds(Duration timeout, String... command) {
    try {
      return new ProcessCommandRunner().run(List.of(command), timeout).succeeded();
    } catch (IOException e) {
      return false;
    }
  }
}
