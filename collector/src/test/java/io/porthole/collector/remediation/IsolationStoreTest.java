package io.porthole.collector.remediation;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class IsolationStoreTest {

  @TempDir Path dir;

  @Test
  void pendingRestoresSurviveARestart() throws IOException {
    Path file = dir.resolve("data/isolations.json");
    IsolationStore store = new IsolationStore(file);
    PendingRestore web = new PendingRestore("abc123", "web", "cmd-1", "veth1", 1_000L);
    PendingRestore db = new PendingRestore("def456", "db", "cmd-2", "veth2", 2_000L);
    store.put(web);
    store.put(db);
    store.remove("abc123");

    IsolationStore restarted = new IsolationStore(file);

    assertThat(restarted.load()).containsExactly(db);
    assertThat(Files.readString(file)).contains("\"containerId\" : \"def456\"");
  }

  @Test
  void aReplacedEntryIsNotRemovedByItsOldTimer() throws IOException {
    IsolationStore store = new IsolationStore(dir.resolve("isolations.json"));
    PendingRestore first = new PendingRestore("abc123", "web", "cmd-1", "veth1", 1_000L);
    PendingRestore second = new PendingRestore("abc123", "web", "cmd-2", "veth1", 9_000L);
    store.put(first);
    store.put(second);

    assertThat(store.remove(first)).isFalse();
    assertThat(store.all()).containsExactly(second);
  }

  @Test
  void aMissingFileIsEmptyAndACorruptOneIsNamed() throws IOException {
    assertThat(new IsolationStore(dir.resolve("none.json")).load()).isEmpty();

    Path corrupt = dir.resolve("corrupt.json");
    Files.writeString(corrupt, "{not json");
    assertThatThrownBy(() -> new IsolationStore(corrupt).load())
        .isInstanceOf(IOException.class)
        .hasMessageContaining(corrupt.toString());
  }
}
