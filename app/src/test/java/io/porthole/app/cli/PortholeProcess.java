package io.porthole.app.cli;

import java.io.BufferedReader;
import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/**
 * {@code java -jar app/target/porthole.jar ARGS} as a user runs it, in a child process, with its
 * stdout and stderr collected line by line.
 */
final class PortholeProcess implements AutoCloseable {

  static final Path JAR =
      Path.of(System.getProperty("porthole.jar", "target/porthole.jar")).toAbsolutePath();

  private final Process process;
  private final Output out = new Output("stdout");
  private final Output err = new Output("stderr");

  private PortholeProcess(Process process, Path outFile, Path errFile) {
    this.process = process;
    tail(outFile, out);
    tail(errFile, err);
  }

  static PortholeProcess start(Map<String, String> env, List<String> prefix, String... args)
      throws IOException {
    List<String> command = new ArrayList<>(prefix);
    command.add(ProcessHandle.current().info().command().orElse("java"));
    command.add("-Xmx768m");
    command.add("-XX:+UseSerialGC");
    command.add("-jar");
    command.add(JAR.toString());
    command.addAll(List.of(args));
    ProcessBuilder builder = new ProcessBuilder(command);
    builder.redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
    // Output goes to files, as with a service manager or `porthole up >log 2>&1`. (Through pipes to
    // this JVM, the lines a child prints while shutting down after SIGTERM did not arrive whenever
    // it had an strace child; to be investigated, see the closing note of the CLI issue.)
    Path outFile = Files.createTempFile("porthole-out-", ".log");
    Path errFile = Files.createTempFile("porthole-err-", ".log");
    outFile.toFile().deleteOnExit();
    errFile.toFile().deleteOnExit();
    builder.redirectOutput(outFile.toFile());
    builder.redirectError(errFile.toFile());
    builder.environment().keySet().removeIf(name -> name.startsWith("PORTHOLE_"));
    builder.environment().putAll(env);
    return new PortholeProcess(builder.start(), outFile, errFile);
  }

  static PortholeProcess start(String... args) throws IOException {
    return start(Map.of(), List.of(), args);
  }

  /**
   * {@code porthole up --http-port 0 --data-dir DIR --host-id ID [MORE...]}: the suite on one
   * machine, on a free port; await its lines with {@link #awaitReadyLine}.
   */
  static PortholeProcess up(Map<String, String> env, Path dataDir, String hostId, String... more)
      throws IOException {
    List<String> args = new ArrayList<>(List.of("up"));
    args.addAll(List.of(more));
    args.addAll(List.of("--http-port", "0", "--data-dir", dataDir.toString(), "--host-id", hostId));
    return start(env, List.of(), args.toArray(String[]::new));
  }

  /**
   * The value of the start-up line {@code NAME: VALUE} on stdout ({@code kafka}, {@code
   * controller}, {@code console}, {@code running}), awaited.
   */
  String awaitReadyLine(String name, Duration timeout) throws InterruptedException {
    String prefix = name + ": ";
    return awaitOut(line -> line.startsWith(prefix), timeout).substring(prefix.length()).trim();
  }

  /** Follows a file the child writes, line by line, until the child has exited and all is read. */
  private void tail(Path file, Output output) {
    Thread thread =
        new Thread(
            () -> {
              try (BufferedReader reader = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
                StringBuilder partial = new StringBuilder();
                while (true) {
                  boolean exited = !process.isAlive();
                  int c;
                  boolean progressed = false;
                  while ((c = reader.read()) >= 0) {
                    progressed = true;
                    if (c == '\n') {
                      output.add(partial.toString());
                      partial.setLength(0);
                    } else {
                      partial.append((char) c);
                    }
                  }
                  if (exited && !progressed) {
                    if (partial.length() > 0) {
                      output.add(partial.toString());
                    }
                    return;
                  }
                  // Not awaiting a condition: at the end of a regular file a read returns at once
                  // (no blocking read, and pipes lost lines, see start), so the follower paces its
                  // reads. Those who wait for a line block on the Output until it is added.
                  Thread.sleep(50);
                }
              } catch (IOException | InterruptedException e) {
                // file gone or test over
              } finally {
                output.end();
              }
            },
            "porthole-" + output.name);
    thread.setDaemon(true);
    thread.start();
  }

