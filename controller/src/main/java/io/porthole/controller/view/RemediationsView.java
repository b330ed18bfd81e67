package io.porthole.controller.view;

import io.porthole.proto.ArtifactChunk;
import io.porthole.proto.RemediationCommand;
import io.porthole.proto.RemediationResult;
import io.porthole.proto.RemediationStatus;
import io.porthole.wire.Timestamps;
import java.time.Instant;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Optional;

/**
 * Remediations from the commands issued and the results collectors returned, with the artifacts
 * (pcap files, extracted files) assembled from their chunks. Commands and results come from two
 * topics, so either may be read first. Bounded in count and in artifact bytes: the oldest artifacts'
 * bytes are dropped first (their metadata stays).
 */
public final class RemediationsView {

  /** More chunks than this is not an artifact a collector sends. */
  static final int MAX_CHUNKS = 1 << 20;

  private final RecencyMap<String, Entry> entries;
  private final LinkedHashMap<String, ArtifactAssembly> artifactsByAge = new LinkedHashMap<>();
  private final long maxArtifactBytes;
  private long artifactBytes;
  private long rejectedChunks;

  public RemediationsView(int maxRemediations, long maxArtifactBytes) {
    this.entries = new RecencyMap<>(maxRemediations);
    this.maxArtifactBytes = maxArtifactBytes;
  }

  public synchronized void onCommand(RemediationCommand command) {
    if (command.getCommandId().isEmpty()) {
      return;
    }
    Entry entry = entry(command.getCommandId());
    entry.command = command;
  }

  public synchronized void onResult(RemediationResult result) {
    if (result.getCommandId().isEmpty()) {
      return;
    }
    Entry entry = entry(result.getCommandId());
    boolean downgrade = entry.final_() && !isFinal(result.getStatus());
    if (!downgrade) {
      entry.latestResult = result;
    }
    if (result.hasArtifact()) {
      addChunk(result.getCommandId(), entry, result.getArtifact());
    }
  }

  public synchronized Optional<Remediation> get(String id) {
    Entry entry = entries.get(id);
    return entry == null ? Optional.empty() : Optional.of(entry.snapshot(id));
  }

  /** The most recently issued first, at most {@code limit}. */
  public synchronized List<Remediation> recent(int limit) {
    return entries.values().stream()
        .map(e -> e.snapshot(e.id))
        .sorted(Comparator.comparing(RemediationsView::requestedAt).reversed())
        .limit(limit)
        .toList();
  }

  /**
   * The artifact's bytes.
   *
   * @return empty when the remediation is unknown or returned no artifact
   * @throws IllegalStateException naming why the bytes cannot be given (incomplete, evicted, hash)
   */
  public synchronized Optional<byte[]> artifactBytes(String id) {
    Entry entry = entries.get(id);
    if (entry == null || entry.artifact == null) {
      return Optional.empty();
    }
    return Optional.of(entry.artifact.bytes());
  }

  public synchronized int size() {
    return entries.size();
  }

  public synchronized long artifactBytesHeld() {
    return artifactBytes;
  }

  /** Chunks that did not fit the artifact they claimed to belong to. */
  public synchronized long rejectedChunks() {
    return rejectedChunks;
  }

  private Entry entry(String id) {
    Entry entry = entries.get(id);
    if (entry == null) {
      entry = new Entry(id);
    }
    var evicted = entries.put(id, entry);
    if (evicted != null && evicted.getValue().artifact != null) {
      dropArtifact(evicted.getKey());
    }
    return entry;
  }

  private void addChunk(String id, Entry entry, ArtifactChunk chunk) {
    if (entry.artifact == null) {
      boolean keep =
          chunk.getTotal() >= 1
              && chunk.getTotal() <= MAX_CHUNKS
              && chunk.getTotalSize() <= maxArtifactBytes;
      entry.artifact = new ArtifactAssembly(chunk, keep);
      if (keep) {
        artifactsByAge.put(id, entry.artifact);
      }
    }
    long before = entry.artifact.bytesHeld();
    if (entry.artifact.add(chunk) != null) {
      rejectedChunks++;
      return;
    }
    artifactBytes += entry.artifact.bytesHeld() - before;
    while (artifactBytes > maxArtifactBytes && !artifactsByAge.isEmpty()) {
      dropArtifact(artifactsByAge.keySet().iterator().next());
    }
  }

  private void dropArtifact(String id) {
    ArtifactAssembly artifact = artifactsByAge.remove(id);
    if (artifact != null) {
      artifactBytes -= artifact.bytesHeld();
      artifact.evict();
    }
  }

  private static Instant requestedAt(Remediation remediation) {
    if (remediation.command() != null && remediation.command().hasIssuedAt()) {
      return Timestamps.toInstant(remediation.command().getIssuedAt());
    }
    RemediationResult result = remediation.latestResult();
    return result != null && result.hasStartedAt() ? Timestamps.toInstant(result.getStartedAt()) : Instant.EPOCH;
  }

  static boolean isFinal(RemediationStatus status) {
    return status == RemediationStatus.SUCCEEDED
        || status == RemediationStatus.FAILED
        || status == RemediationStatus.REJECTED;
  }

  private static final class Entry {
    final String id;
    RemediationCommand command;
    RemediationResult latestResult;
    ArtifactAssembly artifact;

    Entry(String id) {
      this.id = id;
    }

    boolean final_() {
      return latestResult != null && isFinal(latestResult.getStatus());
    }

    Remediation snapshot(String id) {
      RemediationStatus status =
          latestResult == null ? RemediationStatus.PENDING : latestResult.getStatus();
      return new Remediation(
          id, command, status, latestResult, artifact == null ? null : artifact.info());
    }
  }
}
