package io.porthole.bench;

import io.porthole.collector.EventSink;
import io.porthole.collector.packets.FlowTableSettings;
import io.porthole.collector.packets.PcapReplay;
import io.porthole.collector.packets.ReplaySummary;
import io.porthole.collector.strace.StraceExit;
import io.porthole.collector.strace.StraceLineParser;
import io.porthole.collector.strace.StraceSyscall;
import java.io.BufferedReader;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.LocalDate;
import java.time.ZoneId;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.infra.Blackhole;

/**
 * The collector's two hot paths over whole recorded files, one invocation per file, on one thread:
 * the strace parser (and its ceiling, reading the same lines), and the packet path (pcap reader,
 * header parser, flow table and flow envelopes, as {@code porthole replay --pcap} runs them).
 * Scores are milliseconds per file; {@link HotPaths} turns them into lines/s and packets/s.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.SingleShotTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
public class HotPathBenchmarks {

  @Param("")
  public String straceFile;

  @Param("")
  public String pcapFile;

  /** The ceiling: every line read with BufferedReader.readLine and discarded. */
  @Benchmark
  public long straceReadLine(Blackhole blackhole) throws IOException {
    long lines = 0;
    try (BufferedReader reader =
        Files.newBufferedReader(Path.of(straceFile), StandardCharsets.UTF_8)) {
      String line;
      while ((line = reader.readLine()) != null) {
        blackhole.consume(line);
        lines++;
      }
    }
    return lines;
  }

  /** The same read, each line handed to the collector's parser. */
  @Benchmark
  public long straceParse(Blackhole blackhole) throws IOException {
    CountingListener listener = new CountingListener(blackhole);
    StraceLineParser parser =
        new StraceLineParser(LocalDate.now(), ZoneId.systemDefault(), listener);
    try (BufferedReader reader =
        Files.newBufferedReader(Path.of(straceFile), StandardCharsets.UTF_8)) {
      String line;
      while ((line = reader.readLine()) != null) {
        parser.accept(line);
      }
    }
    parser.finish();
    return listener.events + parser.linesUnparsed();
  }

  /** Pcap file reader + packet parser + flow table + flow envelopes, into a counting sink. */
  @Benchmark
  public ReplaySummary packetPath(Blackhole blackhole) throws IOException {
    EventSink sink = (topic, envelope) -> blackhole.consume(envelope);
    return new PcapReplay(FlowTableSettings.defaults(), Clock.systemUTC())
        .run(Path.of(pcapFile), "bench-host", "bench-container", null, sink);
  }

  /** Counts what the parser found and lets the JIT not drop the reads of the reused objects. */
  static final class CountingListener implements StraceLineParser.Listener {
    private final Blackhole blackhole;
    long events;
    long syscalls;
    long exits;

    CountingListener(Blackhole blackhole) {
      this.blackhole = blackhole;
    }

    @Override
    public void syscall(StraceSyscall call) {
      blackhole.consume(call);
      syscalls++;
      events++;
    }

    @Override
    public void exit(StraceExit exit) {
      blackhole.consume(exit);
      exits++;
      events++;
    }

    @Override
    public void signal(int pid, long epochMicros, String signal, String raw) {
      events++;
    }
  }
}
