package io.porthole.bench;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.BiFunction;

/**
 * Turns the raw results file into {@code latest.md} and {@code latest.json}: for each figure of
 * issue 7, the median with min/max of its iterations, the ceiling measured in the same run, the
 * ratio, and whether the goal is met. Usage: {@code report RAW_FILE MD_FILE JSON_FILE}.
 */
final class Report {

  /** A measured series. */
  record Series(String key, String unit, double[] values) {
    double median() {
      double[] sorted = values.clone();
      Arrays.sort(sorted);
      int n = sorted.length;
      return n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
    }

    double min() {
      return Arrays.stream(values).min().orElse(Double.NaN);
    }

    double max() {
      return Arrays.stream(values).max().orElse(Double.NaN);
    }
  }

  /**
   * @param goal given the figure's and the ceiling's medians (ceiling NaN when there is none), the
   *     goal is met or not
   */
  record Figure(
      String id,
      String title,
      String figureKey,
      String ceilingKey,
      String ceilingTitle,
      String goal,
      BiFunction<Double, Double, Boolean> met) {}

  static final List<Figure> FIGURES =
      List.of(
          new Figure(
              "strace_parser",
              "strace parser (one core, large real strace log)",
              "strace.parse",
              "strace.readline",
              "BufferedReader.readLine of the same lines, discarded",
              ">= 2,000,000 lines/s and >= 25% of the ceiling",
              (f, c) -> f >= 2_000_000 && f / c >= 0.25),
          new Figure(
              "packet_path",
              "packet path: pcap reader + header parse + flow table (1M-packet recorded pcap)",
              "packets.path",
              "packets.tcpdump",
              "tcpdump -r FILE -w /dev/null",
              ">= 1,000,000 packets/s",
              (f, c) -> f >= 1_000_000),
          new Figure(
              "publishing",
              "publishing: protobuf encode + RecordPublisher (real producer settings) "
                  + "into a local broker",
              "publish.collector",
              "publish.kafka_perf",
              "Kafka ProducerPerformance, same record size and settings, same broker",
              ">= 80% of the ceiling",
              (f, c) -> f / c >= 0.80),
          new Figure(
              "analyzer",
              "analyzer: events consumed, correlated and committed",
              "analyzer.events",
              "analyzer.kafka_consumer_perf",
              "Kafka ConsumerPerformance on the same topic",
              ">= 70% of the ceiling",
              (f, c) -> f / c >= 0.70),
          new Figure(
              "latency_p50",
              "event-to-alert latency p50 at 50% of the measured analyzer capacity",
              "latency.p50",
              null,
              null,
              "none (reported)",
              null),
          new Figure(
              "latency_p99",
              "event-to-alert latency p99 at 50% of the measured analyzer capacity",
              "latency.p99",
              null,
              null,
              "p99 <= 50 ms",
              (f, c) -> f <= 50),
          new Figure(
              "latency_p999",
              "event-to-alert latency p99.9 at 50% of the measured analyzer capacity",
              "latency.p999",
              null,
              null,
              "none (reported)",
              null),
          new Figure(
              "latency_max",
              "event-to-alert latency max at 50% of the measured analyzer capacity",
              "latency.max",
              null,
              null,
              "none (reported)",
              null),
          new Figure(
              "latency_quarter_p50",
              "event-to-alert latency p50 at 25% of the measured analyzer capacity (CPU to spare)",
              "latency_quarter.p50",
              null,
              null,
              "none (reported)",
              null),
          new Figure(
              "latency_quarter_p99",
              "event-to-alert latency p99 at 25% of the measured analyzer capacity (CPU to spare)",
              "latency_quarter.p99",
              null,
              null,
              "none (reported)",
              null),
          new Figure(
              "analyzer_flat_cost",
              "analyzer throughput with 1,000 / 10,000 / 50,000 tracked containers: spread"
                  + " (max - min) / max of the three medians (scale.events.* below)",
              "scale.spread",
              null,
              null,
              "within 15% of each other (spread <= 15%)",
              (f, c) -> f <= 15),
          new Figure(
              "memory_per_container",
              "analyzer heap per tracked container (the service's heap after GC / 50,000 tracked)",
              "scale.bytes_per_container",
              null,
              null,
              "none (reported)",
              null),
          new Figure(
              "oom_to_alert",
              "OOM kill to alert on the controller's alert stream, /api/v1/alerts/stream (p99 after"
                  + " the engine's die event)",
              "oom.p99",
              null,
              "the engine's own die event time",
              "p99 <= 1.5 s after the die event",
              (f, c) -> f <= 1500),
          new Figure(
              "oom_to_alert_loaded",
              "OOM kill to alert on /api/v1/alerts/stream while the suite's analyzer works through"
                  + " flows at 50% of the measured analyzer capacity (p99 after the die event)",
              "oom_loaded.p99",
              null,
              "the engine's own die event time",
              "p99 <= 100 ms after the die event",
              (f, c) -> f <= 100),
          new Figure(
              "controller_alerts",
              "controller GET /api/v1/alerts?limit=50 with wrk on loopback",
              "controller.alerts",
              "controller.bare",
              "a bare vertx-web route returning the same bytes, same JVM flags",
              ">= 50% of the ceiling",
              (f, c) -> f / c >= 0.50),
          new Figure(
              "memory_collector",
              "collector peak RSS (VmHWM) under the publishing load",
              "memory.collector",
              null,
              null,
              "<= 256 MB",
              (f, c) -> f <= 256),
          new Figure(
              "memory_analyzer",
              "analyzer peak RSS (VmHWM) under the analyzer load",
              "memory.analyzer",
              null,
              null,
              "<= 256 MB",
              (f, c) -> f <= 256),
          new Figure(
              "strace_overhead",
              "strace overhead: slowdown of a syscall-heavy program traced by the "
                  + "collector's SyscallTracer",
              "tracer.collector",
              "tracer.strace",
              "slowdown of the same program under plain strace -f -o /dev/null",
              "no worse than plain strace",
              (f, c) -> f <= c),
          new Figure(
              "strace_cpu_strace",
              "tracing CPU while the traced program ran: strace's part",
              "tracer.cpu_strace",
              "tracer.cpu_strace_collector_options",
              "CPU of plain strace with the collector's options writing to /dev/null",
              "none (reported)",
              null),
          new Figure(
              "strace_cpu_jvm",
              "tracing CPU while the traced program ran: the collector JVM's part (reader, parser,"
                  + " batches to the sink)",
              "tracer.cpu_jvm",
              null,
              null,
              "none (reported)",
              null),
          new Figure(
              "strace_cpu_share",
              "strace's share of the tracing CPU (strace / (strace + collector JVM))",
              "tracer.cpu_strace_share",
              null,
              null,
              "none (reported)",
              null));

