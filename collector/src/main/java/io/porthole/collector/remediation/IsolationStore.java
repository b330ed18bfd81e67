package io.porthole.collector.remediation;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Pending TTL restores, one per container, kept in a small JSON file so that a collector restart
 * does not leave a container isolated for ever. Every change rewrites the file atomically
 * (temporary file, then rename). Thread-safe; blocking file I/O.
 */
public final class IsolationStore {

  private static final TypeReference<List<PendingRestore>> LIST = new TypeReference<>() {};

  private final Path file;
  private final ObjectMapper json = new ObjectMapper();
  private final Map<String, PendingRestore> byContainer = new LinkedHashMap<>();

  public IsolationStore(Path file) {
    this.file = Objects.requireNonNull(file, "file");
  }

  /**
   * Reads the file (a missing file is an empty store).
   *
   * @throws IOException when the file exists but is not a list of pending restores, naming it
   */
  public synchronized List<PendingRestore> load() throws IOException {
    byContainer.clear();
    if (Files.exists(file)) {
      List<PendingRestore> entries;
      try {
        entries = json.readValue(file.toFile(), LIST);
      } catch (IOException e) {
        throw new IOException("cannot read pending restores from " + file + ": " + e.getMessage(), e);
      }
      for (PendingRestore entry : entries) {
        byContainer.put(entry.containerId(), entry);
      }
    }
    return List.copyOf(byContainer.values());
  }

  /** Records (or replaces) the pending restore of a container. */
  public synchronized void put(PendingRestore restore) throws IOException {
    byContainer.put(restore.containerId(), restore);
    write();
  }

  /** Forgets the pending restore of a container; true when there was one. */
  public synchronized boolean remove(String containerId) throws IOException {
    boolean removed = byContainer.remove(containerId) != null;
    if (removed) {
      write();
    }
    return removed;
  }

  /** Forgets the entry only if it is still this one (a later isolation may have replaced it). */
  public synchronized boolean remove(PendingRestore restore) throws IOException {
    boolean removed = byContainer.remove(restore.containerId(), restore);
    if (removed) {
      write();
    }
    return removed;
  }

  public synchronized List<PendingRestore> all() {
    return List.copyOf(byContainer.values());
  }

  private void write() throws IOException {
    Files.createDirectories(file.toAbsolutePath().getParent());
    Path temporary = file.resolveSibling(file.getFileName() + ".tmp");
    json.writerWithDefaultPrettyPrinter().writeValue(temporary.toFile(), new ArrayList<>(byContainer.values()));
    try {
      Files.move(temporary, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    } catch (AtomicMoveNotSupportedException e) {
      Files.move(temporary, file, StandardCopyOption.REPLACE_EXISTING);
    }
  }
}
