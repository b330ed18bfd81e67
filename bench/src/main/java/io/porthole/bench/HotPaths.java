package io.porthole.bench;

import io.porthole.collector.packets.PcapReplay;
import io.porthole.collector.packets.ReplaySummary;
import io.porthole.collector.strace.StraceExit;
import io.porthole.collector.strace.StraceLineParser;
import io.porthole.collector.strace.StraceSyscall;
import java.io.BufferedReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import org.openjdk.jmh.results.BenchmarkResult;
import org.openjdk.jmh.results.IterationResult;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.options.ChainedOptionsBuilder;
import org.openjdk.jmh.runner.options.OptionsBuilder;

/**
 * Runs {@link HotPathBenchmarks} with JMH (one fork, single thread) and records lines/s and
 * packets/s per measured iteration. Usage: {@code hotpaths STRACE_LOG PCAP WARMUPS ITERATIONS}.
 */
final class HotPaths {

  private HotPaths() {}

  static void run(Results results, String[] args) throws Exception {
    Path strace = Path.of(args[0]);
    Path pcap = Path.of(args[1]);
    int warmups = Integer.parseInt(args[2]);
    int iterations = Integer.parseInt(args[3]);

    long lines = 0;
    try (BufferedReader reader = Files.newBufferedReader(strace, StandardCharsets.UTF_8)) {
      while (reader.readLine() != null) {
        lines++;
      }
    }
    StraceLineParser check =
        new StraceLineParser(
            LocalDate.now(),
            ZoneId.systemDefault(),
            new StraceLineParser.Listener() {
              @Override
              public void syscall(StraceSyscall call) {}

              @Override
              public void exit(StraceExit exit) {}
            });
    try (BufferedReader reader = Files.newBufferedReader(strace, StandardCharsets.UTF_8)) {
      String line;
      while ((line = reader.readLine()) != null) {
        check.accept(line);
      }
    }
    check.finish();
    results.info("strace.log.lines", lines);
    results.info("strace.log.bytes", Files.size(strace));
    results.info(
        "strace.log.parsed",
        "syscalls "
            + check.syscalls()
            + ", exits "
            + check.exits()
            + ", signals "
            + check.signals()
            + ", notices "
            + check.notices()
            + ", unparsed "
            + check.linesUnparsed());

    ReplaySummary summary =
        new PcapReplay().run(pcap, "bench-host", "bench-container", null, (topic, envelope) -> {});
    long packets = summary.packetsRead();
    results.info("packets.pcap.packets", packets);
    results.info("packets.pcap.bytes", Files.size(pcap));
    results.info("packets.pcap.replay", summary.describe());

    ChainedOptionsBuilder options =
        new OptionsBuilder()
            .include(
                HotPathBenchmarks.class.getName() + "\\.(straceReadLine|straceParse|packetPath)$")
            .param("straceFile", strace.toString())
            .param("pcapFile", pcap.toString())
            .forks(1)
            .threads(1)
            .warmupIterations(warmups)
            .measurementIterations(iterations)
            .jvmArgsAppend("-Xms512m", "-Xmx512m")
            .shouldFailOnError(true);
    Collection<RunResult> runs = new Runner(options.build()).run();
    for (RunResult run : runs) {
      String method =
          run.getParams().getBenchmark().substring(HotPathBenchmarks.class.getName().length() + 1);
      long units = method.equals("packetPath") ? packets : lines;
      List<Double> perSecond = new ArrayList<>();
      for (BenchmarkResult benchmark : run.getBenchmarkResults()) {
        for (IterationResult iteration : benchmark.getIterationResults()) {
          double millis = iteration.getPrimaryResult().getScore();
          perSecond.add(units * 1000.0 / millis);
        }
      }
      switch (method) {
        case "straceReadLine" -> results.measured("strace.readline", "lines/s", perSecond);
        case "straceParse" -> results.measured("strace.parse", "lines/s", perSecond);
        case "packetPath" -> results.measured("packets.path", "packets/s", perSecond);
        default -> throw new IllegalStateException("unexpected benchmark " + method);
      }
    }
  }
}
