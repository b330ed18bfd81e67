package io.porthole.app.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.model.Container;
import io.porthole.testing.Await;
import io.porthole.testing.TestDocker;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * `porthole demo --keep-running 15s` on the real engine: the printed console link followed in a
 * browser shows the demo's alerts, every expected alert in time, the isolation round trip, the
 * suite kept for a while after, and nothing left behind.
 */
class DemoIT {

  @TempDir Path dataDir;

  @Test
  void everyScenarioIsCaughtInTimeAndEveryDemoContainerIsRemoved() throws Exception {
    try (PortholeProcess demo =
        PortholeProcess.start(
            Map.of(),
            List.of(),
            "demo",
            "--data-dir",
            dataDir.toString(),
            "--alert-timeout",
            "90",
            "--keep-running",
            "15s")) {
      // Meanwhile a browser follows the printed console link and sees the demo's alerts arrive.
      CompletableFuture<String> console =
          CompletableFuture.supplyAsync(
              () -> {
                try (ConsoleBrowser browser = ConsoleBrowser.open()) {
                  String line =
                      demo.awaitOut(l -> l.contains("console: http"), Duration.ofMinutes(3));
                  String link = line.substring(line.indexOf("console: ") + "console: ".length());
                  browser.signIn(link.split(" ")[0]);
                  browser.find("#f-container").sendKeys("porthole-demo-");
                  browser.awaitAlertRow(
                      "HOST_NAMESPACES", "porthole-demo-s1-", Duration.ofMinutes(3));
                  browser.awaitAlertRow(
                      "OOM_KILLED", "porthole-demo-s2-oom-", Duration.ofMinutes(3));
                  browser.screenshot("demo-alerts");
                  return browser.find("#alerts-list").getText();
                } catch (IOException | InterruptedException e) {
                  throw new IllegalStateException(e);
                }
              });
      // Until it exits, the demo's descendants are noted every 300 ms: its strace children. A
      // process's command is the latest seen: setpriv execs strace in the same process, and a
      // sample taken before the exec saw setpriv.
      Map<ProcessHandle, String> children = new ConcurrentHashMap<>();
      ProcessHandle self = demo.handle().orElseThrow();
      Await.awaiting("the demo's exit", Duration.ofMinutes(8))
          .every(Duration.ofMillis(300))
          .withDetail(demo::transcript)
          .until(
              () -> {
                self.descendants()
                    .forEach(
                        p ->
                            children.merge(
                                p,
                                p.info().command().orElse("?"),
                                (seen, now) -> "?".equals(now) ? seen : now));
                return !self.isAlive();
              });
      int exit = demo.awaitExit(Duration.ofSeconds(30));
      assertThat(console.get(1, TimeUnit.MINUTES))
          .as("the demo's alerts in the console")
          .contains("HOST_NAMESPACES", "porthole-demo-s1-", "OOM_KILLED", "porthole-demo-s2-oom-");
      assertThat(children.values())
          .as("strace children while the demo ran")
          .anyMatch(command -> command.endsWith("strace"));
      assertThat(children.keySet())
          .as("children left after the demo: " + children)
          .noneMatch(ProcessHandle::isAlive);
      assertThat(exit).as(demo.transcript()).isZero();
      List<String> out = demo.out();
      assertThat(out)
          .anyMatch(line -> line.contains("alert HIGH HOST_NAMESPACES porthole-demo-s1-"));
      assertThat(out).anyMatch(line -> line.contains(" OOM_KILLED porthole-demo-s2-oom-"));
      assertThat(out)
          .anyMatch(
              line -> line.contains(" OOM_KILL_DISABLED_UNBOUNDED porthole-demo-s2-nolimit-"));
      assertThat(out).anyMatch(line -> line.contains(" SELINUX_ASSUMPTION porthole-demo-s5-"));
      assertThat(out).anyMatch(line -> line.contains(" HOST_DIVERGENCE porthole-demo-s7-b"));
      assertThat(out)
          .anyMatch(
              line ->
                  line.contains("ISOLATE_NETWORK -> SUCCEEDED")
                      && line.contains("ping: no answer"));
      assertThat(out)
          .anyMatch(
              line ->
                  line.contains("RESTORE_NETWORK -> SUCCEEDED") && line.contains("ping: answered"));
      assertThat(out).anyMatch(line -> line.contains("demo passed"));
      assertThat(out)
          .anyMatch(
              line ->
                  line.contains("console: http://127.0.0.1:")
                      && line.endsWith("(up while the demo runs, then for 15s (or until Ctrl-C))"));
      int passed = indexOf(out, "demo passed");
      int kept = indexOf(out, "keeping the suite, the console and the demo's containers for 15s");
      int removed = indexOf(out, "removed 6 demo container(s)");
      assertThat(kept)
          .as("kept running after the scenarios passed, cleaned up after")
          .isBetween(passed, removed);
      assertThat(out).anyMatch(line -> line.matches(".*removed 6 demo container\\(s\\)$"));
    }
    try (DockerClient docker = TestDocker.client()) {
      List<Container> left =
          docker
              .listContainersCmd()
              .withShowAll(true)
              .withNameFilter(List.of("porthole-demo-"))
              .exec();
      assertThat(left).isEmpty();
    }
  }

  private static int indexOf(List<String> lines, String part) {
    for (int i = 0; i < lines.size(); i++) {
      if (lines.get(i).contains(part)) {
        return i;
      }
    }
    return -1;
  }
}
