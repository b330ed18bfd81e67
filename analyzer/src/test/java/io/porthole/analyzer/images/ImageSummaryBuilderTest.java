package io.porthole.analyzer.images;

import static io.porthole.analyzer.images.DivergenceFixtures.HOST_A;
import static io.porthole.analyzer.images.DivergenceFixtures.HOST_B;
import static io.porthole.analyzer.images.DivergenceFixtures.IMAGE_ID;
import static io.porthole.analyzer.images.DivergenceFixtures.KERNEL_B;
import static io.porthole.analyzer.images.DivergenceFixtures.NOW;
import static io.porthole.analyzer.images.DivergenceFixtures.START;
import static io.porthole.analyzer.images.DivergenceFixtures.feed;
import static io.porthole.analyzer.images.DivergenceFixtures.heartbeat;
import static io.porthole.analyzer.images.DivergenceFixtures.onHost;
import static io.porthole.analyzer.images.DivergenceFixtures.probeRun;
import static org.assertj.core.api.Assertions.assertThat;

import io.porthole.analyzer.Fixtures;
import io.porthole.proto.ContainerAction;
import io.porthole.proto.EventEnvelope;
import io.porthole.proto.ImageSummary;
import io.porthole.proto.SyscallOutcome;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

class ImageSummaryBuilderTest {

  private final ImageSummaryBuilder builder =
      new ImageSummaryBuilder(new ImageSummaryBuilder.Limits(Duration.ofMinutes(15), 100, 100, 16));

  @Test
  void summarisesTheRecordedEnosysRunWithItsFailingTripleExitCodeAndTheHostsKernel() {
    builder.onHeartbeat(heartbeat(HOST_B, KERNEL_B));
    feed(builder, probeRun(HOST_B, "b1", true));

    List<ImageSummary> summaries = builder.drainChanged(NOW);

    assertThat(summaries).hasSize(1);
    ImageSummary summary = summaries.get(0);
    assertThat(summary.getImageId()).isEqualTo(IMAGE_ID);
    assertThat(summary.getImage()).isEqualTo("porthole/busybox:test");
    assertThat(summary.getHostId()).isEqualTo(HOST_B);
    assertThat(summary.getKernelVersion()).isEqualTo(KERNEL_B);
    assertThat(summary.getContainers()).isEqualTo(1);
    SyscallOutcome memfd =
        summary.getSyscallsList().stream()
            .filter(s -> s.getSyscall().equals("memfd_create"))
            .findFirst()
            .orElseThrow();
    assertThat(memfd.getErrnoName()).isEqualTo("ENOSYS");
    assertThat(memfd.getCount()).isEqualTo(3);
    assertThat(memfd.getEvidence())
        .contains("memfd_create(\"porthole-probe\", 0) = -1 ENOSYS (Function not implemented)");
    assertThat(summary.getExitsList())
        .singleElement()
        .satisfies(
            exit -> {
              assertThat(exit.getExitCode()).isEqualTo(4);
              assertThat(exit.getEvidence()).contains("probe-b1").contains("exited with 4");
            });
    assertThat(builder.drainChanged(NOW)).as("nothing changed since").isEmpty();
  }

  @Test
  void keepsOneSummaryPerImageAndHost() {
    feed(builder, probeRun(HOST_A, "a1", false));
    feed(builder, probeRun(HOST_A, "a2", false));
    feed(builder, probeRun(HOST_B, "b1", true));

    List<ImageSummary> summaries = builder.drainChanged(NOW);

    assertThat(summaries)
        .extracting(ImageSummary::getHostId)
        .containsExactlyInAnyOrder(HOST_A, HOST_B);
    ImageSummary a =
        summaries.stream().filter(s -> s.getHostId().equals(HOST_A)).findFirst().orElseThrow();
    assertThat(a.getContainers()).isEqualTo(2);
    assertThat(a.getSyscallsList())
        .filteredOn(s -> s.getSyscall().equals("memfd_create"))
        .singleElement()
        .satisfies(
            s -> {
              assertThat(s.getErrnoName()).isEmpty();
              assertThat(s.getCount()).isEqualTo(6);
              assertThat(s.getContainers()).isEqualTo(2);
            });
    assertThat(a.getKernelVersion()).as("no heartbeat seen").isEmpty();
  }

