package io.porthole.analyzer.images;

import io.porthole.analyzer.rules.AlertIds;
import io.porthole.analyzer.rules.RuleSettings;
import io.porthole.proto.Alert;
import io.porthole.proto.Evidence;
import io.porthole.proto.ImageSummary;
import io.porthole.proto.RemediationAction;
import io.porthole.proto.Rule;
import io.porthole.proto.Severity;
import io.porthole.proto.SuggestedRemediation;
import io.porthole.wire.Timestamps;
import io.porthole.wire.Topic;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Collectors;

/**
 * S5 across hosts: containers of one image (same image id) show a failing outcome on one host (a
 * syscall/path/errno triple, a non-zero exit code, an OOM kill) that no container of that image
 * shows on another host within the window. One alert per (image, diverging host, reference host);
 * it is published again, with the same id, when the set of differing outcomes or a kernel changes.
 */
public final class HostDivergenceRule {

  /** Configuration: {@code rule.host.divergence.*}. */
  public record Config(RuleSettings settings, Duration window, int minimumSample, int maxImages) {
    public static final String PREFIX = "rule.host.divergence";
    public static final Set<String> KEYS =
        Set.of(
            PREFIX + ".enabled",
            PREFIX + ".severity",
            PREFIX + ".window",
            PREFIX + ".minimum.sample",
            PREFIX + ".max.images");

    public Config {
      Objects.requireNonNull(settings, "settings");
      Objects.requireNonNull(window, "window");
      if (minimumSample < 1 || maxImages < 1) {
        throw new IllegalArgumentException("minimumSample and maxImages must be at least 1");
      }
    }

    public static Config defaults() {
      return new Config(RuleSettings.enabled(Severity.MEDIUM), Duration.ofMinutes(15), 1, 10_000);
    }
  }

  static final int MAX_HOSTS_PER_IMAGE = 64;
  private static final int MAX_ALERTS_PER_IMAGE = 16;
  private static final int MAX_EVIDENCE_OUTCOMES = 8;

  private final Config config;
  // image id -> host -> source partition -> newest summary (one per analyzer partition it came
  // from)
  private final Map<String, Map<String, Map<Integer, ImageSummary>>> images;
  // alert id -> what its last published version said; bounded like the images.
  private final Map<String, String> published;

  public HostDivergenceRule(Config config) {
    this.config = Objects.requireNonNull(config, "config");
    this.images = Lru.of(config.maxImages());
    this.published = Lru.of(config.maxImages() * 4);
  }

  /**
   * Keeps the newest summary of (image, host, source partition) and returns the alerts that are new
   * or changed; a host's view of an image is the merge of its partitions' summaries.
   */
  public List<Alert> onSummary(ImageSummary summary, Instant now) {
    if (!config.settings().enabled()
        || summary.getImageId().isEmpty()
        || summary.getHostId().isEmpty()) {
      return List.of();
    }
    Map<String, Map<Integer, ImageSummary>> hosts =
        images.computeIfAbsent(summary.getImageId(), k -> new TreeMap<>());
    Map<Integer, ImageSummary> shards =
        hosts.computeIfAbsent(summary.getHostId(), k -> new TreeMap<>());
    ImageSummary previous = shards.get(summary.getSourcePartition());
    if (previous != null && updatedAt(previous).isAfter(updatedAt(summary))) {
      return List.of();
    }
    shards.put(summary.getSourcePartition(), summary);
    if (hosts.size() > MAX_HOSTS_PER_IMAGE) {
      hosts.entrySet().stream()
          .min(
              Comparator.comparing(
                  (Map.Entry<String, Map<Integer, ImageSummary>> e) ->
                      newest(e.getValue().values())))
          .map(Map.Entry::getKey)
          .ifPresent(hosts::remove);
    }
    return evaluate(hosts, now);
  }

  /** How many images the rule holds state for. */
  public int images() {
    return images.size();
  }

  public void reset() {
    images.clear();
    published.clear();
  }

