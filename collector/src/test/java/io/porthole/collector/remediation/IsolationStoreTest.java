package io.porthole.collector.remediation;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class IsolationStoreTest {

  @TempDir Path dir;

  @Test
  void isolationsSurviveARestart() throws IOException {
    Path file = dir.resolve("data/isolations.json");
    IsolationStore store = new IsolationStore(file);
    ActiveIsolation web =
        new ActiveIsolation("abc123", "web", "cmd-1", List.of("veth1", "veth2"), 1_000L);
    ActiveIsolation db = new ActiveIsolation("def456", "db", "cmd-2", List.of("veth3"), 0L);
    store.put(web);
    store.put(db);
    store.remove("abc123");

    IsolationStore restarted = new IsolationStore(file);

    assertThat(restarted.load()).containsExactly(db);
    assertThat(restarted.get("def456")).contains(db);
    assertThat(Files.readString(file)).contains("\"containerId\" : \"def456\"");
    assertThat(db.hasTtl()).isFalse();
  }

  @Test
  void aReplacedEntryIsNotRemovedByItsOldTimerButAReisolatedOneIs() throws IOException {
    IsolationStore store = new IsolationStore(dir.resolve("isolations.json"));
    ActiveIsolation first = new ActiveIsolation("abc123", "web", "cmd-1", List.of("veth1"), 1_000L);
    ActiveIsolation second =
        new ActiveIsolation("abc123", "web", "cmd-2", List.of("veth1"), 9_000L);
    store.put(first);
    store.put(second);

    assertThat(store.remove(first)).isFalse();
    assertThat(store.all()).containsExactly(second);

    // A re-isolation after a restart records the new veths; the TTL timer still owns the entry.
    store.put(second.withHostInterfaces(List.of("veth9")));
    assertThat(store.isCurrent(second)).isTrue();
    assertThat(store.remove(second)).isTrue();
    assertThat(store.all()).isEmpty();
  }

  @Test
  void anEntryOfAnOlderCollectorIsReadAsAnIsolationWithoutRecordedInterfaces() throws IOException {
    Path file = dir.resolve("old.json");
    Files.writeString(
        file,
        "[ {\"containerId\" : \"abc\", \"containerName\" : \"web\", \"commandId\" : \"cmd-1\","
            + " \"veth\" : \"veth1\", \"restoreAtEpochMillis\" : 5000 } ]");

    assertThat(new IsolationStore(file).load())
        .containsExactly(new ActiveIsolation("abc", "web", "cmd-1", List.of(), 5000L));
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

  @Test
  void readsDoNotWaitForAWriteInProgressAndAFailedWriteChangesNothing() throws Exception {
    IsolationStore store = new IsolationStore(dir.resolve("isolations.json"));
    ActiveIsolation web = new ActiveIsolation("abc123", "web", "cmd-1", List.of("veth1"), 1_000L);
    store.put(web);

    CompletableFuture<Boolean> read = new CompletableFuture<>();
    synchronized (store) { // as a writer holds it while its file is forced to disk
      Thread reader =
          new Thread(
              () ->
                  read.complete(
                      store.isCurrent(web)
                          && store.get("abc123").isPresent()
                          && store.all().size() == 1));
      reader.start();
      assertThat(read.get(5, TimeUnit.SECONDS)).isTrue();
    }

    Files.delete(dir.resolve("isolations.json"));
    Files.createDirectory(dir.resolve("isolations.json")); // the next replace cannot succeed
    ActiveIsolation db = new ActiveIsolation("def456", "db", "cmd-2", List.of("veth3"), 0L);
    assertThatThrownBy(() -> store.put(db)).isInstanceOf(IOException.class);
    assertThat(store.get("def456")).as("not on disk: not in force").isEmpty();
    assertThat(store.all()).containsExactly(web);
  }
}