  @Test
  void aHeartbeatWithANewKernelRepublishesTheHostsSummaries() {
    feed(builder, probeRun(HOST_B, "b1", true));
    builder.drainChanged(NOW);

    builder.onHeartbeat(heartbeat(HOST_B, KERNEL_B));

    assertThat(builder.drainChanged(NOW))
        .singleElement()
        .satisfies(s -> assertThat(s.getKernelVersion()).isEqualTo(KERNEL_B));
    builder.onHeartbeat(heartbeat(HOST_B, KERNEL_B));
    assertThat(builder.drainChanged(NOW)).as("same kernel again").isEmpty();
  }

  @Test
  void syscallsOfAContainerWhoseImageIsUnknownAreCountedNotGuessed() {
    List<EventEnvelope> batches =
        Fixtures.recorded(
            "memfd-probe-enosys", Fixtures.containerId("stranger"), DivergenceFixtures.DAY);
    batches.forEach(batch -> builder.onSyscalls(onHost(batch, HOST_B)));

    assertThat(builder.drainChanged(NOW)).isEmpty();
    assertThat(batches).as("the replay's batches (250 ms each)").hasSize(4);
    assertThat(builder.batchesOfUnknownContainers()).isEqualTo(4);
  }

  @Test
  void outcomesAreBoundedAndTheDroppedOnesCounted() {
    String id = Fixtures.containerId("many");
    builder.onContainerEvent(
        onHost(
            Fixtures.event(id, START, Fixtures.lifecycle(ContainerAction.START, "many")), HOST_A));
    for (int i = 0; i < 40; i++) {
      builder.onSyscalls(
          onHost(
              Fixtures.syscalls(
                  id,
                  START.plusMillis(i),
                  Fixtures.failing(
                      7,
                      START.plusMillis(i),
                      "openat",
                      "/etc/missing-" + i,
                      "ENOENT",
                      "No such file or directory")),
              HOST_A));
    }

    ImageSummary summary = builder.drainChanged(NOW).get(0);

    assertThat(summary.getSyscallsCount()).isEqualTo(16);
    assertThat(summary.getOutcomesDropped()).isEqualTo(24);
    assertThat(summary.getSyscallsList())
        .extracting(SyscallOutcome::getPath)
        .contains("/etc/missing-39")
        .doesNotContain("/etc/missing-0");
  }

  @Test
  void aFailureIsKeptWhileSuccessesFillTheBound() {
    String id = Fixtures.containerId("busy");
    builder.onContainerEvent(
        onHost(
            Fixtures.event(id, START, Fixtures.lifecycle(ContainerAction.START, "busy")), HOST_A));
    builder.onSyscalls(
        onHost(
            Fixtures.syscalls(
                id,
                START,
                Fixtures.failing(
                    7,
                    START,
                    "openat",
                    "/etc/selinux/config",
                    "ENOENT",
                    "No such file or directory")),
            HOST_A));
    for (int i = 1; i <= 40; i++) {
      builder.onSyscalls(
          onHost(
              Fixtures.syscalls(
                  id,
                  START.plusMillis(i),
                  Fixtures.failing(7, START.plusMillis(i), "openat", "/lib/ok-" + i, "", "")),
              HOST_A));
    }

    ImageSummary summary = builder.drainChanged(NOW).get(0);

    assertThat(summary.getSyscallsCount()).isEqualTo(16);
    assertThat(summary.getOutcomesDropped()).isEqualTo(25);
    assertThat(summary.getSyscallsList())
        .filteredOn(s -> !s.getErrnoName().isEmpty())
        .extracting(SyscallOutcome::getPath)
        .containsExactly("/etc/selinux/config");
  }

  @Test
  void pidsInProcPathsAreOneOutcome() {
    assertThat(HostImage.normalisedPath("/proc/self/task/4711/attr/current"))
        .isEqualTo("/proc/self/task/N/attr/current");
    assertThat(HostImage.normalisedPath("/proc/42/status")).isEqualTo("/proc/N/status");
    assertThat(HostImage.normalisedPath("/etc/proc/42x")).isEqualTo("/etc/proc/42x");
  }

  @Test
  void whatLeftTheWindowIsForgotten() {
    feed(builder, probeRun(HOST_B, "b1", true));

    assertThat(builder.drainChanged(NOW.plus(Duration.ofMinutes(16))))
        .as("all of it older than the window")
        .isEmpty();
    assertThat(builder.summaries()).isZero();
  }
}
