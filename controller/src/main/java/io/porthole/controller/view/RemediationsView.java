package io.porthole.controller.view;

import io.porthole.proto.ArtifactChunk;
import io.porthole.proto.RemediationAction;
import io.porthole.proto.RemediationCommand;
import io.porthole.proto.RemediationResult;
import io.porthole.proto.RemediationStatus;
import io.porthole.runtime.security.CommandSigner;
import io.porthole.runtime.security.CommandVerifier;
import io.porthole.wire.Timestamps;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.EnumMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Remediations from the commands this controller issued and the results collectors returned, with
 * the artifacts (pcap files, extracted files) assembled from their chunks.
 *
 * <p>Only commands signed with this controller's keys are remediations. A result is applied only
 * when it answers such a command: from the host the command was addressed to, naming the SHA-256 of
 * that very command (so a REJECTED result for a forged copy with the same id changes nothing), and
 * only the first final result counts (the artifact chunks of that result still assemble). Anything
 * else is counted by {@link Ignored} reason and logged, not applied. Follow-ups from the addressed
 * host are appended to the remediation's events. Commands and results come from two topics, so
 * while the views are loading a result may be read before its command: it is held (bounded) until
 * the command arrives or the views have caught up.
 *
 * <p>Bounded in count and in artifact bytes: an artifact announcing more than the per-artifact
 * bound is not held at all, and beyond the total bound the oldest artifacts' bytes are dropped
 * first (their metadata stays).
 */
public final class RemediationsView {

  /** Why a result was not applied. */
  public enum Ignored {
    /** No command of this controller has its id (forged, or the command is long gone). */
    UNKNOWN_COMMAND,
    /** From another host than the one the command was addressed to. */
    OTHER_HOST,
    /**
     * Does not name the SHA-256 of the command issued (it answers another command with the same
     * id).
     */
    NOT_THIS_COMMAND,
    /** The command already has its final result. */
    AFTER_FINAL
  }

  /** What became of a result. */
  public enum Outcome {
    /** The command's final result (the first one): the views act on it. */
    FINAL,
    /** Applied without being the final one: a RUNNING status, an artifact chunk, a duplicate. */
    APPLIED,
    /**
     * A later event of the command from its host (e.g. re-isolated after a restart): recorded as an
     * event, the command's status unchanged; the containers view acts on it.
     */
    FOLLOW_UP,
    /** Held until its command is read. */
    HELD,
    /** Not applied (counted). */
    IGNORED
  }

  /** More chunks than this is not an artifact a collector sends. */
  static final int MAX_CHUNKS = 1 << 20;

  /** Follow-up events kept per remediation (the oldest are dropped). */
  static final int MAX_EVENTS = 100;

  /** Results held for commands not read yet while loading. */
  static final int MAX_HELD_RESULTS = 10_000;

  private static final Logger LOG = LoggerFactory.getLogger(RemediationsView.class);
  private static final String TTL_RESTORE_SUFFIX = "-ttl-restore";

  private final CommandVerifier issuedCommands;
  private final RecencyMap<String, Entry> entries;
  private final LinkedHashMap<String, ArtifactAssembly> artifactsByAge = new LinkedHashMap<>();
  private final LinkedHashMap<String, List<RemediationResult>> held = new LinkedHashMap<>();
  private final long maxArtifactBytes;
  private final long maxOneArtifactBytes;
  private final EnumMap<Ignored, Long> ignored = new EnumMap<>(Ignored.class);
  private int heldResults;
  private long heldBytes;
  private long artifactBytes;
  private long rejectedChunks;
  private long unverifiedCommands;
  private boolean caughtUp;

  public RemediationsView(
      CommandVerifier issuedCommands,
      int maxRemediations,
      long maxArtifactBytes,
      long maxOneArtifactBytes) {
    this.issuedCommands = Objects.requireNonNull(issuedCommands, "issuedCommands");
    this.entries = new RecencyMap<>(maxRemediations);
    this.maxArtifactBytes = maxArtifactBytes;
    this.maxOneArtifactBytes = Math.min(maxOneArtifactBytes, maxArtifactBytes);
    Arrays.stream(Ignored.values()).forEach(reason -> ignored.put(reason, 0L));
  }

  /**
   * A command read from the topic (or just issued): a remediation when it is signed with our keys.
   *
   * @return the held results (read before the command while loading) that became its final result
   *     or were accepted as its follow-ups, in the order read (a follow-up has {@code follow_up})
   */
  public synchronized List<RemediationResult> onCommand(RemediationCommand command) {
    if (command.getCommandId().isEmpty()) {
      return List.of();
    }
    Optional<String> problem = issuedCommands.signatureProblem(command);
    if (problem.isPresent()) {
      unverifiedCommands++;
      if (unverifiedCommands <= 100 || unverifiedCommands % 1000 == 0) {
        LOG.warn(
            "command {} on the commands topic is not one of this controller's ({}; {} so "
                + "far): ignored",
            command.getCommandId(),
            problem.get(),
            unverifiedCommands);
      }
      return List.of();
    }
    Entry existing = entries.get(command.getCommandId());
    if (existing != null && existing.command != null) {
      return List.of();
    }
    Entry entry = entry(command.getCommandId());
    entry.command = command;
    entry.hostId = command.getHostId();
    entry.digest = CommandSigner.digest(command);
    List<RemediationResult> accepted = new ArrayList<>();
    release(command.getCommandId(), accepted);
    return accepted;
  }

