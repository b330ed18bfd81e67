package io.porthole.collector.strace;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class StraceCommandTest {

  @Test
  void attachesToEveryPidFollowingForksWithTimesAndDurations() {
    List<String> argv =
        new StraceCommand("/usr/bin/strace", "%file,%process", false).argv(List.of(10, 11, 12));
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
      assertThat(argv.subList(1, 4)).containsExactly("--pdeathsig", "TERM", "strace");
      assertThat(argv.get(0)).endsWith("/setpriv");
    } else {
      assertThat(argv.get(0)).isEqualTo("strace");
    }
  }

  @Test
  void runsWithAFixedTimeZoneVariableSoThatGlibcDoesNotStatLocaltimeForEveryTimestamp() {
    assertThat(StraceCommand.environment(Map.of("PATH", "/usr/bin")))
        .containsExactly(Map.entry("TZ", ":/etc/localtime"));
    assertThat(StraceCommand.environment(Map.of("TZ", "Europe/Berlin")))
        .isEmpty(); // the collector's own zone stays
  }

  @Test
  void resolvesTheBinaryOnPathOrAsAPath(@TempDir Path dir) throws IOException {
    Path fake = dir.resolve("strace");
    Files.writeString(fake, "#!/bin/sh\n");
    assertThat(StraceCommand.resolve("strace", "/nonexistent:" + dir))
        .isEmpty(); // not executable yet
    Files.setPosixFilePermissions(fake, PosixFilePermissions.fromString("rwxr-xr-x"));
    assertThat(StraceCommand.resolve("strace", "/nonexistent:" + dir)).hasValue(fake);
    assertThat(StraceCommand.resolve(fake.toString(), null)).hasValue(fake);
    assertThat(StraceCommand.resolve(dir.resolve("missing").toString(), "/usr/bin")).isEmpty();
    assertThat(StraceCommand.resolve("porthole-no-such-binary", "/usr/bin:/bin")).isEmpty();
  }
}