  /**
   * Waits for a stdout line matching the predicate; fails with both outputs when it does not come.
   */
  String awaitOut(Predicate<String> wanted, Duration timeout) throws InterruptedException {
    return awaitLine(out, wanted, timeout);
  }

  String awaitErr(Predicate<String> wanted, Duration timeout) throws InterruptedException {
    return awaitLine(err, wanted, timeout);
  }

  private String awaitLine(Output output, Predicate<String> wanted, Duration timeout)
      throws InterruptedException {
    Optional<String> line = output.await(wanted, timeout);
    if (line.isPresent()) {
      return line.get();
    }
    String state = process.isAlive() ? "still running" : "exited with " + process.exitValue();
    throw new AssertionError(
        "no "
            + output.name
            + " line as awaited within "
            + timeout.toSeconds()
            + " s (process "
            + state
            + (output.ended() ? ", its " + output.name + " read to the end" : "")
            + "); "
            + transcript());
  }

  /** Waits for the exit and for both streams to be read to their end. */
  int awaitExit(Duration timeout) throws InterruptedException {
    if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
      throw new AssertionError(
          "still running after " + timeout.toSeconds() + " s; " + transcript());
    }
    out.awaitEnd(Duration.ofSeconds(5));
    err.awaitEnd(Duration.ofSeconds(5));
    return process.exitValue();
  }

  /** SIGTERM, as Ctrl-C or a service manager would stop it. */
  void terminate() {
    process.destroy();
  }

  long pid() {
    return process.pid();
  }

  Optional<ProcessHandle> handle() {
    return ProcessHandle.of(process.pid());
  }

  List<String> out() {
    return out.lines();
  }

  List<String> err() {
    return err.lines();
  }

  String transcript() {
    return "stdout: " + String.join("\n  ", out()) + "\nstderr: " + String.join("\n  ", err());
  }

  @Override
  public void close() throws InterruptedException {
    if (process.isAlive()) {
      process.destroy();
      if (!process.waitFor(60, TimeUnit.SECONDS)) {
        process.destroyForcibly();
      }
    }
  }

  /** The lines of one stream so far; those awaiting a line block on it until one is added. */
  private static final class Output {
    private final String name;
    private final List<String> lines = new ArrayList<>();
    private boolean ended;

    Output(String name) {
      this.name = name;
    }

    synchronized void add(String line) {
      lines.add(line);
      notifyAll();
    }

    /** No more lines will come. */
    synchronized void end() {
      ended = true;
      notifyAll();
    }

    synchronized boolean ended() {
      return ended;
    }

    synchronized List<String> lines() {
      return List.copyOf(lines);
    }

    /** The first line matching {@code wanted}, or empty once the stream ended or time is up. */
    synchronized Optional<String> await(Predicate<String> wanted, Duration timeout)
        throws InterruptedException {
      long deadline = System.nanoTime() + timeout.toNanos();
      int seen = 0;
      while (true) {
        for (; seen < lines.size(); seen++) {
          if (wanted.test(lines.get(seen))) {
            return Optional.of(lines.get(seen));
          }
        }
        long left = deadline - System.nanoTime();
        if (left <= 0 || ended) {
          return Optional.empty();
        }
        TimeUnit.NANOSECONDS.timedWait(this, left);
      }
    }

    synchronized void awaitEnd(Duration timeout) throws InterruptedException {
      long deadline = System.nanoTime() + timeout.toNanos();
      long left;
      while (!ended && (left = deadline - System.nanoTime()) > 0) {
        TimeUnit.NANOSECONDS.timedWait(this, left);
      }
    }
  }
}