  /**
   * Results held for a final result that just arrived (a TTL restore read before its isolation's
   * result while loading), applied now.
   *
   * @return those of them that became final results or accepted follow-ups, in the order read
   */
  public synchronized List<RemediationResult> releaseWaitingOn(RemediationResult finalResult) {
    List<RemediationResult> accepted = new ArrayList<>();
    release(finalResult.getCommandId() + TTL_RESTORE_SUFFIX, accepted);
    return accepted;
  }

  /** Forgets a command that could not be written to Kafka (it was never issued). */
  public synchronized void forget(String commandId) {
    Entry entry = entries.get(commandId);
    if (entry != null && entry.latestResult == null) {
      entries.remove(commandId);
      dropArtifact(commandId);
    }
  }

  public synchronized Outcome onResult(RemediationResult result) {
    String id = result.getCommandId();
    if (id.isEmpty()) {
      return ignore(Ignored.UNKNOWN_COMMAND, result, "it names no command");
    }
    Entry entry = entries.get(id);
    if (entry == null || entry.hostId == null) {
      entry = ttlRestoreEntry(result);
    }
    if (entry == null) {
      return hold(result);
    }
    if (!entry.hostId.equals(result.getHostId())) {
      return ignore(
          Ignored.OTHER_HOST, result, "the command was addressed to host '" + entry.hostId + "'");
    }
    if (entry.digest != null
        && !Arrays.equals(entry.digest, result.getCommandSha256().toByteArray())) {
      return ignore(
          Ignored.NOT_THIS_COMMAND, result, "it does not name the SHA-256 of the command issued");
    }
    if (!result.getFollowUp().isEmpty()) {
      entry.addEvent(result);
      return Outcome.FOLLOW_UP;
    }
    if (entry.finalResult != null) {
      return afterFinal(id, entry, result);
    }
    entry.latestResult = result;
    if (!isFinal(result.getStatus())) {
      return Outcome.APPLIED;
    }
    entry.finalResult = result;
    if (result.hasArtifact()) {
      addChunk(id, entry, result.getArtifact());
    }
    return Outcome.FINAL;
  }

  /**
   * The views have read every topic to its end: results still waiting for a command never get one.
   */
  public synchronized void onCaughtUp() {
    caughtUp = true;
    for (List<RemediationResult> results : held.values()) {
      results.forEach(
          r -> ignore(Ignored.UNKNOWN_COMMAND, r, "no command of this controller has its id"));
    }
    held.clear();
    heldResults = 0;
    heldBytes = 0;
  }

  public synchronized Optional<Remediation> get(String id) {
    Entry entry = entries.get(id);
    return entry == null ? Optional.empty() : Optional.of(entry.snapshot());
  }

  /** The most recently issued first, at most {@code limit}. */
  public synchronized List<Remediation> recent(int limit) {
    return entries.values().stream()
        .map(Entry::snapshot)
        .sorted(Comparator.comparing(RemediationsView::requestedAt).reversed())
        .limit(limit)
        .toList();
  }