  private final Map<String, Series> series = new LinkedHashMap<>();
  private final Map<String, String> info = new LinkedHashMap<>();
  private final Map<String, String> notMeasured = new LinkedHashMap<>();

  static void main(String[] args) throws IOException {
    Report report = new Report();
    report.read(Path.of(args[0]));
    Files.writeString(Path.of(args[1]), report.markdown(), StandardCharsets.UTF_8);
    Files.writeString(Path.of(args[2]), report.json(), StandardCharsets.UTF_8);
    System.out.print(report.markdown());
  }

  void read(Path raw) throws IOException {
    for (String line : Files.readAllLines(raw, StandardCharsets.UTF_8)) {
      String[] parts = line.split("\t", 4);
      if (parts.length < 3) {
        continue;
      }
      switch (parts[0]) {
        case "m" -> {
          // One bad line must not cost the report every other figure.
          try {
            double[] values =
                parts.length < 4 || parts[3].isBlank()
                    ? new double[0]
                    : Arrays.stream(parts[3].trim().split("\\s+"))
                        .mapToDouble(Double::parseDouble)
                        .toArray();
            if (values.length == 0) {
              notMeasured.putIfAbsent(
                  parts[1], "the driver wrote an empty series (see bench/results/raw/run.log)");
            } else {
              series.put(parts[1], new Series(parts[1], parts[2], values));
            }
          } catch (NumberFormatException e) {
            notMeasured.putIfAbsent(
                parts[1], "unreadable values in the raw results: " + e.getMessage());
          }
        }
        case "i" -> info.put(parts[1], parts[2]);
        case "n" -> notMeasured.put(parts[1], parts[2]);
        default -> {}
      }
    }
  }

