package io.porthole.collector.remediation;

import static org.assertj.core.api.Assertions.assertThat;

import io.porthole.collector.ContainerDirectory;
import io.porthole.collector.ContainerInfo;
import io.porthole.proto.RemediationAction;
import io.porthole.proto.RemediationResult;
import io.porthole.proto.RemediationStatus;
import io.porthole.testing.TestDocker;
import io.vertx.core.Vertx;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The restore a TTL does by itself, over recorded ip output. */
class RestoreNetworkTest {

  private static final String CONTAINER =
      "5623fc97aa00bb11cc22dd33ee44ff5566778899aabbccddeeff00112233";
  private static final Instant NOW = Instant.parse("2026-12-06T07:00:00Z");

  @TempDir Path proc;
  @TempDir Path data;
  private final Vertx vertx = Vertx.vertx();
  private final ContainerDirectory directory = new ContainerDirectory();
  private final RecordedCommands commands =
      new RecordedCommands()
          .answer("nsenter --target 19998 --net ip -d -o link show", Fixtures.read("ns-eth0.txt"))
          .answer("ip -d -o link show", Fixtures.read("host-links.txt"))
          .answer("ip -4 route show default", Fixtures.read("route-default.txt"))
          .answer("ip -6 route show default", "")
          .answer("ip link set dev vetha05a878 up", "")
          .answer("ip -d -o link show dev vetha05a878", Fixtures.read("veth-down.txt"))
          .then("ip -d -o link show dev vetha05a878", Fixtures.read("veth-up.txt"));

  @BeforeEach
  void isolatedContainer() throws IOException {
    link("self/ns/net", "net:[4026531833]");
    link("19998/ns/net", "net:[4026532301]");
    directory.running(
        new ContainerInfo(CONTAINER, "web", "busybox", 19998, Map.of(), List.of(), "bridge"));
  }

  @AfterEach
  void close() throws Exception {
    vertx.close().await();
  }

  @Test
  void aTtlRestoreIsRequestedByWhoeverRequestedTheIsolationAndSaysTheTtlExpired() throws Exception {
    IsolationStore store = new IsolationStore(data.resolve("isolations.json"));
    ActiveIsolation isolation =
        new ActiveIsolation(
            CONTAINER, "web", "cmd-1", List.of("vetha05a878"), NOW.toEpochMilli(), "00", "alice");
    store.put(isolation);

    Optional<RemediationResult> restored =
        restore(store)
            .restoreByTtl(isolation, new ContainerLookup(directory, TestDocker.client()))
            .toCompletionStage()
            .toCompletableFuture()
            .get(30, TimeUnit.SECONDS);

    RemediationResult result = restored.orElseThrow();
    assertThat(result.getCommandId()).isEqualTo("cmd-1-ttl-restore");
    assertThat(result.getAction()).isEqualTo(RemediationAction.RESTORE_NETWORK);
    assertThat(result.getStatus()).as(result.getDetail()).isEqualTo(RemediationStatus.SUCCEEDED);
    assertThat(result.getRequestedBy()).isEqualTo("alice");
    assertThat(result.getDetail())
        .startsWith("TTL of isolation cmd-1 expired: 1 interface(s) of web are up again");
    assertThat(result.getInterface()).isEqualTo("vetha05a878");
    assertThat(commands.ran).contains("ip link set dev vetha05a878 up");
    assertThat(store.all()).isEmpty();
  }

  @Test
  void theTtlRestoreCommandCarriesTheRequesterAndSaysWhyInItsReason() {
    IsolationStore store = new IsolationStore(data.resolve("isolations.json"));
    ActiveIsolation isolation =
        new ActiveIsolation(CONTAINER, "web", "cmd-2", List.of(), 1L, null, "bob");

    assertThat(restore(store).ttlRestoreCommand(isolation).getRequestedBy()).isEqualTo("bob");
    assertThat(restore(store).ttlRestoreCommand(isolation).getReason())
        .isEqualTo("TTL of isolation cmd-2 expired");
    ActiveIsolation olderRecord = new ActiveIsolation(CONTAINER, "web", "cmd-3", List.of(), 1L);
    assertThat(restore(store).ttlRestoreCommand(olderRecord).getRequestedBy())
        .as("an isolation recorded without its requester")
        .isEqualTo("collector");
  }

  private RestoreNetwork restore(IsolationStore store) {
    RemediationSteps steps =
        new RemediationSteps(
            vertx.createSharedWorkerExecutor("restore-test"),
            new ContainerLookup(directory, TestDocker.client()),
            new VethResolver(commands, () -> Map.of("docker0", "bridge"), proc));
    return new RestoreNetwork(
        steps,
        new LinkSwitch(commands),
        store,
        new ResultFactory("host-a", Clock.fixed(NOW, ZoneOffset.UTC)),
        "host-a");
  }

  private void link(String path, String target) throws IOException {
    Path link = proc.resolve(path);
    Files.createDirectories(link.getParent());
    Files.createSymbolicLink(link, Path.of(target));
  }
}