  /**
   * The artifact's chunks, to be streamed.
   *
   * @return empty when the remediation is unknown or returned no artifact
   * @throws IllegalStateException naming why the bytes cannot be given (incomplete, evicted, size)
   */
  public synchronized Optional<ArtifactContent> artifactContent(String id) {
    Entry entry = entries.get(id);
    if (entry == null || entry.artifact == null) {
      return Optional.empty();
    }
    return Optional.of(entry.artifact.content());
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

  /** Results not applied, by reason. */
  public synchronized Map<Ignored, Long> ignoredResults() {
    return new EnumMap<>(ignored);
  }

  public synchronized long ignoredResults(Ignored reason) {
    return ignored.get(reason);
  }

  /** Commands on the topic that were not signed with this controller's keys. */
  public synchronized long unverifiedCommands() {
    return unverifiedCommands;
  }

  /** Results held while loading, waiting for their command. */
  public synchronized int heldResults() {
    return heldResults;
  }

  private Outcome afterFinal(String id, Entry entry, RemediationResult result) {
    RemediationResult accepted = entry.finalResult;
    boolean sameOutcome =
        result.getStatus() == accepted.getStatus()
            && result.getDetail().equals(accepted.getDetail())
            && result.getDryRun() == accepted.getDryRun()
            && result.getInterface().equals(accepted.getInterface());
    if (!sameOutcome) {
      return ignore(Ignored.AFTER_FINAL, result, "the command already has its final result");
    }
    // Another chunk of the accepted final result, or a redelivered copy of it.
    if (result.hasArtifact()) {
      addChunk(id, entry, result.getArtifact());
    }
    return Outcome.APPLIED;
  }

  /**
   * The restore an isolation with a TTL does by itself is published under {@code <id>-ttl-restore}:
   * it belongs to that isolation when the isolation succeeded with a restore time, on the same
   * host.
   */
  private Entry ttlRestoreEntry(RemediationResult result) {
    String id = result.getCommandId();
    if (!id.endsWith(TTL_RESTORE_SUFFIX)
        || result.getAction() != RemediationAction.RESTORE_NETWORK) {
      return null;
    }
    Entry isolation = entries.get(id.substring(0, id.length() - TTL_RESTORE_SUFFIX.length()));
    if (isolation == null
        || isolation.finalResult == null
        || !isolation.finalResult.hasRestoreAt()
        || isolation.finalResult.getStatus() != RemediationStatus.SUCCEEDED) {
      return null;
    }
    Entry restore = entry(id);
    restore.hostId = isolation.hostId;
    return restore;
  }

  private Outcome hold(RemediationResult result) {
    if (caughtUp) {
      return ignore(Ignored.UNKNOWN_COMMAND, result, "no command of this controller has its id");
    }
    long bytes = result.hasArtifact() ? result.getArtifact().getData().size() : 0;
    held.computeIfAbsent(result.getCommandId(), k -> new ArrayList<>()).add(result);
    heldResults++;
    heldBytes += bytes;
    Iterator<Map.Entry<String, List<RemediationResult>>> oldest = held.entrySet().iterator();
    while ((heldResults > MAX_HELD_RESULTS || heldBytes > maxArtifactBytes) && oldest.hasNext()) {
      List<RemediationResult> dropped = oldest.next().getValue();
      oldest.remove();
      for (RemediationResult r : dropped) {
        heldResults--;
        heldBytes -= r.hasArtifact() ? r.getArtifact().getData().size() : 0;
        ignore(
            Ignored.UNKNOWN_COMMAND, r, "no command of this controller has its id (held too long)");
      }
    }
    return Outcome.HELD;
  }

  private void release(String id, List<RemediationResult> accepted) {
    List<RemediationResult> waiting = held.remove(id);
    if (waiting == null) {
      return;
    }
    for (RemediationResult result : waiting) {
      heldResults--;
      heldBytes -= result.hasArtifact() ? result.getArtifact().getData().size() : 0;
      Outcome outcome = onResult(result);
      if (outcome == Outcome.FINAL) {
        accepted.add(result);
        release(result.getCommandId() + TTL_RESTORE_SUFFIX, accepted);
      } else if (outcome == Outcome.FOLLOW_UP) {
        accepted.add(result);
      }
    }
  }

  private Outcome ignore(Ignored reason, RemediationResult result, String why) {
    long count = ignored.merge(reason, 1L, Long::sum);
    long total = ignored.values().stream().mapToLong(Long::longValue).sum();
    if (total <= 100 || total % 1000 == 0) {
      LOG.warn(
          "result {} of command '{}' from host '{}' ignored: {} ({}; {} so far)",
          result.getStatus(),
          result.getCommandId(),
          result.getHostId(),
          why,
          reason,
          count);
    }
    return Outcome.IGNORED;
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
              && chunk.getTotalSize() <= maxOneArtifactBytes;
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
    return result != null && result.hasStartedAt()
        ? Timestamps.toInstant(result.getStartedAt())
        : Instant.EPOCH;
  }

  static boolean isFinal(RemediationStatus status) {
    return status == RemediationStatus.SUCCEEDED
        || status == RemediationStatus.FAILED
        || status == RemediationStatus.REJECTED;
  }

  private static final class Entry {
    final String id;
    RemediationCommand command;

    /** The host the command was addressed to: results from any other are not applied. */
    String hostId;

    /**
     * SHA-256 of the command issued (null for a TTL restore, which answers no command of its own).
     */
    byte[] digest;

    RemediationResult latestResult;
    RemediationResult finalResult;
    ArtifactAssembly artifact;
    final ArrayDeque<Remediation.Event> events = new ArrayDeque<>();

    Entry(String id) {
      this.id = id;
    }

    void addEvent(RemediationResult result) {
      Instant at =
          result.hasFinishedAt()
              ? Timestamps.toInstant(result.getFinishedAt())
              : result.hasStartedAt() ? Timestamps.toInstant(result.getStartedAt()) : null;
      events.addLast(new Remediation.Event(at, result.getHostId(), result.getFollowUp()));
      if (events.size() > MAX_EVENTS) {
        events.removeFirst();
      }
    }

    Remediation snapshot() {
      RemediationStatus status =
          latestResult == null ? RemediationStatus.PENDING : latestResult.getStatus();
      return new Remediation(
          id,
          command,
          status,
          latestResult,
          artifact == null ? null : artifact.info(),
          List.copyOf(events));
    }
  }
}