  private String missingReason(String key) {
    if (notMeasured.containsKey(key)) {
      return notMeasured.get(key);
    }
    return "no result: its driver failed or did not run (see bench/results/raw/run.log)";
  }

  String markdown() {
    StringBuilder md = new StringBuilder();
    md.append("# Porthole benchmark report\n\n");
    md.append("Written by `bench/run")
        .append("quick".equals(info.get("run.mode")) ? " --quick" : "")
        .append("` at ")
        .append(info.getOrDefault("run.started", "?"))
        .append(" (mode: ")
        .append(info.getOrDefault("run.mode", "?"))
        .append(
            "). Each figure is the median of its iterations, with min and max; the "
                + "ceiling is measured in the same run on the same machine. See README.md "
                + "(Benchmarks) for how to read it.\n\n");
    md.append("| figure | median | min - max | ceiling (median) | ratio | goal | met |\n");
    md.append("| --- | ---: | ---: | ---: | ---: | --- | --- |\n");
    for (Figure figure : FIGURES) {
      Series f = series.get(figure.figureKey());
      Series c = figure.ceilingKey() == null ? null : series.get(figure.ceilingKey());
      md.append("| ").append(figure.title()).append(" | ");
      if (f == null) {
        md.append("not measured | | | | ")
            .append(figure.goal())
            .append(" | not measured: ")
            .append(missingReason(figure.figureKey()))
            .append(" |\n");
        continue;
      }
      md.append(number(f.median()))
          .append(' ')
          .append(f.unit())
          .append(" | ")
          .append(number(f.min()))
          .append(" - ")
          .append(number(f.max()))
          .append(" (n=")
          .append(f.values().length)
          .append(") | ");
      if (figure.ceilingKey() == null) {
        md.append(figure.ceilingTitle() == null ? "none" : figure.ceilingTitle()).append(" | | ");
      } else if (c == null) {
        md.append("not measured: ").append(missingReason(figure.ceilingKey())).append(" | | ");
      } else {
        md.append(number(c.median()))
            .append(' ')
            .append(c.unit())
            .append(" (")
            .append(number(c.min()))
            .append(" - ")
            .append(number(c.max()))
            .append(") ")
            .append(figure.ceilingTitle())
            .append(" | ")
            .append(String.format(Locale.ROOT, "%.1f%%", 100 * f.median() / c.median()))
            .append(" | ");
      }
      md.append(figure.goal()).append(" | ").append(metText(figure, f, c)).append(" |\n");
    }
    md.append("\n## Details\n\n");
    for (Map.Entry<String, Series> entry : series.entrySet()) {
      Series s = entry.getValue();
      md.append("- `").append(s.key()).append("` (").append(s.unit()).append("): ");
      for (int i = 0; i < s.values().length; i++) {
        md.append(i == 0 ? "" : ", ").append(number(s.values()[i]));
      }
      md.append('\n');
    }
    for (Map.Entry<String, String> entry : notMeasured.entrySet()) {
      md.append("- `")
          .append(entry.getKey())
          .append("`: not measured: ")
          .append(entry.getValue())
          .append('\n');
    }
    md.append("\n## Machine, versions and inputs\n\n");
    for (Map.Entry<String, String> entry : info.entrySet()) {
      md.append("- ").append(entry.getKey()).append(": ").append(entry.getValue()).append('\n');
    }
    return md.toString();
  }

  private static String metText(Figure figure, Series f, Series c) {
    if (figure.met() == null) {
      return "(no goal)";
    }
    Boolean met = goalMet(figure, f, c);
    return met == null ? "unknown (no ceiling)" : met ? "yes" : "**NO**";
  }

