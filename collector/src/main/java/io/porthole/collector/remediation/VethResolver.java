package io.porthole.collector.remediation;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.model.Network;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.function.Supplier;

/**
 * Finds the host side of every veth of a container's network namespace and proves each safe to act
 * on ({@link VethSafetyCheck#checkNamespace}).
 *
 * <p>The interfaces and their peer indexes are read with netlink INSIDE the container's network
 * namespace ({@code nsenter --target PID --net ip -d -o link show}). Never through sysfs under
 * nsenter: sysfs stays the host's, so {@code /sys/class/net/eth0/iflink} would name the host's own
 * uplink. Blocking: call it on a worker thread.
 */
public final class VethResolver {

  private static final Duration TIMEOUT = Duration.ofSeconds(10);
  private static final String BRIDGE_NAME_OPTION = "com.docker.network.bridge.name";

  private final CommandRunner runner;
  private final Supplier<Map<String, String>> dockerBridges;
  private final Path procRoot;

  public VethResolver(CommandRunner runner, DockerClient docker) {
    this(runner, () -> dockerBridges(docker), Path.of("/proc"));
  }

  /**
   * @param dockerBridges bridge device to Docker network name, asked for on every resolve
   * @param procRoot where {@code /proc} is (namespaces are compared by their {@code ns/net} links)
   */
  VethResolver(CommandRunner runner, Supplier<Map<String, String>> dockerBridges, Path procRoot) {
    this.runner = Objects.requireNonNull(runner, "runner");
    this.dockerBridges = Objects.requireNonNull(dockerBridges, "dockerBridges");
    this.procRoot = Objects.requireNonNull(procRoot, "procRoot");
  }

  /** The verdict on the container's whole network; refusals are verdicts, not exceptions. */
  public NetworkVerdict resolve(TargetContainer container) throws IOException {
    Optional<String> modeRefusal = container.networkMode().refusal(container.label());
    if (modeRefusal.isPresent()) {
      return NetworkVerdict.refused(modeRefusal.get());
    }
    boolean sharesHostNamespace = sharesHostNamespace(container.pid());
    String namespaceLinks = "";
    if (!sharesHostNamespace) {
      ProcessOutput inside =
          runner.run(
              List.of(
                  "nsenter",
                  "--target",
                  Integer.toString(container.pid()),
                  "--net",
                  "ip",
                  "-d",
                  "-o",
                  "link",
                  "show"),
              TIMEOUT);
      if (!inside.succeeded()) {
        return NetworkVerdict.refused(
            "cannot list the interfaces of the container's network namespace ("
                + inside.describe()
                + ")");
      }
      namespaceLinks = inside.stdout();
    }
    List<IpLink> hostLinks =
        IpOutputParser.parseLinks(
            check(runner.run(List.of("ip", "-d", "-o", "link", "show"), TIMEOUT)));
    return VethSafetyCheck.checkNamespace(
        namespaceLinks,
        hostLinks,
        dockerBridges.get(),
        defaultRouteInterfaces(),
        sharesHostNamespace);
  }

  /** The interfaces of the host's IPv4 and IPv6 default routes. */
  public Set<String> defaultRouteInterfaces() throws IOException {
    Set<String> devices =
        new HashSet<>(
            IpOutputParser.routeInterfaces(
                check(runner.run(List.of("ip", "-4", "route", "show", "default"), TIMEOUT))));
    devices.addAll(
        IpOutputParser.routeInterfaces(
            check(runner.run(List.of("ip", "-6", "route", "show", "default"), TIMEOUT))));
    return devices;
  }

  /**
   * The bridge devices of Docker's bridge networks (docker0 or its configured name, br-ID), to
   * their network names.
   */
  public static Map<String, String> dockerBridges(DockerClient docker) {
    Map<String, String> bridges = new HashMap<>();
    for (Network network : docker.listNetworksCmd().exec()) {
      if (!"bridge".equals(network.getDriver())) {
        continue;
      }
      Map<String, String> options = network.getOptions() == null ? Map.of() : network.getOptions();
      String name = options.get(BRIDGE_NAME_OPTION);
      bridges.put(
          name != null && !name.isBlank() ? name : "br-" + network.getId().substring(0, 12),
          network.getName());
    }
    return bridges;
  }

  // The collector runs in the host's network namespace; init's is compared too where it is readable
  // (a collector in a container with --pid=host --net=host sees both).
  private boolean sharesHostNamespace(int pid) throws IOException {
    Path target = Files.readSymbolicLink(procRoot.resolve(pid + "/ns/net"));
    if (target.equals(Files.readSymbolicLink(procRoot.resolve("self/ns/net")))) {
      return true;
    }
    try {
      return target.equals(Files.readSymbolicLink(procRoot.resolve("1/ns/net")));
    } catch (IOException e) {
      return false;
    }
  }

  private static String check(ProcessOutput output) throws IOException {
    if (!output.succeeded()) {
      throw new IOException(output.describe());
    }
    return output.stdout();
  }
}
