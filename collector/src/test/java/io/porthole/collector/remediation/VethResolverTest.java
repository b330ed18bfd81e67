package io.porthole.collector.remediation;

import static org.assertj.core.api.Assertions.assertThat;

import io.porthole.wire.NetworkMode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class VethResolverTest {

  private static final String NSENTER = "nsenter --target 19998 --net ip -d -o link show";

  @TempDir Path proc;
  private final RecordedCommands commands =
      new RecordedCommands()
          .answer("ip -d -o link show", Fixtures.read("host-links.txt"))
          .answer("ip -4 route show default", Fixtures.read("route-default.txt"))
          .answer(
              "ip -6 route show default", "default via fd00::1 dev eth0 metric 1024 pref medium\n");

  @BeforeEach
  void namespaces() throws IOException {
    link("self/ns/net", "net:[4026531833]");
    link("19998/ns/net", "net:[4026532301]");
  }

  @Test
  void readsThePeerIndexInsideTheContainersNamespaceNeverThroughSysfs() throws IOException {
    commands.answer(NSENTER, Fixtures.read("ns-eth0.txt"));

    NetworkVerdict verdict = resolver().resolve(container("5623fc97", 19998, "bridge"));

    assertThat(verdict.isSafe()).as(verdict.refusal()).isTrue();
    assertThat(verdict.hostInterfaces()).isEqualTo("vetha05a878");
    assertThat(commands.ran).contains(NSENTER).noneMatch(c -> c.contains("/sys/"));
  }

  @Test
  void aContainerInTheHostsNamespaceIsRefusedWithoutEnteringIt() throws IOException {
    link("4242/ns/net", "net:[4026531833]");

    NetworkVerdict verdict = resolver().resolve(container("abc", 4242, "default"));

    assertThat(verdict.refusal()).contains("host's network namespace");
    assertThat(commands.ran).noneMatch(c -> c.startsWith("nsenter"));
  }

  @Test
  void hostAndSharedNetworkModesAreRefusedBeforeAnyCommand() throws IOException {
    assertThat(resolver().resolve(container("abc", 19998, "host")).refusal())
        .contains("uses the host network");
    assertThat(resolver().resolve(container("abc", 19998, "container:f00")).refusal())
        .contains("shares the network of container:f00");
    assertThat(commands.ran).isEmpty();
  }

  @Test
  void everyInterfaceOfAContainerOnTwoNetworksIsResolved() throws IOException {
    RecordedCommands twoNetworks =
        new RecordedCommands()
            .answer(NSENTER, Fixtures.read("two-networks-ns-links.txt"))
            .answer("ip -d -o link show", Fixtures.read("two-networks-host-links.txt"))
            .answer("ip -4 route show default", Fixtures.read("route-default.txt"))
            .answer("ip -6 route show default", "");

    NetworkVerdict verdict =
        new VethResolver(
                twoNetworks, () -> Map.of("docker0", "bridge", "br-c12484a3e0f7", "backend"), proc)
            .resolve(container("5623fc97", 19998, "bridge"));

    assertThat(verdict.hostInterfaces()).isEqualTo("veth019ed7b,veth176cb02");
    assertThat(twoNetworks.ran).noneMatch(c -> c.contains("/sys/"));
  }

  @Test
  void aNamespaceThatCannotBeListedIsRefused() throws IOException {
    commands.answer(
        NSENTER, 1, "", "nsenter: cannot open /proc/19998/ns/net: No such file or directory\n");

    NetworkVerdict verdict = resolver().resolve(container("abc", 19998, "bridge"));

    assertThat(verdict.refusal()).contains("cannot list the interfaces").contains("No such file");
  }

  private VethResolver resolver() {
    return new VethResolver(commands, () -> Map.of("docker0", "bridge"), proc);
  }

  private static TargetContainer container(String id, int pid, String networkMode) {
    return new TargetContainer(id, "", pid, NetworkMode.of(networkMode));
  }

  private void link(String path, String target) throws IOException {
    Path link = proc.resolve(path);
    Files.createDirectories(link.getParent());
    Files.createSymbolicLink(link, Path.of(target));
  }
}
