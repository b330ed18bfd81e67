package io.porthole.runtime;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ExecutablesTest {

  @Test
  void findsTheProgramOnPathOrAsAPath(@TempDir Path dir) throws IOException {
    Path fake = dir.resolve("strace");
    Files.writeString(fake, "#!/bin/sh\n");
    assertThat(Executables.find("strace", "/nonexistent:" + dir)).isEmpty(); // not executable yet
    Files.setPosixFilePermissions(fake, PosixFilePermissions.fromString("rwxr-xr-x"));
    assertThat(Executables.find("strace", "/nonexistent:" + dir)).hasValue(fake);
    assertThat(Executables.find(fake.toString(), null)).hasValue(fake);
    assertThat(Executables.find(dir.resolve("missing").toString(), "/usr/bin")).isEmpty();
    assertThat(Executables.find("porthole-no-such-binary", "/usr/bin:/bin")).isEmpty();
  }

  @Test
  void aDirectoryIsNotAProgram(@TempDir Path dir) throws IOException {
    Path directory = Files.createDirectory(dir.resolve("strace"));
    Files.setPosixFilePermissions(directory, PosixFilePermissions.fromString("rwxr-xr-x"));
    assertThat(Executables.find("strace", dir.toString())).isEmpty();
    assertThat(Executables.find(directory.toString(), null)).isEmpty();
  }
}
