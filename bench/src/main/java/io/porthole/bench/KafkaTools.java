package io.porthole.bench;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.apache.kafka.tools.ConsumerPerformance;
import org.apache.kafka.tools.ProducerPerformance;

/**
 * Kafka's own perf tools as ceilings, run several times in ONE JVM (like the drivers they are
 * compared with, so that round 0 warms the JIT for the measured rounds). Usage: {@code kafka-perf
 * producer|consumer KEY ROUNDS TOOL_ARGS...}; {@code {round}} in an argument becomes the round
 * number.
 */
final class KafkaTools {

  private KafkaTools() {}

  static void run(Results results, String[] args) throws Exception {
    String tool = args[0];
    String key = args[1];
    int rounds = Integer.parseInt(args[2]);
    String[] template = Arrays.copyOfRange(args, 3, args.length);
    List<Double> rates = new ArrayList<>();
    PrintStream original = System.out;
    for (int round = 0; round <= rounds; round++) {
      String[] toolArgs = new String[template.length];
      for (int i = 0; i < template.length; i++) {
        toolArgs[i] = template[i].replace("{round}", Integer.toString(round));
      }
      ByteArrayOutputStream captured = new ByteArrayOutputStream();
      System.setOut(new PrintStream(new Tee(captured, original), true, StandardCharsets.UTF_8));
      try {
        if (tool.equals("producer")) {
          ProducerPerformance.main(toolArgs);
        } else {
          ConsumerPerformance.main(toolArgs);
        }
      } finally {
        System.out.flush();
        System.setOut(original);
      }
      double rate =
          tool.equals("producer")
              ? producerRate(captured.toString(StandardCharsets.UTF_8))
              : consumerRate(captured.toString(StandardCharsets.UTF_8));
      System.out.printf("%s round %d: %.0f records/s%n", tool, round, rate);
      if (round > 0) {
        rates.add(rate);
      }
    }
    results.measured(key, "records/s", rates);
  }

  /** The summary line: {@code N records sent, R records/sec (M MB/sec), ...}. */
  private static double producerRate(String output) {
    String summary = null;
    for (String line : output.split("\n")) {
      if (line.contains(" records sent, ") && line.contains("50th")) {
        summary = line;
      }
    }
    if (summary == null) {
      throw new IllegalStateException("no summary line from ProducerPerformance: " + output);
    }
    return Double.parseDouble(summary.split(", ")[1].split(" ")[0]);
  }

  /** The CSV line; its last column is fetch.nMsg.sec (group join excluded). */
  private static double consumerRate(String output) {
    String[] lines = output.trim().split("\n");
    String last = lines[lines.length - 1];
    String[] columns = last.split(",\\s*");
    if (columns.length < 10) {
      throw new IllegalStateException("no result line from ConsumerPerformance: " + output);
    }
    return Double.parseDouble(columns[columns.length - 1].trim());
  }

  private static final class Tee extends OutputStream {
    private final OutputStream first;
    private final OutputStream second;

    Tee(OutputStream first, OutputStream second) {
      this.first = first;
      this.second = second;
    }

    @Override
    public void write(int b) throws IOException {
      first.write(b);
      second.write(b);
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
      first.write(b, off, len);
      second.write(b, off, len);
    }
  }
}
