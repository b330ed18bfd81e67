package io.porthole.collector.remediation;

import static org.assertj.core.api.Assertions.assertThat;

import io.porthole.collector.ContainerDirectory;
import io.porthole.proto.RemediationAction;
import io.porthole.proto.RemediationCommand;
import io.porthole.proto.RemediationResult;
import io.porthole.proto.RemediationStatus;
import io.porthole.runtime.Settings;
import io.porthole.testing.TestDocker;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What the executor refuses before it touches anything (no Docker, no interfaces needed). */
class RemediationExecutorTest {

  @TempDir Path dataDir;
  private Vertx vertx;
  private RemediationExecutor executor;

  @BeforeEach
  void start() throws Exception {
    vertx = Vertx.vertx();
    RemediationConfig config =
        RemediationConfig.from(
            Settings.of(
                Map.of(
                    "command.key", "executor-test-key-0123456789",
                    "remediation.data.dir", dataDir.toString(),
                    "remediation.extract.max.bytes", "1000000")));
    executor =
        RemediationExecutor.create(
            vertx,
            config,
            "host-a",
            TestDocker.client(),
            new ContainerDirectory(),
            (c, d, r) -> Future.succeededFuture(),
            r -> Future.succeededFuture());
    executor.start().await(10, TimeUnit.SECONDS);
  }

  @AfterEach
  void stop() throws Exception {
    executor.stop().await(10, TimeUnit.SECONDS);
    vertx.close().await(10, TimeUnit.SECONDS);
  }

  @Test
  void anExtractionPathMustBeAbsoluteWithoutDotDot() throws Exception {
    assertThat(run(extract("busybox", "etc/passwd"))).satisfies(rejected("must be absolute"));
    assertThat(run(extract("busybox", "/etc/../../passwd"))).satisfies(rejected("without '..'"));
    assertThat(run(extract("", "/etc/passwd"))).satisfies(rejected("needs an image"));
    assertThat(run(extract("busybox", "/bin/busybox").setMaxBytes(2_000_000)))
        .satisfies(rejected("max_bytes 2000000 exceeds this collector's maximum of 1000000"));
  }

  @Test
  void boundsOfCapturesAndIsolationsAreEnforced() throws Exception {
    assertThat(run(command(RemediationAction.CAPTURE_PACKETS).setDurationSeconds(100_000)))
        .satisfies(rejected("duration_seconds 100000 exceeds this collector's maximum of 300"));
    assertThat(run(command(RemediationAction.ISOLATE_NETWORK).setTtlSeconds(Integer.MAX_VALUE)))
        .satisfies(rejected("ttl_seconds"));
    assertThat(run(command(RemediationAction.RESTORE_NETWORK).setContainerId("")))
        .satisfies(rejected("RESTORE_NETWORK needs a container id"));
    assertThat(run(command(RemediationAction.REMEDIATION_ACTION_UNSPECIFIED)))
        .satisfies(rejected("unknown action"));
  }

  @Test
  void aDryRunExtractionSaysWhatItWouldDo() throws Exception {
    RemediationResult result =
        run(extract("porthole/busybox:test", "/bin/busybox").setDryRun(true));

    assertThat(result.getStatus()).isEqualTo(RemediationStatus.SUCCEEDED);
    assertThat(result.getDryRun()).isTrue();
    assertThat(result.getDetail())
        .isEqualTo(
            "dry run: would copy /bin/busybox (at most 1000000 bytes) out of image "
                + "porthole/busybox:test without starting it; nothing changed");
    assertThat(result.getCommandId()).isEqualTo("cmd-1");
    assertThat(result.getHostId()).isEqualTo("host-a");
  }

  private RemediationResult run(RemediationCommand.Builder command) throws Exception {
    List<RemediationResult> results = executor.execute(command.build()).await(10, TimeUnit.SECONDS);
    assertThat(results).hasSize(1);
    return results.get(0);
  }

  private static Consumer<RemediationResult> rejected(String reason) {
    return result -> {
      assertThat(result.getStatus()).isEqualTo(RemediationStatus.REJECTED);
      assertThat(result.getDetail()).contains(reason);
    };
  }

  private static RemediationCommand.Builder command(RemediationAction action) {
    return RemediationCommand.newBuilder()
        .setCommandId("cmd-1")
        .setAction(action)
        .setHostId("host-a")
        .setContainerId("f00ba4");
  }

  private static RemediationCommand.Builder extract(String image, String path) {
    return command(RemediationAction.EXTRACT_FILE).setContainerId("").setImage(image).setPath(path);
  }
}