  private List<Alert> evaluate(Map<String, Map<Integer, ImageSummary>> hosts, Instant now) {
    Instant horizon = now.minus(config.window());
    List<HostOutcomes> eligible = new ArrayList<>();
    for (Map<Integer, ImageSummary> shards : hosts.values()) {
      List<ImageSummary> current =
          shards.values().stream().filter(s -> !updatedAt(s).isBefore(horizon)).toList();
      if (current.isEmpty()) {
        continue;
      }
      ImageSummary merged = merge(current);
      if (merged.getContainers() >= config.minimumSample()) {
        eligible.add(HostOutcomes.of(merged, horizon));
      }
    }
    List<Alert> out = new ArrayList<>();
    for (HostOutcomes diverging : eligible) {
      for (HostOutcomes reference : eligible) {
        if (diverging == reference || out.size() >= MAX_ALERTS_PER_IMAGE) {
          continue;
        }
        List<HostOutcomes.Outcome> differing = diverging.failuresAbsentFrom(reference);
        if (differing.isEmpty()) {
          continue;
        }
        // Published again only when what the alert says changes: the differing outcomes or a kernel
        // (not when containers come and go), and built only then.
        String fingerprint =
            differing.stream().map(HostOutcomes.Outcome::label).collect(Collectors.joining("; "))
                + "\n"
                + diverging.summary().getKernelVersion()
                + "\n"
                + reference.summary().getKernelVersion();
        if (!fingerprint.equals(
            published.put(alertId(diverging.summary(), reference.summary()), fingerprint))) {
          out.add(alert(diverging, reference, differing, now));
        }
      }
    }
    return out;
  }

  /** One host's summaries of an image (one per source partition) as one: counts add up. */
  static ImageSummary merge(List<ImageSummary> shards) {
    if (shards.size() == 1) {
      return shards.get(0);
    }
    ImageSummary newest =
        shards.stream().max(Comparator.comparing(HostDivergenceRule::updatedAt)).orElseThrow();
    ImageSummary.Builder merged =
        newest.toBuilder()
            .clearSyscalls()
            .clearExits()
            .setContainers(0)
            .setOomKills(0)
            .setOutcomesDropped(0);
    for (ImageSummary shard : shards) {
      merged
          .addAllSyscalls(shard.getSyscallsList())
          .addAllExits(shard.getExitsList())
          .setContainers(merged.getContainers() + shard.getContainers())
          .setOomKills(merged.getOomKills() + shard.getOomKills())
          .setOutcomesDropped(merged.getOutcomesDropped() + shard.getOutcomesDropped());
    }
    return merged.build();
  }

  private static Instant updatedAt(ImageSummary summary) {
    return Timestamps.toInstant(summary.getUpdatedAt());
  }

  private static Instant newest(Collection<ImageSummary> shards) {
    return shards.stream()
        .map(HostDivergenceRule::updatedAt)
        .max(Comparator.naturalOrder())
        .orElse(Instant.MIN);
  }

  private static String alertId(ImageSummary diverging, ImageSummary reference) {
    return AlertIds.of(
        Rule.HOST_DIVERGENCE,
        diverging.getHostId(),
        "",
        "image:" + diverging.getImageId() + "\nreference:" + reference.getHostId());
  }

