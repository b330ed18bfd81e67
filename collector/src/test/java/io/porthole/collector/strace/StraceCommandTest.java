package io.porthole.collector.strace;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class StraceCommandTest {

  @Test
  void attachesToEveryPidFollowingForksWithTimesAndDurations() {
    List<String> argv =
        new StraceCommand("/usr/bin/strace", "%file,%process", null, null)
            .argv(List.of(10, 11, 12));
    assertThat(argv)
        .containsExactly(
            "/usr/bin/strace",
            "-f",
            "-q",
            "-tt",
            "-T",
            "-e",
            "trace=%file,%process",
            "-p",
            "10",
            "-p",
            "11",
            "-p",
            "12");
  }

  @Test
  void runsBehindSetprivWithAParentDeathSignalWhereItExists() {
    List<String> argv = new StraceCommand("strace", "%file", true).argv(List.of(10));
    if (Files.isExecutable(Path.of("/usr/bin/setpriv"))
        || Files.isExecutable(Path.of("/bin/setpriv"))) {
      assertThat(argv.get(0)).endsWith("/setpriv");
      assertThat(argv.subList(1, 3)).containsExactly("--pdeathsig", "TERM");
    } else {
      assertThat(argv.get(0)).isIn("strace", "/usr/bin/nice", "/bin/nice");
    }
    assertThat(argv).contains("strace");
  }

  @Test
  void runsAheadOfTheCollectorsThreadsBehindNiceAfterSetpriv() {
    List<String> argv =
        new StraceCommand("strace", "%file", Path.of("/usr/bin/setpriv"), Path.of("/usr/bin/nice"))
            .argv(List.of(10));
    assertThat(argv.subList(0, 7))
        .containsExactly(
            "/usr/bin/setpriv", "--pdeathsig", "TERM", "/usr/bin/nice", "-n", "-5", "strace");
    assertThat(new StraceCommand("strace", "%file", null, Path.of("/bin/nice")).argv(List.of(10)))
        .startsWith("/bin/nice", "-n", "-5", "strace", "-f");
  }

  @Test
  void raisesStracesPriorityOnlyWithCapSysNiceInTheEffectiveSet(@TempDir Path dir)
      throws IOException {
    Path root = dir.resolve("root");
    Files.writeString(root, "Name:\tjava\nCapInh:\t0000000000000000\nCapEff:\t000001ffffffffff\n");
    Path noNice = dir.resolve("no-nice");
    // cap_drop ALL, cap_add SYS_PTRACE, NET_RAW, NET_ADMIN, SYS_ADMIN, SYSLOG
    Files.writeString(noNice, "CapPrm:\t0000000400283000\nCapEff:\t0000000400283000\n");
    Path compose = dir.resolve("compose");
    // the same and SYS_NICE (bit 23): docker-compose.yml's collector
    Files.writeString(compose, "CapEff:\t0000000400a83000\n");
    Path noLine = dir.resolve("no-line");
    Files.writeString(noLine, "Name:\tjava\n");
    Path garbage = dir.resolve("garbage");
    Files.writeString(garbage, "CapEff:\tnot-hex\n");

    assertThat(StraceCommand.mayRaisePriority(root)).isTrue();
    assertThat(StraceCommand.mayRaisePriority(compose)).isTrue();
    assertThat(StraceCommand.mayRaisePriority(noNice)).isFalse();
    assertThat(StraceCommand.mayRaisePriority(noLine)).isFalse();
    assertThat(StraceCommand.mayRaisePriority(garbage)).isFalse();
    assertThat(StraceCommand.mayRaisePriority(dir.resolve("missing"))).isFalse();
  }

  @Test
  void runsWithAFixedTimeZoneVariableSoThatGlibcDoesNotStatLocaltimeForEveryTimestamp() {
    assertThat(StraceCommand.environment(Map.of("PATH", "/usr/bin")))
        .containsExactly(Map.entry("TZ", ":/etc/localtime"));
    assertThat(StraceCommand.environment(Map.of("TZ", "Europe/Berlin")))
        .isEmpty(); // the collector's own zone stays
  }
}
