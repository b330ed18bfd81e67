package io.porthole.app.demo;

import io.porthole.collector.remediation.ProcessCommandRunner;
import io.porthole.collector.remediation.ProcessOutput;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * A static program that calls memfd_create every 100 ms for 6 s (strace attaches after the
 * container starts) and exits 4 when it was never implemented, 0 when it worked; and the seccomp
 * profile that answers it as a kernel older than 3.17 would (errno 38, ENOSYS). Same program as
 * MissingSyscallIT's.
 */
public final class MemfdProbe {

  public static final String DENY_MEMFD_PROFILE =
      "{\"defaultAction\":\"SCMP_ACT_ALLOW\","
          + "\"syscalls\":[{\"names\":[\"memfd_create\"],\"action\":\"SCMP_ACT_ERRNO\",\"er"
          + "rnoRet\":38}]}";

  private static final String SOURCE =
      """
      #define _GNU_SOURCE
      #include <errno.h>
      #include <stdio.h>
      #include <sys/syscall.h>
      #include <time.h>
      #include <unistd.h>

      int main(void) {
        struct timespec pause = {0, 100000000};
        int missing = 0;
        for (int i = 0; i < 60; i++) {
          long fd = syscall(SYS_memfd_create, "porthole-probe", 0);
          if (fd < 0 && errno == ENOSYS) {
            missing++;
          } else if (fd >= 0) {
            close((int) fd);
          }
          nanosleep(&pause, NULL);
        }
        printf("memfd_create missing %d times\\n", missing);
        return missing > 0 ? 4 : 0;
      }
      """;

  private MemfdProbe() {}

  /** gcc -static (packages gcc, libc6-dev) into {@code dir}; returns the binary. */
  public static Path compile(Path dir) throws Exception {
    Path source = dir.resolve("memfd-probe.c");
    Files.writeString(source, SOURCE);
    Path binary = dir.resolve("memfd-probe");
    ProcessOutput gcc;
    try {
      gcc =
          new ProcessCommandRunner()
              .run(
                  List.of("gcc", "-static", "-O2", "-o", binary.toString(), source.toString()),
                  Duration.ofSeconds(120));
    } catch (IOException e) {
      throw new IllegalStateException(
          "gcc -static of the memfd_create probe failed (packages gcc, libc6-dev): "
              + e.getMessage(),
          e);
    }
    if (!gcc.succeeded()) {
      throw new IllegalStateException(
          "gcc -static of the memfd_create probe failed (packages gcc, libc6-dev): "
              + gcc.describe());
    }
    return binary;
  }
}
