package io.porthole.collector.kmsg;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class KmsgStartTest {

  private static final String BOOT = "407fd1c7-ac22-4db7-9e6f-0c6a3c892eaa";

  @TempDir Path dir;

  @Test
  void aFirstStartSkipsWhatWasLoggedBeforeItStarted() {
    KmsgStart start = KmsgStart.decide(null, BOOT, 5_000_000);
    assertThat(start.isNew(1410, 4_999_999)).isFalse();
    assertThat(start.isNew(1411, 5_000_000)).isTrue();
    assertThat(start.lastHandled()).isEqualTo(-1);
  }

  @Test
  void aRestartOnTheSameBootResumesAfterTheCursorsSequenceNumber() {
    KmsgStart start = KmsgStart.decide(new KmsgCursor(BOOT, 1410), BOOT, 9_000_000_000L);
    assertThat(start.isNew(1410, 1)).isFalse();
    assertThat(start.isNew(1411, 1)).isTrue(); // logged long before: still new to the reader
    assertThat(start.lastHandled()).isEqualTo(1410);
  }

  @Test
  void aRestartAfterARebootReadsTheWholeBuffer() {
    KmsgStart start = KmsgStart.decide(new KmsgCursor("other-boot", 1410), BOOT, 9_000_000_000L);
    assertThat(start.isNew(0, 0)).isTrue();
  }

  @Test
  void theCursorIsSavedAndLoadedAndAnUnreadableOneIsAnError() throws IOException {
    Path file = dir.resolve("kmsg.cursor");
    assertThat(KmsgCursor.load(file)).isEmpty();
    new KmsgCursor(BOOT, 1411).save(file);
    assertThat(KmsgCursor.load(file)).contains(new KmsgCursor(BOOT, 1411));
    Files.writeString(file, KmsgCursor.HEADER + "\nboot x\nsequence many\n");
    assertThatThrownBy(() -> KmsgCursor.load(file))
        .isInstanceOf(IOException.class)
        .hasMessageContaining("sequence");
  }
}
