package io.porthole.collector.docker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PositionStoreTest {

  @TempDir Path dir;

  private static final String ID =
      "0dfeb54f343954cee62ec3f2b56099cf4db42dfdf0b7f3d59ad566b4bbfbf334";

  @Test
  void aSavedPositionLoadsBackAndNoFileIsNoPosition() throws IOException {
    PositionStore store = new PositionStore(dir.resolve("sub/docker-events.position"));
    assertThat(store.load()).isEmpty();

    StreamPosition position =
        new StreamPosition(
            1_764_925_600_123_456_789L,
            Set.of(ID + "/die", ID + "/oom"),
            Map.of(
                ID,
                new KnownContainer(
                    ID, 1_764_925_599_000_000_000L, 1_764_925_600_123_000_000L, false)));
    store.save(position);

    assertThat(store.load()).contains(position);
    assertThat(Files.list(dir.resolve("sub")))
        .extracting(p -> p.getFileName().toString())
        .containsExactly("docker-events.position"); // the temporary file was renamed
  }

  @Test
  void aNewerSaveReplacesTheOlderOne() throws IOException {
    PositionStore store = new PositionStore(dir.resolve("p"));
    store.save(new StreamPosition(1, Set.of(), Map.of()));
    store.save(new StreamPosition(2, Set.of(ID + "/start"), Map.of()));
    assertThat(store.load().orElseThrow().timeNanos()).isEqualTo(2);
  }

  @Test
  void anUnreadableFileIsAnErrorNamingTheFileAndLine() throws IOException {
    Path file = dir.resolve("p");
    Files.writeString(
        file, StreamPosition.HEADER + "\ntime 12\ncontainer " + ID + " x 0 running\n");
    assertThatThrownBy(() -> new PositionStore(file).load())
        .isInstanceOf(IOException.class)
        .hasMessageContaining(file.toString())
        .hasMessageContaining("line 3");
    Files.writeString(file, "something else\n");
    assertThatThrownBy(() -> new PositionStore(file).load()).hasMessageContaining("line 1");
  }

  @Test
  void thePositionCoversEarlierEventsAndTheSameTimesEventsItNames() {
    StreamPosition position = new StreamPosition(100, Set.of(ID + "/die"), Map.of());
    assertThat(position.covers(99, ID, "start")).isTrue();
    assertThat(position.covers(100, ID, "die")).isTrue();
    assertThat(position.covers(100, ID, "destroy")).isFalse();
    assertThat(position.covers(101, ID, "die")).isFalse();
  }
}
