package io.porthole.bench;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;

/**
 * A {@link FlowLoad} in a JVM of its own, so that its allocation and garbage collections do not
 * pause the measuring clients (the OOM figure's stream reader and stage consumer were read late by
 * tens of ms, behind the analyzer's alert, when the load ran in their JVM). The child runs {@code
 * BenchMain flow-load BOOTSTRAP TOPIC RATE} until its standard input ends, then prints {@code sent
 * COUNT RATE_ACHIEVED}.
 */
final class FlowLoadProcess implements AutoCloseable {

  private static final String JVM_HEAP = "-Xmx512m";

  private final Process process;
  private BufferedReader reader;
  private long sent = -1;
  private double achieved;

  private FlowLoadProcess(Process process) {
    this.process = process;
  }

  /** Starts the child JVM with this JVM's classpath; returns once it produces. */
  static FlowLoadProcess start(String bootstrap, String topic, int rate) throws IOException {
    String java = ProcessHandle.current().info().command().orElse("java");
    Process process =
        new ProcessBuilder(
                List.of(
                    java,
                    JVM_HEAP,
                    "-cp",
                    System.getProperty("java.class.path"),
                    BenchMain.class.getName(),
                    "flow-load",
                    bootstrap,
                    topic,
                    String.valueOf(rate)))
            .redirectError(ProcessBuilder.Redirect.INHERIT)
            .start();
    FlowLoadProcess load = new FlowLoadProcess(process);
    String first = load.line();
    if (!"producing".equals(first)) {
      process.destroyForcibly();
      throw new IOException("the flow load's JVM did not start (said: " + first + ")");
    }
    return load;
  }

  /** The child: produces until its standard input ends, then says what it sent. */
  static void serve(String[] args) throws Exception {
    if (args.length != 3) {
      throw new IllegalArgumentException("usage: flow-load BOOTSTRAP TOPIC RATE");
    }
    FlowLoad load = new FlowLoad(args[0], args[1], Integer.parseInt(args[2])).start();
    System.out.println("producing");
    System.out.flush();
    while (System.in.read() >= 0) {
      // until the parent closes our standard input (or exits)
    }
    load.close();
    System.out.printf(Locale.ROOT, "sent %d %.1f%n", load.sent(), load.achievedRate());
    System.out.flush();
  }

  /** The child JVM's process id. */
  long pid() {
    return process.pid();
  }

  /** Records the child sent (after {@link #close}). */
  long sent() {
    return sent;
  }

  /** Records per second the child achieved (after {@link #close}). */
  double achievedRate() {
    return achieved;
  }

  /** Stops the load and reads what it sent. */
  @Override
  public void close() throws IOException, InterruptedException {
    if (sent >= 0 || !process.isAlive()) {
      return;
    }
    try (OutputStream stdin = process.getOutputStream()) {
      stdin.flush();
    }
    String last = line();
    if (last != null && last.startsWith("sent ")) {
      String[] parts = last.split(" ");
      sent = Long.parseLong(parts[1]);
      achieved = Double.parseDouble(parts[2]);
    }
    if (!process.waitFor(30, TimeUnit.SECONDS)) {
      process.destroyForcibly();
    }
  }

  private String line() throws IOException {
    if (reader == null) {
      reader =
          new BufferedReader(
              new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
    }
    return reader.readLine();
  }
}
