package io.porthole.analyzer.images;

import io.porthole.proto.CollectorHeartbeat;
import io.porthole.proto.ContainerAction;
import io.porthole.proto.ContainerEvent;
import io.porthole.proto.EventEnvelope;
import io.porthole.proto.ImageSummary;
import io.porthole.proto.SyscallEvent;
import io.porthole.wire.Timestamps;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * The first stage of the per-image view: folds one analyzer instance's container events, syscall
 * batches and heartbeats into bounded per-(image, host) outcome summaries, and hands out the
 * summaries that changed since the last call, ready to publish keyed by image id.
 */
public final class ImageSummaryBuilder {

  /** Bounds of the state; everything older than {@code window} is forgotten. */
  public record Limits(Duration window, int maxSummaries, int maxContainers, int maxOutcomes) {
    public Limits {
      Objects.requireNonNull(window, "window");
      if (maxSummaries < 1 || maxContainers < 1 || maxOutcomes < 1) {
        throw new IllegalArgumentException("limits must be at least 1");
      }
    }
  }

  private final Limits limits;
  // host/container -> the image it runs; syscall batches carry no image, the lifecycle events do.
  private final Map<String, ContainerImage> containers;
  private final Map<String, String> kernels;
  private final Map<String, HostImage> summaries;
  private final Set<String> changed = new LinkedHashSet<>();
  private long batchesOfUnknownContainers;

  private record ContainerImage(String imageId, String image, String name) {}

  public ImageSummaryBuilder(Limits limits) {
    this.limits = Objects.requireNonNull(limits, "limits");
    this.containers = Lru.of(limits.maxContainers());
    this.kernels = Lru.of(limits.maxSummaries());
    this.summaries = Lru.of(limits.maxSummaries());
  }

  /** Remembers the host's kernel; its summaries are published again when it changed. */
  public void onHeartbeat(CollectorHeartbeat heartbeat) {
    String kernel = heartbeat.getKernelVersion();
    if (heartbeat.getHostId().isEmpty()
        || kernel.equals(kernels.put(heartbeat.getHostId(), kernel))) {
      return;
    }
    for (Map.Entry<String, HostImage> entry : summaries.entrySet()) {
      if (entry.getValue().hostId().equals(heartbeat.getHostId())) {
        changed.add(entry.getKey());
      }
    }
  }

  /** {@link #onContainerEvent(EventEnvelope, int)} of a single-partition topic. */
  public void onContainerEvent(EventEnvelope envelope) {
    onContainerEvent(envelope, 0);
  }

  /**
   * Lifecycle events say which image a container runs, and how its main process ended.
   *
   * @param partition the partition it was read from: one summary per partition it came from
   */
  public void onContainerEvent(EventEnvelope envelope, int partition) {
    ContainerEvent event = envelope.getContainerEvent();
    String containerKey = envelope.getHostId() + "/" + envelope.getContainerId();
    ContainerImage image = containers.get(containerKey);
    if (!event.getImageId().isEmpty()) {
      image = new ContainerImage(event.getImageId(), event.getImage(), event.getName());
      containers.put(containerKey, image);
    }
    if (image == null) {
      return;
    }
    Instant time = Timestamps.toInstant(envelope.getTime());
    HostImage summary = summary(image, envelope.getHostId(), partition);
    summary.sawContainer(envelope.getContainerId(), time);
    String name = event.getName().isEmpty() ? image.name() : event.getName();
    if (event.getAction() == ContainerAction.DIE && event.hasExitCode()) {
      summary.exited(
          envelope.getContainerId(),
          name,
          event.getExitCode(),
          event.getOomKilled(),
          time,
          envelope.getEventId());
    } else if (event.getAction() == ContainerAction.OOM) {
      summary.oomKilled(envelope.getContainerId(), time);
    }
    changed.add(key(image.imageId(), envelope.getHostId(), partition));
  }

  /** {@link #onSyscalls(EventEnvelope, int)} of a single-partition topic. */
  public void onSyscalls(EventEnvelope envelope) {
    onSyscalls(envelope, 0);
  }

  /**
   * Every traced syscall becomes an outcome (failing or not) of the container's image on its host.
   */
  public void onSyscalls(EventEnvelope envelope, int partition) {
    ContainerImage image = containers.get(envelope.getHostId() + "/" + envelope.getContainerId());
    if (image == null) {
      batchesOfUnknownContainers++;
      return;
    }
    List<SyscallEvent> calls = envelope.getSyscalls().getSyscallsList();
    if (calls.isEmpty()) {
      return;
    }
    HostImage summary = summary(image, envelope.getHostId(), partition);
    for (SyscallEvent call : calls) {
      Instant time =
          call.hasTime()
              ? Timestamps.toInstant(call.getTime())
              : Timestamps.toInstant(envelope.getTime());
      summary.sawContainer(envelope.getContainerId(), time);
      summary.syscall(envelope.getContainerId(), call, time, envelope.getEventId());
    }
    changed.add(key(image.imageId(), envelope.getHostId(), partition));
  }

  /**
   * The summaries that changed since the last call, with what fell out of the window forgotten.
   * Summaries left with no container in the window are dropped without being published.
   */
  public List<ImageSummary> drainChanged(Instant now) {
    Instant horizon = now.minus(limits.window());
    List<ImageSummary> out = new ArrayList<>();
    for (String key : changed) {
      HostImage summary = summaries.get(key);
      if (summary == null) {
        continue;
      }
      summary.forgetBefore(horizon);
      if (summary.isEmpty()) {
        summaries.remove(key);
        continue;
      }
      out.add(summary.toProto(kernels.getOrDefault(summary.hostId(), ""), now));
    }
    changed.clear();
    return out;
  }

  /** Forgets what left the window in summaries that did not change (call now and then). */
  public void expire(Instant now) {
    Instant horizon = now.minus(limits.window());
    for (Iterator<HostImage> it = summaries.values().iterator(); it.hasNext(); ) {
      HostImage summary = it.next();
      summary.forgetBefore(horizon);
      if (summary.isEmpty()) {
        it.remove();
      }
    }
  }

  /** Syscall batches skipped because no lifecycle event named the container's image yet. */
  public long batchesOfUnknownContainers() {
    return batchesOfUnknownContainers;
  }

  public int summaries() {
    return summaries.size();
  }

  /** Forgets everything (a consumer rebalance: the state is rebuilt by re-reading the window). */
  public void reset() {
    containers.clear();
    summaries.clear();
    changed.clear();
  }

  private HostImage summary(ContainerImage image, String hostId, int partition) {
    HostImage summary =
        summaries.computeIfAbsent(
            key(image.imageId(), hostId, partition),
            k -> new HostImage(image.imageId(), hostId, partition, limits.maxOutcomes()));
    summary.image(image.image());
    return summary;
  }

  private static String key(String imageId, String hostId, int partition) {
    return imageId + "\n" + hostId + "\n" + partition;
  }
}