  private static Boolean goalMet(Figure figure, Series f, Series c) {
    if (figure.met() == null || f == null) {
      return null;
    }
    if (figure.ceilingKey() != null && c == null) {
      return null;
    }
    return figure.met().apply(f.median(), c == null ? Double.NaN : c.median());
  }

  String json() {
    StringBuilder json = new StringBuilder("{\n  \"info\": {");
    String separator = "\n";
    for (Map.Entry<String, String> entry : info.entrySet()) {
      json.append(separator)
          .append("    ")
          .append(quote(entry.getKey()))
          .append(": ")
          .append(quote(entry.getValue()));
      separator = ",\n";
    }
    json.append("\n  },\n  \"figures\": [");
    separator = "\n";
    for (Figure figure : FIGURES) {
      Series f = series.get(figure.figureKey());
      Series c = figure.ceilingKey() == null ? null : series.get(figure.ceilingKey());
      json.append(separator)
          .append("    {\"id\": ")
          .append(quote(figure.id()))
          .append(", \"title\": ")
          .append(quote(figure.title()))
          .append(", \"goal\": ")
          .append(quote(figure.goal()));
      separator = ",\n";
      if (f == null) {
        json.append(", \"measured\": false, \"reason\": ")
            .append(quote(missingReason(figure.figureKey())))
            .append('}');
        continue;
      }
      json.append(", \"measured\": true, \"figure\": ").append(seriesJson(f));
      if (figure.ceilingKey() != null) {
        json.append(", \"ceiling_title\": ").append(quote(figure.ceilingTitle()));
        if (c != null) {
          json.append(", \"ceiling\": ")
              .append(seriesJson(c))
              .append(", \"ratio\": ")
              .append(String.format(Locale.ROOT, "%.4f", f.median() / c.median()));
        } else {
          json.append(", \"ceiling\": null, \"ceiling_reason\": ")
              .append(quote(missingReason(figure.ceilingKey())));
        }
      }
      Boolean met = goalMet(figure, f, c);
      json.append(", \"goal_met\": ").append(met == null ? "null" : met.toString()).append('}');
    }
    json.append("\n  ],\n  \"series\": {");
    separator = "\n";
    for (Series s : series.values()) {
      json.append(separator)
          .append("    ")
          .append(quote(s.key()))
          .append(": ")
          .append(seriesJson(s));
      separator = ",\n";
    }
    json.append("\n  },\n  \"not_measured\": {");
    separator = "\n";
    for (Map.Entry<String, String> entry : notMeasured.entrySet()) {
      json.append(separator)
          .append("    ")
          .append(quote(entry.getKey()))
          .append(": ")
          .append(quote(entry.getValue()));
      separator = ",\n";
    }
    return json.append("\n  }\n}\n").toString();
  }

  private static String seriesJson(Series s) {
    List<String> values = new ArrayList<>();
    for (double v : s.values()) {
      values.add(plain(v));
    }
    return "{\"unit\": "
        + quote(s.unit())
        + ", \"median\": "
        + plain(s.median())
        + ", \"min\": "
        + plain(s.min())
        + ", \"max\": "
        + plain(s.max())
        + ", \"values\": ["
        + String.join(", ", values)
        + "]}";
  }

  private static String plain(double v) {
    return String.format(Locale.ROOT, "%.4f", v).replaceAll("\\.?0+$", "");
  }

  private static String number(double v) {
    if (Math.abs(v) >= 1000) {
      return String.format(Locale.ROOT, "%,.0f", v);
    }
    return String.format(Locale.ROOT, Math.abs(v) >= 10 ? "%.1f" : "%.3g", v);
  }

  static String quote(String s) {
    StringBuilder out = new StringBuilder("\"");
    for (char ch : s.toCharArray()) {
      switch (ch) {
        case '"' -> out.append("\\\"");
        case '\\' -> out.append("\\\\");
        case '\n' -> out.append("\\n");
        case '\t' -> out.append("\\t");
        default -> {
          if (ch < 0x20) {
            out.append(String.format("\\u%04x", (int) ch));
          } else {
            out.append(ch);
          }
        }
      }
    }
    return out.append('"').toString();
  }
}
