package io.porthole.collector.remediation;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class VethResolverTest {

  private static final String NSENTER = "nsenter --target 19998 --net ip -o link show eth0";

  @TempDir Path proc;
  private final RecordedCommands commands = new RecordedCommands()
      .answer("ip -d -o link show", Fixtures.read("host-links.txt"))
      .answer("ip -4 route show default", Fixtures.read("route-default.txt"))
      .answer("ip -6 route show default", "default via fd00::1 dev eth0 metric 1024 pref medium\n");

  @BeforeEach
  void namespaces() throws IOException {
    link("self/ns/net", "net:[4026531833]");
    link("19998/ns/net", "net:[4026532301]");
  }

  @Test
  void readsThePeerIndexInsideTheContainersNamespaceNeverThroughSysfs() throws IOException {
    commands.answer(NSENTER, Fixtures.read("ns-eth0.txt"));

    VethVerdict verdict = resolver().resolve(new TargetContainer("5623fc97", "web", 19998, "bridge"));

    assertThat(verdict.isSafe()).as(verdict.refusal()).isTrue();
    assertThat(verdict.veth()).isEqualTo("vetha05a878");
    assertThat(commands.ran).contains(NSENTER).noneMatch(c -> c.contains("/sys/"));
  }

  @Test
  void aContainerInTheHostsNamespaceIsRefusedWithoutEnteringIt() throws IOException {
    link("4242/ns/net", "net:[4026531833]");

    VethVerdict verdict = resolver().resolve(new TargetContainer("abc", "hostlike", 4242, "default"));

    assertThat(verdict.refusal()).contains("host's network namespace");
    assertThat(commands.ran).noneMatch(c -> c.startsWith("nsenter"));
  }

  @Test
  void hostAndSharedNetworkModesAreRefusedBeforeAnyCommand() throws IOException {
    assertThat(resolver().resolve(new TargetContainer("abc", "h", 19998, "host")).refusal()).contains("uses the host network");
    assertThat(resolver().resolve(new TargetContainer("abc", "s", 19998, "container:f00")).refusal()).contains("shares the network of container:f00");
    assertThat(commands.ran).isEmpty();
  }

  @Test
  void aNamespaceWithoutEth0IsRefused() throws IOException {
    commands.answer(NSENTER, 1, "", "Device \"eth0\" does not exist.\n");

    VethVerdict verdict = resolver().resolve(new TargetContainer("abc", "none", 19998, "none"));

    assertThat(verdict.refusal()).contains("no eth0").contains("does not exist");
  }

  private VethResolver resolver() {
    return new VethResolver(commands, () -> Set.of("docker0"), proc);
  }

  private void link(String path, String target) throws IOException {
    Path link = proc.resolve(path);
    Files.createDirectories(link.getParent());
    Files.createSymbolicLink(link, Path.of(target));
  }
}
