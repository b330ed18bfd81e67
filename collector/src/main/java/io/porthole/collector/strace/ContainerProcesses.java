package io.porthole.collector.strace;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.TreeSet;

/**
 * The host pids of every process of a container, from the cgroup of its main process ({@code
 * cgroup.procs} of the v1 {@code pids} hierarchy, or of the unified v2 hierarchy); falls back to
 * the main process and its descendants in {@code /proc}. Also reads which process traces a task.
 * Plain file reads: call it off the event loop.
 */
public final class ContainerProcesses {

  private static final String[] V1_CONTROLLERS = {
    "pids", "freezer", "memory", "cpu", "cpuacct", "devices", "blkio"
  };

  private final Path proc;
  private final Path cgroupRoot;

  public ContainerProcesses() {
    this(Path.of("/proc"), Path.of("/sys/fs/cgroup"));
  }

  /** With other roots (tests). */
  public ContainerProcesses(Path proc, Path cgroupRoot) {
    this.proc = proc;
    this.cgroupRoot = cgroupRoot;
  }

  /** Every process in the container of {@code mainPid}, main process first; empty if it is gone. */
  public List<Integer> of(int mainPid) {
    TreeSet<Integer> pids = new TreeSet<>();
    cgroupProcsFile(mainPid).ifPresent(file -> pids.addAll(readPids(file)));
    if (pids.isEmpty()) {
      ProcessHandle.of(mainPid)
          .ifPresent(
              main -> {
                pids.add(mainPid);
                main.descendants().forEach(d -> pids.add((int) d.pid()));
              });
    }
    if (pids.isEmpty()) {
      return List.of();
    }
    pids.remove(mainPid);
    List<Integer> result = new ArrayList<>(pids.size() + 1);
    result.add(mainPid);
    result.addAll(pids);
    return result;
  }

  /**
   * The pid tracing this task (TracerPid in /proc/PID/status): 0 when none, -1 when the task is
   * gone.
   */
  public int tracerOf(int pid) {
    try {
      for (String line :
          Files.readAllLines(
              proc.resolve(Integer.toString(pid)).resolve("status"), StandardCharsets.UTF_8)) {
        if (line.startsWith("TracerPid:")) {
          return Integer.parseInt(line.substring("TracerPid:".length()).trim());
        }
      }
      return 0;
    } catch (IOException | NumberFormatException e) {
      return -1;
    }
  }

  Optional<Path> cgroupProcsFile(int pid) {
    List<String> lines;
    try {
      lines =
          Files.readAllLines(
              proc.resolve(Integer.toString(pid)).resolve("cgroup"), StandardCharsets.UTF_8);
    } catch (IOException e) {
      return Optional.empty();
    }
    boolean unifiedOnly = Files.exists(cgroupRoot.resolve("cgroup.controllers"));
    for (String wanted : unifiedOnly ? new String[] {""} : V1_CONTROLLERS) {
      for (String line : lines) {
        int first = line.indexOf(':');
        int second = line.indexOf(':', first + 1);
        if (first < 0 || second < 0) {
          continue;
        }
        String controllers = line.substring(first + 1, second);
        String path = line.substring(second + 1);
        if (path.equals("/")) {
          continue; // the root cgroup: the whole host, never a container
        }
        String relative = path.substring(1);
        if (unifiedOnly && controllers.isEmpty()) {
          return existing(cgroupRoot.resolve(relative).resolve("cgroup.procs"));
        }
        if (!unifiedOnly && List.of(controllers.split(",")).contains(wanted)) {
          Optional<Path> file =
              existing(cgroupRoot.resolve(controllers).resolve(relative).resolve("cgroup.procs"))
                  .or(
                      () ->
                          existing(
                              cgroupRoot
                                  .resolve(wanted)
                                  .resolve(relative)
                                  .resolve("cgroup.procs")));
          if (file.isPresent()) {
            return file;
          }
        }
      }
    }
    return Optional.empty();
  }

  private static Optional<Path> existing(Path file) {
    return Files.isReadable(file) ? Optional.of(file) : Optional.empty();
  }

  private static List<Integer> readPids(Path file) {
    List<Integer> pids = new ArrayList<>();
    try {
      for (String line : Files.readAllLines(file, StandardCharsets.US_ASCII)) {
        String trimmed = line.trim();
        if (!trimmed.isEmpty()) {
          pids.add(Integer.parseInt(trimmed));
        }
      }
    } catch (IOException | NumberFormatException e) {
      return List.of();
    }
    return pids;
  }
}
