package io.porthole.collector;

import static io.porthole.runtime.SettingDefinition.Type.BOOLEAN;
import static io.porthole.runtime.SettingDefinition.Type.DURATION;
import static io.porthole.runtime.SettingDefinition.Type.INTEGER;
import static io.porthole.runtime.SettingDefinition.Type.LIST;
import static io.porthole.runtime.SettingDefinition.Type.PATH;
import static io.porthole.runtime.SettingDefinition.Type.STRING;
import static io.porthole.runtime.SettingDefinition.of;

import io.porthole.collector.kmsg.KmsgConfig;
import io.porthole.collector.packets.CaptureConfig;
import io.porthole.collector.remediation.CommandVerification;
import io.porthole.collector.remediation.RemediationConfig;
import io.porthole.collector.strace.StraceConfig;
import io.porthole.runtime.CommonSettingDefinitions;
import io.porthole.runtime.SettingDefinitions;
import io.porthole.runtime.Settings;
import java.util.List;
import java.util.Set;

/** Every setting the collector reads (besides the common ones), one entry each. */
public final class CollectorSettingDefinitions {

  public static final SettingDefinitions ALL =
      SettingDefinitions.of(
          "Collector",
          of(
              CollectorConfig.DOCKER_HOST,
              STRING,
              "`unix:///var/run/docker.sock`",
              "the engine: `unix:///PATH` or `tcp://HOST:PORT`"),
          of(
              CollectorConfig.RECONNECT_BACKOFF_MIN,
              DURATION,
              "200ms",
              "first wait before reconnecting a broken events stream"),
          of(
              CollectorConfig.RECONNECT_BACKOFF_MAX,
              DURATION,
              "10s",
              "longest wait between reconnect attempts (at least the minimum)"),
          of(CollectorConfig.HEARTBEAT_INTERVAL, DURATION, "10s", "between heartbeats (100ms..1h)"),
          of(
              CollectorConfig.PUBLISH_BUFFER_RECORDS,
              INTEGER,
              "10000",
              "records held while Kafka is slow or unreachable, before dropping"),
          of(
              CollectorConfig.DATA_DIR,
              PATH,
              "`<data.dir>/collector`, else `/var/lib/porthole/collector`",
              "what the collector keeps across restarts: events stream position, kernel log"
                  + " cursor"),
          of(
              CollectorConfig.POSITION_FLUSH_INTERVAL,
              DURATION,
              "1s",
              "longest time between saves of the stream position and the kernel log cursor"),
          of(KmsgConfig.ENABLED, BOOLEAN, "true", "read the kernel log's OOM kills"),
          of(KmsgConfig.DEVICE, PATH, "`/dev/kmsg`", "the kernel log device"),
          of(
              StraceConfig.BINARY,
              STRING,
              "`strace`",
              "strace executable: a name on `PATH` or a path"),
          of(
              StraceConfig.SYSCALLS,
              LIST,
              "`%file,%process,%network` and probed syscalls",
              "the `-e trace=` set: syscall names and `%classes`"),
          of(StraceConfig.BATCH_INTERVAL, DURATION, "250ms", "how long a syscall batch stays open"),
          of(
              StraceConfig.BATCH_MAX_EVENTS,
              INTEGER,
              "2000",
              "syscalls per batch; more in one interval are dropped and counted"),
          of(StraceConfig.MAX_DURATION, DURATION, "10m", "upper bound of an on-demand trace"),
          of(StraceConfig.MAX_CONCURRENT, INTEGER, "8", "containers traced at the same time"),
          of(StraceConfig.PAUSE, BOOLEAN, "true", "pause the container while strace attaches"),
          of(
              StraceConfig.ATTACH_TIMEOUT,
              DURATION,
              "10s",
              "how long strace may take to attach to every process"),
          of(CaptureConfig.ENABLED, BOOLEAN, "true", "capture packets at all"),
          of(
              CaptureConfig.INTERFACES,
              LIST,
              "`docker0`",
              "interfaces; a trailing `*` is a prefix (`docker0,br-*`)"),
          of(
              CaptureConfig.FILTER,
              STRING,
              "`ip or ip6`",
              "BPF filter (tcpdump syntax); `all` for none"),
          of(CaptureConfig.SNAPLEN, INTEGER, "1024", "bytes captured per packet (64..262144)"),
          of(CaptureConfig.BUFFER_BYTES, INTEGER, "8388608", "libpcap's kernel ring per interface"),
          of(CaptureConfig.FLUSH_INTERVAL, DURATION, "5s", "how often active flows are published"),
          of(
              CaptureConfig.IDLE_TIMEOUT,
              DURATION,
              "60s",
              "a flow without packets this long has ended"),
          of(CaptureConfig.MAX_FLOWS, INTEGER, "65536", "flows tracked per interface"),
          of(
              CaptureConfig.EXCERPT_BYTES,
              INTEGER,
              "256",
              "application bytes kept per direction of a flow (0: none)"),
          of(RemediationConfig.ENABLED, BOOLEAN, "true", "consume remediation commands at all"),
          of(
              RemediationConfig.DATA_DIR,
              PATH,
              "`/var/lib/porthole`",
              "pending restores and capture files"),
          of(
              RemediationConfig.CAPTURE_DURATION,
              DURATION,
              "10s",
              "default length of a packet capture"),
          of(RemediationConfig.CAPTURE_MAX_DURATION, DURATION, "5m", "longest packet capture"),
          of(RemediationConfig.CAPTURE_PACKETS, INTEGER, "10000", "default packets of a capture"),
          of(
              RemediationConfig.CAPTURE_MAX_PACKETS,
              INTEGER,
              "1000000",
              "most packets of a capture"),
          of(RemediationConfig.CAPTURE_BYTES, INTEGER, "16777216", "default bytes of a capture"),
          of(RemediationConfig.CAPTURE_MAX_BYTES, INTEGER, "268435456", "most bytes of a capture"),
          of(RemediationConfig.EXTRACT_MAX_BYTES, INTEGER, "67108864", "largest file extracted"),
          of(RemediationConfig.CHUNK_BYTES, INTEGER, "262144", "bytes per artifact chunk record"),
          of(
              RemediationConfig.TRACE_MAX_DURATION,
              DURATION,
              "10m",
              "longest on-demand syscall trace"),
          of(RemediationConfig.MAX_TTL, DURATION, "168h", "longest isolation TTL accepted"),
          of(RemediationConfig.CONCURRENCY, INTEGER, "4", "commands carried out at once"),
          of(RemediationConfig.EXTRACT_CONCURRENCY, INTEGER, "2", "file extractions at once"),
          of(
              RemediationConfig.RESTORE_RETRY_FIRST,
              DURATION,
              "1s",
              "first pause before a failed TTL restore or re-isolation is tried again"),
          of(RemediationConfig.RESTORE_RETRY_MAX, DURATION, "1m", "longest pause between tries"),
          of(
              CommandVerification.MAX_LIFETIME,
              DURATION,
              "10m",
              "longest `expires_at - issued_at` of a command carried out"),
          of(
              CommandVerification.CLOCK_SKEW,
              DURATION,
              "30s",
              "how far in the future a command's issue time may be"),
          of(
              CommandVerification.MAX_ACCEPTED_IDS,
              INTEGER,
              "100000",
              "accepted command ids remembered at once (beyond, commands are refused)"));

  /** Prefixes only the collector reads: unknown keys under them are refused by the collector. */
  static final Set<String> OWNED_PREFIXES =
      Set.of(
          "collector",
          "docker",
          "heartbeat",
          "publish",
          "kmsg",
          "strace",
          "capture",
          "remediation");

  private CollectorSettingDefinitions() {}

  /** Refuses an unknown key under a prefix only the collector reads. */
  static void rejectUnknown(Settings settings) {
    SettingDefinitions.rejectUnknown(
        settings, List.of(CommonSettingDefinitions.ALL, ALL), OWNED_PREFIXES);
  }
}
