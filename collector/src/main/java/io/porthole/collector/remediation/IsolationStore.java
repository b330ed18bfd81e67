package io.porthole.collector.remediation;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.porthole.collector.DurableFile;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * The isolations in force on this host, one per container, kept in a small JSON file so that a
 * collector restart neither leaves a container isolated for ever (its TTL restore still happens)
 * nor forgets to re-isolate a container that restarts. Every change rewrites the file atomically
 * (temporary file forced to disk, then rename), before the change it records is made. Entries
 * written by older collectors (one {@code veth}, a TTL) are read as isolations without a recorded
 * interface list. Thread-safe: changes are serialised and written (blocking file I/O, on a worker)
 * before they become visible; reads take no lock and never wait for a write's fsync, so an event
 * loop may read (a container started, a restore's retry deciding whether to go on).
 */
public final class IsolationStore {

  private static final TypeReference<List<ActiveIsolation>> LIST = new TypeReference<>() {};

  private final Path file;
  private final ObjectMapper json =
      new ObjectMapper().configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false);

  /** What the file holds, replaced (never changed) once a change is on disk. */
  private volatile Map<String, ActiveIsolation> byContainer = Map.of();

  public IsolationStore(Path file) {
    this.file = Objects.requireNonNull(file, "file");
  }

  /**
   * Reads the file (a missing file is an empty store).
   *
   * @throws IOException when the file exists but is not a list of isolations, naming it
   */
  public synchronized List<ActiveIsolation> load() throws IOException {
    Map<String, ActiveIsolation> loaded = new LinkedHashMap<>();
    if (Files.exists(file)) {
      List<ActiveIsolation> entries;
      try {
        entries = json.readValue(file.toFile(), LIST);
      } catch (IOException e) {
        throw new IOException(
            "cannot read the isolations in force from " + file + ": " + e.getMessage(), e);
      }
      for (ActiveIsolation entry : entries) {
        loaded.put(entry.containerId(), entry);
      }
    }
    byContainer = Collections.unmodifiableMap(loaded);
    return List.copyOf(loaded.values());
  }

  /** Records (or replaces) the isolation of a container. */
  public synchronized void put(ActiveIsolation isolation) throws IOException {
    Map<String, ActiveIsolation> next = new LinkedHashMap<>(byContainer);
    next.put(isolation.containerId(), isolation);
    write(next);
  }

  /** Forgets the isolation of a container; true when there was one. */
  public synchronized boolean remove(String containerId) throws IOException {
    if (!byContainer.containsKey(containerId)) {
      return false;
    }
    Map<String, ActiveIsolation> next = new LinkedHashMap<>(byContainer);
    next.remove(containerId);
    write(next);
    return true;
  }

  /**
   * Forgets the entry only if it is still the isolation of the same command with the same restore
   * time (a later isolation may have replaced it; a re-isolation only updates its interfaces).
   */
  public synchronized boolean remove(ActiveIsolation isolation) throws IOException {
    return isCurrent(isolation) && remove(isolation.containerId());
  }

  /** Whether {@code isolation} is still the one in force for its container. */
  public boolean isCurrent(ActiveIsolation isolation) {
    ActiveIsolation current = byContainer.get(isolation.containerId());
    return current != null
        && current.commandId().equals(isolation.commandId())
        && current.restoreAtEpochMillis() == isolation.restoreAtEpochMillis();
  }

  public Optional<ActiveIsolation> get(String containerId) {
    return Optional.ofNullable(byContainer.get(containerId));
  }

  public List<ActiveIsolation> all() {
    return List.copyOf(byContainer.values());
  }

  /**
   * Writes {@code next} durably, then makes it what readers see; a failed write changes nothing.
   */
  private void write(Map<String, ActiveIsolation> next) throws IOException {
    DurableFile.replace(
        file,
        json.writerWithDefaultPrettyPrinter().writeValueAsBytes(new ArrayList<>(next.values())));
    byContainer = Collections.unmodifiableMap(next);
  }
}
