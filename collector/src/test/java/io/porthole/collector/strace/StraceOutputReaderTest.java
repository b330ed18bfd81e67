package io.porthole.collector.strace;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Deque;
import java.util.List;
import org.assertj.core.api.Assertions;
import org.junit.jupiter.api.Test;

class StraceOutputReaderTest {

  private final List<String> lines = new ArrayList<>();
  private final List<Duration> pauses = new ArrayList<>();

  /** Hands out the given chunks one read at a time, like a pipe strace writes to. */
  private static InputStream chunks(byte[]... chunks) {
    Deque<byte[]> queue = new ArrayDeque<>(List.of(chunks));
    return new InputStream() {
      private byte[] current;
      private int at;

      @Override
      public int read() {
        throw new UnsupportedOperationException("the reader reads in chunks");
      }

      @Override
      public int read(byte[] b, int off, int len) {
        if (current == null || at == current.length) {
          current = queue.poll();
          at = 0;
          if (current == null) {
            return -1;
          }
        }
        int n = Math.min(len, current.length - at);
        System.arraycopy(current, at, b, off, n);
        at += n;
        return n;
      }
    };
  }

  private static byte[] ascii(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  private StraceOutputReader reader(InputStream in) {
    return new StraceOutputReader(in, lines::add, Duration.ofMillis(10), pauses::add);
  }

  @Test
  void linesSplitAcrossWritesAreJoined() throws Exception {
    // strace writes a record's start at syscall entry and its end at exit
    reader(
            chunks(
                ascii("1 07:20:36.374552 openat(AT_FDCWD, \"/etc/selinux/config\", O_RDONLY"),
                ascii(
                    ") = -1 ENOENT (No such file or directory) <0.000014>\n1 "
                        + "07:20:36.374860 exit_group(1) = ?\n"),
                ascii("1 07:20:36.374992 +++ exited with 1 +++\n")))
        .readAll();

    assertThat(lines)
        .containsExactly(
            "1 07:20:36.374552 openat(AT_FDCWD, \"/etc/selinux/config\", O_RDONLY) = -1 "
                + "ENOENT (No such file or directory) <0.000014>",
            "1 07:20:36.374860 exit_group(1) = ?",
            "1 07:20:36.374992 +++ exited with 1 +++");
  }

  @Test
  void aLastLineWithoutNewlineIsHandedOnAtTheEnd() throws Exception {
    reader(chunks(ascii("first\nsecond\r\n\nlast"))).readAll();

    assertThat(lines).containsExactly("first", "second", "", "last");
  }

  @Test
  void multiByteCharactersSplitBetweenReadsAreDecodedWhole() throws Exception {
    byte[] line = ascii("openat(AT_FDCWD, \"/tmp/caf\u00e9\", O_RDONLY) = 3\n");
    int split =
        new String(line, StandardCharsets.UTF_8).indexOf('\u00e9') + 1; // inside the two bytes of é
    byte[] head = Arrays.copyOfRange(line, 0, split);
    byte[] tail = Arrays.copyOfRange(line, split, line.length);

    reader(chunks(head, tail)).readAll();

    assertThat(lines).containsExactly("openat(AT_FDCWD, \"/tmp/caf\u00e9\", O_RDONLY) = 3");
  }

  @Test
  void linesLongerThanTheBufferAreKeptWhole() throws Exception {
    String longLine = "x".repeat(200_000);
    reader(new ByteArrayInputStream(ascii("a\n" + longLine + "\nb\n"))).readAll();

    assertThat(lines).containsExactly("a", longLine, "b");
  }

  @Test
  void pausesAfterSmallReadsOnlySoThatABusyStraceNeverWaitsForAFullPipe() throws Exception {
    byte[] busy =
        ascii(
            ("1 07:20:36.374552 newfstatat(AT_FDCWD, \"/bin/ls\", {st_mode=S_IFREG|0755}, "
                    + "0) = 0 <0.000014>\n")
                .repeat(StraceOutputReader.BUSY_CHUNK / 64));
    StraceOutputReader reader = reader(chunks(ascii("small\n"), busy, ascii("quiet again\n")));

    reader.readAll();

    assertThat(reader.reads()).isGreaterThanOrEqualTo(3);
    assertThat(pauses).hasSize(2).containsOnly(Duration.ofMillis(10));
    assertThat(lines).hasSize(2 + StraceOutputReader.BUSY_CHUNK / 64);
  }

  @Test
  void aReadFailureIsThrown() {
    InputStream broken =
        new InputStream() {
          @Override
          public int read() throws IOException {
            throw new IOException("pipe broke");
          }

          @Override
          public int read(byte[] b, int off, int len) throws IOException {
            throw new IOException("pipe broke");
          }
        };

    Assertions.assertThatThrownBy(() -> reader(broken).readAll())
        .isInstanceOf(IOException.class)
        .hasMessage("pipe broke");
  }
}
