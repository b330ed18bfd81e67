package io.porthole.collector.strace;

import static org.assertj.core.api.Assertions.assertThat;

import io.porthole.proto.EventEnvelope;
import io.porthole.proto.ProcessExit;
import io.porthole.proto.SyscallEvent;
import io.porthole.wire.Timestamps;
import io.porthole.wire.Topic;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import org.assertj.core.api.Assertions;
import org.assertj.core.groups.Tuple;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class StraceReplayTest {

  private final List<EventEnvelope> envelopes = new ArrayList<>();

  private List<SyscallEvent> syscalls() {
    return envelopes.stream().flatMap(e -> e.getSyscalls().getSyscallsList().stream()).toList();
  }

  private List<ProcessExit> exits() {
    return envelopes.stream().flatMap(e -> e.getSyscalls().getExitsList().stream()).toList();
  }

  @Test
  void replayOfTheSelinuxProbeRecordedWithOutputFile() throws IOException {
    StraceReplay replay =
        new StraceReplay(
            Duration.ofMillis(250), 10_000, ZoneOffset.UTC, LocalDate.of(2026, 11, 29));
    StraceReplay.ReplaySummary summary =
        replay.run(
            Fixtures.path("selinux-probe-ofile.strace"),
            "host-a",
            "c0ffee",
            (topic, envelope) -> {
              assertThat(topic).isEqualTo(Topic.SYSCALLS);
              envelopes.add(envelope);
            });

    assertThat(summary.linesRead()).isEqualTo(40);
    assertThat(summary.linesUnparsed()).isZero();
    assertThat(summary.exits()).isEqualTo(3);
    assertThat(summary.eventsProduced()).isEqualTo(summary.syscalls() + 3);
    assertThat(summary.eventsProduced()).isEqualTo(syscalls().size() + exits().size());
    // 26.88 s .. 28.31 s of event time: the first batch (restart_syscall, wait4 pending) closes
    // when
    // the 28.307 events arrive, the rest fit in one 250 ms window
    assertThat(summary.batches()).isEqualTo(envelopes.size()).isEqualTo(2);
    assertThat(envelopes)
        .allSatisfy(
            e -> {
              assertThat(e.getHostId()).isEqualTo("host-a");
              assertThat(e.getContainerId()).isEqualTo("c0ffee");
              assertThat(e.getSyscalls().getTraceReason()).isEqualTo("replay");
            });
    SyscallEvent open =
        syscalls().stream()
            .filter(s -> s.getPath().equals("/etc/selinux/config"))
            .findFirst()
            .orElseThrow();
    assertThat(open.getName()).isEqualTo("openat");
    assertThat(open.getHostPid()).isEqualTo(23007);
    assertThat(open.getErrnoName()).isEqualTo("ENOENT");
    assertThat(open.getErrnoText()).isEqualTo("No such file or directory");
    assertThat(open.getReturnCode()).isEqualTo(-1);
    assertThat(open.getReturnValue()).isEqualTo("-1");
    assertThat(open.getArguments()).isEqualTo("AT_FDCWD, \"/etc/selinux/config\", O_RDONLY");
    assertThat(Timestamps.toInstant(open.getTime()).toString())
        .isEqualTo("2026-11-29T09:20:28.312099Z");
    assertThat(open.getRaw()).startsWith("23007 09:20:28.312099 openat(");
    assertThat(exits())
        .extracting(ProcessExit::getHostPid, ProcessExit::getExitCode)
        .containsExactly(Tuple.tuple(22975, 0), Tuple.tuple(23007, 1), Tuple.tuple(22945, 12));
    assertThat(summary.toString())
        .startsWith("strace replay: 40 lines read, ")
        .contains("0 lines unparsed");
  }

  @Test
  void replayOfGarbageCountsUnparsedLinesInTheBatches(@TempDir Path dir) throws IOException {
    Path copy = dir.resolve("garbage.strace");
    Files.copy(Fixtures.path("garbage.strace"), copy);
    StraceReplay.ReplaySummary summary =
        new StraceReplay().run(copy, "host-a", "c0ffee", (t, e) -> envelopes.add(e));

    assertThat(summary.linesUnparsed()).isPositive();
    assertThat(envelopes.stream().mapToLong(e -> e.getSyscalls().getUnparsedLines()).sum())
        .isEqualTo(summary.linesUnparsed());
    assertThat(exits()).extracting(ProcessExit::getExitCode).containsExactly(1, 12);
  }

  @Test
  void aMissingFileIsAnIOExceptionNamingIt(@TempDir Path dir) {
    Path missing = dir.resolve("nope.strace");
    Assertions.assertThatThrownBy(() -> new StraceReplay().run(missing, "h", "c", (t, e) -> {}))
        .isInstanceOf(IOException.class)
        .hasMessageContaining("nope.strace");
  }
}
