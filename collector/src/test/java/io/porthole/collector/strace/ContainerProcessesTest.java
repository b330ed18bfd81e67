package io.porthole.collector.strace;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ContainerProcessesTest {

  private static final String ID =
      "4920d9a664c204166b5f5f3cce08e60fcb3f83b4663ae54856ae2c2923d0c399";

  @TempDir Path root;

  private void write(String relative, String content) throws IOException {
    Path file = root.resolve(relative);
    Files.createDirectories(file.getParent());
    Files.writeString(file, content);
  }

  @Test
  void cgroupV1PidsHierarchyListsEveryProcessMainFirst() throws IOException {
    write(
        "proc/21009/cgroup",
        "9:name=systemd:/docker/" + ID + "\n8:pids:/docker/" + ID + "\n0::/docker/" + ID + "\n");
    write("proc/21009/status", "Name:\tsh\nTracerPid:\t4242\n");
    write("cgroup/pids/docker/" + ID + "/cgroup.procs", "21061\n21009\n21100\n");
    ContainerProcesses processes =
        new ContainerProcesses(root.resolve("proc"), root.resolve("cgroup"));

    assertThat(processes.of(21009)).containsExactly(21009, 21061, 21100);
    assertThat(processes.tracerOf(21009)).isEqualTo(4242);
    assertThat(processes.tracerOf(1)).isEqualTo(-1);
  }

  @Test
  void cgroupV2UnifiedHierarchy() throws IOException {
    write("cgroup/cgroup.controllers", "cpu memory pids\n");
    write("proc/500/cgroup", "0::/system.slice/docker-" + ID + ".scope\n");
    write("cgroup/system.slice/docker-" + ID + ".scope/cgroup.procs", "500\n501\n");
    ContainerProcesses processes =
        new ContainerProcesses(root.resolve("proc"), root.resolve("cgroup"));

    assertThat(processes.of(500)).containsExactly(500, 501);
  }

  @Test
  void withoutACgroupTheMainProcessAndItsDescendantsOfThisHost() throws IOException {
    long self = ProcessHandle.current().pid();
    write("proc/" + self + "/cgroup", "8:pids:/\n");
    ContainerProcesses processes =
        new ContainerProcesses(root.resolve("proc"), root.resolve("cgroup"));

    assertThat(processes.of((int) self)).startsWith((int) self);
    assertThat(processes.of(Integer.MAX_VALUE - 1)).isEmpty();
  }

  @Test
  void readsTheRealProcOfThisHost() {
    assertThat(new ContainerProcesses().tracerOf((int) ProcessHandle.current().pid())).isZero();
  }
}