  private Alert alert(
      HostOutcomes diverging,
      HostOutcomes reference,
      List<HostOutcomes.Outcome> differing,
      Instant now) {
    ImageSummary b = diverging.summary();
    ImageSummary a = reference.summary();
    String image = b.getImage().isEmpty() ? b.getImageId() : b.getImage();
    List<String> what = differing.stream().map(HostOutcomes.Outcome::label).toList();
    Instant first =
        differing.stream().map(HostOutcomes.Outcome::time).min(Instant::compareTo).orElse(now);
    Instant last =
        differing.stream().map(HostOutcomes.Outcome::time).max(Instant::compareTo).orElse(now);
    int occurrences = differing.stream().mapToInt(HostOutcomes.Outcome::count).sum();
    Alert.Builder alert =
        Alert.newBuilder()
            .setAlertId(alertId(b, a))
            .setRule(Rule.HOST_DIVERGENCE)
            .setSeverity(config.settings().severity())
            .setTitle(
                "Image "
                    + image
                    + " fails on host "
                    + b.getHostId()
                    + " ("
                    + kernel(b)
                    + ") but not on host "
                    + a.getHostId()
                    + " ("
                    + kernel(a)
                    + "): "
                    + String.join(", ", what))
            .setSummary(summary(image, b, a, what))
            .setHostId(b.getHostId())
            .setContainerId(differing.get(0).containerId())
            .setImage(image)
            .setFirstSeen(Timestamps.of(first))
            .setLastSeen(Timestamps.of(last))
            .setOccurrences(occurrences)
            .setRemediation(
                SuggestedRemediation.newBuilder()
                    .setAction(RemediationAction.REMEDIATION_ACTION_UNSPECIFIED)
                    .setDescription(
                        "Compare the two hosts' kernels and policies (seccomp profile, "
                            + "SELinux, AppArmor) for the "
                            + "calls named; schedule the image only on hosts like "
                            + a.getHostId()
                            + ", or make it cope with "
                            + "what "
                            + b.getHostId()
                            + " lacks."))
            .putAttributes("image_id", b.getImageId())
            .putAttributes("image", image)
            .putAttributes("host", b.getHostId())
            .putAttributes("kernel_version", b.getKernelVersion())
            .putAttributes("containers", String.valueOf(b.getContainers()))
            .putAttributes("reference_host", a.getHostId())
            .putAttributes("reference_kernel_version", a.getKernelVersion())
            .putAttributes("reference_containers", String.valueOf(a.getContainers()))
            .putAttributes("differing", String.join("; ", what));
    for (HostOutcomes.Outcome outcome :
        differing.subList(0, Math.min(MAX_EVIDENCE_OUTCOMES, differing.size()))) {
      alert.addEvidence(
          evidence(outcome.time(), b.getHostId() + ": " + outcome.evidence(), outcome));
      HostOutcomes.Outcome counterpart = reference.counterpart(outcome).orElse(null);
      if (counterpart != null) {
        alert.addEvidence(
            evidence(
                counterpart.time(), a.getHostId() + ": " + counterpart.evidence(), counterpart));
      } else {
        alert.addEvidence(
            Evidence.newBuilder()
                .setTime(Timestamps.of(last))
                .setDescription(
                    a.getHostId()
                        + ": no "
                        + outcome.label()
                        + " in "
                        + a.getContainers()
                        + " container(s)")
                .setTopic(Topic.IMAGE_SUMMARIES.topicName()));
      }
    }
    return alert.setPublishedAt(Timestamps.of(now)).build();
  }

  private static Evidence evidence(Instant time, String line, HostOutcomes.Outcome outcome) {
    return Evidence.newBuilder()
        .setTime(Timestamps.of(time))
        .setDescription(line)
        .setTopic(outcome.topic().topicName())
        .setEventId(outcome.eventId())
        .build();
  }

  private String summary(String image, ImageSummary b, ImageSummary a, List<String> what) {
    return "Containers of image "
        + image
        + " ("
        + b.getImageId()
        + ") show "
        + String.join(", ", what)
        + " on host "
        + b.getHostId()
        + " ("
        + kernel(b)
        + ", "
        + b.getContainers()
        + " container(s)), while none of the "
        + a.getContainers()
        + " container(s) of the same image on host "
        + a.getHostId()
        + " ("
        + kernel(a)
        + ") did within the last "
        + within(config.window())
        + ". The image is the same, so the difference "
        + "lies in the hosts: their kernels or policies (a syscall missing or denied, a "
        + "file present on one only).";
  }

  /** The window for people: "15 min", "45 s". */
  static String within(Duration window) {
    return window.toSeconds() % 60 == 0 ? window.toMinutes() + " min" : window.toSeconds() + " s";
  }

  private static String kernel(ImageSummary summary) {
    return summary.getKernelVersion().isEmpty()
        ? "kernel unknown"
        : "kernel " + summary.getKernelVersion();
  }
}
