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
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;

/**
 * S5 across hosts: containers of one image (same image id) show a failing outcome on one host (a
 * syscall/path/errno triple, a non-zero exit code, an OOM kill) that no container of that image shows
 * on another host within the window. One alert per (image, diverging host, reference host); it is
 * published again, with the same id, when the set of differing outcomes or a kernel changes.
 */
public final class HostDivergenceRule {

  /** Configuration: {@code rule.host.divergence.*}. */
  public record Config(RuleSettings settings, Duration window, int minimumSample, int maxImages) {
    public static final String PREFIX = "rule.host.divergence";
    public static final Set<String> KEYS = Set.of(
        PREFIX + ".enabled", PREFIX + ".severity", PREFIX + ".window", PREFIX + ".minimum.sample", PREFIX + ".max.images");

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
  private final Map<String, Map<String, ImageSummary>> images;
  // alert id -> what its last published version said; bounded like the images.
  private final Map<String, String> published;

  public HostDivergenceRule(Config config) {
    this.config = Objects.requireNonNull(config, "config");
    this.images = Lru.of(config.maxImages());
    this.published = Lru.of(config.maxImages() * 4);
  }

  /** Keeps the newest summary of (image, host) and returns the alerts that are new or changed. */
  public List<Alert> onSummary(ImageSummary summary, Instant now) {
    if (!config.settings().enabled() || summary.getImageId().isEmpty() || summary.getHostId().isEmpty()) {
      return List.of();
    }
    Map<String, ImageSummary> hosts = images.computeIfAbsent(summary.getImageId(), k -> new TreeMap<>());
    ImageSummary previous = hosts.get(summary.getHostId());
    if (previous != null && Timestamps.toInstant(previous.getUpdatedAt()).isAfter(Timestamps.toInstant(summary.getUpdatedAt()))) {
      return List.of();
    }
    hosts.put(summary.getHostId(), summary);
    if (hosts.size() > MAX_HOSTS_PER_IMAGE) {
      hosts.values().stream().min((a, b) -> Timestamps.toInstant(a.getUpdatedAt()).compareTo(Timestamps.toInstant(b.getUpdatedAt())))
          .ifPresent(oldest -> hosts.remove(oldest.getHostId()));
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

  private List<Alert> evaluate(Map<String, ImageSummary> hosts, Instant now) {
    Instant horizon = now.minus(config.window());
    List<HostOutcomes> eligible = new ArrayList<>();
    for (ImageSummary summary : hosts.values()) {
      if (!Timestamps.toInstant(summary.getUpdatedAt()).isBefore(horizon) && summary.getContainers() >= config.minimumSample()) {
        eligible.add(HostOutcomes.of(summary, horizon));
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
        Alert alert = alert(diverging, reference, differing, now);
        String fingerprint = alert.getAttributesOrThrow("differing") + "\n" + diverging.summary().getKernelVersion()
            + "\n" + reference.summary().getKernelVersion() + "\n" + diverging.summary().getContainers()
            + "\n" + reference.summary().getContainers();
        if (!fingerprint.equals(published.put(alert.getAlertId(), fingerprint))) {
          out.add(alert);
        }
      }
    }
    return out;
  }

  private Alert alert(HostOutcomes diverging, HostOutcomes reference, List<HostOutcomes.Outcome> differing, Instant now) {
    ImageSummary b = diverging.summary();
    ImageSummary a = reference.summary();
    String image = b.getImage().isEmpty() ? b.getImageId() : b.getImage();
    List<String> what = differing.stream().map(HostOutcomes.Outcome::label).toList();
    Instant first = differing.stream().map(HostOutcomes.Outcome::time).min(Instant::compareTo).orElse(now);
    Instant last = differing.stream().map(HostOutcomes.Outcome::time).max(Instant::compareTo).orElse(now);
    int occurrences = differing.stream().mapToInt(HostOutcomes.Outcome::count).sum();
    Alert.Builder alert = Alert.newBuilder()
        .setAlertId(AlertIds.of(Rule.HOST_DIVERGENCE, b.getHostId(), "", "image:" + b.getImageId() + "\nreference:" + a.getHostId()))
        .setRule(Rule.HOST_DIVERGENCE)
        .setSeverity(config.settings().severity())
        .setTitle("Image " + image + " fails on host " + b.getHostId() + " (" + kernel(b) + ") but not on host "
            + a.getHostId() + " (" + kernel(a) + "): " + String.join(", ", what))
        .setSummary(summary(image, b, a, what))
        .setHostId(b.getHostId())
        .setContainerId(differing.get(0).containerId())
        .setImage(image)
        .setFirstSeen(Timestamps.of(first))
        .setLastSeen(Timestamps.of(last))
        .setOccurrences(occurrences)
        .setRemediation(SuggestedRemediation.newBuilder()
            .setAction(RemediationAction.REMEDIATION_ACTION_UNSPECIFIED)
            .setDescription("Compare the two hosts' kernels and policies (seccomp profile, SELinux, AppArmor) for the "
                + "calls named; schedule the image only on hosts like " + a.getHostId() + ", or make it cope with "
                + "what " + b.getHostId() + " lacks."))
        .putAttributes("image_id", b.getImageId())
        .putAttributes("image", image)
        .putAttributes("host", b.getHostId())
        .putAttributes("kernel_version", b.getKernelVersion())
        .putAttributes("containers", String.valueOf(b.getContainers()))
        .putAttributes("reference_host", a.getHostId())
        .putAttributes("reference_kernel_version", a.getKernelVersion())
        .putAttributes("reference_containers", String.valueOf(a.getContainers()))
        .putAttributes("differing", String.join("; ", what));
    for (HostOutcomes.Outcome outcome : differing.subList(0, Math.min(MAX_EVIDENCE_OUTCOMES, differing.size()))) {
      alert.addEvidence(evidence(outcome.time(), b.getHostId() + ": " + outcome.evidence(), outcome));
      HostOutcomes.Outcome counterpart = reference.counterpart(outcome).orElse(null);
      if (counterpart != null) {
        alert.addEvidence(evidence(counterpart.time(), a.getHostId() + ": " + counterpart.evidence(), counterpart));
      } else {
        alert.addEvidence(Evidence.newBuilder().setTime(Timestamps.of(last))
            .setDescription(a.getHostId() + ": no " + outcome.label() + " in " + a.getContainers() + " container(s)")
            .setTopic(Topic.IMAGE_SUMMARIES.topicName()));
      }
    }
    return alert.setPublishedAt(Timestamps.of(now)).build();
  }

  private static Evidence evidence(Instant time, String line, HostOutcomes.Outcome outcome) {
    return Evidence.newBuilder().setTime(Timestamps.of(time)).setDescription(line)
        .setTopic(outcome.topic().topicName()).setEventId(outcome.eventId()).build();
  }

  private String summary(String image, ImageSummary b, ImageSummary a, List<String> what) {
    return "Containers of image " + image + " (" + b.getImageId() + ") show " + String.join(", ", what) + " on host "
        + b.getHostId() + " (" + kernel(b) + ", " + b.getContainers() + " container(s)), while none of the "
        + a.getContainers() + " container(s) of the same image on host " + a.getHostId() + " (" + kernel(a)
        + ") did within the last " + config.window().toMinutes() + " min. The image is the same, so the difference "
        + "lies in the hosts: their kernels or policies (a syscall missing or denied, a file present on one only).";
  }

  private static String kernel(ImageSummary summary) {
    return summary.getKernelVersion().isEmpty() ? "kernel unknown" : "kernel " + summary.getKernelVersion();
  }
}
