package io.porthole.collector.remediation;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.porthole.collector.ContainerDirectory;
import io.porthole.testing.TestDocker;
import io.vertx.core.Vertx;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The write-ahead record of an isolation whose links could not all be changed, over recorded ip
 * output.
 */
class IsolateNetworkTest {

  private static final VethVerdict ETH0 =
      VethVerdict.safe("eth0", "veth019ed7b", 62, "docker0", "bridge");
  private static final VethVerdict ETH1 =
      VethVerdict.safe("eth1", "veth176cb02", 64, "br-c12484a3e0f7", "backend");
  private static final Instant NOW = Instant.parse("2026-12-06T01:00:00Z");

  @TempDir Path dir;
  private final Vertx vertx = Vertx.vertx();

  @AfterEach
  void close() throws Exception {
    vertx.close().await();
  }

  private IsolateNetwork isolate(RecordedCommands commands, IsolationStore store) {
    RemediationSteps steps =
        new RemediationSteps(
            vertx.createSharedWorkerExecutor("isolate-test"),
            new ContainerLookup(new ContainerDirectory(), TestDocker.client()),
            new VethResolver(commands, Map::of, Path.of("/proc")));
    return new IsolateNetwork(
        steps,
        new LinkSwitch(commands),
        store,
        new ResultFactory("host-a", Clock.fixed(NOW, ZoneOffset.UTC)),
        Duration.ofHours(1),
        isolation -> {});
  }

  /** eth0 goes down, eth1 cannot; bringing eth0 back up answers {@code undo}. */
  private static RecordedCommands eth1Fails(int undoExit) {
    RecordedCommands commands =
        new RecordedCommands()
            .answer("ip -d -o link show dev veth019ed7b", hostLine("veth019ed7b"))
            .answer("ip link set dev veth019ed7b down", "")
            .answer("ip -d -o link show dev veth176cb02", hostLine("veth176cb02"))
            .answer(
                "ip link set dev veth176cb02 down", 2, "", "RTNETLINK answers: No such device\n")
            .answer(
                "ip link set dev veth019ed7b up",
                undoExit,
                "",
                undoExit == 0 ? "" : "RTNETLINK answers: Busy\n");
    commands.then("ip -d -o link show dev veth019ed7b", down(hostLine("veth019ed7b")));
    commands.then("ip -d -o link show dev veth019ed7b", hostLine("veth019ed7b"));
    return commands;
  }

  private static ActiveIsolation intent() {
    return new ActiveIsolation("abc123", "web", "cmd-1", List.of("veth019ed7b", "veth176cb02"), 0L);
  }

  @Test
  void aFailedIsolationWhoseUndoFailedKeepsItsRecordDueForRestoreNowAcrossARestart()
      throws Exception {
    Path file = dir.resolve("isolations.json");
    IsolationStore store = new IsolationStore(file);

    assertThatThrownBy(
            () ->
                isolate(eth1Fails(2), store)
                    .isolate(intent(), NetworkVerdict.safe(List.of(ETH0, ETH1))))
        .isInstanceOf(IsolateNetwork.IsolationLeftBehind.class)
        .hasMessageContaining("could not bring back up")
        .hasMessageContaining("brought back up (retrying, also after a restart)");

    ActiveIsolation kept = new IsolationStore(file).load().get(0);
    assertThat(kept.hostInterfaces()).as("only what was left down").containsExactly("veth019ed7b");
    assertThat(kept.restoreAtEpochMillis())
        .as("due now: the next start restores it")
        .isEqualTo(NOW.toEpochMilli());
  }

  @Test
  void aFailedIsolationWhoseUndoSucceededLeavesNoRecord() throws Exception {
    IsolationStore store = new IsolationStore(dir.resolve("isolations.json"));

    assertThatThrownBy(
            () ->
                isolate(eth1Fails(0), store)
                    .isolate(intent(), NetworkVerdict.safe(List.of(ETH0, ETH1))))
        .isInstanceOf(RemediationFailed.class)
        .isNotInstanceOf(IsolateNetwork.IsolationLeftBehind.class)
        .hasMessageContaining("[veth019ed7b] brought back up");
    assertThat(store.all()).isEmpty();
  }

  private static String hostLine(String name) {
    return Fixtures.read("two-networks-host-links.txt")
        .lines()
        .filter(l -> l.contains(": " + name + "@"))
        .findFirst()
        .orElseThrow();
  }

  private static String down(String line) {
    return line.replace("<BROADCAST,MULTICAST,UP,LOWER_UP>", "<BROADCAST,MULTICAST>")
        .replace(" state UP ", " state DOWN ");
  }
}
