package io.porthole.collector.strace;

import static org.assertj.core.api.Assertions.assertThat;

import io.porthole.proto.ProcessExit;
import io.porthole.proto.SyscallEvent;
import io.porthole.wire.Timestamps;
import java.nio.charset.StandardCharsets;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.LocalTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class StraceLineParserTest {

  private static final LocalDate DAY = LocalDate.of(2026, 11, 29);

  private static Recorder parse(String fixture, int... tracedPids) {
    Recorder recorder = new Recorder();
    StraceLineParser parser = new StraceLineParser(DAY, ZoneOffset.UTC, recorder);
    for (int pid : tracedPids) {
      parser.tracing(pid);
    }
    Fixtures.lines(fixture).forEach(parser::accept);
    parser.finish();
    assertThat(parser.linesUnparsed()).isEqualTo(recorder.unparsed.size());
    return recorder;
  }

  private static long micros(String timeOfDay) {
    return LocalDateTime.of(DAY, LocalTime.parse(timeOfDay)).toEpochSecond(ZoneOffset.UTC)
            * 1_000_000L
        + LocalTime.parse(timeOfDay).getNano() / 1000;
  }

  @Test
  void selinuxProbeYieldsTheFailingOpenOfTheSelinuxConfigAndExitCode12() {
    Recorder r = parse("selinux-probe.strace", 21381, 21409);

    assertThat(r.unparsed).isEmpty();
    List<StraceSyscall> opens = r.withPath("/etc/selinux/config");
    assertThat(opens).hasSize(1);
    StraceSyscall open = opens.get(0);
    assertThat(open.name()).isEqualTo("openat");
    assertThat(open.pid()).isEqualTo(21443);
    assertThat(open.arguments()).isEqualTo("AT_FDCWD, \"/etc/selinux/config\", O_RDONLY");
    assertThat(open.returnValue()).isEqualTo("-1");
    assertThat(open.hasReturnCode()).isTrue();
    assertThat(open.returnCode()).isEqualTo(-1);
    assertThat(open.errnoName()).isEqualTo("ENOENT");
    assertThat(open.errnoText()).isEqualTo("No such file or directory");
    assertThat(open.durationMicros()).isEqualTo(123);
    assertThat(open.epochMicros()).isEqualTo(micros("09:19:47.705678"));
    assertThat(open.raw()).startsWith("[pid 21443] 09:19:47.705678 openat(");

    assertThat(r.exitSummaries())
        .containsExactly("21409 exited with 0", "21443 exited with 1", "21381 exited with 12");
    assertThat(r.exits.get(2).epochMicros()).isEqualTo(micros("09:19:47.707513"));
    // 41 lines: 3 exits, 2 signals, 4 unfinished halves joined with their 4 resumed halves
    assertThat(r.syscalls).hasSize(32);
    assertThat(r.signals).containsExactly("21381 SIGCHLD", "21381 SIGCHLD");
    assertThat(r.named("execve"))
        .singleElement()
        .satisfies(
            c -> {
              assertThat(c.path()).isEqualTo("/proc/self/exe");
              assertThat(c.arguments()).contains("[\"cat\", \"/etc/selinux/config\"]");
            });
    assertThat(r.named("readlink"))
        .singleElement()
        .satisfies(c -> assertThat(c.path()).isEqualTo("/proc/self/exe"));
    assertThat(r.named("write").get(0).path()).isEmpty();
  }

  @Test
  void unfinishedAndResumedHalvesAreJoinedPerPid() {
    Recorder r = parse("selinux-probe.strace", 21381, 21409);

    List<StraceSyscall> waits = r.named("wait4").stream().filter(c -> c.pid() == 21381).toList();
    StraceSyscall first = waits.get(0);
    assertThat(first.epochMicros()).isEqualTo(micros("09:19:46.305918"));
    assertThat(first.arguments()).isEqualTo("-1, [{WIFEXITED(s) && WEXITSTATUS(s) == 0}], 0, NULL");
    assertThat(first.returnCode()).isEqualTo(7);
    assertThat(first.durationMicros()).isEqualTo(1_397_168);
    assertThat(first.incomplete()).isFalse();
    assertThat(first.raw())
        .isEqualTo(
            "[pid 21381] 09:19:46.305918 wait4(-1,  <unfinished ...>\n"
                + "09:19:47.703106 <... wait4 resumed>[{WIFEXITED(s) && WEXITSTATUS(s) == "
                + "0}], 0, NULL) = 7 <1.397168>");
    StraceSyscall robust = r.named("set_robust_list").get(0);
    assertThat(robust.pid()).isEqualTo(21443);
    assertThat(robust.arguments()).isEqualTo("0x268036a0, 24");
    assertThat(robust.returnCode()).isZero();
    assertThat(r.named("restart_syscall"))
        .singleElement()
        .satisfies(
            c -> {
              assertThat(c.pid()).isEqualTo(21409);
              assertThat(c.arguments()).isEqualTo("<... resuming interrupted read ...>");
              assertThat(c.durationMicros()).isEqualTo(1_396_400);
            });
    assertThat(r.named("exit_group").stream().map(StraceSyscall::returnValue)).containsOnly("?");
    assertThat(r.named("exit_group").stream().map(StraceSyscall::hasReturnCode))
        .containsOnly(false);
  }

  @Test
  void linesWithoutPidBelongToTheOnlyTracedTask() {
    Recorder r = parse("selinux-probe-mainpid.strace", 21009);

    assertThat(r.unparsed).isEmpty();
    assertThat(r.syscalls.get(0).name()).isEqualTo("wait4");
    assertThat(r.syscalls.get(0).pid()).isEqualTo(21009);
    assertThat(r.withPath("/etc/selinux/config"))
        .singleElement()
        .satisfies(
            c -> {
              assertThat(c.pid()).isEqualTo(21178);
              assertThat(c.errnoName()).isEqualTo("ENOENT");
            });
    assertThat(r.exitSummaries()).containsExactly("21178 exited with 1", "21009 exited with 12");
  }

  @Test
  void outputFileFormCarriesThePidOnEveryLine() {
    Recorder r = parse("selinux-probe-ofile.strace");

    assertThat(r.unparsed).isEmpty();
    assertThat(r.withPath("/etc/selinux/config"))
        .singleElement()
        .satisfies(
            c -> {
              assertThat(c.pid()).isEqualTo(23007);
              assertThat(c.name()).isEqualTo("openat");
              assertThat(c.errnoName()).isEqualTo("ENOENT");
              assertThat(c.returnCode()).isEqualTo(-1);
            });
    assertThat(r.exitSummaries())
        .containsExactly("22975 exited with 0", "23007 exited with 1", "22945 exited with 12");
  }

  @Test
  void outputFileFormWithQuietFlagOfALocalShell() {
    Recorder r = parse("local-ofile-q.strace");

    assertThat(r.unparsed).isEmpty();
    assertThat(r.withPath("/nonexistent"))
        .singleElement()
        .satisfies(
            c -> {
              assertThat(c.pid()).isEqualTo(23045);
              assertThat(c.name()).isEqualTo("openat");
              assertThat(c.errnoName()).isEqualTo("ENOENT");
            });
    assertThat(r.withPath("/nonexistent2"))
        .singleElement()
        .satisfies(
            c -> {
              assertThat(c.pid()).isEqualTo(23047);
              assertThat(c.name()).isEqualTo("newfstatat");
              assertThat(c.errnoText()).isEqualTo("No such file or directory");
            });
    assertThat(r.exits.stream().filter(e -> e.pid() == 23045).map(StraceExit::exitCode))
        .containsExactly(1);
    assertThat(r.exits.stream().filter(e -> e.pid() == 23047).map(StraceExit::exitCode))
        .containsExactly(1);
    assertThat(r.named("execve").get(0).path()).isEqualTo("/usr/bin/busybox");
  }

  @Test
  void multiProcessShellInterleavesTasks() {
    Recorder r = parse("multi-process.strace", 22142, 22172);

    assertThat(r.unparsed).isEmpty();
    assertThat(
            r.withPath("/nonexistent").stream()
                .map(c -> c.pid() + " " + c.name() + " " + c.errnoName()))
        .containsExactlyInAnyOrder(
            "22206 newfstatat ENOENT", "22207 newfstatat ENOENT", "22208 newfstatat ENOENT");
    assertThat(r.withPath("/etc/hostname").stream().map(c -> c.pid() + " " + c.returnValue()))
        .containsExactlyInAnyOrder("22209 3", "22210 3", "22211 3");
    assertThat(r.withPath("/dev/null").stream().map(StraceSyscall::pid))
        .containsExactlyInAnyOrder(22206, 22207, 22208);
    assertThat(r.named("clone").stream().filter(c -> c.pid() == 22206))
        .singleElement()
        .satisfies(
            c -> {
              assertThat(c.arguments())
                  .isEqualTo(
                      "child_stack=NULL, "
                          + "flags=CLONE_CHILD_CLEARTID|CLONE_CHILD_SETTID|SIGCHLD, "
                          + "child_tidptr=0x27807690");
              assertThat(c.returnCode()).isEqualTo(12);
            });
    assertThat(r.exitSummaries())
        .containsExactly(
            "22172 exited with 0",
            "22211 exited with 0",
            "22210 exited with 0",
            "22209 exited with 0",
            "22207 exited with 1",
            "22206 exited with 1",
            "22208 exited with 1",
            "22212 killed by SIGSEGV",
            "22142 exited with 3");
    assertThat(r.signals).contains("22212 SIGSEGV", "22142 SIGCHLD");
  }

  @Test
  void signalsAndKillsAreExitsWithTheSignalName() {
    Recorder r = parse("signals.strace", 22283, 22310);

    assertThat(r.unparsed).isEmpty();
    assertThat(r.exitSummaries())
        .containsExactly(
            "22310 exited with 0",
            "22398 killed by SIGTERM",
            "22400 killed by SIGSEGV (core dumped)",
            "22283 killed by SIGKILL");
    assertThat(r.exits.get(2).coreDumped()).isTrue();
    assertThat(r.exits.get(3).exited()).isFalse();
    assertThat(r.signals)
        .containsExactly(
            "22283 SIGCHLD", "22398 SIGTERM", "22283 SIGCHLD", "22400 SIGSEGV", "22283 SIGCHLD");
    assertThat(r.named("kill").stream().map(StraceSyscall::arguments))
        .containsExactly("7, SIGTERM", "8, SIGSEGV");
    assertThat(r.named("rt_sigsuspend"))
        .singleElement()
        .satisfies(
            c -> {
              assertThat(c.returnValue()).isEqualTo("?");
              assertThat(c.errnoName()).isEqualTo("ERESTARTNOHAND");
              assertThat(c.errnoText()).isEqualTo("To be restarted if no handler");
            });
    assertThat(r.named("rt_sigreturn").stream().map(StraceSyscall::errnoName)).contains("EINTR");
    assertThat(r.named("clock_nanosleep"))
        .singleElement()
        .satisfies(
            c -> {
              assertThat(c.pid()).isEqualTo(22283);
              assertThat(c.arguments()).isEqualTo("CLOCK_REALTIME, 0, {tv_sec=30, tv_nsec=0}, ");
              assertThat(c.returnValue()).isEqualTo("?");
              assertThat(c.durationMicros()).isEqualTo(-1);
            });
  }

  @Test
  void attachNoticesSplicedIntoLinesWithoutQuietFlagArePutBack() {
    Recorder r = parse("spliced-notices.strace");

    assertThat(r.unparsed).isEmpty();
    assertThat(r.notices).hasSize(6).allMatch(n -> n.matches("strace: Process \\d+ attached"));
    StraceSyscall clone = r.named("clone").get(0);
    assertThat(clone.pid()).isEqualTo(23082);
    assertThat(clone.arguments()).endsWith("SIGCHLD, child_tidptr=0x37e81690");
    assertThat(clone.returnCode()).isEqualTo(8);
    assertThat(r.named("close").stream().filter(c -> c.pid() == 23117))
        .first()
        .satisfies(
            c -> {
              assertThat(c.arguments()).isEqualTo("0");
              assertThat(c.returnCode()).isZero();
            });
    assertThat(r.exits).hasSize(6).allMatch(e -> e.exited() && e.exitCode() == 0);
    assertThat(r.exits.get(5).pid()).isEqualTo(23082);
  }

  @Test
  void garbageIsCountedAndGoodLinesAroundItSurvive() {
    List<String> lines = Fixtures.lines("garbage.strace");
    Recorder r = parse("garbage.strace", 21381, 21409);

    // good: the first 3 and last 11 lines are real strace output of the SELinux probe
    assertThat(r.named("restart_syscall")).hasSize(1);
    assertThat(r.withPath("/etc/selinux/config").stream().map(c -> c.pid() + " " + c.errnoName()))
        .containsExactly("0 ENOENT", "21443 ENOENT");
    // the cut recording never shows 21409's exit: two tasks may be alive, so the unprefixed exit
    // cannot be attributed and gets pid 0 rather than a guess
    assertThat(r.exitSummaries()).containsExactly("21443 exited with 1", "0 exited with 12");
    assertThat(r.notices)
        .containsExactly(
            "strace: Process 99998 detached",
            "strace: attach: ptrace(PTRACE_SEIZE, 99999): No such process");
    // every other non-blank line is garbage: truncated lines, binary junk, malformed pids and times
    long blank = lines.stream().filter(String::isBlank).count();
    long good =
        3
            + 11
            + 2 /* notices */
            + 1 /* truncated errno text still names the call */
            + 1 /* resumed without its unfinished half */
            + 1 /* prctl cut inside its duration */;
    assertThat(r.unparsed).hasSize((int) (lines.size() - blank - good));
    assertThat(r.unparsed)
        .contains(
            "[pid 21409 09:19:47.702452 exit_group(0) = ?",
            "[pid abc] 09:19:47.702452 exit_group(0) = ?",
            "09:19:47 openat(AT_FDCWD, \"/x\", O_RDONLY) = 3 <0.000010>",
            "99:99:99.999999 openat(AT_FDCWD, \"/x\", O_RDONLY) = 3 <0.000010>",
            "09:19:47.705678 openat(AT_FDCWD, \"/etc/selinux/con",
            "09:19:47.705678 +++ exited with banana +++",
            "09:19:47.705678 --- SIGCHLD {si_signo=SIGCHLD");
    assertThat(r.named("prctl"))
        .singleElement()
        .satisfies(
            c -> {
              assertThat(c.returnCode()).isZero();
              assertThat(c.durationMicros()).isEqualTo(-1);
            });
    assertThat(r.named("never_started"))
        .singleElement()
        .satisfies(c -> assertThat(c.incomplete()).isTrue());
  }

  @Test
  void pathsAreUnescaped() {
    Recorder r = new Recorder();
    StraceLineParser parser = new StraceLineParser(DAY, ZoneOffset.UTC, r);
    parser.accept(
        "10:00:00.000001 openat(AT_FDCWD, \"/tmp/caf\\303\\251 \\\"x\\\"\\n\", O_RDONLY) "
            + "= 3 <0.000010>");
    parser.accept(
        "10:00:00.000002 stat(\"/a\\x41b\", {st_mode=S_IFREG|0644, st_size=1, ...}) = 0 "
            + "<0.000005>");
    parser.accept(
        "10:00:00.000003 renameat2(AT_FDCWD, \"/old\", AT_FDCWD, \"/new\", "
            + "RENAME_NOREPLACE) = 0 <0.000005>");
    parser.accept(
        "10:00:00.000004 mount(\"proc\", \"/proc\", \"proc\", MS_NOSUID, NULL) = -1 "
            + "EPERM (Operation not permitted) <0.000005>");
    parser.accept("10:00:00.000005 symlinkat(\"/target\", AT_FDCWD, \"/link\") = 0 <0.000005>");
    parser.accept(
        "10:00:00.000006 fstat(3, {st_mode=S_IFREG|0644, st_size=1, ...}) = 0 <0.000005>");
    parser.accept(
        "10:00:00.000007 execve(\"/bin/sh\", [\"sh\", \"-c\", \"a, b\"], 0x7ffc /* 5 "
            + "vars */) = 0 <0.000300>");

    assertThat(r.syscalls.stream().map(StraceSyscall::path))
        .containsExactly("/tmp/café \"x\"\n", "/aAb", "/old", "/proc", "/link", "", "/bin/sh");
    assertThat(r.syscalls.get(3).errnoName()).isEqualTo("EPERM");
  }

  @Test
  void timesCrossMidnightAndEpochTimesAreAccepted() {
    Recorder r = new Recorder();
    StraceLineParser parser = new StraceLineParser(DAY, ZoneOffset.UTC, r);
    parser.accept("23:59:59.999990 getpid() = 1 <0.000001>");
    parser.accept("00:00:00.000010 getpid() = 1 <0.000001>");
    parser.accept("1764408000.123456 getpid() = 1 <0.000001>");

    assertThat(r.syscalls.get(0).epochMicros()).isEqualTo(micros("23:59:59.999990"));
    assertThat(r.syscalls.get(1).epochMicros())
        .isEqualTo(micros("00:00:00.000010") + 86_400_000_000L);
    assertThat(r.syscalls.get(2).epochMicros()).isEqualTo(1_764_408_000_123_456L);
  }

  @Test
  void returnValuesHexAnnotationsAndMissingDuration() {
    Recorder r = new Recorder();
    StraceLineParser parser = new StraceLineParser(DAY, ZoneOffset.UTC, r);
    parser.accept(
        "10:00:00.000001 mmap(NULL, 8192, PROT_READ|PROT_WRITE, "
            + "MAP_PRIVATE|MAP_ANONYMOUS, -1, 0) = 0x7f3a1c000000 <0.000010>");
    parser.accept(
        "10:00:00.000002 fcntl(3, F_GETFL) = 0x8002 (flags O_RDWR|O_LARGEFILE) <0.000004>");
    parser.accept("10:00:00.000003 exit_group(0)                       = ?");
    parser.accept("10:00:00.000004 write(1, \") = 5 (\", 7) = 7 <0.000004>");

    assertThat(r.syscalls.get(0).returnCode()).isEqualTo(0x7f3a1c000000L);
    assertThat(r.syscalls.get(1).returnValue()).isEqualTo("0x8002");
    assertThat(r.syscalls.get(1).errnoName()).isEmpty();
    assertThat(r.syscalls.get(2).durationMicros()).isEqualTo(-1);
    assertThat(r.syscalls.get(2).arguments()).isEqualTo("0");
    assertThat(r.syscalls.get(3).arguments()).isEqualTo("1, \") = 5 (\", 7");
    assertThat(r.syscalls.get(3).returnCode()).isEqualTo(7);
  }

  @Test
  void pendingUnfinishedCallsAreBoundedAndFlushedOnExitAndFinish() {
    Recorder r = new Recorder();
    StraceLineParser parser = new StraceLineParser(DAY, ZoneOffset.UTC, r, 2);
    parser.accept("[pid 1] 10:00:00.000001 read(0,  <unfinished ...>");
    parser.accept("[pid 2] 10:00:00.000002 read(0,  <unfinished ...>");
    parser.accept("[pid 3] 10:00:00.000003 read(0,  <unfinished ...>");
    assertThat(parser.pendingEvicted()).isEqualTo(1);
    assertThat(parser.pendingCount()).isEqualTo(2);
    parser.accept("[pid 2] 10:00:00.000004 +++ killed by SIGKILL +++");
    assertThat(r.syscalls)
        .singleElement()
        .satisfies(
            c -> {
              assertThat(c.pid()).isEqualTo(2);
              assertThat(c.incomplete()).isTrue();
              assertThat(c.returnValue()).isEqualTo("?");
            });
    parser.finish();
    assertThat(r.syscalls).hasSize(2);
    assertThat(r.syscalls.get(1).pid()).isEqualTo(3);
    assertThat(parser.pendingCount()).isZero();
  }

  @Test
  void protobufListenerBuildsTheWireMessages() {
    List<SyscallEvent> events = new ArrayList<>();
    List<ProcessExit> exits = new ArrayList<>();
    List<String> unparsed = new ArrayList<>();
    StraceLineParser parser =
        new StraceLineParser(
            DAY, ZoneOffset.UTC, SyscallProtos.listener(events::add, exits::add, unparsed::add));
    parser.tracing(21381);
    parser.tracing(21409);
    Fixtures.lines("selinux-probe.strace").forEach(parser::accept);
    parser.accept("not strace");

    SyscallEvent open =
        events.stream()
            .filter(e -> e.getPath().equals("/etc/selinux/config"))
            .findFirst()
            .orElseThrow();
    assertThat(open.getName()).isEqualTo("openat");
    assertThat(open.getHostPid()).isEqualTo(21443);
    assertThat(open.getReturnValue()).isEqualTo("-1");
    assertThat(open.getReturnCode()).isEqualTo(-1);
    assertThat(open.getErrnoName()).isEqualTo("ENOENT");
    assertThat(open.getErrnoText()).isEqualTo("No such file or directory");
    assertThat(open.getDurationMicros()).isEqualTo(123);
    assertThat(Timestamps.toInstant(open.getTime())).isEqualTo("2026-11-29T09:19:47.705678Z");
    assertThat(open.getRaw())
        .isEqualTo(
            "[pid 21443] 09:19:47.705678 openat(AT_FDCWD, \"/etc/selinux/config\", "
                + "O_RDONLY) = -1 ENOENT (No such file or directory) <0.000123>");
    SyscallEvent exitGroup =
        events.stream().filter(e -> e.getName().equals("exit_group")).findFirst().orElseThrow();
    assertThat(exitGroup.hasReturnCode()).isFalse();
    assertThat(exitGroup.getReturnValue()).isEqualTo("?");
    assertThat(exits).extracting(ProcessExit::getExitCode).containsExactly(0, 1, 12);
    assertThat(exits.get(2).getHostPid()).isEqualTo(21381);
    assertThat(exits.get(2).getSignal()).isEmpty();
    assertThat(unparsed).containsExactly("not strace");
  }

  @Test
  void binaryJunkNeverThrows() {
    Recorder r = new Recorder();
    StraceLineParser parser = new StraceLineParser(DAY, ZoneOffset.UTC, r);
    Random random = new Random(42);
    String[] seeds = Fixtures.lines("multi-process.strace").toArray(String[]::new);
    for (int i = 0; i < 20_000; i++) {
      String seed = seeds[random.nextInt(seeds.length)];
      String line = seed.substring(0, random.nextInt(seed.length() + 1));
      if (random.nextBoolean()) {
        byte[] junk = new byte[random.nextInt(40)];
        random.nextBytes(junk);
        line = line + new String(junk, StandardCharsets.ISO_8859_1);
      }
      parser.accept(line);
    }
    parser.finish();
    assertThat(parser.linesRead()).isEqualTo(20_000);
    assertThat(parser.linesUnparsed()).isPositive();
  }
}
